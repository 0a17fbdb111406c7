"""The tenant's own payment method, for the monthly invoicing processing fee that the
operator of this Remit server bills. Cards are saved on the operator's Stripe account."""

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from pydantic import SecretStr
from tortoise.exceptions import IntegrityError

from remit.billing import fees, jobs, validation
from remit.billing.errors import Invalid, NotReady, ProviderError, Required
from remit.models.enums import PlatformBillingStatus
from remit.models.provider_events import ProviderEvent
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant
from remit.plugins import stripe as stripe_plugin
from remit.plugins.api import PaymentEvent, PaymentEventKind, PaymentRefused, ProviderUnavailable
from remit.settings import get_settings

PLATFORM = "stripe:platform"
KINDS = ("card", "bank_transfer")


@dataclass(frozen=True)
class PlatformBillingSetup:
    settings: InvoicingSettings
    client_secret: str | None = None


def _operator_key() -> str:
    key = get_settings().platform_stripe_secret_key
    if not key:
        raise NotReady(
            "Card payments of the processing fee are not set up on this server.", field=["kind"]
        )
    return key


async def setup(tenant: Tenant, kind: str, billing_email: str | None) -> PlatformBillingSetup:
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
    key = _operator_key()
    settings = await InvoicingSettings.get(tenant=tenant)
    metadata = {"remit_tenant_id": str(tenant.id)}
    # Calls to Stripe happen before any row is locked; the ids are written afterwards.
    try:
        async with stripe_plugin.connection(key) as client:
            with stripe_plugin.translated_errors(key):
                intent = await _customer_and_setup_intent(client, tenant, settings, metadata)
    except (ProviderUnavailable, PaymentRefused) as error:
        raise _provider_error(error) from None
    async with jobs.atomic():
        settings = await InvoicingSettings.select_for_update().get(tenant=tenant)
        settings.platform_stripe_customer_id = intent.customer
        settings.platform_stripe_setup_intent_id = intent.id
        # A working method stays in force until the new card is confirmed.
        if settings.platform_billing_status != PlatformBillingStatus.ACTIVE:
            settings.platform_billing_kind = "card"
            settings.platform_billing_status = PlatformBillingStatus.PENDING
            settings.platform_billing_method = "Card"
        await settings.save()
    return PlatformBillingSetup(settings, intent.client_secret)


async def _customer_and_setup_intent(
    client, tenant: Tenant, settings: InvoicingSettings, metadata: dict
):
    customer_id = settings.platform_stripe_customer_id
    if customer_id is None:
        customer = await client.v1.customers.create_async(
            params={
                "name": tenant.name,
                "email": settings.company_email or "",
                "metadata": metadata,
            },
            options={"idempotency_key": f"tenant:{tenant.id}:platform-customer"},
        )
        customer_id = customer.id
    return await client.v1.setup_intents.create_async(
        params={
            "customer": customer_id,
            "usage": "off_session",
            "payment_method_types": ["card"],
            "metadata": metadata,
        }
    )


def _provider_error(error: ProviderUnavailable | PaymentRefused) -> ProviderError:
    if isinstance(error, ProviderUnavailable):
        return ProviderError("Stripe cannot be reached right now; try again in a minute.")
    return ProviderError(str(error))


async def _describe_card(payment_method_id: str) -> str:
    """ "Visa •••• 4242" when Stripe tells, "Card" when it does not answer."""
    key = _operator_key()
    try:
        async with stripe_plugin.connection(key) as client:
            with stripe_plugin.translated_errors(key):
                method = await client.v1.payment_methods.retrieve_async(payment_method_id)
    except (ProviderUnavailable, PaymentRefused):
        return "Card"
    card = method.card
    return f"{card.brand.title()} •••• {card.last4}" if card else "Card"


async def handle_webhook(headers: Mapping[str, str], body: bytes) -> str:
    """A callback from the operator's Stripe account. Raises WebhookRejected when it is not
    authentic. Returns what was done, for the log."""
    secret = get_settings().platform_stripe_webhook_secret
    if not secret:
        raise NotReady("The platform Stripe webhook secret is not configured.")
    verifier = stripe_plugin.StripeProvider.Settings.model_construct(
        webhook_secret=SecretStr(secret)
    )
    outcome = "ignored"
    for event in stripe_plugin.StripeProvider().parse_webhook(headers, body, verifier):
        if event.kind == PaymentEventKind.PAYMENT_METHOD_SAVED and event.tenant_id:
            outcome = await _payment_method_saved(
                event.event_id, event.tenant_id, event.customer_account
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


async def _payment_method_saved(event_id: str, tenant_id: UUID, account) -> str:
    if not await Tenant.exists(id=tenant_id):
        return "unknown tenant"
    if await ProviderEvent.exists(provider=PLATFORM, event_id=event_id):
        return "already processed"
    description = (
        await _describe_card(account.payment_method_ref) if account.payment_method_ref else "Card"
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
                    "platform_stripe_customer_id": account.customer_ref
                    or settings.platform_stripe_customer_id,
                    "platform_stripe_payment_method_id": account.payment_method_ref,
                }
            )
            await settings.save()
    except IntegrityError:
        return "already processed"
    return "payment method saved"
