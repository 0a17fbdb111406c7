"""Dunning schedules: the reminder steps of a tenant, or of one organization that has its
own. Each step is a day counted from the due date (negative: before it, 0: on it), with the
tone of its email (friendly, firm, final), the tenant's own words for it, and an optional
late fee (fixed, or a percent of the amount due). Stored as JSON on the settings and the
organization; the default is one friendly step for each of the tenant's reminder days."""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from remit.billing import validation
from remit.billing.money import Money
from remit.billing.validation import Checks, Invalid
from remit.models.organizations import Organization
from remit.models.settings import InvoicingSettings

# A reminder up to a quarter before the due date, or a year after it.
EARLIEST_DAY = -90
LATEST_DAY = 365
MAX_STEPS = 10
MAX_TEXT = 2000
MAX_PERCENT = Decimal(100)


class Tone(StrEnum):
    FRIENDLY = "friendly"
    FIRM = "firm"
    FINAL = "final"


@dataclass(frozen=True)
class LateFee:
    """Either a `percent` of the amount due, or a fixed `amount` (minor units of
    `currency`), which applies only to invoices in that currency."""

    percent: Decimal | None = None
    amount: int | None = None
    currency: str | None = None

    def for_invoice(self, amount_due: int, currency: str) -> int:
        """The fee, in minor units of `currency`: 0 when there is none to charge."""
        if amount_due <= 0:
            return 0
        if self.percent is not None:
            due = Money(amount_due, currency).amount
            return Money.rounded(due * self.percent / 100, currency).minor
        return self.amount if self.currency == currency and self.amount else 0

    def as_json(self) -> dict[str, Any]:
        if self.percent is not None:
            return {"percent": str(self.percent)}
        return {"amount": self.amount, "currency": self.currency}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "LateFee | None":
        if not data:
            return None
        if data.get("percent") is not None:
            return cls(percent=Decimal(data["percent"]))
        return cls(amount=data["amount"], currency=data["currency"])


@dataclass(frozen=True)
class Step:
    offset_days: int
    tone: Tone = Tone.FRIENDLY
    text: str | None = None
    late_fee: LateFee | None = None

    def day(self, due_date: date) -> date:
        return due_date + timedelta(days=self.offset_days)

    def as_json(self) -> dict[str, Any]:
        return {
            "offset_days": self.offset_days,
            "tone": str(self.tone),
            "text": self.text,
            "late_fee": self.late_fee.as_json() if self.late_fee else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Step":
        return cls(
            offset_days=data["offset_days"],
            tone=Tone(data["tone"]),
            text=data.get("text"),
            late_fee=LateFee.from_json(data.get("late_fee")),
        )


def _of(stored: list[dict[str, Any]]) -> list[Step]:
    return [Step.from_json(step) for step in stored]


def tenant_steps(settings: InvoicingSettings) -> list[Step]:
    if settings.dunning_steps is not None:
        return _of(settings.dunning_steps)
    return [Step(day) for day in settings.reminder_days]


def steps_for(settings: InvoicingSettings, organization: Organization) -> list[Step]:
    """The schedule an organization's invoices follow: its own, else its tenant's."""
    if organization.dunning_steps is not None:
        return _of(organization.dunning_steps)
    return tenant_steps(settings)


def latest_reached(steps: list[Step], due_date: date, today: date) -> Step | None:
    """The last step whose day has come: a run that missed days sends only that one."""
    reached = [step for step in steps if step.day(due_date) <= today]
    return max(reached, key=lambda step: step.offset_days) if reached else None


def next_step(steps: list[Step], due_date: date, today: date, last_sent: int | None) -> Step | None:
    """The step the invoice gets next: one reached and not sent yet (it goes at the next
    run), else the first still to come."""
    later = [step for step in steps if last_sent is None or step.offset_days > last_sent]
    reached = latest_reached(later, due_date, today)
    if reached is not None:
        return reached
    return min(later, key=lambda step: step.offset_days) if later else None


def days_check(days: list[int], field: list[str]) -> list[int]:
    """Reminder days: within the range, ascending, each once, at most MAX_STEPS."""
    checks = Checks()
    for position, day in enumerate(days):
        checks.run(validation.within(EARLIEST_DAY, LATEST_DAY), day, [*field, str(position)])
    checks.raise_if_any()
    if any(later <= earlier for earlier, later in itertools.pairwise(days)):
        raise Invalid("Reminder days must be in ascending order, each once.", field=field)
    if len(days) > MAX_STEPS:
        raise Invalid(f"At most {MAX_STEPS} reminders.", field=field)
    return days


def _late_fee(data: dict[str, Any], field: list[str]) -> LateFee:
    percent, fixed = data.get("percent"), data.get("fixed")
    if (percent is None) == (fixed is None):
        raise Invalid("Give either a percent or a fixed amount.", field=field)
    if percent is not None:
        value = Decimal(percent)
        if not (value.is_finite() and 0 < value <= MAX_PERCENT):
            raise Invalid(f"Must be above 0 and at most {MAX_PERCENT}.", field=[*field, "percent"])
        return LateFee(percent=value.normalize())
    fee = Money.parse(
        fixed.get("amount"), (fixed.get("currency") or "").upper(), field=[*field, "fixed"]
    )
    if fee.minor <= 0:
        raise Invalid("A late fee must be above 0.", field=[*field, "fixed", "amount"])
    return LateFee(amount=fee.minor, currency=fee.currency)


def _step(data: dict[str, Any], field: list[str], checks: Checks) -> Step | None:
    tone = str(data.get("tone") or Tone.FRIENDLY).lower()
    if tone not in {member.value for member in Tone}:
        checks.errors.append(Invalid(f"{tone!r} is not a tone.", field=[*field, "tone"]))
    text = data.get("text")
    if text is not None:
        text = checks.run(validation.text, text, [*field, "text"], max_length=MAX_TEXT)
    fee = None
    if data.get("late_fee") is not None:
        fee = checks.run(_late_fee, data["late_fee"], [*field, "late_fee"])
    if checks.errors:
        return None
    return Step(data["offset_days"], Tone(tone), text or None, fee)


def cleaned_steps(data: list[dict[str, Any]], field: list[str]) -> list[dict[str, Any]]:
    """Steps as given (snake_case input), checked; stored as JSON."""
    validation.storable(data, field)
    days_check([step.get("offset_days") for step in data], field)
    checks = Checks()
    steps = [_step(step, [*field, str(n)], checks) for n, step in enumerate(data)]
    checks.raise_if_any()
    return [step.as_json() for step in steps if step is not None]


def with_days(settings: InvoicingSettings, days: list[int]) -> list[dict[str, Any]]:
    """The tenant's steps for new reminder days: a day it had keeps its step."""
    kept = {step.offset_days: step for step in tenant_steps(settings)}
    return [kept.get(day, Step(day)).as_json() for day in days]


def in_step(settings: InvoicingSettings, values: dict[str, Any]) -> dict[str, Any]:
    """Settings `values` (checked) whose reminder days and steps agree: steps given set the
    days; days given alone keep the steps of the days that stay. Given both, their days
    must be the same."""
    if values.get("dunning_steps") is not None:
        days = [step["offset_days"] for step in values["dunning_steps"]]
        if values.get("reminder_days", days) != days:
            raise Invalid(
                "Give the reminder days or the steps, or both with the same days.",
                field=["reminder_days"],
            )
        return {**values, "reminder_days": days}
    if "reminder_days" in values:
        return {**values, "dunning_steps": with_days(settings, values["reminder_days"])}
    return values
