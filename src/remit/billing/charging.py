"""Automatic charging: once an organization has a saved payment method with a provider
that can charge, each new invoice of an auto-charge contract is charged right after issue.
The outcome arrives later by webhook."""

from uuid import UUID

from remit.billing import (
    invoice_status,
    jobs,
    organizations,
    provider_payments,
    providers,
    validation,
    views,
)
from remit.billing.errors import Invalid
from remit.billing.roles import Actor, Permission, require
from remit.models.contracts import Contract
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.organizations import Organization, ProviderAccount
from remit.plugins.api import PaymentRefused

CHARGE_JOB = "invoice.charge"
REFUSED = "charge_refused"


async def chargeable_provider(contract: Contract) -> str | None:
    """The first of the contract's providers that can charge and holds a saved method."""
    if not contract.auto_charge:
        return None
    for key in contract.payment_providers:
        provider = providers.installed().get(key)
        if provider is None or not provider.supports_auto_charge:
            continue
        if await ProviderAccount.exists(
            organization_id=contract.organization_id,
            provider=key,
            payment_method_ref__not_isnull=True,
        ):
            return key
    return None


async def request_charge(invoice: Invoice, contract: Contract) -> None:
    """Called inside the issuing transaction; the charge job runs after it commits."""
    key = await chargeable_provider(contract)
    if key is not None:
        await jobs.enqueue(CHARGE_JOB, str(invoice.id), key, job_id=f"charge:{invoice.id}")


async def charge(invoice_id: UUID, key: str) -> str:
    """Safe to repeat: the provider gets the same idempotency key each time, and an invoice
    no longer owing is not charged. ProviderUnavailable propagates, so the job is retried."""
    invoice = await Invoice.get_or_none(id=invoice_id)
    if (
        invoice is None
        or not invoice_status.is_open(invoice)
        or invoice.total <= invoice.amount_paid
    ):
        return "nothing to charge"
    charger = await providers.resolve(invoice.tenant_id, key)
    if charger is None:
        return "provider disabled"
    if await InvoiceEvent.exists(invoice=invoice, type=REFUSED):
        return "refused"  # a refusal is final: the tenant was told once
    view = await views.invoice_view(invoice, provider=key)
    try:
        result = await charger.provider.charge(view, charger.settings)
    except PaymentRefused as refusal:
        # No payment was made, so no webhook will tell: the tenant hears of it as of a
        # failed payment the provider reported.
        async with jobs.atomic():
            await invoice_status.record(invoice, REFUSED, f"provider:{key}", str(refusal))
            await provider_payments.tell_tenant_of_failure(
                invoice, str(refusal), f"charge:{invoice.id}"
            )
        return "refused"
    await invoice_status.record(
        invoice, "charge_requested", f"provider:{key}", f"{result.status}: {result.reference}"
    )
    return str(result.status)


async def link_account(
    actor: Actor,
    organization_id: str,
    key: str,
    customer_ref: str,
    payment_method_ref: str | None,
) -> Organization:
    """Link an organization to its existing customer record at a provider (e.g. a Stripe
    customer and its default card), so its invoices can be charged automatically."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    references = {"customer_ref": customer_ref, "payment_method_ref": payment_method_ref}
    validation.storable({"provider": key, **references}, [])
    organization = await organizations.get(tenant, organization_id, field=["organization_id"])
    provider = providers.provider(key, field=["provider"])
    if not provider.supports_auto_charge:
        raise Invalid(f"{provider.name} cannot charge automatically.", field=["provider"])
    if not customer_ref.strip():
        raise Invalid("Give the provider's customer id.", field=["customer_ref"])
    checks = validation.Checks()
    defaults = {
        column: checks.run(
            validation.text,
            value or "",
            [column],
            max_length=validation.length_of(ProviderAccount, column),
        )
        for column, value in references.items()
    }
    checks.raise_if_any()
    async with jobs.atomic():
        await ProviderAccount.update_or_create(
            organization=organization, provider=key, defaults=defaults
        )
    return organization
