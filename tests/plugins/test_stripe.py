"""The Stripe provider against Stripe's HTTP API (mocked with respx) and signed webhooks."""

import hashlib
import hmac
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

import httpx
import pydantic
import pytest
import respx

from remit import (
    ChargeResult,
    ChargeStatus,
    CustomerAccount,
    InvoiceView,
    Party,
    PaymentEvent,
    PaymentEventKind,
    PaymentOption,
    PaymentProvider,
    PaymentRefused,
    ProviderUnavailable,
    RefundingProvider,
    RefundResult,
    WebhookRejected,
)
from remit.plugins.stripe import StripeProvider, StripeSettings, remit_payment_providers
from tests import stripe_events
from tests.stripe_events import event

STRIPE = "https://api.stripe.com"
SECRET_KEY = "sk_test_tenant0123456789"
WEBHOOK_SECRET = "whsec_tenant0123456789"
INVOICE_ID = UUID("5b0c6a52-3f0e-4d4e-9b7a-1d2c3e4f5a6b")
TENANT_ID = UUID("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")
PLATFORM_FEE_ID = UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
PUBLIC_URL = "https://remit.test/i/tok_abc123"
# The day of the test events' `created` (1735689600), in UTC: the payment's day.
EVENT_DAY = date(2025, 1, 1)
METADATA = {"remit_invoice_id": str(INVOICE_ID), "remit_tenant_id": str(TENANT_ID)}

# The Stripe SDK hands httpx its form body as `data=`; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

provider = StripeProvider()


def settings(**overrides) -> StripeSettings:
    values = {
        "secret_key": SECRET_KEY,
        "publishable_key": "pk_test_tenant0123456789",
        "webhook_secret": WEBHOOK_SECRET,
    }
    return StripeSettings(**(values | overrides))


def invoice(**overrides) -> InvoiceView:
    values = {
        "id": INVOICE_ID,
        "tenant_id": TENANT_ID,
        "number": "INV-000042",
        "status": "DUE",
        "currency": "EUR",
        "total": 12345,
        "amount_due": 12345,
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 1, 31),
        "issue_date": date(2025, 1, 1),
        "due_date": date(2025, 1, 31),
        "customer": Party(name="Globex", email="ap@globex.com"),
        "issuer": Party(name="Acme Corp"),
        "public_url": PUBLIC_URL,
    }
    return InvoiceView(**(values | overrides))


SAVED_CARD = CustomerAccount(customer_ref="cus_123", payment_method_ref="pm_456")


def form(request: httpx.Request) -> dict[str, str]:
    """The form-encoded body the Stripe SDK sent, one value per key."""
    parsed = parse_qs(request.content.decode(), keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values()), parsed
    return {key: values[0] for key, values in parsed.items()}


SESSION = {
    "id": "cs_test_123",
    "object": "checkout.session",
    "url": "https://checkout.stripe.com/c/pay/cs_test_123",
    "expires_at": 1767225600,
}

CHECKOUT_FORM = {
    "mode": "payment",
    "line_items[0][quantity]": "1",
    "line_items[0][price_data][currency]": "eur",
    "line_items[0][price_data][unit_amount]": "12345",
    "line_items[0][price_data][product_data][name]": "Invoice INV-000042",
    "success_url": PUBLIC_URL,
    "cancel_url": PUBLIC_URL,
    "client_reference_id": str(INVOICE_ID),
    "locale": "en",
    "metadata[remit_invoice_id]": str(INVOICE_ID),
    "metadata[remit_tenant_id]": str(TENANT_ID),
    "payment_intent_data[metadata][remit_invoice_id]": str(INVOICE_ID),
    "payment_intent_data[metadata][remit_tenant_id]": str(TENANT_ID),
}


# Checkout Sessions


