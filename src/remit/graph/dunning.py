"""Dunning: the reminder steps of the settings and of an organization, an invoice's
schedule, and pauses. The mutations that pause are with the organization's and the
invoice's own."""

from datetime import date, datetime
from decimal import Decimal

import strawberry

from remit.billing import dunning, reminders
from remit.graph.money import Money, plain
from remit.models.invoices import Reminder

DunningTone = strawberry.enum(dunning.Tone, name="DunningTone")


@strawberry.type(description="A late fee: a percent of the amount due, or a fixed amount.")
class LateFee:
    percent: Decimal | None
    fixed: Money | None = strawberry.field(description="Charged only on invoices in its currency.")

    @classmethod
    def of(cls, fee: dunning.LateFee) -> "LateFee":
        if fee.percent is not None:
            return cls(percent=plain(fee.percent), fixed=None)
        return cls(percent=None, fixed=Money.of(fee.amount, fee.currency))


@strawberry.type(
    description="One reminder of a dunning schedule, on a day counted from the due date "
    "(negative: before it; 0: on it)."
)
class DunningStep:
    offset_days: int
    tone: DunningTone
    text: str | None = strawberry.field(description="The tenant's own words in the email.")
    late_fee: LateFee | None = strawberry.field(
        description="Billed with the reminder as a one-off invoice of its own, once per invoice."
    )

    @classmethod
    def of(cls, step: dunning.Step) -> "DunningStep":
        return cls(
            offset_days=step.offset_days,
            tone=step.tone,
            text=step.text,
            late_fee=LateFee.of(step.late_fee) if step.late_fee else None,
        )

    @classmethod
    def list_of(cls, stored: list[dict] | None) -> list["DunningStep"] | None:
        return None if stored is None else [cls.of(dunning.Step.from_json(s)) for s in stored]


@strawberry.input
class MoneyInput:
    amount: Decimal
    currency: str


@strawberry.input(description="Either percent (of the amount due) or fixed.")
class LateFeeInput:
    percent: Decimal | None = None
    fixed: MoneyInput | None = None


@strawberry.input
class DunningStepInput:
    offset_days: int = strawberry.field(
        description="Days from the due date, -90 to 365: negative before it, 0 on it."
    )
    tone: DunningTone = dunning.Tone.FRIENDLY
    text: str | None = None
    late_fee: LateFeeInput | None = None


@strawberry.type
class DunningPause:
    reason: str | None
    until: date | None = strawberry.field(
        description="Reminders resume on this day; null: when resumed."
    )
    by_organization: bool = strawberry.field(
        description="Paused for the whole organization rather than for this invoice."
    )


@strawberry.input
class DunningPauseInput:
    reason: str
    until: date | None = strawberry.field(
        default=None, description="Reminders resume on this day; left out: when resumed."
    )


@strawberry.type
class DunningReminder:
    offset_days: int
    tone: DunningTone
    created_at: datetime = strawberry.field(description="When the step was taken.")
    sent_at: datetime | None = strawberry.field(description="When its email went out.")
    late_fee_invoice_id: strawberry.ID | None

    @classmethod
    def of(cls, row: Reminder) -> "DunningReminder":
        return cls(
            offset_days=row.offset_days,
            tone=dunning.Tone(row.tone),
            created_at=row.created_at,
            sent_at=row.sent_at,
            late_fee_invoice_id=strawberry.ID(str(row.late_fee_invoice_id))
            if row.late_fee_invoice_id
            else None,
        )


@strawberry.type
class InvoiceDunning:
    sent: list[DunningReminder] = strawberry.field(description="The steps taken, in order.")
    next_step: DunningStep | None = strawberry.field(
        description="The step it gets next; null: none (paid, void, or the schedule is done)."
    )
    next_on: date | None = strawberry.field(
        description="The day the next step goes; null while paused with no end, or none left."
    )
    pause: DunningPause | None = strawberry.field(
        description="What holds its reminders, the invoice's own pause or its organization's."
    )

    @classmethod
    def of(cls, schedule: reminders.Schedule) -> "InvoiceDunning":
        pause = schedule.pause
        return cls(
            sent=[DunningReminder.of(row) for row in schedule.sent],
            next_step=DunningStep.of(schedule.next_step) if schedule.next_step else None,
            next_on=schedule.next_on,
            pause=DunningPause(
                reason=pause.reason, until=pause.until, by_organization=pause.by_organization
            )
            if pause
            else None,
        )
