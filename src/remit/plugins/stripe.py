"""Stripe: card payments through Checkout, automatic charges of a saved card (declines told
hard from soft), a new card saved through Checkout in setup mode, and webhooks.

Written as a third-party plugin would be: it imports only `remit`, pydantic and the Stripe SDK.
"""

import os
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Self
from uuid import UUID

import stripe
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from remit import (
    BaseProvider,
    ChargeResult,
    ChargeStatus,
    CustomerAccount,
    InvoiceView,
    PaymentEvent,
    PaymentEventKind,
    PaymentOption,
    PaymentRefused,
    ProviderUnavailable,
    RefundResult,
    WebhookRejected,
    hookimpl,
)
from remit.catalogs import N_, translated

API_BASE_ENV = "REMIT_STRIPE_API_BASE"
# Long enough for a slow Checkout Session, short enough not to hold a worker or a customer
# waiting on the hosted page for Stripe's own 80 s default.
TIMEOUT_SECONDS = 20.0


def client(secret_key: str, *, http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    """A Stripe client for one account's secret key, speaking httpx (so respx can mock it).

    `REMIT_STRIPE_API_BASE` points it at stripe-mock or another compatible server. Pass
    `http_client` to close it yourself, or use `connection()`.
    """
    base = os.environ.get(API_BASE_ENV)
    return stripe.StripeClient(
        secret_key,
        http_client=http_client or stripe.HTTPXClient(timeout=TIMEOUT_SECONDS),
        # Remit retries whole jobs on ProviderUnavailable; SDK retries would only hold a
        # worker (or a customer on the hosted page) longer.
        max_network_retries=0,
        base_addresses={"api": base.rstrip("/")} if base else None,
    )


@asynccontextmanager
async def connection(secret_key: str) -> AsyncIterator[stripe.StripeClient]:
    """`client(secret_key)` whose HTTP connections are closed on exit."""
    http_client = stripe.HTTPXClient(timeout=TIMEOUT_SECONDS)
    try:
        yield client(secret_key, http_client=http_client)
    finally:
        await http_client.close_async()


def _key_mode(key: str) -> str | None:
    """The mode of a key shaped like sk_test_... ("test" or "live"), else None."""
    parts = key.split("_")
    return parts[1] if len(parts) > 2 and parts[1] in ("test", "live") else None


class StripeSettings(BaseModel):
    # A key pasted into the wrong field must not be echoed back in the validation error.
    model_config = ConfigDict(hide_input_in_errors=True)

    secret_key: SecretStr = Field(description="Secret (sk_...) or restricted (rk_...) API key")
    publishable_key: str = Field(description="Publishable key (pk_...)")
    webhook_secret: SecretStr = Field(
        description="Signing secret (whsec_...) of the webhook endpoint pointing at Remit"
    )

    @field_validator("secret_key", "publishable_key", "webhook_secret", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        # Keys are pasted from the dashboard, often with a trailing newline.
        return value.strip() if isinstance(value, str) else value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("sk_", "rk_")):
            raise ValueError("must be a Stripe secret key (sk_...) or restricted key (rk_...)")
        return value

    @field_validator("publishable_key")
    @classmethod
    def _publishable_key(cls, value: str) -> str:
        if not value.startswith("pk_"):
            raise ValueError("must be a Stripe publishable key (pk_...)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("whsec_"):
            raise ValueError("must be a Stripe webhook signing secret (whsec_...)")
        return value

    @model_validator(mode="after")
    def _same_mode(self) -> Self:
        secret_mode = _key_mode(self.secret_key.get_secret_value())
        publishable_mode = _key_mode(self.publishable_key)
        if secret_mode and publishable_mode and secret_mode != publishable_mode:
            raise ValueError(
                "secret_key and publishable_key must both be test keys or both be live keys"
            )
        return self


def _checkout_locale(invoice: InvoiceView) -> str:
    """Stripe's page in the customer's language, as the invoice is: Checkout takes each of
    Remit's languages by its two letters."""
    return invoice.locale.split("-")[0].lower()


def _metadata(invoice: InvoiceView) -> dict[str, str]:
    # Webhooks are matched to invoices by these (see OPERATIONS.md, "Stripe").
    return {"remit_invoice_id": str(invoice.id), "remit_tenant_id": str(invoice.tenant_id)}


def _description(invoice: InvoiceView) -> str:
    return f"Invoice {invoice.number or invoice.id}"


def _stripe_message(error: stripe.StripeError) -> str:
    # user_message is Stripe's own text without the "Request req_...:" prefix.
    return (error.user_message or "no reason given").rstrip(".")


# Declines that no retry will turn into a payment: the card is gone, closed, wrong, or the
# bank said not to try again. Stripe's decline codes, and the error codes of the same kind.
HARD_DECLINES = frozenset(
    {
        "card_not_supported",
        "do_not_honor",
        "expired_card",
        "fraudulent",
        "incorrect_number",
        "invalid_account",
        "invalid_number",
        "lost_card",
        "pickup_card",
        "restricted_card",
        "revocation_of_all_authorizations",
        "revocation_of_authorization",
        "security_violation",
        "stolen_card",
        "stop_payment_order",
        "transaction_not_allowed",
    }
)


def is_hard_decline(error: dict | None) -> bool:
    """Whether a Stripe error object (`last_payment_error`, or a card error's body) is a
    decline no retry will overcome."""
    error = error or {}
    return bool({error.get("decline_code"), error.get("code")} & HARD_DECLINES)


@contextmanager
def translated_errors(secret_key: str) -> Iterator[None]:
    """Turn the SDK's exceptions into Remit's: logical ones refused, technical ones retried."""
    try:
        yield
    except stripe.CardError as error:
        raise PaymentRefused(
            f"The card was declined: {_stripe_message(error)}.",
            hard_decline=is_hard_decline((error.json_body or {}).get("error")),
        ) from error
    except stripe.AuthenticationError as error:
        # Stripe's own message quotes part of the key: say nothing of it.
        raise PaymentRefused(
            "Stripe rejected the secret key. Check the Stripe settings."
        ) from error
    except stripe.PermissionError as error:
        raise PaymentRefused(
            "The Stripe key is not allowed to make this request. Use a secret key, or a "
            "restricted key with write access to Checkout Sessions, PaymentIntents and Refunds."
        ) from error
    except stripe.InvalidRequestError as error:
        message = _stripe_message(error).replace(secret_key, "[secret key]")
        raise PaymentRefused(
            f"Stripe rejected the request: {message}. Check the Stripe settings and the "
            "customer's saved card."
        ) from error
    except stripe.IdempotencyError as error:
        # Same key, different request (the amount changed since the first attempt): repeating
        # it never helps, and after Stripe forgets the key it could charge twice.
        raise PaymentRefused(
            "Stripe refused to repeat an earlier charge of this invoice with different details. "
            "Check the invoice's payments in the Stripe dashboard."
        ) from error
    except stripe.StripeError as error:
        # APIConnectionError (timeouts too), RateLimitError, APIError (5xx) and the rest.
        raise ProviderUnavailable(
            f"Stripe is unavailable ({type(error).__name__}); try again later."
        ) from error


class StripeProvider(BaseProvider):
    """Pay online by card, or be charged automatically with a card saved at checkout."""

    key = "stripe"
    name = N_("Card (Stripe)")
    supports_online_payment = True
    supports_auto_charge = True
    Settings = StripeSettings

    def describe(self, invoice: InvoiceView, settings: StripeSettings) -> PaymentOption:
        # The Checkout Session is made when the customer clicks pay (payment_option): one
        # made now would expire unused, and Stripe being down must not hold the email.
        return PaymentOption(
            provider=self.key,
            name=translated(self.name, invoice.locale),
            instructions=translated("Pay online by card.", invoice.locale),
        )

    async def payment_option(self, invoice: InvoiceView, settings: StripeSettings) -> PaymentOption:
        _require_amount_due(invoice)
        account = invoice.customer_account
        customer = account.customer_ref if account else None
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": invoice.currency.lower(),
                        # Remit's minor unit is Stripe's smallest currency unit.
                        "unit_amount": invoice.amount_due,
                        "product_data": {"name": _description(invoice)},
                    },
                }
            ],
            "success_url": invoice.public_url,
            "cancel_url": invoice.public_url,
            "client_reference_id": str(invoice.id),
            "locale": _checkout_locale(invoice),
            "metadata": _metadata(invoice),
            "payment_intent_data": {"metadata": _metadata(invoice)},
        }
        if customer:
            params["customer"] = customer
        elif invoice.customer.email:
            params["customer_email"] = invoice.customer.email
        if invoice.auto_charge:
            # Keep the card for the next invoices, charged without the customer present.
            params["payment_intent_data"]["setup_future_usage"] = "off_session"
            if not customer:
                params["customer_creation"] = "always"
        return await self._checkout_session(params, settings)

    async def charge(self, invoice: InvoiceView, settings: StripeSettings) -> ChargeResult:
        account = invoice.customer_account
        if not (account and account.customer_ref and account.payment_method_ref):
            raise PaymentRefused(
                "The customer has no card saved with Stripe; it is saved when they pay an "
                "invoice online with automatic charging on."
            )
        _require_amount_due(invoice)
        params: dict[str, Any] = {
            "amount": invoice.amount_due,
            "currency": invoice.currency.lower(),
            "customer": account.customer_ref,
            "payment_method": account.payment_method_ref,
            "off_session": True,
            "confirm": True,
            "description": _description(invoice),
            "metadata": _metadata(invoice),
        }
        secret_key = settings.secret_key.get_secret_value()
        with translated_errors(secret_key):
            async with connection(secret_key) as stripe_client:
                intent = await stripe_client.v1.payment_intents.create_async(
                    params=params,
                    # Derived from the invoice and the attempt, so a repeated job never
                    # charges twice, and a retry after a decline is a charge of its own.
                    options={"idempotency_key": _charge_key(invoice)},
                )
        status = _CHARGE_STATUSES.get(intent.status)
        if status is None:
            if intent.status in ("requires_payment_method", "canceled"):
                raise PaymentRefused(f"Stripe could not charge the saved card ({intent.status}).")
            # Anything else is still under way; the webhook has the final word.
            status = ChargeStatus.PENDING
        return ChargeResult(status=status, reference=intent.id)

    async def card_setup_option(
        self, invoice: InvoiceView, settings: StripeSettings
    ) -> PaymentOption:
        """A Checkout Session in setup mode for the customer's Stripe customer: the card saved
        there arrives as `setup_intent.succeeded`, with the invoice's metadata."""
        account = invoice.customer_account
        if not (account and account.customer_ref):
            raise PaymentRefused("There is no Stripe customer to save a card for.")
        params: dict[str, Any] = {
            "mode": "setup",
            "customer": account.customer_ref,
            "currency": invoice.currency.lower(),
            "success_url": invoice.public_url,
            "cancel_url": invoice.public_url,
            "client_reference_id": str(invoice.id),
            "locale": _checkout_locale(invoice),
            "metadata": _metadata(invoice),
            "setup_intent_data": {"metadata": _metadata(invoice)},
        }
        return await self._checkout_session(params, settings)

    async def _checkout_session(self, params: dict, settings: StripeSettings) -> PaymentOption:
        secret_key = settings.secret_key.get_secret_value()
        with translated_errors(secret_key):
            async with connection(secret_key) as stripe_client:
                session = await stripe_client.v1.checkout.sessions.create_async(params=params)
        return PaymentOption(
            provider=self.key,
            name=self.name,
            payment_url=session.url,
            reference=session.id,
            expires_at=datetime.fromtimestamp(session.expires_at, tz=UTC),
        )

    async def card_expiry(self, account: CustomerAccount, settings: StripeSettings) -> date | None:
        """The last day of the saved card's expiry month; None for a method without one."""
        if not account.payment_method_ref:
            return None
        secret_key = settings.secret_key.get_secret_value()
        with translated_errors(secret_key):
            async with connection(secret_key) as stripe_client:
                method = await stripe_client.v1.payment_methods.retrieve_async(
                    account.payment_method_ref
                )
        card = method.to_dict().get("card") or {}
        month, year = card.get("exp_month"), card.get("exp_year")
        if not (isinstance(month, int) and isinstance(year, int)):
            return None
        return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)

    async def refund(
        self, reference: str, amount: int, currency: str, key: str, settings: StripeSettings
    ) -> RefundResult:
        """Refund part or all of the PaymentIntent `reference`. Stripe refunds in the
        payment's own currency, which Remit only ever takes in the invoice's."""
        secret_key = settings.secret_key.get_secret_value()
        with translated_errors(secret_key):
            async with connection(secret_key) as stripe_client:
                try:
                    refund = await stripe_client.v1.refunds.create_async(
                        params={"payment_intent": reference, "amount": amount},
                        options={"idempotency_key": key},
                    )
                except stripe.InvalidRequestError as error:
                    # Refunded already, more than is left, or no such payment: say so.
                    message = _stripe_message(error).replace(secret_key, "[secret key]")
                    raise PaymentRefused(
                        f"Stripe would not refund payment {reference}: {message}."
                    ) from error
                except stripe.IdempotencyError as error:
                    raise PaymentRefused(
                        "Stripe refused to repeat this refund with different details. Check "
                        f"the refunds of payment {reference} in the Stripe dashboard."
                    ) from error
        return RefundResult(reference=refund.id)

    async def close_payment_option(self, reference: str, settings: StripeSettings) -> None:
        """Expire an open Checkout Session so it can no longer be paid."""
        secret_key = settings.secret_key.get_secret_value()
        with translated_errors(secret_key):
            async with connection(secret_key) as stripe_client:
                try:
                    await stripe_client.v1.checkout.sessions.expire_async(reference)
                except stripe.InvalidRequestError as error:
                    # Stripe expires only open sessions: an expired or completed one has
                    # nothing left to close. One it cannot find (the key is now another
                    # account's) is refused like a rejected key: the tenant must learn that
                    # it may still be paid.
                    if error.code == "resource_missing":
                        raise

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, settings: StripeSettings
    ) -> list[PaymentEvent]:
        signature = next(
            (value for name, value in headers.items() if name.lower() == "stripe-signature"),
            None,
        )
        if not signature:
            raise WebhookRejected("missing Stripe-Signature header")
        try:
            event = stripe.Webhook.construct_event(
                body,
                signature,
                settings.webhook_secret.get_secret_value(),
                tolerance=stripe.Webhook.DEFAULT_TOLERANCE,
            ).to_dict()
        except stripe.SignatureVerificationError as error:
            if "tolerance" in str(error):
                raise WebhookRejected("timestamp too old") from None
            raise WebhookRejected("bad signature") from None
        except (ValueError, TypeError, AttributeError, KeyError):
            # Signed but not a Stripe event we can read (bad UTF-8 or JSON, a thin event).
            raise WebhookRejected("unreadable body") from None
        # Stripe checks only that the signature is not too old; one from the future is no
        # better.
        if _signed_at(signature) > time.time() + stripe.Webhook.DEFAULT_TOLERANCE:
            raise WebhookRejected("timestamp outside the tolerance")
        event_id = event.get("id")
        if not isinstance(event_id, str) or not event_id:
            raise WebhookRejected("unreadable event: no id")
        try:
            translate = _EVENTS.get(event.get("type", ""))
            obj = (event.get("data") or {}).get("object")
            if translate is None or not isinstance(obj, dict):
                return []
            # The event is created when the money moves: its day is the payment's.
            day = _utc_day(event.get("created"))
            return [
                replace(found, paid_on=day) if found.kind == PaymentEventKind.PAID else found
                for found in translate(event_id, obj)
            ]
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            raise WebhookRejected(f"unreadable event {event_id[:80]}: {error}") from None