async def test_payment_option_creates_a_checkout_session():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/checkout/sessions").respond(200, json=SESSION)
        option = await provider.payment_option(invoice(), settings())

    assert option == PaymentOption(
        provider="stripe",
        name="Card (Stripe)",
        instructions=None,
        payment_url="https://checkout.stripe.com/c/pay/cs_test_123",
        reference="cs_test_123",
        expires_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert form(request) == CHECKOUT_FORM | {"customer_email": "ap@globex.com"}


async def test_payment_option_without_customer_email_sends_none():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/checkout/sessions").respond(200, json=SESSION)
        await provider.payment_option(invoice(customer=Party(name="Globex")), settings())

    assert form(route.calls.last.request) == CHECKOUT_FORM


async def test_a_german_customer_reads_the_option_and_pays_on_a_page_in_german():
    german = invoice(locale="de-DE")
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/checkout/sessions").respond(200, json=SESSION)
        await provider.payment_option(german, settings())

    assert form(route.calls.last.request) == CHECKOUT_FORM | {
        "customer_email": "ap@globex.com",
        "locale": "de",
    }
    printed = provider.describe(german, settings())
    assert (printed.name, printed.instructions) == ("Karte (Stripe)", "Online mit Karte bezahlen.")


async def test_payment_option_with_auto_charge_saves_the_card_on_a_new_customer():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/checkout/sessions").respond(200, json=SESSION)
        await provider.payment_option(invoice(auto_charge=True), settings())

    assert form(route.calls.last.request) == CHECKOUT_FORM | {
        "customer_email": "ap@globex.com",
        "customer_creation": "always",
        "payment_intent_data[setup_future_usage]": "off_session",
    }


async def test_payment_option_for_a_saved_customer_uses_it():
    account = CustomerAccount(customer_ref="cus_123")
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/checkout/sessions").respond(200, json=SESSION)
        await provider.payment_option(
            invoice(auto_charge=True, customer_account=account), settings()
        )

    assert form(route.calls.last.request) == CHECKOUT_FORM | {
        "customer": "cus_123",
        "payment_intent_data[setup_future_usage]": "off_session",
    }


async def test_payment_option_in_a_zero_decimal_currency_sends_the_amount_as_is():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/checkout/sessions").respond(200, json=SESSION)
        await provider.payment_option(invoice(currency="JPY", amount_due=5000), settings())

    sent = form(route.calls.last.request)
    assert sent["line_items[0][price_data][currency]"] == "jpy"
    assert sent["line_items[0][price_data][unit_amount]"] == "5000"


async def test_api_base_env_redirects_requests(monkeypatch):
    monkeypatch.setenv("REMIT_STRIPE_API_BASE", "http://stripe-mock.test:12111/")
    with respx.mock(assert_all_called=True) as stripe_api:
        route = stripe_api.post("http://stripe-mock.test:12111/v1/checkout/sessions").respond(
            200, json=SESSION
        )
        option = await provider.payment_option(invoice(), settings())

    assert route.call_count == 1
    assert option.reference == "cs_test_123"


async def test_nothing_due_is_refused_without_calling_stripe():
    with respx.mock(base_url=STRIPE) as stripe_api:
        with pytest.raises(PaymentRefused) as refused:
            await provider.payment_option(invoice(amount_due=0), settings())
        assert stripe_api.calls.call_count == 0
    assert str(refused.value) == "Nothing is due on invoice INV-000042."


# Automatic charges


def intent(status: str = "succeeded", **fields) -> dict:
    return {"id": "pi_789", "object": "payment_intent", "status": status, **fields}


async def test_charge_confirms_a_payment_intent_off_session():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/payment_intents").respond(200, json=intent())
        result = await provider.charge(invoice(customer_account=SAVED_CARD), settings())

    assert result == ChargeResult(status=ChargeStatus.SUCCEEDED, reference="pi_789")
    request = route.calls.last.request
    assert request.headers["Idempotency-Key"] == f"invoice:{INVOICE_ID}:charge"
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert form(request) == {
        "amount": "12345",
        "currency": "eur",
        "customer": "cus_123",
        "payment_method": "pm_456",
        "off_session": "true",
        "confirm": "true",
        "description": "Invoice INV-000042",
        "metadata[remit_invoice_id]": str(INVOICE_ID),
        "metadata[remit_tenant_id]": str(TENANT_ID),
    }


@pytest.mark.parametrize(
    ("stripe_status", "expected"),
    [
        ("processing", ChargeStatus.PENDING),
        ("requires_action", ChargeStatus.REQUIRES_ACTION),
    ],
)
async def test_charge_maps_the_intent_status(stripe_status, expected):
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post("/v1/payment_intents").respond(200, json=intent(stripe_status))
        result = await provider.charge(invoice(customer_account=SAVED_CARD), settings())

    assert result == ChargeResult(status=expected, reference="pi_789")


async def test_charge_repeated_sends_the_same_idempotency_key():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/payment_intents").respond(200, json=intent())
        for _ in range(2):
            await provider.charge(invoice(customer_account=SAVED_CARD), settings())

    keys = [call.request.headers["Idempotency-Key"] for call in route.calls]
    assert keys == [f"invoice:{INVOICE_ID}:charge", f"invoice:{INVOICE_ID}:charge"]


@pytest.mark.parametrize(
    "account",
    [None, CustomerAccount(customer_ref="cus_123"), CustomerAccount(payment_method_ref="pm_456")],
)
async def test_charge_without_a_saved_card_is_refused_without_calling_stripe(account):
    with respx.mock(base_url=STRIPE) as stripe_api:
        with pytest.raises(PaymentRefused) as refused:
            await provider.charge(invoice(customer_account=account), settings())
        assert stripe_api.calls.call_count == 0
    assert str(refused.value) == (
        "The customer has no card saved with Stripe; it is saved when they pay an invoice "
        "online with automatic charging on."
    )


# Errors, for both calls

CALLS = {
    "payment_option": ("/v1/checkout/sessions", provider.payment_option),
    "charge": ("/v1/payment_intents", provider.charge),
}


def stripe_error(type_: str, message: str, **fields) -> dict:
    return {"error": {"type": type_, "message": message, **fields}}


@pytest.fixture(params=sorted(CALLS))
def call(request):
    """(path, coroutine function) of one provider call that reaches Stripe."""
    return CALLS[request.param]


async def test_card_declined_is_refused_with_stripe_message(call):
    path, method = call
    body = stripe_error("card_error", "Your card was declined.", code="card_declined")
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post(path).respond(402, json=body)
        with pytest.raises(PaymentRefused) as refused:
            await method(invoice(customer_account=SAVED_CARD), settings())

    assert str(refused.value) == "The card was declined: Your card was declined."
    assert refused.value.hard_decline is False


@pytest.mark.parametrize(
    ("fields", "hard"),
    [
        ({"code": "card_declined", "decline_code": "insufficient_funds"}, False),
        ({"code": "card_declined", "decline_code": "generic_decline"}, False),
        ({"code": "processing_error"}, False),
        ({"code": "card_declined", "decline_code": "stolen_card"}, True),
        ({"code": "card_declined", "decline_code": "do_not_honor"}, True),
        ({"code": "card_declined", "decline_code": "lost_card"}, True),
        ({"code": "card_declined", "decline_code": "pickup_card"}, True),
        ({"code": "card_declined", "decline_code": "fraudulent"}, True),
        ({"code": "incorrect_number"}, True),
        ({"code": "expired_card"}, True),
    ],
)
async def test_a_charge_decline_says_whether_it_is_hard(fields, hard):
    body = stripe_error("card_error", "Your card was declined.", **fields)
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post("/v1/payment_intents").respond(402, json=body)
        with pytest.raises(PaymentRefused) as refused:
            await provider.charge(invoice(customer_account=SAVED_CARD), settings())

    assert refused.value.hard_decline is hard


async def test_a_retry_is_a_charge_of_its_own():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/payment_intents").respond(
            200, json={"id": "pi_1", "object": "payment_intent", "status": "succeeded"}
        )
        for attempt in (0, 2):
            charged = invoice(customer_account=SAVED_CARD, charge_attempt=attempt)
            await provider.charge(charged, settings())

    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == [
        f"invoice:{INVOICE_ID}:charge",
        f"invoice:{INVOICE_ID}:charge:2",
    ]


