"""Automatic charging: once an organization has a saved payment method with a provider
that can charge, each new invoice of an auto-charge contract is charged right after issue,
and again after a soft decline (billing.charge_retries). The outcome arrives later by
webhook, or at once when the provider declines."""

from dataclasses import replace
from uuid import UUID

from remit.billing import (
    cards,
    charge_retries,
    clock,
    invoice_status,
    jobs,
    organizations,
    providers,
    validation,
    views,
)
from remit.billing.errors import Invalid
from remit.billing.roles import Actor, Permission, require
from remit.models.contracts import Contract
from remit.models.invoices import ChargeAttempt, Invoice
from remit.models.organizations import Organization, ProviderAccount
from remit.plugins.api import PaymentRefused

CHARGE_JOB = charge_retries.CHARGE_JOB


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


async def charge(invoice_id: UUID, key: str, number: int = 0) -> str:
    """Attempt `number` (0 the first, then each retry) of charging the invoice. Safe to
    repeat: the provider gets the same idempotency key for the same attempt, and an invoice
    no longer owing, or declined for good, is not charged. ProviderUnavailable propagates,
    so the job is retried."""
    invoice = await Invoice.get_or_none(id=invoice_id)
    if invoice is None or not await charge_retries.may_charge(invoice, number):
        return "nothing to charge"
    if number and await chargeable_provider(await invoice.contract) != key:
        return "no longer charged automatically"  # switched off, or the card removed
    charger = await providers.resolve(invoice.tenant_id, key)
    if charger is None:
        return "provider disabled"
    attempt, _ = await ChargeAttempt.get_or_create(
        invoice=invoice, number=number, defaults={"provider": key, "attempted_on": clock.today()}
    )
    view = replace(await views.invoice_view(invoice, provider=key), charge_attempt=number)
    try:
        result = await charger.provider.charge(view, charger.settings)
    except PaymentRefused as refusal:
        # No payment was made, so no webhook will tell: the customer and the tenant hear of
        # it here, as of a failed payment the provider reported.
        async with jobs.atomic():
            locked = await ChargeAttempt.select_for_update().get(id=attempt.id)
            if locked.failed_at is None:
                await charge_retries.declined(
                    invoice, locked, str(refusal), refusal.hard_decline, f"provider:{key}"
                )
        return "refused"
    await ChargeAttempt.filter(id=attempt.id).update(reference=result.reference)
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
        account, _ = await ProviderAccount.update_or_create(
            organization=organization, provider=key, defaults=defaults
        )
        if account.payment_method_ref:
            await cards.saved(account)
    return organization
