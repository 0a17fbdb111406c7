from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from remit.billing import clock, cycle, providers
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.organizations import Organization, ProviderAccount
from remit.workers.invoices import charge_invoice
from tests import factories

STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": "whsec_tenant000000",
}
LINK = """mutation($org: ID!, $input: ProviderAccountInput!) {
  organizationProviderAccountLink(organizationId: $org, input: $input) { organization { name } errors { field message code } }
}"""


@pytest.fixture
def stripe_api(monkeypatch):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as mock:
        yield mock


async def auto_charge_contract():
    tenant, key = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    contract = await factories.live_contract(
        tenant, date(2027, 1, 1), payment_providers=["stripe", "bank_transfer"], auto_charge=True
    )
    return tenant, key, contract


async def test_a_linked_card_is_charged_once_right_after_issue(graphql, drain_jobs, stripe_api):
    tenant, key, contract = await auto_charge_contract()
    linked = await graphql(key).query(
        LINK,
        org=str(contract.organization_id),
        input={"provider": "stripe", "customerRef": "cus_1", "paymentMethodRef": "pm_1"},
    )
    intents = stripe_api.post("/v1/payment_intents").respond(
        200, json={"id": "pi_1", "object": "payment_intent", "status": "processing"}
    )

    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()

    assert linked["organizationProviderAccountLink"]["errors"] == []
    invoice = await Invoice.get(contract=contract)
    request = intents.calls.last.request
    assert intents.call_count == 1
    assert request.headers["Idempotency-Key"] == f"invoice:{invoice.id}:charge"
    sent = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert {
        k: sent[k]
        for k in ("amount", "currency", "customer", "payment_method", "off_session", "confirm")
    } == {
        "amount": "129988",
        "currency": "eur",
        "customer": "cus_1",
        "payment_method": "pm_1",
        "off_session": "true",
        "confirm": "true",
    }
    assert (sent["metadata[remit_invoice_id]"], sent["metadata[remit_tenant_id]"]) == (
        str(invoice.id),
        str(tenant.id),
    )
    event = await InvoiceEvent.get(invoice=invoice, type="charge_requested")
    assert (event.actor, event.detail) == ("provider:stripe", "pending: pi_1")


async def test_without_a_saved_card_nothing_is_charged(drain_jobs, stripe_api):
    _, _, contract = await auto_charge_contract()
    intents = stripe_api.post("/v1/payment_intents")

    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()

    assert not intents.called
    assert not await InvoiceEvent.filter(type__startswith="charge").exists()
    assert await Invoice.filter(contract=contract).count() == 1


async def declining_card(stripe_api, status: int, error_type: str) -> tuple[object, respx.Route]:
    """An auto-charge contract with a saved card that Stripe declines with `status`."""
    _, _, contract = await auto_charge_contract()
    await ProviderAccount.create(
        organization_id=contract.organization_id,
        provider="stripe",
        customer_ref="cus_1",
        payment_method_ref="pm_1",
    )
    intents = stripe_api.post("/v1/payment_intents").respond(
        status,
        json={
            "error": {
                "type": error_type,
                "code": "card_declined",
                "message": "Your card was declined.",
            }
        },
    )
    return contract, intents


async def test_a_declined_card_is_recorded_and_retried_later(drain_jobs, stripe_api):
    _, intents = await declining_card(stripe_api, 402, "card_error")

    with clock.frozen(date(2027, 1, 1)):
        await cycle.plan(date(2027, 1, 1))
        await drain_jobs()

    event = await InvoiceEvent.get(type="payment_failed")
    assert (event.actor, event.detail) == (
        "provider:stripe",
        "The card was declined: Your card was declined. (attempt 1; it will be charged again "
        "on 2027-01-04)",
    )
    assert intents.call_count == 1