async def test_card_setup_option_makes_a_setup_mode_checkout_session():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/checkout/sessions").respond(
            200,
            json={
                "id": "cs_setup",
                "object": "checkout.session",
                "url": "https://checkout.stripe.com/c/setup/cs_setup",
                "expires_at": 1893456000,
            },
        )
        option = await provider.card_setup_option(invoice(customer_account=SAVED_CARD), settings())

    sent = {k: v[0] for k, v in parse_qs(route.calls.last.request.content.decode()).items()}
    assert (sent["mode"], sent["customer"]) == ("setup", SAVED_CARD.customer_ref)
    assert "line_items[0][quantity]" not in sent
    assert sent["setup_intent_data[metadata][remit_invoice_id]"] == str(INVOICE_ID)
    assert (option.payment_url, option.reference) == (
        "https://checkout.stripe.com/c/setup/cs_setup",
        "cs_setup",
    )


async def test_card_setup_option_without_a_stripe_customer_is_refused():
    with pytest.raises(PaymentRefused):
        await provider.card_setup_option(invoice(customer_account=None), settings())


@pytest.mark.parametrize(
    ("card", "expires_on"),
    [
        ({"exp_month": 2, "exp_year": 2028}, date(2028, 2, 29)),
        ({"exp_month": 12, "exp_year": 2027}, date(2027, 12, 31)),
        (None, None),
    ],
)
async def test_card_expiry_is_the_last_day_of_its_month(card, expires_on):
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.get(f"/v1/payment_methods/{SAVED_CARD.payment_method_ref}").respond(
            200,
            json={"id": SAVED_CARD.payment_method_ref, "object": "payment_method", "card": card},
        )
        assert await provider.card_expiry(SAVED_CARD, settings()) == expires_on


