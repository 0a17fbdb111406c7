"""Invoicing settings, payment providers and the tenant's own payment method."""

from collections.abc import Awaitable, Sequence

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from remit.billing import charge_retries, dunning, invoicing_settings, logos, platform, providers
from remit.graph import uploads
from remit.graph.addresses import Address, AddressInput
from remit.graph.context import Info
from remit.graph.dunning import DunningStep, DunningStepInput
from remit.graph.enums import PlatformBillingStatus
from remit.graph.errors import UserError, payload
from remit.graph.inputs import changes_of
from remit.models.settings import InvoicingSettings as SettingsModel
from remit.models.settings import ProviderSettings as ProviderSettingsModel
from remit.plugins.api import PaymentProvider as Provider


@strawberry.type
class CompanyDetails:
    legal_name: str | None
    address: Address | None
    vat_number: str | None
    registration_id: str | None = strawberry.field(
        description="The company register number (EN 16931 BT-30)."
    )
    email: str | None
    phone: str | None


@strawberry.type
class Branding:
    logo_url: str | None = strawberry.field(
        description="The logo's address, served by Remit: a new one whenever the image changes."
    )
    brand_color: str | None
    footer_note: str | None


@strawberry.type
class PaymentProvider:
    key: str = strawberry.field(description='Stable key, e.g. "stripe", "bank_transfer", "cheque"')
    name: str
    supports_online_payment: bool
    supports_auto_charge: bool
    supports_refunds: bool = strawberry.field(
        description="Money it took can be refunded through it, e.g. by a credit note."
    )
    settings_schema: JSON = strawberry.field(
        description="JSON Schema of the settings this provider takes."
    )

    @classmethod
    def from_provider(cls, provider: Provider) -> "PaymentProvider":
        return cls(
            key=provider.key,
            name=provider.name,
            supports_online_payment=provider.supports_online_payment,
            supports_auto_charge=provider.supports_auto_charge,
            supports_refunds=providers.can_refund(provider),
            settings_schema=providers.settings_schema(provider),
        )


@strawberry.type
class ProviderSettings:
    provider: str
    enabled: bool
    settings: JSON = strawberry.field(description="Settings with secrets masked.")

    @classmethod
    def from_model(cls, row: ProviderSettingsModel) -> "ProviderSettings":
        masked = providers.masked(providers.provider(row.provider), row.settings)
        return cls(provider=row.provider, enabled=row.enabled, settings=masked)


@strawberry.type
class PlatformBilling:
    status: PlatformBillingStatus
    method: str | None = strawberry.field(
        description='Human description, e.g. "Visa •••• 4242" or "Bank transfer"'
    )
    client_secret: str | None = strawberry.field(
        default=None,
        description="For a card: the Stripe SetupIntent client secret the front end confirms with Stripe.js.",
    )

    @classmethod
    def from_model(
        cls, settings: SettingsModel, client_secret: str | None = None
    ) -> "PlatformBilling":
        return cls(
            status=settings.platform_billing_status,
            method=settings.platform_billing_method,
            client_secret=client_secret,
        )


@strawberry.type(
    description="The tenant's own subject and opening text of one kind of email to its "
    "customers in one language, standing in for Remit's."
)
class EmailText:
    kind: str = strawberry.field(
        description="invoice, reminder, receipt, void, credit_note, card_declined or card_expiring"
    )
    language: str = strawberry.field(description="en, de, fr, es, nl or it")
    subject: str | None = strawberry.field(
        description="The subject; may name {number}, {issuer}, {customer}, {total}, "
        "{amount_due} and {due_date}. Null: Remit's."
    )
    intro: str | None = strawberry.field(
        description="The greeting and first paragraph; the same placeholders. Null: Remit's."
    )


@strawberry.input
class EmailTextInput:
    kind: str = strawberry.field(
        description="invoice, reminder, receipt, void, credit_note, card_declined or card_expiring"
    )
    language: str = strawberry.field(description="en, de, fr, es, nl or it")
    subject: str | None = None
    intro: str | None = None


