"""The one clock. Every "today" and "now" in Remit comes from here, so tests and the
CLI's `--date` can set the day the whole system believes it is."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime

_frozen_today: ContextVar[date | None] = ContextVar("frozen_today", default=None)


def now() -> datetime:
    """The current instant in UTC; within `frozen(day)`, the current time of day on `day`."""
    instant = datetime.now(UTC)
    day = _frozen_today.get()
    return instant if day is None else datetime.combine(day, instant.timetz())


def today() -> date:
    return now().date()


@contextmanager
def frozen(day: date) -> Iterator[None]:
    """Within this block `today()` is `day`, and `now()` an instant of that day (the time
    of day still runs, so timestamps keep their order): what the CLI's `--date` and tests
    use."""
    token = _frozen_today.set(day)
    try:
        yield
    finally:
        _frozen_today.reset(token)
