"""The tenant's card for the processing fee, on the operator's Stripe account (mocked with
respx), and the platform webhook that confirms it."""

import json
import time
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from remit.models.enums import PlatformBillingStatus
from remit.models.provider_events import ProviderEvent
from remit.models.settings import InvoicingSettings
from tests import factories
from tests.stripe_events import event, signed

OPERATOR_KEY = "sk_test_operator000000"
OPERATOR_WEBHOOK_SECRET = "whsec_operator000000"
CARD_SETUP = 'mutation { platformPaymentMethodSetup(input: {kind: "card"}) { platformBilling { status method clientSecret } errors { field message code } } }'


@pytest.fixture
def operator_stripe(configure, monkeypatch):
    configure(
        platform_stripe_secret_key=OPERATOR_KEY,
        platform_stripe_webhook_secret=OPERATOR_WEBHOOK_SECRET,
    )
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as mock:
        yield mock


def form(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


async def platform_state(tenant) -> dict:
    return await InvoicingSettings.get(tenant=tenant).values(
        "platform_billing_status",
        "platform_billing_method",
        "platform_billing_kind",
        "platform_stripe_customer_id",
        "platform_stripe_setup_intent_id",
        "platform_stripe_payment_method_id",
    )


async def test_a_card_setup_creates_a_customer_and_a_setup_intent(graphql, operator_stripe):
    tenant, key = await factories.tenant("Acme")
    customers = operator_stripe.post("/v1/customers").respond(
        200, json={"id": "cus_platform1", "object": "customer"}
    )
    intents = operator_stripe.post("/v1/setup_intents").respond(
        200,
        json={
            "id": "seti_1",
            "object": "setup_intent",
            "customer": "cus_platform1",
            "client_secret": "seti_1_secret_abc",
        },
    )

    result = (await graphql(key).query(CARD_SETUP))["platformPaymentMethodSetup"]

    assert result == {
        "platformBilling": {
            "status": "PENDING",
            "method": "Card",
            "clientSecret": "seti_1_secret_abc",
        },
        "errors": [],
    }
    customer_call = customers.calls.last.request
    assert customer_call.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"
    assert customer_call.headers["Idempotency-Key"] == f"tenant:{tenant.id}:platform-customer"
    assert form(customer_call) == {"name": "Acme", "metadata[remit_tenant_id]": str(tenant.id)}
    assert form(intents.calls.last.request) == {
        "customer": "cus_platform1",
        "usage": "off_session",
        "payment_method_types[0]": "card",
        "metadata[remit_tenant_id]": str(tenant.id),
    }
    assert await platform_state(tenant) == {
        "platform_billing_status": PlatformBillingStatus.PENDING,
        "platform_billing_method": "Card",
        "platform_billing_kind": "card",
        "platform_stripe_customer_id": "cus_platform1",
        "platform_stripe_setup_intent_id": "seti_1",
        "platform_stripe_payment_method_id": None,
    }


async def test_a_second_setup_reuses_the_customer(graphql, operator_stripe):
    tenant, key = await factories.tenant()
    await InvoicingSettings.filter(tenant=tenant).update(platform_stripe_customer_id="cus_known")
    customers = operator_stripe.post("/v1/customers")
    operator_stripe.post("/v1/setup_intents").respond(
        200,
        json={
            "id": "seti_2",
            "object": "setup_intent",
            "customer": "cus_known",
            "client_secret": "seti_2_secret",
        },
    )

    result = (await graphql(key).query(CARD_SETUP))["platformPaymentMethodSetup"]

    assert result["errors"] == []
    assert not customers.called


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(500, json={"error": {"type": "api_error", "message": "boom"}}),
            "Stripe cannot be reached right now; try again in a minute.",
        ),
        (
            httpx.ConnectTimeout("timed out"),
            "Stripe cannot be reached right now; try again in a minute.",
        ),
        (
            httpx.Response(
                401,
                json={
                    "error": {
                        "type": "invalid_request_error",
                        "message": f"Invalid API Key provided: {OPERATOR_KEY}",
                    }
                },
            ),
            "Stripe rejected the secret key. Check the Stripe settings.",
        ),
    ],
)
async def test_a_stripe_failure_is_a_provider_error_and_nothing_changes(
    graphql, operator_stripe, response, message
):
    tenant, key = await factories.tenant()
    before = await platform_state(tenant)
    route = operator_stripe.post("/v1/customers")
    route.side_effect = response if isinstance(response, Exception) else None
    if not isinstance(response, Exception):
        route.return_value = response

    result = (await graphql(key).query(CARD_SETUP))["platformPaymentMethodSetup"]

    assert result == {
        "platformBilling": None,
        "errors": [{"field": None, "code": "PROVIDER_ERROR", "message": message}],
    }
    assert OPERATOR_KEY not in json.dumps(result)
    assert await platform_state(tenant) == before