async def test_authentication_error_is_refused_without_the_key(call):
    path, method = call
    body = stripe_error(
        "invalid_request_error", f"Invalid API Key provided: {SECRET_KEY[:8]}****6789"
    )
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post(path).respond(401, json=body)
        with pytest.raises(PaymentRefused) as refused:
            await method(invoice(customer_account=SAVED_CARD), settings())

    assert str(refused.value) == "Stripe rejected the secret key. Check the Stripe settings."
    assert SECRET_KEY not in str(refused.value)
    assert "sk_test" not in str(refused.value)


async def test_permission_error_is_refused(call):
    path, method = call
    body = stripe_error("invalid_request_error", "The provided key does not have access.")
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post(path).respond(403, json=body)
        with pytest.raises(PaymentRefused) as refused:
            await method(invoice(customer_account=SAVED_CARD), settings())

    assert str(refused.value) == (
        "The Stripe key is not allowed to make this request. Use a secret key, or a restricted "
        "key with write access to Checkout Sessions, PaymentIntents and Refunds."
    )


async def test_invalid_request_is_refused_with_stripe_message(call):
    path, method = call
    body = stripe_error(
        "invalid_request_error", "No such customer: 'cus_123'", code="resource_missing"
    )
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post(path).respond(400, json=body)
        with pytest.raises(PaymentRefused) as refused:
            await method(invoice(customer_account=SAVED_CARD), settings())

    assert str(refused.value) == (
        "Stripe rejected the request: No such customer: 'cus_123'. Check the Stripe settings "
        "and the customer's saved card."
    )


async def test_idempotency_conflict_is_refused_not_retried():
    body = stripe_error(
        "idempotency_error",
        "Keys for idempotent requests can only be used with the same parameters.",
    )
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post("/v1/payment_intents").respond(400, json=body)
        with pytest.raises(PaymentRefused) as refused:
            await provider.charge(invoice(customer_account=SAVED_CARD), settings())

    assert str(refused.value) == (
        "Stripe refused to repeat an earlier charge of this invoice with different details. "
        "Check the invoice's payments in the Stripe dashboard."
    )


@pytest.mark.parametrize(
    ("status", "body", "error_name"),
    [
        (500, stripe_error("api_error", "Something went wrong on Stripe's end."), "APIError"),
        (503, {"error": {"message": "Service unavailable"}}, "APIError"),
        (429, stripe_error("rate_limit_error", "Too many requests."), "RateLimitError"),
    ],
)
async def test_stripe_failures_are_unavailable(call, status, body, error_name):
    path, method = call
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post(path).respond(status, json=body)
        with pytest.raises(ProviderUnavailable) as unavailable:
            await method(invoice(customer_account=SAVED_CARD), settings())

    assert str(unavailable.value) == f"Stripe is unavailable ({error_name}); try again later."
    # No retries inside the SDK: Remit retries the job.
    assert route.call_count == 1


async def test_timeout_is_unavailable(call):
    path, method = call
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post(path).mock(side_effect=httpx.ConnectTimeout("timed out"))
        with pytest.raises(ProviderUnavailable) as unavailable:
            await method(invoice(customer_account=SAVED_CARD), settings())

    assert str(unavailable.value) == "Stripe is unavailable (APIConnectionError); try again later."
    assert route.call_count == 1


async def test_unreadable_response_is_unavailable(call):
    path, method = call
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post(path).respond(502, text="<html>Bad gateway</html>")
        with pytest.raises(ProviderUnavailable):
            await method(invoice(customer_account=SAVED_CARD), settings())


