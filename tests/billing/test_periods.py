import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remit.billing.periods import (
    BILLED_MONTHS,
    CYCLE_MONTHS,
    Period,
    add_months,
    next_invoice_date,
    period,
    period_index_on,
)
from remit.models.enums import BilledType, BillingCycle


def test_cycles_and_billed_frequencies_in_months():
    assert CYCLE_MONTHS == {
        BillingCycle.MONTHLY: 1,
        BillingCycle.QUARTERLY: 3,
        BillingCycle.ANNUALLY: 12,
    }
    assert BILLED_MONTHS == {
        BilledType.MONTHLY: 1,
        BilledType.QUARTERLY: 3,
        BilledType.ANNUALLY: 12,
    }


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 1, 31), 2, date(2027, 3, 31)),
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        (date(2027, 1, 15), 0, date(2027, 1, 15)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 12, 31), 1, date(2028, 1, 31)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2027, 1, 31), -2, date(2026, 11, 30)),
    ],
)
def test_add_months_clamps_the_anchor_day_to_the_month(anchor, months, expected):
    assert add_months(anchor, months) == expected


def test_monthly_from_the_31st_keeps_coming_back_to_the_31st():
    start = date(2027, 1, 31)
    assert [period(start, 1, k) for k in range(4)] == [
        Period(0, date(2027, 1, 31), date(2027, 2, 27)),
        Period(1, date(2027, 2, 28), date(2027, 3, 30)),
        Period(2, date(2027, 3, 31), date(2027, 4, 29)),
        Period(3, date(2027, 4, 30), date(2027, 5, 30)),
    ]


def test_monthly_from_the_31st_in_a_leap_year():
    start = date(2028, 1, 31)
    assert period(start, 1, 0) == Period(0, date(2028, 1, 31), date(2028, 2, 28))
    assert period(start, 1, 1) == Period(1, date(2028, 2, 29), date(2028, 3, 30))
    assert period(start, 1, 2) == Period(2, date(2028, 3, 31), date(2028, 4, 29))


def test_quarterly_from_the_31st_of_august():
    start = date(2027, 8, 31)
    assert [period(start, 3, k) for k in range(5)] == [
        Period(0, date(2027, 8, 31), date(2027, 11, 29)),
        Period(1, date(2027, 11, 30), date(2028, 2, 28)),
        Period(2, date(2028, 2, 29), date(2028, 5, 30)),
        Period(3, date(2028, 5, 31), date(2028, 8, 30)),
        Period(4, date(2028, 8, 31), date(2028, 11, 29)),
    ]


def test_annual_from_the_29th_of_february():
    start = date(2028, 2, 29)
    assert period(start, 12, 0) == Period(0, date(2028, 2, 29), date(2029, 2, 27))
    assert period(start, 12, 1) == Period(1, date(2029, 2, 28), date(2030, 2, 27))
    assert period(start, 12, 3) == Period(3, date(2031, 2, 28), date(2032, 2, 28))
    assert period(start, 12, 4) == Period(4, date(2032, 2, 29), date(2033, 2, 27))


def test_contains_includes_both_ends():
    first = period(date(2027, 1, 31), 1, 0)
    assert first.contains(date(2027, 1, 31))
    assert first.contains(date(2027, 2, 27))
    assert not first.contains(date(2027, 1, 30))
    assert not first.contains(date(2027, 2, 28))


def test_period_index_on_before_the_start_is_none():
    assert period_index_on(date(2027, 1, 31), 1, date(2027, 1, 30)) is None
    assert period_index_on(date(2027, 1, 31), 12, date(2020, 6, 1)) is None


@pytest.mark.parametrize(
    ("day", "index"),
    [
        (date(2027, 1, 31), 0),
        (date(2027, 2, 27), 0),
        (date(2027, 2, 28), 1),
        (date(2027, 3, 30), 1),
        (date(2027, 3, 31), 2),
        (date(2027, 4, 29), 2),
        (date(2027, 4, 30), 3),
        (date(2027, 5, 30), 3),
        (date(2027, 5, 31), 4),
        (date(2037, 1, 30), 119),
        (date(2037, 1, 31), 120),
    ],
)
def test_period_index_on_the_boundaries(day, index):
    assert period_index_on(date(2027, 1, 31), 1, day) == index


@pytest.mark.parametrize(
    ("day", "index"),
    [
        (date(2027, 11, 29), 0),
        (date(2027, 11, 30), 1),
        (date(2028, 2, 28), 1),
        (date(2028, 2, 29), 2),
        (date(2028, 5, 30), 2),
        (date(2028, 5, 31), 3),
    ],
)
def test_period_index_on_quarterly_boundaries(day, index):
    assert period_index_on(date(2027, 8, 31), 3, day) == index


def test_next_invoice_date_is_the_start_of_the_following_period():
    start = date(2027, 1, 31)
    assert next_invoice_date(start, 1, -1) == date(2027, 1, 31)
    assert next_invoice_date(start, 1, 0) == date(2027, 2, 28)
    assert next_invoice_date(start, 1, 1) == date(2027, 3, 31)
    assert next_invoice_date(start, 1, 2) == date(2027, 4, 30)
    assert next_invoice_date(date(2028, 2, 29), 12, 3) == date(2032, 2, 29)


@pytest.mark.parametrize(("cycle_months", "index"), [(0, 0), (-1, 0), (1, -1)])
def test_nonsense_cycles_and_indexes_are_refused(cycle_months, index):
    with pytest.raises(ValueError):
        period(date(2027, 1, 1), cycle_months, index)


starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
cycles = st.sampled_from([1, 3, 12])
PERIODS = 36


@given(start=starts, cycle_months=cycles)
def test_periods_tile_the_calendar_and_keep_their_anchor_day(start, cycle_months):
    periods = [period(start, cycle_months, k) for k in range(PERIODS)]
    assert periods[0].start == start
    for k, current in enumerate(periods):
        assert current.index == k
        assert current.start <= current.end
        month_length = calendar.monthrange(current.start.year, current.start.month)[1]
        assert current.start.day == min(start.day, month_length)
        if k:
            assert current.start == periods[k - 1].end + timedelta(days=1)
        assert next_invoice_date(start, cycle_months, k) == current.end + timedelta(days=1)


@given(start=starts, cycle_months=cycles, index=st.integers(0, PERIODS - 1), data=st.data())
def test_any_day_of_a_period_has_its_index(start, cycle_months, index, data):
    current = period(start, cycle_months, index)
    day = data.draw(st.dates(min_value=current.start, max_value=current.end))
    assert current.contains(day)
    assert period_index_on(start, cycle_months, day) == index
    assert period_index_on(start, cycle_months, current.start) == index
    assert period_index_on(start, cycle_months, current.end) == index
    assert period_index_on(start, cycle_months, start - timedelta(days=1)) is None
