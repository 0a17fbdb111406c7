"""Invoices, their events, and the day's invoicing runs."""

from collections.abc import AsyncGenerator, Awaitable, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated

import strawberry

from remit.billing import (
    bank,
    credit_notes,
    cycle,
    dunning_pauses,
    invoices,
    issuing,
    ledger,
    links,
    live,
    one_off,
    payments,
    reminders,
)
from remit.graph.addresses import Address
from remit.graph.context import Info
from remit.graph.contracts import DeletePayload
from remit.graph.dunning import DunningPauseInput, InvoiceDunning
from remit.graph.enums import BilledType, InvoiceStatus, VatCategory
from remit.graph.errors import UserError, payload
from remit.graph.inputs import changes_of
from remit.graph.money import Money, plain
from remit.graph.nodes import Node
from remit.graph.pagination import Connection, paginate
from remit.models.contracts import Contract as ContractModel
from remit.models.invoices import Invoice as InvoiceModel
from remit.models.organizations import Organization as OrganizationModel
from remit.models.runs import InvoicingRun as RunModel

if TYPE_CHECKING:
    from remit.graph.contracts import Contract
    from remit.graph.credit_notes import CreditNote
    from remit.graph.invoice_lines import InvoiceLine
    from remit.graph.organizations import Organization
    from remit.graph.payments import PaymentAllocation


@strawberry.type
class InvoiceParty:
    name: str
    legal_name: str | None
    email: str | None
    address: Address | None
    tax_id: str | None

    @classmethod
    def from_json(cls, party: dict) -> "InvoiceParty":
        return cls(
            name=party.get("name") or "",
            legal_name=party.get("legal_name"),
            email=party.get("email"),
            address=Address.from_json(party.get("address")),
            tax_id=party.get("tax_id"),
        )


@strawberry.type
class PaymentOption:
    provider: str
    name: str
    instructions: str | None = strawberry.field(
        description="Instructions shown on the invoice (bank details, cheque payee and address)."
    )
    payment_url: str | None = strawberry.field(
        description="Where the customer pays online, when the provider supports it."
    )


@strawberry.type
class InvoiceEvent:
    at: datetime
    type: str
    from_status: InvoiceStatus | None
    to_status: InvoiceStatus | None
    actor: str = strawberry.field(
        description="user:<email>, apikey:<prefix>, provider:<key>, cycle, system"
    )
    detail: str | None


# The parent of an invoice's children, for the loaders of lists (graph/context.py).
_of_invoice = attrgetter("invoice_id")


async def _allocations_of(invoice_ids: list) -> list[tuple]:
    return await ledger.allocations(invoice_ids=invoice_ids)


def _allocated_to(found: tuple) -> object:
    return found[0].invoice_id


