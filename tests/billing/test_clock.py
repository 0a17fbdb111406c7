from datetime import UTC, date

from remit.billing import clock


def test_today_is_the_utc_date_unless_frozen():
    assert clock.today() == clock.now().date()
    assert clock.now().tzinfo is UTC


def test_a_frozen_day_holds_within_the_block_only():
    with clock.frozen(date(2027, 2, 28)):
        assert clock.today() == date(2027, 2, 28)
    assert clock.today() == clock.now().date()


def test_a_frozen_day_freezes_now_on_that_day_in_utc():
    with clock.frozen(date(2027, 2, 28)):
        first, second = clock.now(), clock.now()
    assert first.date() == date(2027, 2, 28) and first.tzinfo is UTC
    assert second >= first
    assert clock.now().date() == clock.today() != date(2027, 2, 28)