# Closing a Checkout Session

EXPIRE = "/v1/checkout/sessions/cs_test_123/expire"


async def test_close_expires_the_checkout_session():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        expire = stripe_api.post(EXPIRE).respond(
            200, json={**SESSION, "status": "expired", "url": None}
        )
        result = await provider.close_payment_option("cs_test_123", settings())

    assert result is None
    assert expire.call_count == 1
    assert expire.calls.last.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"


async def test_close_of_a_session_no_longer_open_is_done():
    body = stripe_error(
        "invalid_request_error", 'Only Checkout Sessions with a status in ["open"] can be expired.'
    )
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        expire = stripe_api.post(EXPIRE).respond(400, json=body)
        first = await provider.close_payment_option("cs_test_123", settings())
        again = await provider.close_payment_option("cs_test_123", settings())

    assert (first, again, expire.call_count) == (None, None, 2)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            404,
            stripe_error(
                "invalid_request_error",
                "No such checkout.session: 'cs_test_123'",
                code="resource_missing",
            ),
            "Stripe rejected the request: No such checkout.session: 'cs_test_123'. Check the "
            "Stripe settings and the customer's saved card.",
        ),
        (
            401,
            stripe_error("invalid_request_error", "Invalid API Key provided: sk_test_****6789"),
            "Stripe rejected the secret key. Check the Stripe settings.",
        ),
    ],
    ids=["unknown-session", "rejected-key"],
)
async def test_close_that_stripe_cannot_do_is_refused(status, body, message):
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post(EXPIRE).respond(status, json=body)
        with pytest.raises(PaymentRefused) as refused:
            await provider.close_payment_option("cs_test_123", settings())

    assert str(refused.value) == message


async def test_close_during_an_outage_is_unavailable():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post(EXPIRE).respond(503, json=stripe_error("api_error", "Try again."))
        with pytest.raises(ProviderUnavailable):
            await provider.close_payment_option("cs_test_123", settings())


# Refunds

REFUND_KEY = "credit-note:8d0f5c2e-1b3a-4c5d-9e6f-7a8b9c0d1e2f:refund"


def refund() -> Any:
    return provider.refund("pi_123", 4500, "EUR", REFUND_KEY, settings())


async def test_refund_returns_part_of_a_payment_under_the_credit_notes_key():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/refunds").respond(
            200, json={"id": "re_123", "object": "refund", "status": "succeeded"}
        )
        results = [await refund(), await refund()]

    assert isinstance(provider, RefundingProvider)
    assert results == [RefundResult(reference="re_123")] * 2
    assert [form(call.request) for call in route.calls] == [
        {"payment_intent": "pi_123", "amount": "4500"}
    ] * 2
    assert [call.request.headers["Idempotency-Key"] for call in route.calls] == [REFUND_KEY] * 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            stripe_error(
                "invalid_request_error",
                "Charge ch_123 has already been refunded.",
                code="charge_already_refunded",
            ),
            "Stripe would not refund payment pi_123: Charge ch_123 has already been refunded.",
        ),
        (
            stripe_error(
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters.",
            ),
            "Stripe refused to repeat this refund with different details. Check the refunds "
            "of payment pi_123 in the Stripe dashboard.",
        ),
    ],
    ids=["already-refunded", "idempotency-conflict"],
)
async def test_a_refund_stripe_will_not_make_is_refused(body, message):
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post("/v1/refunds").respond(400, json=body)
        with pytest.raises(PaymentRefused) as refused:
            await refund()

    assert str(refused.value) == message


async def test_a_refund_during_an_outage_is_unavailable():
    with respx.mock(base_url=STRIPE, assert_all_called=True) as stripe_api:
        stripe_api.post("/v1/refunds").respond(503, json=stripe_error("api_error", "Try again."))
        with pytest.raises(ProviderUnavailable):
            await refund()


# Webhooks