@strawberry.type
class Invoice(Node):
    model: strawberry.Private[InvoiceModel]
    number: str | None = strawberry.field(
        description="Assigned when the invoice is issued; null while DRAFT or ON_HOLD."
    )
    status: InvoiceStatus
    currency: str
    issue_date: date | None
    due_date: date | None
    period_start: date
    period_end: date
    subtotal: Money
    tax: Money
    total: Money
    amount_paid: Money
    amount_due: Money
    customer: InvoiceParty
    provider: InvoiceParty
    hold_reasons: list[str]
    public_url: str = strawberry.field(
        description="The hosted invoice page; no login needed, unguessable."
    )
    pdf_url: str
    einvoice_url: str | None = strawberry.field(
        description="The e-invoice XML in the organization's einvoiceFormat; null until issued."
    )
    buyer_reference: str | None = strawberry.field(description="BT-10, copied at issue.")
    purchase_order_reference: str | None = strawberry.field(description="BT-13, copied at issue.")
    sent_at: datetime | None
    paid_at: datetime | None = strawberry.field(description="When the payment was recorded.")
    paid_on: date | None = strawberry.field(
        description="The day the money arrived: the paidOn given, or the provider's payment day. Null unless PAID."
    )
    voided_at: datetime | None

    @strawberry.field
    async def contract(
        self, info: Info
    ) -> Annotated["Contract", strawberry.lazy("remit.graph.contracts")]:
        from remit.graph.contracts import Contract

        return Contract.from_model(
            await info.context.loaders[ContractModel].load(self.model.contract_id)
        )

    @strawberry.field
    async def organization(
        self, info: Info
    ) -> Annotated["Organization", strawberry.lazy("remit.graph.organizations")]:
        from remit.graph.organizations import Organization

        return Organization.from_model(
            await info.context.loaders[OrganizationModel].load(self.model.organization_id)
        )

    @strawberry.field
    async def lines(
        self, info: Info
    ) -> list[Annotated["InvoiceLine", strawberry.lazy("remit.graph.invoice_lines")]]:
        from remit.graph.invoice_lines import InvoiceLine

        rows = await info.context.loaders.grouped(invoices.lines_of, _of_invoice).load(
            self.model.id
        )
        return [
            InvoiceLine(
                id=strawberry.ID(str(row.id)),
                name=row.name,
                billed=BilledType(row.billed),
                quantity=plain(row.quantity),
                unit_price=Money.of(row.unit_price, row.currency),
                subtotal=Money.of(row.subtotal, row.currency),
                tax_rate=plain(row.tax_rate),
                tax=Money.of(row.tax, row.currency),
                total=Money.of(row.total, row.currency),
                vat_category=row.vat_category,
            )
            for row in rows
        ]

    @strawberry.field(description="The credit notes correcting this invoice, oldest first.")
    async def credit_notes(
        self, info: Info
    ) -> list[Annotated["CreditNote", strawberry.lazy("remit.graph.credit_notes")]]:
        from remit.graph.credit_notes import CreditNote

        loader = info.context.loaders.grouped(credit_notes.of_invoices, _of_invoice)
        return [CreditNote.from_model(row) for row in await loader.load(self.model.id)]

    @strawberry.field(description="The payments applied to it, oldest first.")
    async def payments(
        self, info: Info
    ) -> list[Annotated["PaymentAllocation", strawberry.lazy("remit.graph.payments")]]:
        from remit.graph.payments import PaymentAllocation

        loader = info.context.loaders.grouped(_allocations_of, _allocated_to)
        return [PaymentAllocation.of(*found) for found in await loader.load(self.model.id)]

    @strawberry.field
    def payment_options(self) -> list[PaymentOption]:
        return [
            PaymentOption(
                provider=option["provider"],
                name=option["name"],
                instructions=option.get("instructions"),
                payment_url=option.get("payment_url"),
            )
            for option in self.model.payment_options
        ]

    @strawberry.field(
        description="What the customer quotes when paying by bank transfer: an ISO 11649 "
        "creditor reference (RF…), or the Swiss QR reference for a CHF invoice paid to a "
        "QR-IBAN. Bank statements are matched by it. Null while the invoice has no number, "
        "or when it does not offer bank transfer."
    )
    async def payment_reference(self, info: Info) -> str | None:
        return await info.context.loaders.each(bank.payment_references).load(self.model.id)

    @strawberry.field(description="Its reminders: those sent, the next one and any pause.")
    async def dunning(self) -> InvoiceDunning:
        return InvoiceDunning.of(await reminders.schedule_of(self.model))

    @strawberry.field
    async def events(self, info: Info) -> list[InvoiceEvent]:
        rows = await info.context.loaders.grouped(invoices.events_of, _of_invoice).load(
            self.model.id
        )
        return [
            InvoiceEvent(
                at=row.at,
                type=row.type,
                from_status=row.from_status,
                to_status=row.to_status,
                actor=row.actor,
                detail=row.detail,
            )
            for row in rows
        ]

    @classmethod
    def from_model(cls, invoice: InvoiceModel) -> "Invoice":
        currency = invoice.currency
        return cls(
            model=invoice,
            id=strawberry.ID(str(invoice.id)),
            number=invoice.number,
            status=invoice.status,
            currency=currency,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            subtotal=Money.of(invoice.subtotal, currency),
            tax=Money.of(invoice.tax, currency),
            total=Money.of(invoice.total, currency),
            amount_paid=Money.of(invoice.amount_paid, currency),
            amount_due=Money.of(ledger.amount_due(invoice), currency),
            customer=InvoiceParty.from_json(invoice.customer),
            provider=InvoiceParty.from_json(invoice.provider),
            hold_reasons=invoice.hold_reasons,
            public_url=links.invoice_url(invoice.public_token),
            pdf_url=links.pdf_url(invoice.public_token),
            einvoice_url=links.einvoice_url(invoice.public_token) if invoice.number else None,
            buyer_reference=invoice.buyer_reference,
            purchase_order_reference=invoice.purchase_order_reference,
            sent_at=invoice.sent_at,
            paid_at=invoice.paid_at,
            paid_on=invoice.paid_on,
            voided_at=invoice.voided_at,
        )