def _charge_key(invoice: InvoiceView) -> str:
    retry = f":{invoice.charge_attempt}" if invoice.charge_attempt else ""
    return f"invoice:{invoice.id}:charge{retry}"


def _require_amount_due(invoice: InvoiceView) -> None:
    if invoice.amount_due <= 0:
        raise PaymentRefused(f"Nothing is due on invoice {invoice.number or invoice.id}.")


_CHARGE_STATUSES = {
    "succeeded": ChargeStatus.SUCCEEDED,
    "processing": ChargeStatus.PENDING,
    "requires_action": ChargeStatus.REQUIRES_ACTION,
}


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _id(value: Any) -> str | None:
    # Webhook payloads give ids, but an expanded object is possible.
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _utc_day(timestamp: Any) -> date | None:
    try:
        return datetime.fromtimestamp(int(timestamp), UTC).date()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _amount(value: Any) -> int | None:
    """A count of the smallest currency unit, or None when there is none: Remit counts no
    payment it cannot read the amount of (it records it for the tenant instead). A figure
    that is not a whole number makes the event unreadable."""
    if value is None:
        return None
    if type(value) is not int:
        raise ValueError(f"amount {str(value)[:40]!r} is not a whole number")
    return value if value >= 0 else None


def _signed_at(signature: str) -> int:
    """The `t=` of a Stripe-Signature header (already verified)."""
    for part in signature.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    return 0


