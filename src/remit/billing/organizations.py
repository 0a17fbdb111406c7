"""Organizations: a tenant's customers."""

from typing import Any
from uuid import UUID

from tortoise.queryset import QuerySet

from remit.billing import config, dunning, ids, jobs, locales, validation
from remit.billing.einvoice import vat
from remit.billing.errors import NotFound
from remit.billing.roles import Actor, Permission, require
from remit.billing.validation import Checks
from remit.models.enums import EInvoiceFormat
from remit.models.organizations import Organization
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant

MAX_BILLING_EMAILS = 20


def _cleaned(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    validation.storable(data, [])
    checks = Checks()
    values: dict[str, Any] = {}
    if creating or "name" in data:
        values["name"] = checks.run(
            validation.text,
            data.get("name") or "",
            ["name"],
            max_length=validation.length_of(Organization, "name"),
            required=True,
        )
    for key in ("legal_name", "tax_id", "legal_registration_id"):
        if key in data:
            raw, limit = data[key], validation.length_of(Organization, key)
            values[key] = (
                None if raw is None else checks.run(validation.text, raw, [key], max_length=limit)
            )
    if "billing_emails" in data:
        emails = data["billing_emails"] or []
        if len(emails) > MAX_BILLING_EMAILS:
            checks.errors.append(
                validation.Invalid(
                    f"At most {MAX_BILLING_EMAILS} billing emails.", field=["billing_emails"]
                )
            )
        values["billing_emails"] = [
            checks.run(validation.email, email, ["billing_emails", str(n)])
            for n, email in enumerate(emails)
        ]
    if "address" in data:
        values["address"] = validation.address(data["address"], ["address"], checks)
    if data.get("dunning_steps") is not None:  # None: the tenant's steps
        values["dunning_steps"] = checks.run(
            dunning.cleaned_steps, data["dunning_steps"], ["dunning_steps"]
        )
    elif "dunning_steps" in data:
        values["dunning_steps"] = None
    if "locale" in data:  # None: the tenant's default locale
        raw = data["locale"]
        values["locale"] = None if raw is None else checks.run(locales.checked, raw, ["locale"])
    if data.get("einvoice_format") is not None:
        values["einvoice_format"] = EInvoiceFormat(data["einvoice_format"])
    checks.raise_if_any()
    return values


def locale_of(organization: Organization, settings: InvoicingSettings) -> str:
    """The locale (BCP 47) of everything the organization reads: its own, else the tenant's
    default."""
    return organization.locale or settings.default_locale


def for_tenant(tenant: Tenant) -> QuerySet[Organization]:
    return Organization.filter(tenant=tenant)


async def get(
    tenant: Tenant, organization_id: str | UUID, *, field: list[str] | None = None
) -> Organization:
    parsed = ids.parse("organization", organization_id, field=field)
    organization = await for_tenant(tenant).get_or_none(id=parsed)
    if organization is None:
        raise NotFound("organization", organization_id, field=field)
    return organization


def search(tenant: Tenant, text: str | None) -> QuerySet[Organization]:
    found = for_tenant(tenant)
    if text is not None:
        validation.storable(text, ["search"])
        # Longer than any name, it could match none; and SQLite refuses long LIKE patterns.
        limit = validation.length_of(Organization, "name")
        text = validation.text(text, ["search"], max_length=limit)
    if text:
        found = found.filter(name__icontains=text)
    return found


async def _confirm_vat_id(tax_id: str | None) -> None:
    """With a VIES service configured, an EU VAT identifier given to an organization is
    checked there (its format first): one the service does not know is refused, not kept to
    hold an invoice later. Asked before any row is locked."""
    vies_url = config.current().vies_url
    if not vies_url or not tax_id or tax_id[:2].upper() not in vat.EU_COUNTRIES | {"EL"}:
        return
    problem = vat.vat_id_problem(tax_id) or await vat.vies_problem(vies_url, tax_id)
    if problem:
        raise validation.Invalid(problem, field=["tax_id"])


async def create(actor: Actor, data: dict[str, Any]) -> Organization:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    values = _cleaned(data, creating=True)
    await _confirm_vat_id(values.get("tax_id"))
    return await Organization.create(tenant=tenant, **values)


async def update(actor: Actor, organization_id: str, data: dict[str, Any]) -> Organization:
    """Fields left out of `data` are kept; None clears."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    values = _cleaned(data, creating=False)
    await _confirm_vat_id(values.get("tax_id"))
    async with jobs.atomic():
        organization = await get(tenant, organization_id, field=["id"])
        organization.update_from_dict(values)
        await organization.save(update_fields=[*values, "updated_at"])
    return organization
