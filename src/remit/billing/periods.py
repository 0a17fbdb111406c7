"""Billing periods: the k-th starts k x N months after the invoicing start date.

Pure date arithmetic, shared by the upcoming-invoice dry run and the daily invoicing cycle.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from remit.models.enums import BilledType, BillingCycle

CYCLE_MONTHS: dict[BillingCycle, int] = {
    BillingCycle.MONTHLY: 1,
    BillingCycle.QUARTERLY: 3,
    BillingCycle.ANNUALLY: 12,
}

# ONCE has no frequency: a one-time item is never converted to the contract's cycle.
BILLED_MONTHS: dict[BilledType, int] = {
    BilledType.MONTHLY: 1,
    BilledType.QUARTERLY: 3,
    BilledType.ANNUALLY: 12,
}


def add_months(anchor: date, months: int) -> date:
    """The date `months` after `anchor`, its day clamped to the target month's length."""
    year, month0 = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    day = min(anchor.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)


@dataclass(frozen=True)
class Period:
    index: int
    start: date
    end: date  # inclusive

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _check(cycle_months: int) -> None:
    if cycle_months <= 0:
        raise ValueError(f"a billing cycle is a positive number of months, not {cycle_months}")


def period(start: date, cycle_months: int, index: int) -> Period:
    """The `index`-th period (0 is the first) of a contract invoiced from `start`."""
    _check(cycle_months)
    if index < 0:
        raise ValueError(f"period indexes start at 0, not {index}")
    # Both ends come from the original start date, so a 31st start never drifts to the 28th.
    begins = add_months(start, index * cycle_months)
    next_begins = add_months(start, (index + 1) * cycle_months)
    return Period(index=index, start=begins, end=next_begins - timedelta(days=1))


def period_index_on(start: date, cycle_months: int, day: date) -> int | None:
    """The index of the period that contains `day`; None before the first period."""
    _check(cycle_months)
    if day < start:
        return None
    months = (day.year - start.year) * 12 + day.month - start.month
    index = months // cycle_months
    # Period `index` starts in `day`'s month or earlier, and the next one in a later month,
    # so only a start later in the same month (e.g. the 31st vs the 15th) moves it back one.
    if add_months(start, index * cycle_months) > day:
        index -= 1
    return index


def next_invoice_date(start: date, cycle_months: int, after_index: int) -> date:
    """The start of the period after `after_index`: when the next invoice is due to be issued."""
    return period(start, cycle_months, after_index + 1).start