def _currency(value: Any) -> str | None:
    return value.upper() if value else None


def _event(event_id: str, kind: PaymentEventKind, obj: dict, **fields: Any) -> PaymentEvent:
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError("metadata is not an object")
    return PaymentEvent(
        event_id=event_id,
        kind=kind,
        invoice_id=_uuid(metadata.get("remit_invoice_id")),
        tenant_id=_uuid(metadata.get("remit_tenant_id")),
        platform_fee_id=_uuid(metadata.get("remit_platform_fee_id")),
        **fields,
    )


def _checkout_session_completed(event_id: str, session: dict) -> list[PaymentEvent]:
    # "unpaid" means a delayed method (a debit) still under way: payment_intent.succeeded
    # reports it when it lands. A setup-mode session ("no_payment_required") names only its
    # SetupIntent: the card saved is reported by that SetupIntent's setup_intent.succeeded.
    if session.get("payment_status") != "paid":
        return []
    customer = _id(session.get("customer"))
    return [
        _event(
            event_id,
            PaymentEventKind.PAID,
            session,
            amount=_amount(session.get("amount_total")),
            currency=_currency(session.get("currency")),
            reference=_id(session.get("payment_intent")) or session.get("id"),
            # The saved card is on the PaymentIntent, not the session.
            customer_account=CustomerAccount(customer_ref=customer) if customer else None,
        )
    ]