async def test_cards_need_the_operators_stripe_key(graphql, configure):
    configure(platform_stripe_secret_key=None)
    _, key = await factories.tenant()

    result = (await graphql(key).query(CARD_SETUP))["platformPaymentMethodSetup"]

    assert result["errors"] == [
        {
            "field": ["input", "kind"],
            "code": "NOT_READY",
            "message": "Card payments of the processing fee are not set up on this server.",
        }
    ]


def setup_succeeded(tenant_id, event_id="evt_setup_1") -> dict:
    return event(
        "setup_intent.succeeded",
        {
            "id": "seti_1",
            "object": "setup_intent",
            "customer": "cus_platform1",
            "payment_method": "pm_card_1",
            "status": "succeeded",
            "metadata": {"remit_tenant_id": str(tenant_id)},
        },
        event_id=event_id,
    )


async def pending_card(tenant) -> None:
    await InvoicingSettings.filter(tenant=tenant).update(
        platform_billing_status=PlatformBillingStatus.PENDING,
        platform_billing_kind="card",
        platform_billing_method="Card",
        platform_stripe_customer_id="cus_platform1",
        platform_stripe_setup_intent_id="seti_1",
    )


async def test_the_confirmed_card_makes_platform_billing_active(api, operator_stripe):
    tenant, _ = await factories.tenant()
    await pending_card(tenant)
    operator_stripe.get("/v1/payment_methods/pm_card_1").respond(
        200,
        json={
            "id": "pm_card_1",
            "object": "payment_method",
            "type": "card",
            "card": {"brand": "visa", "last4": "4242"},
        },
    )
    headers, body = signed(setup_succeeded(tenant.id), OPERATOR_WEBHOOK_SECRET)

    response = await api.post("/webhooks/stripe/platform", content=body, headers=headers)
    replay = await api.post("/webhooks/stripe/platform", content=body, headers=headers)

    assert (response.status_code, response.json()) == (
        200,
        {"received": True, "outcome": "payment method saved"},
    )
    assert (replay.status_code, replay.json()) == (
        200,
        {"received": True, "outcome": "already processed"},
    )
    assert await platform_state(tenant) == {
        "platform_billing_status": PlatformBillingStatus.ACTIVE,
        "platform_billing_method": "Visa •••• 4242",
        "platform_billing_kind": "card",
        "platform_stripe_customer_id": "cus_platform1",
        "platform_stripe_setup_intent_id": "seti_1",
        "platform_stripe_payment_method_id": "pm_card_1",
    }
    assert await ProviderEvent.filter(event_id="evt_setup_1").count() == 1