def signed(payload: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    return stripe_events.signed(payload, secret, timestamp)


def parse(payload: dict) -> list[PaymentEvent]:
    headers, body = signed(payload)
    return provider.parse_webhook(headers, body, settings())


def checkout_session(**fields) -> dict:
    return {
        "id": "cs_test_123",
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": 12345,
        "currency": "eur",
        "payment_intent": "pi_789",
        "customer": None,
        "metadata": METADATA,
        **fields,
    }


def test_checkout_session_completed_and_paid():
    events = parse(event("checkout.session.completed", checkout_session(customer="cus_123")))

    assert events == [
        PaymentEvent(
            event_id="evt_1",
            kind=PaymentEventKind.PAID,
            invoice_id=INVOICE_ID,
            tenant_id=TENANT_ID,
            amount=12345,
            currency="EUR",
            reference="pi_789",
            detail=None,
            customer_account=CustomerAccount(customer_ref="cus_123", payment_method_ref=None),
            platform_fee_id=None,
            paid_on=EVENT_DAY,
        )
    ]


def test_checkout_session_completed_without_intent_or_customer():
    events = parse(event("checkout.session.completed", checkout_session(payment_intent=None)))

    assert events == [
        PaymentEvent(
            event_id="evt_1",
            kind=PaymentEventKind.PAID,
            invoice_id=INVOICE_ID,
            tenant_id=TENANT_ID,
            amount=12345,
            currency="EUR",
            reference="cs_test_123",
            paid_on=EVENT_DAY,
        )
    ]


def test_checkout_session_completed_but_unpaid_is_ignored():
    assert (
        parse(event("checkout.session.completed", checkout_session(payment_status="unpaid"))) == []
    )


def payment_intent(**fields) -> dict:
    return {
        "id": "pi_789",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 12345,
        "amount_received": 12345,
        "currency": "eur",
        "customer": "cus_123",
        "payment_method": "pm_456",
        "setup_future_usage": "off_session",
        "last_payment_error": None,
        "metadata": METADATA,
        **fields,
    }


def test_payment_intent_succeeded_with_a_card_saved_for_later():
    events = parse(event("payment_intent.succeeded", payment_intent(), event_id="evt_2"))

    assert events == [
        PaymentEvent(
            event_id="evt_2",
            kind=PaymentEventKind.PAID,
            invoice_id=INVOICE_ID,
            tenant_id=TENANT_ID,
            amount=12345,
            currency="EUR",
            reference="pi_789",
            customer_account=CustomerAccount(customer_ref="cus_123", payment_method_ref="pm_456"),
            paid_on=EVENT_DAY,
        )
    ]


@pytest.mark.parametrize(
    "fields",
    [{"setup_future_usage": None}, {"customer": None, "setup_future_usage": None}],
)
def test_payment_intent_succeeded_without_a_saved_card(fields):
    events = parse(event("payment_intent.succeeded", payment_intent(amount_received=100, **fields)))

    assert events == [
        PaymentEvent(
            event_id="evt_1",
            kind=PaymentEventKind.PAID,
            invoice_id=INVOICE_ID,
            tenant_id=TENANT_ID,
            amount=100,
            currency="EUR",
            reference="pi_789",
            customer_account=None,
            paid_on=EVENT_DAY,
        )
    ]


def test_payment_intent_succeeded_for_a_platform_fee():
    metadata = {"remit_tenant_id": str(TENANT_ID), "remit_platform_fee_id": str(PLATFORM_FEE_ID)}
    obj = payment_intent(metadata=metadata, setup_future_usage=None, currency="usd")

    assert parse(event("payment_intent.succeeded", obj)) == [
        PaymentEvent(
            event_id="evt_1",
            kind=PaymentEventKind.PAID,
            invoice_id=None,
            tenant_id=TENANT_ID,
            amount=12345,
            currency="USD",
            reference="pi_789",
            platform_fee_id=PLATFORM_FEE_ID,
            paid_on=EVENT_DAY,
        )
    ]


def test_invalid_or_missing_metadata_ids_are_none():
    metadata = {"remit_invoice_id": "not-a-uuid", "remit_platform_fee_id": ""}
    obj = payment_intent(metadata=metadata, setup_future_usage=None)

    [paid] = parse(event("payment_intent.succeeded", obj))
    assert (paid.invoice_id, paid.tenant_id, paid.platform_fee_id) == (None, None, None)


def test_a_payment_is_dated_by_its_event_in_utc_and_undated_without_one():
    late = {**event("payment_intent.succeeded", payment_intent()), "created": 1735689599}
    undated = {**event("payment_intent.succeeded", payment_intent()), "created": None}

    assert [e.paid_on for e in parse(late)] == [date(2024, 12, 31)]
    assert [e.paid_on for e in parse(undated)] == [None]


def test_payment_intent_payment_failed():
    obj = payment_intent(
        status="requires_payment_method",
        amount_received=0,
        last_payment_error={"type": "card_error", "message": "Your card has insufficient funds."},
    )

    assert parse(event("payment_intent.payment_failed", obj)) == [
        PaymentEvent(
            event_id="evt_1",
            kind=PaymentEventKind.FAILED,
            invoice_id=INVOICE_ID,
            tenant_id=TENANT_ID,
            amount=12345,
            currency="EUR",
            reference="pi_789",
            detail="Your card has insufficient funds.",
        )
    ]


def test_a_payment_failure_says_whether_the_decline_is_hard():
    obj = payment_intent(
        status="requires_payment_method",
        last_payment_error={"code": "card_declined", "decline_code": "lost_card", "message": "x"},
    )

    [failed] = parse(event("payment_intent.payment_failed", obj))

    assert failed.hard_decline is True


def test_a_setup_mode_session_completed_leaves_the_card_to_its_setup_intent():
    session = checkout_session(
        mode="setup",
        payment_status="no_payment_required",
        payment_intent=None,
        setup_intent="seti_1",
    )

    assert parse(event("checkout.session.completed", session)) == []


def test_payment_intent_payment_failed_without_error():
    [failed] = parse(event("payment_intent.payment_failed", payment_intent(status="canceled")))
    assert failed.kind == PaymentEventKind.FAILED
    assert failed.detail is None


def test_charge_refunded_reports_the_total_refunded():
    charge = {
        "id": "ch_321",
        "object": "charge",
        "amount": 12345,
        "amount_refunded": 5000,
        "currency": "eur",
        "payment_intent": "pi_789",
        "refunded": False,
        "metadata": METADATA,
    }

    assert parse(event("charge.refunded", charge, event_id="evt_3")) == [
        PaymentEvent(
            event_id="evt_3",
            kind=PaymentEventKind.REFUNDED,
            invoice_id=INVOICE_ID,
            tenant_id=TENANT_ID,
            amount=5000,
            currency="EUR",
            reference="pi_789",
        )
    ]


def test_setup_intent_succeeded_saves_the_payment_method():
    setup_intent = {
        "id": "seti_654",
        "object": "setup_intent",
        "status": "succeeded",
        "customer": "cus_platform_1",
        "payment_method": "pm_platform_1",
        "usage": "off_session",
        "metadata": {"remit_tenant_id": str(TENANT_ID)},
    }

    assert parse(event("setup_intent.succeeded", setup_intent)) == [
        PaymentEvent(
            event_id="evt_1",
            kind=PaymentEventKind.PAYMENT_METHOD_SAVED,
            invoice_id=None,
            tenant_id=TENANT_ID,
            reference="seti_654",
            customer_account=CustomerAccount(
                customer_ref="cus_platform_1", payment_method_ref="pm_platform_1"
            ),
        )
    ]


def test_other_event_types_are_ignored():
    customer = {"id": "cus_123", "object": "customer", "metadata": {}}
    assert parse(event("customer.created", customer)) == []


def test_signature_header_is_found_in_any_case():
    headers, body = signed(event("payment_intent.succeeded", payment_intent()))
    lower = {"stripe-signature": headers["Stripe-Signature"], "content-type": "application/json"}
    upper = {"STRIPE-SIGNATURE": headers["Stripe-Signature"]}

    assert provider.parse_webhook(lower, body, settings()) == provider.parse_webhook(
        upper, body, settings()
    )
    assert len(provider.parse_webhook(lower, body, settings())) == 1


def test_missing_signature_header_is_rejected():
    _, body = signed(event("payment_intent.succeeded", payment_intent()))
    with pytest.raises(WebhookRejected) as rejected:
        provider.parse_webhook({"content-type": "application/json"}, body, settings())
    assert str(rejected.value) == "missing Stripe-Signature header"


def test_signature_with_another_secret_is_rejected():
    headers, body = signed(
        event("payment_intent.succeeded", payment_intent()), secret="whsec_someone_else"
    )
    with pytest.raises(WebhookRejected) as rejected:
        provider.parse_webhook(headers, body, settings())
    assert str(rejected.value) == "bad signature"


def test_tampered_body_is_rejected():
    headers, body = signed(event("payment_intent.succeeded", payment_intent()))
    tampered = body.replace(b"12345", b"99999")
    with pytest.raises(WebhookRejected) as rejected:
        provider.parse_webhook(headers, tampered, settings())
    assert str(rejected.value) == "bad signature"


def test_malformed_signature_header_is_rejected():
    _, body = signed(event("payment_intent.succeeded", payment_intent()))
    with pytest.raises(WebhookRejected) as rejected:
        provider.parse_webhook({"Stripe-Signature": "garbage"}, body, settings())
    assert str(rejected.value) == "bad signature"


def test_stale_timestamp_is_rejected():
    headers, body = signed(
        event("payment_intent.succeeded", payment_intent()), timestamp=int(time.time()) - 301
    )
    with pytest.raises(WebhookRejected) as rejected:
        provider.parse_webhook(headers, body, settings())
    assert str(rejected.value) == "timestamp too old"


def test_timestamp_within_tolerance_is_accepted():
    headers, body = signed(
        event("payment_intent.succeeded", payment_intent()), timestamp=int(time.time()) - 240
    )
    assert len(provider.parse_webhook(headers, body, settings())) == 1


def test_signed_but_unreadable_body_is_rejected():
    timestamp = int(time.time())
    body = "{not json"
    signature = hmac.new(
        WEBHOOK_SECRET.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256
    ).hexdigest()
    headers = {"Stripe-Signature": f"t={timestamp},v1={signature}"}

    with pytest.raises(WebhookRejected) as rejected:
        provider.parse_webhook(headers, body.encode(), settings())
    assert str(rejected.value) == "unreadable body"


# Settings


def test_settings_keep_secrets_secret():
    configured = settings()
    assert configured.secret_key.get_secret_value() == SECRET_KEY
    assert SECRET_KEY not in repr(configured)
    assert WEBHOOK_SECRET not in str(configured.model_dump())


def test_settings_strip_pasted_whitespace():
    configured = settings(secret_key=f" {SECRET_KEY}\n", publishable_key="pk_test_1 ")
    assert configured.secret_key.get_secret_value() == SECRET_KEY
    assert configured.publishable_key == "pk_test_1"


def test_restricted_and_live_keys_are_accepted():
    configured = settings(secret_key="rk_live_abc", publishable_key="pk_live_abc")
    assert configured.secret_key.get_secret_value() == "rk_live_abc"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "secret_key",
            "pk_test_wrong_field",
            "Value error, must be a Stripe secret key (sk_...) or restricted key (rk_...)",
        ),
        (
            "publishable_key",
            "sk_test_oops",
            "Value error, must be a Stripe publishable key (pk_...)",
        ),
        (
            "webhook_secret",
            "sk_test_oops",
            "Value error, must be a Stripe webhook signing secret (whsec_...)",
        ),
    ],
)
def test_settings_reject_a_key_of_the_wrong_kind(field, value, message):
    with pytest.raises(pydantic.ValidationError) as invalid:
        settings(**{field: value})

    errors = invalid.value.errors()
    assert [(error["loc"], error["msg"]) for error in errors] == [((field,), message)]
    # A secret pasted into the wrong field is not echoed back.
    assert value not in str(invalid.value)


