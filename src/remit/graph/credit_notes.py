"""Credit notes: corrections of issued invoices."""

from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated

import strawberry

from remit.billing import credit_notes, links
from remit.graph.context import Info
from remit.graph.errors import UserError, payload
from remit.graph.inputs import changes_of
from remit.graph.money import Money, plain
from remit.graph.nodes import Node
from remit.graph.pagination import Connection, paginate
from remit.models.credit_notes import CreditNote as CreditNoteModel
from remit.models.credit_notes import CreditNoteLine as CreditNoteLineModel
from remit.models.invoices import Invoice as InvoiceModel
from remit.models.organizations import Organization as OrganizationModel

if TYPE_CHECKING:
    from remit.graph.invoices import Invoice
    from remit.graph.organizations import Organization

REFUND = "Refunds the credited amount through the provider that took the payment"


@strawberry.type
class CreditNoteLine:
    invoice_line_id: strawberry.ID = strawberry.field(description="The invoice line credited.")
    name: str
    quantity: Decimal | None = strawberry.field(
        description="The part of the invoice line's quantity credited; null when credited by amount."
    )
    unit_price: Money
    subtotal: Money
    tax_rate: Decimal
    tax: Money
    total: Money

    @classmethod
    def from_model(cls, line: CreditNoteLineModel) -> "CreditNoteLine":
        currency = line.currency
        return cls(
            invoice_line_id=strawberry.ID(str(line.invoice_line_id)),
            name=line.name,
            quantity=None if line.quantity is None else plain(line.quantity),
            unit_price=Money.of(line.unit_price, currency),
            subtotal=Money.of(line.subtotal, currency),
            tax_rate=plain(line.tax_rate),
            tax=Money.of(line.tax, currency),
            total=Money.of(line.total, currency),
        )


# The parent of a credit note's lines, for their loader (graph/context.py).
_of_credit_note = attrgetter("credit_note_id")


@strawberry.type
class CreditNote(Node):
    model: strawberry.Private[CreditNoteModel]
    number: str = strawberry.field(description="Its own gapless series: INV-CN-000001.")
    issue_date: date
    reason: str
    currency: str
    subtotal: Money
    tax: Money
    total: Money
    refund: bool = strawberry.field(
        description="Whether it refunds the credited amount through the provider that took the payment."
    )
    created_at: datetime
    created_by: str = strawberry.field(description="user:<email>, apikey:<prefix>, system")
    public_url: str = strawberry.field(
        description="The hosted credit note; no login needed, unguessable."
    )
    pdf_url: str
    einvoice_url: str = strawberry.field(
        description="The e-invoice XML (type 381) in the organization's einvoiceFormat."
    )

    @strawberry.field
    async def lines(self, info: Info) -> list[CreditNoteLine]:
        loader = info.context.loaders.grouped(credit_notes.lines_of, _of_credit_note)
        return [CreditNoteLine.from_model(row) for row in await loader.load(self.model.id)]

    @strawberry.field(description="The invoice it corrects.")
    async def invoice(
        self, info: Info
    ) -> Annotated["Invoice", strawberry.lazy("remit.graph.invoices")]:
        from remit.graph.invoices import Invoice

        return Invoice.from_model(
            await info.context.loaders[InvoiceModel].load(self.model.invoice_id)
        )

    @strawberry.field
    async def organization(
        self, info: Info
    ) -> Annotated["Organization", strawberry.lazy("remit.graph.organizations")]:
        from remit.graph.organizations import Organization

        return Organization.from_model(
            await info.context.loaders[OrganizationModel].load(self.model.organization_id)
        )

    @classmethod
    def from_model(cls, credit_note: CreditNoteModel) -> "CreditNote":
        currency = credit_note.currency
        return cls(
            model=credit_note,
            id=strawberry.ID(str(credit_note.id)),
            number=credit_note.number,
            issue_date=credit_note.issue_date,
            reason=credit_note.reason,
            currency=currency,
            subtotal=Money.of(credit_note.subtotal, currency),
            tax=Money.of(credit_note.tax, currency),
            total=Money.of(credit_note.total, currency),
            refund=credit_note.refund,
            created_at=credit_note.created_at,
            created_by=credit_note.created_by,
            public_url=links.credit_note_url(credit_note.public_token),
            pdf_url=links.credit_note_pdf_url(credit_note.public_token),
            einvoice_url=links.credit_note_einvoice_url(credit_note.public_token),
        )


@strawberry.input
class CreditNoteLineInput:
    invoice_line_id: strawberry.ID
    quantity: Decimal | None = strawberry.field(
        default=None,
        description="Credit this part of the line's quantity, priced as the line. Give this or amount.",
    )
    amount: Decimal | None = strawberry.field(
        default=None,
        description="Credit this gross amount (tax included, split at the line's rate). Give this or quantity.",
    )


@strawberry.input
class CreditNoteInput:
    invoice_id: strawberry.ID = strawberry.field(description="A DUE, OVERDUE or PAID invoice.")
    reason: str
    lines: list[CreditNoteLineInput] = strawberry.field(
        default_factory=list,
        description="What to credit, at most what is still creditable on each line.",
    )
    full_credit: bool = strawberry.field(
        default=False,
        description="Credit everything on the invoice not credited yet, instead of lines.",
    )
    refund: bool = strawberry.field(default=False, description=f"{REFUND}.")


@strawberry.input
class CreditNoteFilter:
    invoice_id: strawberry.ID | None = None
    organization_id: strawberry.ID | None = None


@strawberry.type
class CreditNotePayload:
    credit_note: CreditNote | None
    errors: list[UserError]


@strawberry.type
class CreditNoteQuery:
    @strawberry.field
    async def credit_note(self, info: Info, id: strawberry.ID) -> CreditNote | None:
        found = await info.context.loaders[CreditNoteModel].load(id)
        return CreditNote.from_model(found) if found else None

    @strawberry.field
    async def credit_notes(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: CreditNoteFilter | None = None,
    ) -> Connection[CreditNote]:
        chosen = filter or CreditNoteFilter()
        found = credit_notes.listed(
            info.context.tenant,
            invoice_id=chosen.invoice_id,
            organization_id=chosen.organization_id,
        )
        return await paginate(
            found, CreditNote.from_model, first=first, after=after, newest_first=True
        )


@strawberry.type
class CreditNoteMutation:
    @strawberry.mutation(
        description="Correct an issued invoice: credit part of its lines, or all of it; numbered and emailed to the invoice's recipients with its PDF."
    )
    async def credit_note_create(self, info: Info, input: CreditNoteInput) -> CreditNotePayload:
        created = credit_notes.create(
            info.context.actor,
            input.invoice_id,
            input.reason,
            changes_of(input.lines),
            full_credit=input.full_credit,
            refund=input.refund,
        )
        return await payload(CreditNotePayload, created, CreditNote.from_model, prefix=["input"])