@pytest.mark.parametrize(
    ("input", "error"),
    [
        (
            {"provider": "bank_transfer", "customerRef": "x"},
            {
                "field": ["input", "provider"],
                "code": "INVALID",
                "message": "Bank transfer cannot charge automatically.",
            },
        ),
        (
            {"provider": "paypal", "customerRef": "x"},
            {
                "field": ["input", "provider"],
                "code": "NOT_FOUND",
                "message": "No payment provider with id paypal.",
            },
        ),
        (
            {"provider": "stripe", "customerRef": " "},
            {
                "field": ["input", "customerRef"],
                "code": "INVALID",
                "message": "Give the provider's customer id.",
            },
        ),
    ],
)
async def test_a_bad_link_is_refused_and_nothing_is_saved(graphql, input, error):
    tenant, key = await factories.ready_tenant()
    organization = await factories.organization(tenant)

    result = (await graphql(key).query(LINK, org=str(organization.id), input=input))[
        "organizationProviderAccountLink"
    ]

    assert result == {"organization": None, "errors": [error]}
    assert await ProviderAccount.all().count() == 0


async def test_another_tenants_organization_cannot_be_linked(graphql):
    _, key = await factories.ready_tenant()
    other, _ = await factories.tenant("Other")
    theirs = await factories.organization(other)

    result = (
        await graphql(key).query(
            LINK, org=str(theirs.id), input={"provider": "stripe", "customerRef": "cus_1"}
        )
    )["organizationProviderAccountLink"]

    assert result["errors"] == [
        {
            "field": ["organizationId"],
            "code": "NOT_FOUND",
            "message": f"No organization with id {theirs.id}.",
        }
    ]
    assert await ProviderAccount.all().count() == 0
    assert await Organization.all().count() == 1


async def test_a_stripe_outage_leaves_the_charge_to_a_retry(drain_jobs, stripe_api, runtime):
    _, _, contract = await auto_charge_contract()
    await ProviderAccount.create(
        organization_id=contract.organization_id,
        provider="stripe",
        customer_ref="cus_1",
        payment_method_ref="pm_1",
    )
    intents = stripe_api.post("/v1/payment_intents")
    intents.side_effect = [
        httpx.ConnectTimeout("timed out"),
        httpx.Response(200, json={"id": "pi_1", "object": "payment_intent", "status": "succeeded"}),
    ]

    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    retry = [job for job in await runtime.pool.queued_jobs() if job.function == "invoice.charge"]
    assert [job.args for job in retry] == [(str((await Invoice.get()).id), "stripe")]
    await charge_invoice(
        {"job_try": 2}, *retry[0].args
    )  # the retry, run now rather than in a minute

    assert intents.call_count == 2
    assert (
        intents.calls[0].request.headers["Idempotency-Key"]
        == intents.calls[1].request.headers["Idempotency-Key"]
    )
    assert (await InvoiceEvent.get(type="charge_requested")).detail == "succeeded: pi_1"


async def test_a_charge_refused_at_creation_tells_the_tenant_once(
    drain_jobs, stripe_api, smtpd, configure
):
    mailbox, port = smtpd
    configure(smtp_url=f"smtp://127.0.0.1:{port}")
    # Stripe refuses the PaymentIntent outright: none is made, so no webhook follows.
    contract, intents = await declining_card(stripe_api, 400, "invalid_request_error")

    with clock.frozen(date(2027, 1, 1)):
        await cycle.plan(date(2027, 1, 1))
        await drain_jobs()
        invoice = await Invoice.get(contract=contract)
        again = await charge_invoice({"job_try": 1}, str(invoice.id), "stripe")
        await drain_jobs()

    reason = (
        "Stripe rejected the request: Your card was declined. Check the Stripe settings and "
        "the customer's saved card. (attempt 1; it will be charged again on 2027-01-04)"
    )
    assert (again, intents.call_count) == ("nothing to charge", 1)
    assert await InvoiceEvent.filter(
        invoice=invoice, type__in=["payment_failed", "payment_failed_notified"]
    ).order_by("at", "id").values_list("type", "actor", "detail") == [
        ("payment_failed", "provider:stripe", reason),
        ("payment_failed_notified", "system", "to billing@acme.com"),
    ]
    notices = [
        message_from_bytes(envelope.original_content, policy=default_policy)
        for envelope in mailbox.envelopes
        if envelope.rcpt_tos == ["billing@acme.com"]
    ]
    assert [n["Subject"] for n in notices] == ["Payment failed for invoice INV-000001 (Globex)"]
    assert reason in notices[0].get_body(("plain",)).get_content()
