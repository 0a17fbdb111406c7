"""Invoice lines and the upcoming-invoice preview, which share their shape with issued
invoices."""

from datetime import date
from decimal import Decimal

import strawberry

from remit.billing.drafts import InvoiceDraft, LineDraft
from remit.billing.previews import CatchUp
from remit.graph.enums import BilledType, VatCategory
from remit.graph.money import Money, plain


@strawberry.type
class InvoiceLine:
    name: str
    billed: BilledType
    quantity: Decimal
    unit_price: Money
    subtotal: Money
    tax_rate: Decimal
    tax: Money
    total: Money
    vat_category: VatCategory
    id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An issued invoice's line, as a credit note names it; null in a preview.",
    )

    @classmethod
    def from_draft(cls, line: LineDraft) -> "InvoiceLine":
        return cls(
            name=line.name,
            billed=line.billed,
            quantity=plain(line.quantity),
            unit_price=Money.from_value(line.unit_price),
            subtotal=Money.from_value(line.subtotal),
            tax_rate=plain(line.tax_rate),
            tax=Money.from_value(line.tax),
            total=Money.from_value(line.total),
            vat_category=line.vat_category,
        )


@strawberry.type(
    description="Periods already due that the next cycle would issue at once, the upcoming "
    "invoice's first."
)
class CatchUpPreview:
    periods: int
    invoices: int = strawberry.field(description="The periods with something to bill.")
    total: Money = strawberry.field(description="The total of those invoices.")
    first_period_start: date
    last_period_end: date
    held: bool = strawberry.field(
        description="More periods than the server's limit: the invoices are issued ON_HOLD, "
        "none emailed, until contractCatchUpConfirm (or invoiceRelease on each)."
    )

    @classmethod
    def from_catch_up(cls, catch_up: CatchUp) -> "CatchUpPreview":
        return cls(
            periods=catch_up.periods,
            invoices=catch_up.invoices,
            total=Money.from_value(catch_up.total),
            first_period_start=catch_up.first_period_start,
            last_period_end=catch_up.last_period_end,
            held=catch_up.held,
        )


@strawberry.type
class InvoicePreview:
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    lines: list[InvoiceLine]
    subtotal: Money
    tax: Money
    total: Money
    catch_up: CatchUpPreview | None = strawberry.field(
        default=None,
        description="When more than one period is already due: what the catch-up would issue.",
    )

    @classmethod
    def from_draft(cls, draft: InvoiceDraft, catch_up: CatchUp | None = None) -> "InvoicePreview":
        return cls(
            catch_up=CatchUpPreview.from_catch_up(catch_up) if catch_up else None,
            period_start=draft.period.start,
            period_end=draft.period.end,
            issue_date=draft.issue_date,
            due_date=draft.due_date,
            lines=[InvoiceLine.from_draft(line) for line in draft.lines],
            subtotal=Money.from_value(draft.subtotal),
            tax=Money.from_value(draft.tax),
            total=Money.from_value(draft.total),
        )
