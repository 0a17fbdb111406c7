"""The tenant's own payment method, for the monthly invoicing processing fee that the
operator of this Remit server bills. Cards are saved on the operator's payment account, which
the configuration gives (plugins/platform.py)."""

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from tortoise.exceptions import IntegrityError

from remit.billing import config, fees, jobs, provider_payments, validation
from remit.billing.errors import Invalid, NotReady, ProviderError, Required
from remit.billing.roles import Actor, Permission, require
from remit.models.enums import PlatformBillingStatus
from remit.models.provider_events import ProviderEvent
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant
from remit.plugins.api import (
    CustomerAccount,
    PaymentEvent,
    PaymentEventKind,
    PaymentRefused,
    ProviderUnavailable,
)
from remit.plugins.platform import PlatformAccount, PlatformCustomer

PLATFORM = "stripe:platform"
KINDS = ("card", "bank_transfer")


@dataclass(frozen=True)
class PlatformBillingSetup:
    settings: InvoicingSettings
    client_secret: str | None = None


def _account() -> PlatformAccount:
    account = config.current().platform_account
    if account is None:
        raise NotReady(
            "Card payments of the processing fee are not set up on this server.", field=["kind"]
        )
    return account


async def setup(actor: Actor, kind: str, billing_email: str | None) -> PlatformBillingSetup:
    require(actor, Permission.PLATFORM_PAYMENT)
    tenant = actor.tenant
    if kind not in KINDS:
        raise Invalid(
            f"{kind!r} is not a payment method kind: use card or bank_transfer.", field=["kind"]
        )
    if kind == "bank_transfer":
        if not billing_email:
            raise Required(
                "Give the email address fee invoices are sent to.", field=["billing_email"]
            )
        email = validation.email(billing_email, ["billing_email"])
        async with jobs.atomic():
            settings = await InvoicingSettings.select_for_update().get(tenant=tenant)
            settings.update_from_dict(
                {
                    "platform_billing_kind": kind,
                    "platform_billing_status": PlatformBillingStatus.ACTIVE,
                    "platform_billing_method": "Bank transfer",
                    "platform_billing_email": email,
                }
            )
            await settings.save()
        return PlatformBillingSetup(settings)
    return await _setup_card(tenant)


async def _setup_card(tenant: Tenant) -> PlatformBillingSetup:
    account = _account()
    settings = await InvoicingSettings.get(tenant=tenant)
    customer = PlatformCustomer(
        tenant_id=tenant.id,
        name=tenant.name,
        email=settings.company_email,
        customer_ref=settings.platform_stripe_customer_id,
    )
    # The account is called before any row is locked; the ids are written afterwards.
    try:
        card = await account.set_up_card(customer)
    except (ProviderUnavailable, PaymentRefused) as error:
        raise _provider_error(error) from None
    async with jobs.atomic():
        settings = await InvoicingSettings.select_for_update().get(tenant=tenant)
        settings.platform_stripe_customer_id = card.customer_ref
        settings.platform_stripe_setup_intent_id = card.reference
        # A working method stays in force until the new card is confirmed.
        if settings.platform_billing_status != PlatformBillingStatus.ACTIVE:
            settings.platform_billing_kind = "card"
            settings.platform_billing_status = PlatformBillingStatus.PENDING
            settings.platform_billing_method = "Card"
        await settings.save()
    return PlatformBillingSetup(settings, card.client_secret)


def _provider_error(error: ProviderUnavailable | PaymentRefused) -> ProviderError:
    if isinstance(error, ProviderUnavailable):
        return ProviderError("Stripe cannot be reached right now; try again in a minute.")
    return ProviderError(str(error))


async def _describe_card(account: PlatformAccount, payment_method_ref: str) -> str:
    """ "Visa •••• 4242" when the account tells, "Card" when it does not answer."""
    try:
        return await account.describe_card(payment_method_ref) or "Card"
    except (ProviderUnavailable, PaymentRefused):
        return "Card"


async def handle_webhook(headers: Mapping[str, str], body: bytes) -> str:
    """A callback from the operator's payment account. Raises WebhookRejected when it is not
    authentic, NotReady when this server cannot check it. Returns what was done, for the log."""
    account = config.current().platform_account
    if account is None:
        raise NotReady("The operator's payment account is not configured on this server.")
    try:
        events = provider_payments.readable(account.parse_webhook(headers, body))
    except ProviderUnavailable as error:
        raise NotReady(str(error)) from None
    outcome = "ignored"
    for event in events:
        if event.kind == PaymentEventKind.PAYMENT_METHOD_SAVED and event.tenant_id:
            outcome = await _payment_method_saved(
                account, event.event_id, event.tenant_id, event.customer_account
            )
        elif event.platform_fee_id and event.kind in (
            PaymentEventKind.PAID,
            PaymentEventKind.FAILED,
        ):
            outcome = await _fee_outcome(event)
    return outcome


async def _fee_outcome(event: PaymentEvent) -> str:
    # The event id is stored in the same transaction as its effect: a redelivered event
    # finds it and does nothing, and a crash leaves neither.
    try:
        async with jobs.atomic():
            await ProviderEvent.create(
                provider=PLATFORM, event_id=event.event_id, type=str(event.kind)
            )
            return await fees.settle(
                event.platform_fee_id, paid=event.kind == PaymentEventKind.PAID, reason=event.detail
            )
    except IntegrityError:
        return "already processed"


async def _payment_method_saved(
    account: PlatformAccount, event_id: str, tenant_id: UUID, saved: CustomerAccount
) -> str:
    if not await Tenant.exists(id=tenant_id):
        return "unknown tenant"
    if await ProviderEvent.exists(provider=PLATFORM, event_id=event_id):
        return "already processed"
    description = (
        await _describe_card(account, saved.payment_method_ref)
        if saved.payment_method_ref
        else "Card"
    )
    try:
        async with jobs.atomic():
            # Stored with its effect: a redelivered event hits the unique key and changes nothing.
            await ProviderEvent.create(
                provider=PLATFORM,
                event_id=event_id,
                tenant_id=tenant_id,
                type="setup_intent.succeeded",
            )
            settings = await InvoicingSettings.select_for_update().get(tenant_id=tenant_id)
            settings.update_from_dict(
                {
                    "platform_billing_kind": "card",
                    "platform_billing_status": PlatformBillingStatus.ACTIVE,
                    "platform_billing_method": description,
                    "platform_stripe_customer_id": saved.customer_ref
                    or settings.platform_stripe_customer_id,
                    "platform_stripe_payment_method_id": saved.payment_method_ref,
                }
            )
            await settings.save()
    except IntegrityError:
        return "already processed"
    return "payment method saved"
