"""Organizations: the tenant's customers."""

from collections.abc import Awaitable
from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from remit.billing import (
    charging,
    contracts,
    dunning_pauses,
    invoices,
    ledger,
    organizations,
    statements,
)
from remit.graph.addresses import Address, AddressInput
from remit.graph.context import Info
from remit.graph.dunning import DunningPause, DunningPauseInput, DunningStep, DunningStepInput
from remit.graph.enums import EInvoiceFormat
from remit.graph.errors import UserError, payload
from remit.graph.inputs import changes_of
from remit.graph.money import Money
from remit.graph.nodes import Node
from remit.graph.pagination import Connection, paginate
from remit.graph.statements import Statement
from remit.models.organizations import Organization as OrganizationModel

if TYPE_CHECKING:
    from remit.graph.contracts import Contract
    from remit.graph.invoices import Invoice


async def _credit_balances(organization_ids: list) -> list[dict[str, int]]:
    found = await ledger.credit_balances(organization_ids)
    return [found[id] for id in organization_ids]


@strawberry.type
class Organization(Node):
    model: strawberry.Private[OrganizationModel]
    name: str
    legal_name: str | None
    billing_emails: list[str]
    address: Address | None
    tax_id: str | None = strawberry.field(description="Its VAT identifier (EN 16931 BT-48).")
    legal_registration_id: str | None = strawberry.field(
        description="Its company register number (BT-47)."
    )
    einvoice_format: EInvoiceFormat
    dunning_steps: list[DunningStep] | None = strawberry.field(
        description="Its own reminder steps; null: the tenant's (invoicingSettings.dunningSteps)."
    )

    @strawberry.field(description="Its reminders are paused: why, and until when.")
    def dunning_pause(self) -> DunningPause | None:
        if self.model.dunning_paused_at is None:
            return None
        return DunningPause(
            reason=self.model.dunning_pause_reason,
            until=self.model.dunning_paused_until,
            by_organization=True,
        )

    locale: str | None = strawberry.field(
        description="BCP 47 (de-DE, fr-FR) of its invoices, pages, emails and statements: their "
        "language and how dates, numbers and amounts are written. Null: the tenant's "
        "defaultLocale."
    )

    @strawberry.field
    async def contracts(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[Annotated["Contract", strawberry.lazy("remit.graph.contracts")]]:
        from remit.graph.contracts import Contract

        found = contracts.listed(info.context.tenant, None, str(self.model.id))
        return await paginate(found, Contract.from_model, first=first, after=after)

    @strawberry.field
    async def invoices(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[Annotated["Invoice", strawberry.lazy("remit.graph.invoices")]]:
        from remit.graph.invoices import invoice_connection

        found = invoices.listed(info.context.tenant, organization_id=str(self.model.id))
        return await invoice_connection(found, first, after)

    @strawberry.field(
        description="Per currency, money it paid that is applied to no invoice, spent by its next "
        "invoices in that currency when they are issued. Currencies with none are left out."
    )
    async def credit_balance(self, info: Info) -> list[Money]:
        balance = await info.context.loaders.each(_credit_balances).load(self.model.id)
        return [Money.of(amount, currency) for currency, amount in balance.items()]

    @strawberry.field(
        description="Its statement of account from `from` to `to` (both included), as of now."
    )
    async def statement(
        self,
        info: Info,
        start: Annotated[date, strawberry.argument(name="from")],
        end: Annotated[date, strawberry.argument(name="to")],
    ) -> Statement:
        document = await statements.statement(info.context.tenant, str(self.model.id), start, end)
        request = statements.StatementRequest(self.model.id, start, end)
        return Statement.from_document(document, statements.link(request))

    @classmethod
    def from_model(cls, organization: OrganizationModel) -> "Organization":
        return cls(
            model=organization,
            id=strawberry.ID(str(organization.id)),
            name=organization.name,
            legal_name=organization.legal_name,
            billing_emails=organization.billing_emails,
            address=Address.from_json(organization.address),
            tax_id=organization.tax_id,
            dunning_steps=DunningStep.list_of(organization.dunning_steps),
            locale=organization.locale,
            legal_registration_id=organization.legal_registration_id,
            einvoice_format=organization.einvoice_format,
        )


@strawberry.input
class OrganizationInput:
    name: str
    legal_name: str | None = strawberry.UNSET
    billing_emails: list[str] | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET
    tax_id: str | None = strawberry.UNSET
    dunning_steps: list[DunningStepInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its own reminder steps, in ascending days; null: the tenant's.",
    )
    locale: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="BCP 47, in one of the languages en, de, fr, es, nl, it; null: the "
        "tenant's defaultLocale.",
    )
    legal_registration_id: str | None = strawberry.UNSET
    einvoice_format: EInvoiceFormat | None = strawberry.UNSET


@strawberry.input
class ProviderAccountInput:
    provider: str = strawberry.field(
        description='A provider that can charge automatically, e.g. "stripe"'
    )
    customer_ref: str = strawberry.field(
        description='The customer id at the provider, e.g. "cus_..."'
    )
    payment_method_ref: str | None = strawberry.field(
        default=None, description='The saved payment method to charge, e.g. "pm_..."'
    )


@strawberry.type
class OrganizationPayload:
    organization: Organization | None
    errors: list[UserError]


async def _payload(
    call: Awaitable[OrganizationModel], arguments: tuple[str, ...] = ("id",)
) -> OrganizationPayload:
    return await payload(
        OrganizationPayload,
        call,
        Organization.from_model,
        prefix=["input"],
        arguments=arguments,
    )


@strawberry.type
class OrganizationQuery:
    @strawberry.field
    async def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        found = await info.context.loaders[OrganizationModel].load(id)
        return Organization.from_model(found) if found else None

    @strawberry.field
    async def organizations(
        self, info: Info, first: int = 50, after: str | None = None, search: str | None = None
    ) -> Connection[Organization]:
        found = organizations.search(info.context.tenant, search)
        return await paginate(found, Organization.from_model, first=first, after=after)


@strawberry.type
class OrganizationMutation:
    @strawberry.mutation
    async def organization_create(
        self, info: Info, input: OrganizationInput
    ) -> OrganizationPayload:
        return await _payload(organizations.create(info.context.actor, changes_of(input)))

    @strawberry.mutation(
        description="Link an organization to its existing customer at a payment provider (e.g. a Stripe "
        "customer and saved card), so invoices of its auto-charge contracts are charged automatically."
    )
    async def organization_provider_account_link(
        self, info: Info, organization_id: strawberry.ID, input: ProviderAccountInput
    ) -> OrganizationPayload:
        return await _payload(
            charging.link_account(
                info.context.actor,
                organization_id,
                input.provider,
                input.customer_ref,
                input.payment_method_ref,
            ),
            arguments=("organization_id",),
        )

    @strawberry.mutation(
        description="No reminders (nor late fees) for any invoice of the organization until "
        "`until`, or until resumed."
    )
    async def organization_dunning_pause(
        self, info: Info, id: strawberry.ID, input: DunningPauseInput
    ) -> OrganizationPayload:
        return await _payload(
            dunning_pauses.pause_organization(info.context.actor, id, input.reason, input.until)
        )

    @strawberry.mutation
    async def organization_dunning_resume(
        self, info: Info, id: strawberry.ID
    ) -> OrganizationPayload:
        return await _payload(dunning_pauses.resume_organization(info.context.actor, id))

    @strawberry.mutation
    async def organization_update(
        self, info: Info, id: strawberry.ID, input: OrganizationInput
    ) -> OrganizationPayload:
        return await _payload(organizations.update(info.context.actor, id, changes_of(input)))
