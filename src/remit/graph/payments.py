"""Payments: money an organization paid, applied to its invoices; refunds; what is applied to
no invoice is the organization's credit balance."""

from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated

import strawberry

from remit.billing import ledger, payments
from remit.graph.context import Info
from remit.graph.errors import UserError, payload
from remit.graph.money import Money
from remit.graph.nodes import Node
from remit.graph.pagination import Connection, paginate
from remit.models.invoices import Invoice as InvoiceModel
from remit.models.organizations import Organization as OrganizationModel
from remit.models.payments import MANUAL
from remit.models.payments import Payment as PaymentModel
from remit.models.payments import PaymentAllocation as AllocationModel
from remit.models.payments import Refund as RefundModel

if TYPE_CHECKING:
    from remit.graph.invoices import Invoice
    from remit.graph.organizations import Organization


@strawberry.type
class Refund:
    amount: Money
    refunded_on: date
    reference: str | None = strawberry.field(description="The provider's, for its refunds.")
    note: str | None
    actor: str = strawberry.field(description="user:<email>, apikey:<prefix>, provider:<key>")
    created_at: datetime

    @classmethod
    def from_model(cls, refund: RefundModel) -> "Refund":
        return cls(
            amount=Money.of(refund.amount, refund.currency),
            refunded_on=refund.refunded_on,
            reference=refund.reference,
            note=refund.note,
            actor=refund.actor,
            created_at=refund.created_at,
        )


@strawberry.type
class PaymentAllocation:
    model: strawberry.Private[AllocationModel]
    amount: Money = strawberry.field(
        description="What the invoice keeps of the payment: what was applied, less the refunds "
        "of the payment that reached it."
    )
    from_credit: bool = strawberry.field(
        description="Applied when the invoice was issued, from the organization's credit balance."
    )

    @strawberry.field
    async def invoice(
        self, info: Info
    ) -> Annotated["Invoice", strawberry.lazy("remit.graph.invoices")]:
        from remit.graph.invoices import Invoice

        return Invoice.from_model(
            await info.context.loaders[InvoiceModel].load(self.model.invoice_id)
        )

    @strawberry.field
    async def payment(self, info: Info) -> "Payment":
        return Payment.from_model(
            await info.context.loaders[PaymentModel].load(self.model.payment_id)
        )

    @classmethod
    def of(cls, allocation: AllocationModel, kept: int) -> "PaymentAllocation":
        return cls(
            model=allocation,
            amount=Money.of(kept, allocation.currency),
            from_credit=allocation.from_credit,
        )


# The parents of a payment's children, for the loaders of lists (graph/context.py).
_of_payment = attrgetter("payment_id")


async def _allocations_of(payment_ids: list) -> list[tuple]:
    return await ledger.allocations(payment_ids=payment_ids)


def _allocated_from(found: tuple) -> object:
    return found[0].payment_id


@strawberry.type
class Payment(Node):
    model: strawberry.Private[PaymentModel]
    amount: Money
    received_on: date = strawberry.field(description="The day the money arrived.")
    method: str = strawberry.field(description='A payment provider\'s key, or "manual".')
    reference: str | None
    note: str | None
    actor: str = strawberry.field(
        description="Who recorded it: user:<email>, apikey:<prefix>, provider:<key>, system"
    )
    created_at: datetime

    @strawberry.field
    async def organization(
        self, info: Info
    ) -> Annotated["Organization", strawberry.lazy("remit.graph.organizations")]:
        from remit.graph.organizations import Organization

        return Organization.from_model(
            await info.context.loaders[OrganizationModel].load(self.model.organization_id)
        )

    @strawberry.field(description="The invoices it was applied to, oldest allocation first.")
    async def allocations(self, info: Info) -> list[PaymentAllocation]:
        loader = info.context.loaders.grouped(_allocations_of, _allocated_from)
        return [PaymentAllocation.of(*each) for each in await loader.load(self.model.id)]

    @strawberry.field
    async def refunds(self, info: Info) -> list[Refund]:
        loader = info.context.loaders.grouped(ledger.refunds_of, _of_payment)
        return [Refund.from_model(row) for row in await loader.load(self.model.id)]

    @strawberry.field(
        description="What is applied to no invoice and not refunded: the organization's credit."
    )
    async def unallocated(self, info: Info) -> Money:
        left = await info.context.loaders.each(ledger.unallocated).load(self.model.id)
        return Money.of(left, self.model.currency)

    @classmethod
    def from_model(cls, payment: PaymentModel) -> "Payment":
        return cls(
            model=payment,
            id=strawberry.ID(str(payment.id)),
            amount=Money.of(payment.amount, payment.currency),
            received_on=payment.received_on,
            method=payment.method,
            reference=payment.reference,
            note=payment.note,
            actor=payment.actor,
            created_at=payment.created_at,
        )