@strawberry.input
class InvoiceFilter:
    status: list[InvoiceStatus] | None = None
    organization_id: strawberry.ID | None = None
    contract_id: strawberry.ID | None = None
    issued_from: date | None = None
    issued_to: date | None = None


@strawberry.input
class InvoiceStatusUpdateInput:
    status: InvoiceStatus
    paid_on: date | None = strawberry.field(
        default=None, description="For PAID: the day the money arrived; defaults to today."
    )
    note: str | None = None


@strawberry.input
class InvoiceLineInput:
    name: str
    price: Decimal
    quantity: Decimal = Decimal("1")
    tax_rate: Decimal = strawberry.field(default=Decimal("0"), description='Percent, e.g. "20"')
    vat_category: VatCategory | None = strawberry.field(
        default=None, description="As on a service line item: left out, decided when issued."
    )


@strawberry.input(
    description="A one-off invoice: billed once, to an organization, on a one-off contract "
    "made for it (Contract.oneOff) that holds these terms and lines. Left out, currency, due "
    "days and payment providers are the tenant's defaults, and the billing emails the "
    "organization's."
)
class InvoiceCreateInput:
    organization_id: strawberry.ID
    currency: str | None = strawberry.UNSET
    due_days: int | None = strawberry.UNSET
    billing_email: str | None = strawberry.UNSET
    billing_emails_cc: list[str] | None = strawberry.UNSET
    note: str | None = strawberry.UNSET
    buyer_reference: str | None = strawberry.UNSET
    purchase_order_reference: str | None = strawberry.UNSET
    payment_providers: list[str] | None = strawberry.UNSET
    lines: list[InvoiceLineInput]


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None
    errors: list[UserError]


@strawberry.type
class InvoicingRunFailure:
    contract_id: strawberry.ID
    message: str = strawberry.field(description="Written for the tenant; never the error itself.")
    error_id: str = strawberry.field(
        description="Quote it when reporting the failure: it finds the error in the server's logs."
    )


@strawberry.type
class InvoicingRun:
    id: strawberry.ID
    run_date: date
    started_at: datetime
    finished_at: datetime | None
    contracts_due: int
    invoices_issued: int
    invoices_on_hold: int
    failures: list[InvoicingRunFailure]

    @classmethod
    def from_model(cls, run: RunModel) -> "InvoicingRun":
        return cls(
            id=strawberry.ID(str(run.id)),
            run_date=run.run_date,
            started_at=run.started_at,
            finished_at=run.finished_at,
            contracts_due=run.contracts_due,
            invoices_issued=run.invoices_issued,
            invoices_on_hold=run.invoices_on_hold,
            failures=[
                InvoicingRunFailure(
                    contract_id=strawberry.ID(failure.contract_id),
                    message=failure.message,
                    error_id=failure.error_id,
                )
                for failure in cycle.failures_of(run)
            ],
        )


async def invoice_connection(found, first: int, after: str | None) -> Connection[Invoice]:
    return await paginate(found, Invoice.from_model, first=first, after=after, newest_first=True)


async def invoice_payload(
    call: Awaitable[InvoiceModel], *, prefix: Sequence[str] = ()
) -> InvoicePayload:
    return await payload(InvoicePayload, call, Invoice.from_model, prefix=prefix)


@strawberry.type
class InvoiceQuery:
    @strawberry.field
    async def invoice(self, info: Info, id: strawberry.ID) -> Invoice | None:
        found = await info.context.loaders[InvoiceModel].load(id)
        return Invoice.from_model(found) if found else None

    @strawberry.field
    async def invoice_by_number(self, info: Info, number: str) -> Invoice | None:
        found = await invoices.by_number(info.context.tenant, number)
        return Invoice.from_model(found) if found else None

    @strawberry.field
    async def invoices(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: InvoiceFilter | None = None,
    ) -> Connection[Invoice]:
        chosen = filter or InvoiceFilter()
        found = invoices.listed(
            info.context.tenant,
            statuses=chosen.status,
            organization_id=chosen.organization_id,
            contract_id=chosen.contract_id,
            issued_from=chosen.issued_from,
            issued_to=chosen.issued_to,
        )
        return await invoice_connection(found, first, after)

    @strawberry.field(
        description="One record per daily cycle run: what was issued, held and failed."
    )
    async def invoicing_runs(
        self, info: Info, first: int = 30, after: str | None = None
    ) -> Connection[InvoicingRun]:
        found = cycle.runs(info.context.tenant)
        return await paginate(
            found, InvoicingRun.from_model, first=first, after=after, newest_first=True
        )


