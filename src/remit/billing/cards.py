"""Saved cards about to expire. When a provider saves a new payment method for an
organization, a job asks the provider when it expires; 30 days before that day the customer
gets one email (with the link to save another card), once per saved method."""

from datetime import date, timedelta
from uuid import UUID

from remit.billing import invoice_status, jobs, notices, providers
from remit.models.invoices import Invoice
from remit.models.organizations import ProviderAccount
from remit.plugins.api import CustomerAccount

EXPIRY_JOB = "account.card_expiry"
NOTICE_JOB = "account.card_expiry_notice"
WARN_DAYS = 30


async def saved(account: ProviderAccount) -> None:
    """Called inside the transaction that saved a new payment method on `account`: its
    expiry is asked for once it commits."""
    await jobs.enqueue(
        EXPIRY_JOB,
        str(account.id),
        account.payment_method_ref,
        job_id=f"card-expiry:{account.id}:{account.payment_method_ref}",
    )


async def record_expiry(account_id: UUID, payment_method_ref: str) -> date | None:
    """Ask the provider when the saved method expires and keep it, unless another method was
    saved meanwhile. ProviderUnavailable propagates (the job retries)."""
    account = await ProviderAccount.get_or_none(id=account_id)
    if account is None or account.payment_method_ref != payment_method_ref:
        return None
    organization = await account.organization
    updater = await providers.resolve(organization.tenant_id, account.provider)
    if updater is None or not providers.can_update_cards(updater.provider):
        return None
    saved_account = CustomerAccount(account.customer_ref, account.payment_method_ref)
    expires_on = await updater.provider.card_expiry(saved_account, updater.settings)
    await ProviderAccount.filter(id=account.id, payment_method_ref=payment_method_ref).update(
        card_expires_on=expires_on
    )
    return expires_on


def expiring(today: date):
    """Saved methods expiring within WARN_DAYS whose customer was not told yet."""
    return ProviderAccount.filter(
        payment_method_ref__not_isnull=True,
        card_expires_on__gte=today,
        card_expires_on__lte=today + timedelta(days=WARN_DAYS),
    )


async def plan_expiry_notices(today: date) -> int:
    asked = 0
    for account in await expiring(today):
        if account.expiry_notice_for == account.payment_method_ref:
            continue
        await jobs.enqueue(
            NOTICE_JOB,
            str(account.id),
            today.isoformat(),
            job_id=f"card-expiring:{account.id}:{account.payment_method_ref}",
        )
        asked += 1
    return asked


async def notify_expiry(account_id: UUID, today: date) -> bool:
    """One email to the customer about its saved method expiring, sent with its latest
    invoice (the link to save another card goes through that invoice's page)."""
    async with jobs.atomic():
        account = await ProviderAccount.select_for_update().get_or_none(id=account_id)
        if (
            account is None
            or not await expiring(today).filter(id=account_id).exists()
            or account.expiry_notice_for == account.payment_method_ref
        ):
            return False
        invoice = (
            await Invoice.filter(
                organization_id=account.organization_id,
                status__in=list(invoice_status.VISIBLE),
            )
            .order_by("-issue_date", "-number")
            .first()
        )
        if invoice is None:
            return False
        account.expiry_notice_for = account.payment_method_ref
        await account.save(update_fields=["expiry_notice_for", "updated_at"])
        card = f"{account.provider}:{account.payment_method_ref}"
        await notices.notice(invoice, "card_expiring", suffix=card)
    return True
