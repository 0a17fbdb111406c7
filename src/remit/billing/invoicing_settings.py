"""A tenant's invoicing settings: company details, branding and defaults, and the switch
that turns invoicing on once everything it needs is there."""

import itertools
from typing import Any

from remit.billing import dunning, email_texts, jobs, locales, logos, providers, validation
from remit.billing.errors import NotReady, RemitErrors
from remit.billing.money import check_currency
from remit.billing.roles import Actor, Permission, require
from remit.billing.validation import Checks
from remit.models.enums import PlatformBillingStatus
from remit.models.settings import InvoicingSettings, ProviderSettings
from remit.models.tenants import Tenant

COMPANY_FIELDS = {
    "legal_name": "company_legal_name",
    "address": "company_address",
    "vat_number": "company_vat_number",
    "registration_id": "company_registration_id",
    "email": "company_email",
    "phone": "company_phone",
}
BRANDING_FIELDS = {
    "logo_url": "logo_url",
    "brand_color": "brand_color",
    "footer_note": "footer_note",
}

prefix_check = validation.matches(
    r"[A-Za-z0-9-]{1,20}", "{value!r} is not a prefix: use 1 to 20 letters, digits and dashes."
)
colour_check = validation.matches(r"#[0-9A-Fa-f]{6}", "{value!r} is not a colour such as #1A73E8.")
due_days_check = validation.within(0, 365)


def card_retry_days_check(days: list[int], field: list[str]) -> list[int]:
    """Days after a declined first charge: 1 to 60, ascending, each once, at most 10."""
    checks = Checks()
    for position, day in enumerate(days):
        checks.run(validation.within(1, 60), day, [*field, str(position)])
    checks.raise_if_any()
    if any(later <= earlier for earlier, later in itertools.pairwise(days)) or len(days) > 10:
        raise validation.Invalid(
            "At most 10 retry days, in ascending order, each once.", field=field
        )
    return days


async def get(tenant: Tenant) -> InvoicingSettings:
    return await InvoicingSettings.get(tenant=tenant)


def credit_note_prefix(settings: InvoicingSettings) -> str:
    """The prefix of credit note numbers: the one set, else the invoice prefix and -CN."""
    return settings.credit_note_number_prefix or f"{settings.invoice_number_prefix}-CN"


def _cleaned(changes: dict[str, Any]) -> dict[str, Any]:
    """The model fields to write, every value checked; `Invalid` errors name the input
    field (snake_case path). A key absent from `changes` is left as it is; None clears."""
    validation.storable(changes, [])
    checks = Checks()
    values: dict[str, Any] = {}

    def optional(value, check, field, **options):
        return None if value is None else checks.run(check, value, field, **options)

    company = changes.get("company") or {}
    for key, column in COMPANY_FIELDS.items():
        if key not in company:
            continue
        value, field = company[key], ["company", key]
        if key == "address":
            values[column] = validation.address(value, field, checks)
        elif key == "email":
            values[column] = optional(value, validation.email, field)
        else:
            limit = validation.length_of(InvoicingSettings, column)
            values[column] = optional(value, validation.text, field, max_length=limit)
    branding = changes.get("branding") or {}
    for key, column in BRANDING_FIELDS.items():
        if key not in branding:
            continue
        value, field = branding[key], ["branding", key]
        limit = validation.length_of(InvoicingSettings, column)
        if key == "brand_color":
            values[column] = optional(value, colour_check, field)
        else:
            check = validation.web_url if key == "logo_url" else validation.text
            values[column] = optional(value, check, field, max_length=limit)
    required = {
        "default_currency": lambda value, field: check_currency(value.upper(), field=field),
        "default_due_days": due_days_check,
        "invoice_number_prefix": prefix_check,
        "reminder_days": dunning.days_check,
        "send_invoices_bcc": validation.email_list,
        "default_locale": locales.checked,
        "email_texts": email_texts.cleaned,
    }
    for key, check in required.items():
        if key not in changes:
            continue
        if changes[key] is None:
            checks.errors.append(validation.Invalid("This cannot be empty.", field=[key]))
            continue
        values[key] = checks.run(check, changes[key], [key])
    if "credit_note_number_prefix" in changes:  # None: back to the default
        values["credit_note_number_prefix"] = optional(
            changes["credit_note_number_prefix"], prefix_check, ["credit_note_number_prefix"]
        )
    if changes.get("dunning_steps") is not None:  # None: back to the reminder days' defaults
        values["dunning_steps"] = checks.run(
            dunning.cleaned_steps, changes["dunning_steps"], ["dunning_steps"]
        )
    elif "dunning_steps" in changes:
        values["dunning_steps"] = None
    if "card_retry_days" in changes:  # None: back to the default
        values["card_retry_days"] = optional(
            changes["card_retry_days"], card_retry_days_check, ["card_retry_days"]
        )
    if "send_invoices_from" in changes:
        values["send_invoices_from"] = optional(
            changes["send_invoices_from"], validation.email, ["send_invoices_from"]
        )
    checks.raise_if_any()
    return values