def _payment_intent_succeeded(event_id: str, intent: dict) -> list[PaymentEvent]:
    customer = _id(intent.get("customer"))
    payment_method = _id(intent.get("payment_method"))
    # Only a card set up for future use is attached to the customer and chargeable later;
    # any other payment method would fail the next automatic charge.
    saved = customer and payment_method and intent.get("setup_future_usage") == "off_session"
    return [
        _event(
            event_id,
            PaymentEventKind.PAID,
            intent,
            # What was captured: Stripe always sends it on a PaymentIntent. `amount` is what
            # was asked for, which is not money received; without the figure the payment is
            # not counted, and Remit records it on the invoice for the tenant to check.
            amount=_amount(intent.get("amount_received")),
            currency=_currency(intent.get("currency")),
            reference=intent.get("id"),
            customer_account=(
                CustomerAccount(customer_ref=customer, payment_method_ref=payment_method)
                if saved
                else None
            ),
        )
    ]


def _payment_intent_failed(event_id: str, intent: dict) -> list[PaymentEvent]:
    error = intent.get("last_payment_error") or {}
    return [
        _event(
            event_id,
            PaymentEventKind.FAILED,
            intent,
            amount=_amount(intent.get("amount")),
            currency=_currency(intent.get("currency")),
            reference=intent.get("id"),
            detail=error.get("message"),
            hard_decline=is_hard_decline(error),
        )
    ]


