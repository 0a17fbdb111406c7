"""Invoice lines and the upcoming-invoice preview, which share their shape with issued
invoices."""

from datetime import date
from decimal import Decimal

import strawberry

from remit.billing.drafts import InvoiceDraft, LineDraft
from remit.graph.enums import BilledType
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

    @classmethod
    def from_draft(cls, draft: InvoiceDraft) -> "InvoicePreview":
        return cls(
            period_start=draft.period.start,
            period_end=draft.period.end,
            issue_date=draft.issue_date,
            due_date=draft.due_date,
            lines=[InvoiceLine.from_draft(line) for line in draft.lines],
            subtotal=Money.from_value(draft.subtotal),
            tax=Money.from_value(draft.tax),
            total=Money.from_value(draft.total),
        )