async def update(actor: Actor, changes: dict[str, Any]) -> InvoicingSettings:
    """Apply `changes` (the input's shape, snake_case) all together, or none of them. A
    logo's https address is fetched here, and the image stored (see billing.logos)."""
    require(actor, Permission.SETTINGS)
    tenant = actor.tenant
    values = _cleaned(changes)
    if "logo_url" in values and values["logo_url"] == await logos.current_url(tenant.id):
        del values["logo_url"]  # the address Remit serves the logo at, as read: unchanged
    logo = None
    if values.get("logo_url") is not None:
        # Fetched once, now, before anything is locked: documents never fetch it.
        logo = await logos.fetched(values["logo_url"], ["branding", "logo_url"])
    async with jobs.atomic():
        settings = await InvoicingSettings.select_for_update().get(tenant=tenant)
        settings.update_from_dict(dunning.in_step(settings, values))
        await settings.save()
        if "logo_url" in values:
            await logos.store(tenant, logo)
    return settings


def missing_for_invoicing(settings: InvoicingSettings, enabled_providers: int) -> list[NotReady]:
    """Everything invoicing needs that is not there yet, one error each."""
    missing = []
    if settings.platform_billing_status != PlatformBillingStatus.ACTIVE:
        missing.append(
            NotReady(
                "Set up a payment method for the invoicing processing fee.",
                field=["platform_billing"],
            )
        )
    if not settings.company_legal_name:
        missing.append(NotReady("Give the company's legal name.", field=["company", "legal_name"]))
    address = settings.company_address or {}
    if not all(address.get(key) for key in ("line1", "city", "postal_code", "country")):
        missing.append(
            NotReady(
                "Give the company's address: street, city, postal code and country.",
                field=["company", "address"],
            )
        )
    if not (settings.send_invoices_from or settings.company_email):
        missing.append(
            NotReady("Give the email address invoices are sent from.", field=["company", "email"])
        )
    if enabled_providers == 0:
        missing.append(NotReady("Enable at least one payment provider.", field=["providers"]))
    return missing


async def enable(actor: Actor) -> InvoicingSettings:
    require(actor, Permission.SETTINGS)
    tenant = actor.tenant
    async with jobs.atomic():
        locked = await Tenant.select_for_update().get(id=tenant.id)
        settings = await InvoicingSettings.get(tenant=locked)
        enabled_providers = await ProviderSettings.filter(tenant=locked, enabled=True).count()
        missing = missing_for_invoicing(settings, enabled_providers)
        if missing:
            raise RemitErrors.of(missing)
        locked.invoicing_enabled = True
        await locked.save(update_fields=["invoicing_enabled", "updated_at"])
    tenant.invoicing_enabled = True
    return settings


async def disable(actor: Actor) -> InvoicingSettings:
    """Stops the daily cycle for the tenant; issued invoices keep being collected."""
    require(actor, Permission.SETTINGS)
    tenant = actor.tenant
    await Tenant.filter(id=tenant.id).update(invoicing_enabled=False)
    tenant.invoicing_enabled = False
    return await get(tenant)


async def configure_provider(
    actor: Actor, key: str, *, enabled: bool, settings: Any
) -> InvoicingSettings:
    """Configure one payment provider (see `providers.configure`); the tenant's settings,
    which list it, as they read afterwards."""
    require(actor, Permission.SETTINGS)
    tenant = actor.tenant
    await providers.configure(tenant, key, enabled=enabled, settings=settings)
    return await get(tenant)
