"""Contracts, their service line items and the upcoming-invoice dry run."""

from collections.abc import Awaitable, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated

import strawberry

from remit.billing import contracts, invoices, issuing, line_items, previews
from remit.graph.addresses import Address, AddressInput
from remit.graph.context import Info
from remit.graph.enums import BilledType, BillingCycle, ContractStatus, VatCategory
from remit.graph.errors import UserError, payload
from remit.graph.inputs import changes_of
from remit.graph.invoice_lines import InvoicePreview
from remit.graph.money import Money, plain
from remit.graph.nodes import Node
from remit.graph.organizations import Organization
from remit.graph.pagination import Connection, paginate
from remit.models.contracts import Contract as ContractModel
from remit.models.contracts import ServiceLineItem as ItemModel
from remit.models.organizations import Organization as OrganizationModel

if TYPE_CHECKING:
    from remit.graph.invoices import Invoice


@strawberry.type
class ServiceLineItem(Node):
    name: str
    price: Money
    quantity: Decimal
    billed: BilledType
    tax_rate: Decimal = strawberry.field(description='Percent, e.g. "20" for 20% VAT')
    start_date: date | None
    end_date: date | None
    vat_category: VatCategory | None = strawberry.field(
        description="Chosen for this item; null: decided when invoiced (see the input)."
    )

    @classmethod
    def from_model(cls, item: ItemModel) -> "ServiceLineItem":
        return cls(
            id=strawberry.ID(str(item.id)),
            name=item.name,
            price=Money.of(item.unit_price, item.currency),
            quantity=plain(item.quantity),
            billed=item.billed,
            tax_rate=plain(item.tax_rate),
            start_date=item.start_date,
            end_date=item.end_date,
            vat_category=item.vat_category,
        )


# The parent of a contract's items, for their loader (graph/context.py).
_of_contract = attrgetter("contract_id")