@pytest.mark.parametrize("tamper", ["bad signature", "stale", "no header"])
async def test_a_webhook_that_is_not_authentic_is_refused_with_400_and_changes_nothing(
    api, operator_stripe, tamper
):
    tenant, _ = await factories.tenant()
    await pending_card(tenant)
    before = await platform_state(tenant)
    secret = "whsec_someone_else" if tamper == "bad signature" else OPERATOR_WEBHOOK_SECRET
    headers, body = signed(
        setup_succeeded(tenant.id), secret, timestamp=1_000_000_000 if tamper == "stale" else None
    )
    if tamper == "no header":
        headers = {}

    response = await api.post("/webhooks/stripe/platform", content=body, headers=headers)

    assert response.status_code == 400
    assert await platform_state(tenant) == before
    assert await ProviderEvent.all().count() == 0


def setup_with_metadata_text(tenant_id) -> dict:
    payload = setup_succeeded(tenant_id)
    payload["data"]["object"]["metadata"] = "remit"
    return payload


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("a year ahead", "timestamp outside the tolerance"),
        (
            "id of 304 characters",
            "unreadable event evt_" + "x" * 76 + "...: its id is over 255 characters",
        ),
        ("metadata as text", "unreadable event evt_setup_1: metadata is not an object"),
    ],
)
async def test_a_signed_webhook_that_cannot_be_taken_is_400_logged_once_and_changes_nothing(
    api, operator_stripe, caplog, case, error
):
    tenant, _ = await factories.tenant()
    await pending_card(tenant)
    before = await platform_state(tenant)
    payload = {
        "a year ahead": setup_succeeded(tenant.id),
        "id of 304 characters": setup_succeeded(tenant.id, event_id="evt_" + "x" * 300),
        "metadata as text": setup_with_metadata_text(tenant.id),
    }[case]
    timestamp = int(time.time()) + 365 * 86400 if case == "a year ahead" else None
    headers, body = signed(payload, OPERATOR_WEBHOOK_SECRET, timestamp=timestamp)
    caplog.set_level("INFO", logger="remit.webhooks")

    response = await api.post("/webhooks/stripe/platform", content=body, headers=headers)

    assert (response.status_code, response.json()) == (400, {"error": error})
    assert [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "remit.webhooks"
    ] == [("WARNING", f"platform webhook refused: {error}")]
    assert await platform_state(tenant) == before
    assert await ProviderEvent.all().count() == 0


async def test_an_event_for_an_unknown_tenant_is_answered_200_and_changes_nothing(
    api, operator_stripe
):
    import uuid

    headers, body = signed(setup_succeeded(uuid.uuid4()), OPERATOR_WEBHOOK_SECRET)

    response = await api.post("/webhooks/stripe/platform", content=body, headers=headers)

    assert (response.status_code, response.json()["outcome"]) == (200, "unknown tenant")
    assert await ProviderEvent.all().count() == 0


async def test_other_events_are_acknowledged_and_ignored(api, operator_stripe):
    headers, body = signed(
        event("customer.created", {"id": "cus_1", "object": "customer"}), OPERATOR_WEBHOOK_SECRET
    )

    response = await api.post("/webhooks/stripe/platform", content=body, headers=headers)

    assert (response.status_code, response.json()["outcome"]) == (200, "ignored")


@pytest.mark.parametrize(
    ("operator_settings", "message"),
    [
        (
            {"platform_stripe_secret_key": None},
            "The operator's payment account is not configured on this server.",
        ),
        (
            {"platform_stripe_secret_key": OPERATOR_KEY, "platform_stripe_webhook_secret": None},
            "The platform Stripe webhook secret is not configured.",
        ),
    ],
)
async def test_a_webhook_this_server_cannot_check_is_answered_503_and_changes_nothing(
    api, configure, operator_settings, message
):
    tenant, _ = await factories.tenant()
    await pending_card(tenant)
    before = await platform_state(tenant)
    configure(**operator_settings)
    headers, body = signed(setup_succeeded(tenant.id), OPERATOR_WEBHOOK_SECRET)

    response = await api.post("/webhooks/stripe/platform", content=body, headers=headers)

    assert (response.status_code, response.json()) == (503, {"error": message})
    assert await platform_state(tenant) == before
    assert await ProviderEvent.all().count() == 0