@strawberry.type
class InvoicingSettings:
    model: strawberry.Private[SettingsModel]
    enabled: bool
    default_currency: str
    default_due_days: int
    invoice_number_prefix: str
    credit_note_number_prefix: str = strawberry.field(
        description="Credit notes are numbered <prefix>-000001; by default the invoice number prefix followed by -CN."
    )
    send_invoices_from: str | None
    send_invoices_bcc: list[str]
    reminder_days: list[int] = strawberry.field(
        description="Days from the due date (negative: before it; 0: on it) on which a "
        "reminder is emailed: the days of dunningSteps. Default [15]."
    )
    dunning_steps: list[DunningStep] = strawberry.field(
        description="The reminder steps of organizations without their own: one per reminder "
        "day, with its tone, words and late fee."
    )
    card_retry_days: list[int] = strawberry.field(
        description="Days after a declined automatic charge's first attempt on which it is "
        "tried again (not after a hard decline, nor once anything is paid). Default [3, 5, 7]."
    )
    default_locale: str = strawberry.field(
        description="BCP 47: the locale of organizations without their own, and of the "
        "processing fee's emails to the tenant. Default en."
    )

    @strawberry.field
    def email_texts(self) -> list[EmailText]:
        return [EmailText(**text) for text in self.model.email_texts]

    @strawberry.field
    def company(self) -> CompanyDetails:
        return CompanyDetails(
            legal_name=self.model.company_legal_name,
            address=Address.from_json(self.model.company_address),
            vat_number=self.model.company_vat_number,
            registration_id=self.model.company_registration_id,
            email=self.model.company_email,
            phone=self.model.company_phone,
        )

    @strawberry.field
    async def branding(self) -> Branding:
        served = await logos.current_url(self.model.tenant_id)
        return Branding(
            # An address set before logos were stored, with no image stored for it.
            logo_url=served or self.model.logo_url,
            brand_color=self.model.brand_color,
            footer_note=self.model.footer_note,
        )

    @strawberry.field
    async def providers(self) -> list[ProviderSettings]:
        rows = await providers.configured(await self.model.tenant)
        return [ProviderSettings.from_model(row) for row in rows]

    @strawberry.field
    def platform_billing(self) -> PlatformBilling:
        return PlatformBilling.from_model(self.model)

    @classmethod
    def from_model(cls, settings: SettingsModel, *, enabled: bool) -> "InvoicingSettings":
        return cls(
            model=settings,
            enabled=enabled,
            default_currency=settings.default_currency,
            default_due_days=settings.default_due_days,
            invoice_number_prefix=settings.invoice_number_prefix,
            credit_note_number_prefix=invoicing_settings.credit_note_prefix(settings),
            send_invoices_from=settings.send_invoices_from,
            send_invoices_bcc=settings.send_invoices_bcc,
            reminder_days=settings.reminder_days,
            dunning_steps=[DunningStep.of(step) for step in dunning.tenant_steps(settings)],
            card_retry_days=charge_retries.retry_days(settings),
            default_locale=settings.default_locale,
        )


@strawberry.input
class CompanyDetailsInput:
    legal_name: str | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET
    vat_number: str | None = strawberry.UNSET
    registration_id: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET


@strawberry.input
class BrandingInput:
    logo_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="An https address of a PNG, JPEG or SVG of at most 512 KB: fetched once, "
        "now, and stored as logoUpload stores a file. Null removes the logo.",
    )
    brand_color: str | None = strawberry.UNSET
    footer_note: str | None = strawberry.UNSET


@strawberry.input
class InvoicingSettingsInput:
    company: CompanyDetailsInput | None = strawberry.UNSET
    branding: BrandingInput | None = strawberry.UNSET
    default_currency: str | None = strawberry.UNSET
    default_due_days: int | None = strawberry.UNSET
    invoice_number_prefix: str | None = strawberry.UNSET
    credit_note_number_prefix: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="1 to 20 letters, digits and dashes; null goes back to the default.",
    )
    send_invoices_from: str | None = strawberry.UNSET
    send_invoices_bcc: list[str] | None = strawberry.UNSET
    reminder_days: list[int] | None = strawberry.field(
        default=strawberry.UNSET,
        description="-90 to 365, ascending; the steps of days kept stay as they were, new "
        "days get a friendly step.",
    )
    dunning_steps: list[DunningStepInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The whole schedule, in ascending days (which become reminderDays); null: "
        "a friendly step for each reminder day.",
    )
    card_retry_days: list[int] | None = strawberry.field(
        default=strawberry.UNSET,
        description="1 to 60, ascending, at most 10; [] never retries; null: the default.",
    )
    reminder_days: list[int] | None = strawberry.UNSET
    default_locale: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="BCP 47, in one of the languages en, de, fr, es, nl, it.",
    )
    email_texts: list[EmailTextInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="All of the tenant's own email texts, replacing those there were; at most "
        "one per kind and language.",
    )