@strawberry.type
class Contract(Node):
    model: strawberry.Private[ContractModel]
    name: str
    status: ContractStatus
    currency: str
    billing_cycle: BillingCycle
    invoicing_start_date: date | None
    next_invoice_date: date | None
    end_date: date | None
    due_days: int
    billing_email: str | None
    billing_emails_cc: list[str]
    billing_address: Address | None
    invoice_note: str | None
    buyer_reference: str | None = strawberry.field(
        description="The buyer's reference on its invoices, e.g. a Leitweg-ID (EN 16931 BT-10)."
    )
    purchase_order_reference: str | None = strawberry.field(
        description="The buyer's purchase order on its invoices (BT-13)."
    )
    payment_providers: list[str] = strawberry.field(
        description="Provider keys offered on this contract's invoices."
    )
    auto_charge: bool = strawberry.field(
        description="Charge the customer's saved card automatically when an invoice is issued."
    )
    one_off: bool = strawberry.field(
        description="The contract of one one-off invoice (invoiceCreate): ENDED from the start, "
        "it changes only through invoiceUpdate and invoiceDelete."
    )
    created_at: datetime

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        return Organization.from_model(
            await info.context.loaders[OrganizationModel].load(self.model.organization_id)
        )

    @strawberry.field
    async def service_line_items(self, info: Info) -> list[ServiceLineItem]:
        loader = info.context.loaders.grouped(line_items.of_contracts, _of_contract)
        return [ServiceLineItem.from_model(item) for item in await loader.load(self.model.id)]

    @strawberry.field
    async def invoices(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[Annotated["Invoice", strawberry.lazy("remit.graph.invoices")]]:
        from remit.graph.invoices import invoice_connection

        found = invoices.listed(info.context.tenant, contract_id=str(self.model.id))
        return await invoice_connection(found, first, after)

    @strawberry.field(description="A dry run of the next invoice; null when none would be issued.")
    async def upcoming_invoice(self) -> InvoicePreview | None:
        draft = await previews.upcoming(self.model)
        if draft is None:
            return None
        return InvoicePreview.from_draft(draft, await previews.catch_up(self.model))

    @strawberry.field(
        description="The last period start of a catch-up held for confirmation "
        "(contractCatchUpConfirm); null when none waits."
    )
    def catch_up_held_through(self) -> date | None:
        held, confirmed = self.model.catch_up_held_through, self.model.catch_up_confirmed_through
        return held if held and not (confirmed and confirmed >= held) else None

    @classmethod
    def from_model(cls, contract: ContractModel) -> "Contract":
        return cls(
            model=contract,
            id=strawberry.ID(str(contract.id)),
            name=contract.name,
            status=contract.status,
            currency=contract.currency,
            billing_cycle=contract.billing_cycle,
            invoicing_start_date=contract.invoicing_start_date,
            next_invoice_date=contract.next_invoice_date,
            end_date=contract.end_date,
            due_days=contract.due_days,
            billing_email=contract.billing_email,
            billing_emails_cc=contract.billing_emails_cc,
            billing_address=Address.from_json(contract.billing_address),
            invoice_note=contract.invoice_note,
            buyer_reference=contract.buyer_reference,
            purchase_order_reference=contract.purchase_order_reference,
            payment_providers=contract.payment_providers,
            auto_charge=contract.auto_charge,
            one_off=contract.one_off,
            created_at=contract.created_at,
        )


@strawberry.input
class ContractInput:
    organization_id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    billing_cycle: BillingCycle | None = strawberry.UNSET
    invoicing_start_date: date | None = strawberry.UNSET
    due_days: int | None = strawberry.UNSET
    billing_email: str | None = strawberry.UNSET
    billing_emails_cc: list[str] | None = strawberry.UNSET
    billing_address: AddressInput | None = strawberry.UNSET
    invoice_note: str | None = strawberry.UNSET
    buyer_reference: str | None = strawberry.UNSET
    purchase_order_reference: str | None = strawberry.UNSET
    payment_providers: list[str] | None = strawberry.UNSET
    auto_charge: bool | None = strawberry.UNSET


@strawberry.input
class ServiceLineItemInput:
    name: str
    price: Decimal
    billed: BilledType
    quantity: Decimal = Decimal("1")
    tax_rate: Decimal = Decimal("0")
    start_date: date | None = None
    end_date: date | None = None
    vat_category: VatCategory | None = strawberry.field(
        default=None,
        description="Left out: S when taxed, Z at 0%, AE (reverse charge, 0%) when the company "
        "and the customer are in two EU countries. Any category but S is taxed at 0%.",
    )


@strawberry.input
class ContractFilter:
    status: list[ContractStatus] | None = None
    organization_id: strawberry.ID | None = None
    one_off: bool | None = strawberry.field(
        default=None,
        description="true: only one-off invoices' contracts; false: only the others; "
        "left out: both.",
    )


@strawberry.type
class ContractPayload:
    contract: Contract | None
    errors: list[UserError]


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID | None
    errors: list[UserError]


async def contract_payload(
    call: Awaitable[ContractModel], *, prefix: Sequence[str] = ()
) -> ContractPayload:
    return await payload(ContractPayload, call, Contract.from_model, prefix=prefix)


@strawberry.type
class ContractQuery:
    @strawberry.field
    async def contract(self, info: Info, id: strawberry.ID) -> Contract | None:
        found = await info.context.loaders[ContractModel].load(id)
        return Contract.from_model(found) if found else None

    @strawberry.field
    async def contracts(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: ContractFilter | None = None,
    ) -> Connection[Contract]:
        found = contracts.listed(
            info.context.tenant,
            filter.status if filter else None,
            filter.organization_id if filter else None,
            filter.one_off if filter else None,
        )
        return await paginate(found, Contract.from_model, first=first, after=after)


@strawberry.type
class ContractMutation:
    @strawberry.mutation(description="Creates a contract in DRAFT.")
    async def contract_create(self, info: Info, input: ContractInput) -> ContractPayload:
        return await contract_payload(
            contracts.create(info.context.actor, changes_of(input)), prefix=["input"]
        )

    @strawberry.mutation
    async def contract_update(
        self, info: Info, id: strawberry.ID, input: ContractInput
    ) -> ContractPayload:
        return await contract_payload(
            contracts.update(info.context.actor, id, changes_of(input)), prefix=["input"]
        )

    @strawberry.mutation
    async def service_line_item_add(
        self, info: Info, contract_id: strawberry.ID, input: ServiceLineItemInput
    ) -> ContractPayload:
        return await contract_payload(
            line_items.add(info.context.actor, contract_id, changes_of(input)), prefix=["input"]
        )

    @strawberry.mutation
    async def service_line_item_update(
        self, info: Info, id: strawberry.ID, input: ServiceLineItemInput
    ) -> ContractPayload:
        return await contract_payload(
            line_items.update(info.context.actor, id, changes_of(input)), prefix=["input"]
        )

    @strawberry.mutation
    async def service_line_item_remove(self, info: Info, id: strawberry.ID) -> ContractPayload:
        return await contract_payload(line_items.remove(info.context.actor, id))

    @strawberry.mutation(
        description="Validates the contract and sets it LIVE; the daily cycle invoices it from then on."
    )
    async def contract_go_live(self, info: Info, id: strawberry.ID) -> ContractPayload:
        return await contract_payload(contracts.go_live(info.context.actor, id))

    @strawberry.mutation
    async def contract_end(self, info: Info, id: strawberry.ID, end_date: date) -> ContractPayload:
        return await contract_payload(contracts.end(info.context.actor, id, end_date))

    @strawberry.mutation(
        description="Confirms a held catch-up: its ON_HOLD invoices are issued and emailed, "
        "in period order; nothing is issued while one of them fails another check."
    )
    async def contract_catch_up_confirm(self, info: Info, id: strawberry.ID) -> ContractPayload:
        return await contract_payload(issuing.confirm_catch_up(info.context.actor, id))

    @strawberry.mutation(description="Only a DRAFT contract can be deleted.")
    async def contract_delete(self, info: Info, id: strawberry.ID) -> DeletePayload:
        return await payload(
            DeletePayload,
            contracts.delete(info.context.actor, id),
            lambda deleted: strawberry.ID(str(deleted)),
        )