@strawberry.input
class PaymentAllocationInput:
    invoice_id: strawberry.ID
    amount: Decimal = strawberry.field(description="In the payment's currency.")


@strawberry.input
class PaymentRecordInput:
    organization_id: strawberry.ID
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217")
    received_on: date = strawberry.field(
        description="The day the money arrived; not in the future."
    )
    method: str = strawberry.field(
        default=MANUAL,
        description='"manual", or the key of a payment provider, e.g. "bank_transfer".',
    )
    reference: str | None = None
    note: str | None = None
    allocations: list[PaymentAllocationInput] | None = strawberry.field(
        default=None,
        description="The invoices it pays and how much of each. Omitted: the organization's open "
        "invoices in the payment's currency, oldest first (by due date, then number). What is "
        "applied to no invoice becomes the organization's credit balance.",
    )


@strawberry.input
class RefundRecordInput:
    payment_id: strawberry.ID
    amount: Decimal = strawberry.field(description="In the payment's currency.")
    refunded_on: date
    note: str | None = None


@strawberry.type
class PaymentPayload:
    payment: Payment | None
    errors: list[UserError]


@strawberry.type
class PaymentDeletePayload:
    deleted_payment_id: strawberry.ID | None = strawberry.field(
        description="The id of the payment deleted; null when it was refused."
    )
    errors: list[UserError]


@strawberry.type
class PaymentQuery:
    @strawberry.field
    async def payment(self, info: Info, id: strawberry.ID) -> Payment | None:
        found = await info.context.loaders[PaymentModel].load(id)
        return Payment.from_model(found) if found else None

    @strawberry.field(
        description="The tenant's payments, newest first; of one organization when given."
    )
    async def payments(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        organization_id: strawberry.ID | None = None,
    ) -> Connection[Payment]:
        found = ledger.payments_listed(info.context.tenant, organization_id)
        return await paginate(
            found, Payment.from_model, first=first, after=after, newest_first=True
        )


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(
        description="Record money an organization paid outside a payment provider, applied to "
        "its invoices: an invoice fully paid becomes PAID, one partly paid stays DUE or OVERDUE "
        "with a smaller amountDue; the rest is the organization's credit balance."
    )
    async def payment_record(self, info: Info, input: PaymentRecordInput) -> PaymentPayload:
        given = payments.PaymentInput(
            organization_id=input.organization_id,
            amount=input.amount,
            currency=input.currency,
            received_on=input.received_on,
            method=input.method,
            reference=input.reference,
            note=input.note,
            allocations=None
            if input.allocations is None
            else [
                payments.AllocationInput(invoice_id=each.invoice_id, amount=each.amount)
                for each in input.allocations
            ],
        )
        return await payload(
            PaymentPayload,
            payments.record(info.context.actor, given),
            Payment.from_model,
            prefix=["input"],
        )

    @strawberry.mutation(
        description="Undo a payment recorded by hand, with its refunds: the invoices it paid "
        "reopen to DUE or OVERDUE by their due date. A provider's payment is undone only by "
        "its refund at the provider."
    )
    async def payment_delete(self, info: Info, id: strawberry.ID) -> PaymentDeletePayload:
        return await payload(
            PaymentDeletePayload,
            payments.delete(info.context.actor, id),
            lambda deleted: strawberry.ID(str(deleted)),
        )

    @strawberry.mutation(
        description="Record money of a payment recorded by hand given back outside any provider. "
        "It lowers first what of the payment is applied to no invoice (the credit balance), "
        "then its allocations, newest invoice first (by due date, then number); an invoice "
        "left short reopens to DUE or OVERDUE."
    )
    async def refund_record(self, info: Info, input: RefundRecordInput) -> PaymentPayload:
        given = payments.RefundInput(
            payment_id=input.payment_id,
            amount=input.amount,
            refunded_on=input.refunded_on,
            note=input.note,
        )
        return await payload(
            PaymentPayload,
            payments.refund(info.context.actor, given),
            Payment.from_model,
            prefix=["input"],
        )