@strawberry.input
class PaymentProviderConfigureInput:
    provider: str
    enabled: bool
    settings: JSON


@strawberry.input
class PlatformPaymentMethodInput:
    kind: str = strawberry.field(description='"card" or "bank_transfer"')
    billing_email: str | None = strawberry.field(
        default=None, description="For bank transfer: the tenant's billing email for fee invoices."
    )


@strawberry.type
class InvoicingSettingsPayload:
    settings: InvoicingSettings | None
    errors: list[UserError]


@strawberry.type
class PlatformBillingPayload:
    platform_billing: PlatformBilling | None
    errors: list[UserError]


async def settings_payload(
    info: Info,
    call: Awaitable[SettingsModel],
    *,
    prefix: Sequence[str] = (),
    camel_case: bool = True,
) -> InvoicingSettingsPayload:
    def present(settings: SettingsModel) -> InvoicingSettings:
        return InvoicingSettings.from_model(settings, enabled=info.context.tenant.invoicing_enabled)

    return await payload(
        InvoicingSettingsPayload, call, present, prefix=prefix, camel_case=camel_case
    )


@strawberry.type
class SettingsQuery:
    @strawberry.field
    async def invoicing_settings(self, info: Info) -> InvoicingSettings:
        settings = await invoicing_settings.get(info.context.tenant)
        return InvoicingSettings.from_model(settings, enabled=info.context.tenant.invoicing_enabled)

    @strawberry.field(description="Payment-provider plugins installed on this server.")
    def payment_providers(self) -> list[PaymentProvider]:
        return [PaymentProvider.from_provider(p) for _, p in sorted(providers.installed().items())]


@strawberry.type
class SettingsMutation:
    @strawberry.mutation
    async def invoicing_settings_update(
        self, info: Info, input: InvoicingSettingsInput
    ) -> InvoicingSettingsPayload:
        return await settings_payload(
            info,
            invoicing_settings.update(info.context.actor, changes_of(input)),
            prefix=["input"],
        )

    @strawberry.mutation(
        description="The tenant's logo on its invoices, credit notes, pages and emails: a PNG, "
        "JPEG or SVG file of at most 512 KB (a multipart request). An SVG is stored without "
        "scripts, event handlers or references to anything outside it."
    )
    async def logo_upload(self, info: Info, file: Upload) -> InvoicingSettingsPayload:
        content = await uploads.contents(file)
        return await settings_payload(info, logos.upload(info.context.actor, content))

    @strawberry.mutation(description="The tenant's documents go without a logo.")
    async def logo_delete(self, info: Info) -> InvoicingSettingsPayload:
        return await settings_payload(info, logos.delete(info.context.actor))

    @strawberry.mutation(
        description="Configure and enable or disable one payment provider for this tenant's invoices."
    )
    async def payment_provider_configure(
        self, info: Info, input: PaymentProviderConfigureInput
    ) -> InvoicingSettingsPayload:
        configured = invoicing_settings.configure_provider(
            info.context.actor, input.provider, enabled=input.enabled, settings=input.settings
        )
        # The path runs into the provider's own settings keys, which stay as they are.
        return await settings_payload(info, configured, prefix=["input"], camel_case=False)

    @strawberry.mutation(
        description="Give Remit the tenant's own payment method, used for the monthly invoicing processing fee."
    )
    async def platform_payment_method_setup(
        self, info: Info, input: PlatformPaymentMethodInput
    ) -> PlatformBillingPayload:
        return await payload(
            PlatformBillingPayload,
            platform.setup(info.context.actor, input.kind, input.billing_email),
            lambda done: PlatformBilling.from_model(done.settings, done.client_secret),
            prefix=["input"],
        )

    @strawberry.mutation(
        description="Fails with errors until a platform payment method, company details and one payment provider exist."
    )
    async def invoicing_enable(self, info: Info) -> InvoicingSettingsPayload:
        return await settings_payload(info, invoicing_settings.enable(info.context.actor))

    @strawberry.mutation
    async def invoicing_disable(self, info: Info) -> InvoicingSettingsPayload:
        return await settings_payload(info, invoicing_settings.disable(info.context.actor))