@strawberry.type
class InvoiceMutation:
    @strawberry.mutation(
        description="The status change a user makes from an invoice screen: PAID, DUE (undo a manual payment) or VOID."
    )
    async def invoice_status_update(
        self, info: Info, id: strawberry.ID, input: InvoiceStatusUpdateInput
    ) -> InvoicePayload:
        change = payments.change_status(
            info.context.actor,
            id,
            InvoiceStatus(input.status),
            paid_on=input.paid_on,
            note=input.note,
        )
        return await invoice_payload(change, prefix=["input"])

    @strawberry.mutation(description="Issue an ON_HOLD invoice once its problems are fixed.")
    async def invoice_release(self, info: Info, id: strawberry.ID) -> InvoicePayload:
        return await invoice_payload(issuing.release(info.context.actor, id))

    @strawberry.mutation
    async def invoice_resend(self, info: Info, id: strawberry.ID) -> InvoicePayload:
        return await invoice_payload(invoices.request_resend(info.context.actor, id))

    @strawberry.mutation(
        description="Drafts a one-off invoice and makes its one-off contract; nothing is sent "
        "until invoiceIssue."
    )
    async def invoice_create(self, info: Info, input: InvoiceCreateInput) -> InvoicePayload:
        change = one_off.create(info.context.actor, changes_of(input))
        return await invoice_payload(change, prefix=["input"])

    @strawberry.mutation(
        description="Replaces the terms and lines of a DRAFT one-off invoice (and of its one-off "
        "contract) with the input's."
    )
    async def invoice_update(
        self, info: Info, id: strawberry.ID, input: InvoiceCreateInput
    ) -> InvoicePayload:
        change = one_off.update(info.context.actor, id, changes_of(input))
        return await invoice_payload(change, prefix=["input"])

    @strawberry.mutation(description="Deletes a DRAFT one-off invoice and its one-off contract.")
    async def invoice_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        deleted = one_off.delete(info.context.actor, id)
        return await payload(DeletePayload, deleted, lambda id: strawberry.ID(str(id)))

    @strawberry.mutation(
        description="Issues a DRAFT one-off invoice as the daily cycle issues a contract's: "
        "numbered and emailed, or ON_HOLD with the reasons a check failed."
    )
    async def invoice_issue(self, info: Info, id: strawberry.ID) -> InvoicePayload:
        return await invoice_payload(one_off.issue(info.context.actor, id))

    @strawberry.mutation(
        description="No reminders (nor late fees) for this invoice until `until`, or until resumed."
    )
    async def invoice_dunning_pause(
        self, info: Info, id: strawberry.ID, input: DunningPauseInput
    ) -> InvoicePayload:
        pause = dunning_pauses.pause_invoice(info.context.actor, id, input.reason, input.until)
        return await invoice_payload(pause, prefix=["input"])

    @strawberry.mutation
    async def invoice_dunning_resume(self, info: Info, id: strawberry.ID) -> InvoicePayload:
        return await invoice_payload(dunning_pauses.resume_invoice(info.context.actor, id))

    @strawberry.mutation(
        description="Issues a LIVE contract's due invoice now rather than at the next daily "
        "cycle; the cycle then finds it issued."
    )
    async def contract_invoice_now(self, info: Info, id: strawberry.ID) -> InvoicePayload:
        return await invoice_payload(cycle.invoice_now(info.context.actor, id))


@strawberry.type
class InvoiceSubscription:
    @strawberry.subscription(
        description="The tenant's invoices, each as it stands after every change: issued, status changed (paid, overdue, void, undone), resent, released, payment recorded."
    )
    async def invoice_changed(self, info: Info) -> AsyncGenerator[Invoice, None]:
        async for invoice in live.invoice_changes(info.context.tenant):
            info.context.renew_loaders()
            yield Invoice.from_model(invoice)