def test_settings_reject_mixed_test_and_live_keys():
    with pytest.raises(pydantic.ValidationError) as invalid:
        settings(publishable_key="pk_live_abc")

    assert [error["msg"] for error in invalid.value.errors()] == [
        "Value error, secret_key and publishable_key must both be test keys or both be live keys"
    ]


def test_settings_schema_marks_secrets_write_only():
    schema = StripeSettings.model_json_schema()

    assert schema["required"] == ["secret_key", "publishable_key", "webhook_secret"]
    properties = schema["properties"]
    for secret in ("secret_key", "webhook_secret"):
        assert properties[secret]["type"] == "string"
        assert properties[secret]["format"] == "password"
        assert properties[secret]["writeOnly"] is True
    assert properties["publishable_key"]["type"] == "string"
    assert "writeOnly" not in properties["publishable_key"]
    assert "format" not in properties["publishable_key"]


# Registration


def test_hook_offers_the_provider():
    [offered] = remit_payment_providers()

    assert isinstance(offered, StripeProvider)
    assert isinstance(offered, PaymentProvider)
    assert (offered.key, offered.name, offered.Settings) == (
        "stripe",
        "Card (Stripe)",
        StripeSettings,
    )
    assert offered.supports_online_payment is True
    assert offered.supports_auto_charge is True