def _charge_refunded(event_id: str, charge: dict) -> list[PaymentEvent]:
    # Stripe copies the PaymentIntent's metadata onto its charges; a charge without it is
    # still found by Remit through the PaymentIntent (the reference) in the invoice's ledger.
    return [
        _event(
            event_id,
            PaymentEventKind.REFUNDED,
            charge,
            amount=_amount(charge.get("amount_refunded")),
            currency=_currency(charge.get("currency")),
            reference=_id(charge.get("payment_intent")) or charge.get("id"),
        )
    ]


def _setup_intent_succeeded(event_id: str, intent: dict) -> list[PaymentEvent]:
    return [
        _event(
            event_id,
            PaymentEventKind.PAYMENT_METHOD_SAVED,
            intent,
            reference=intent.get("id"),
            customer_account=CustomerAccount(
                customer_ref=_id(intent.get("customer")),
                payment_method_ref=_id(intent.get("payment_method")),
            ),
        )
    ]


_EVENTS = {
    "checkout.session.completed": _checkout_session_completed,
    "payment_intent.succeeded": _payment_intent_succeeded,
    "payment_intent.payment_failed": _payment_intent_failed,
    "charge.refunded": _charge_refunded,
    "setup_intent.succeeded": _setup_intent_succeeded,
}


@hookimpl
def remit_payment_providers():
    return [StripeProvider()]
