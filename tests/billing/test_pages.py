"""The hosted page's rules in billing: who may ask for a payment page, and closing every page
of a voided invoice."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from remit.billing import pages, payments, providers
from remit.billing.errors import NotPayable
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from tests.web.test_pages import issued

STRIPE_API = "https://api.stripe.com"


def session(number: int) -> dict:
    return {
        "id": f"cs_{number}",
        "object": "checkout.session",
        "url": f"https://checkout.stripe.com/c/pay/cs_{number}",
        "expires_at": 1893456000,
    }


EXPIRED = {"id": "cs", "object": "checkout.session", "status": "expired"}


async def snapshot(invoice: Invoice) -> tuple:
    row = await Invoice.get(id=invoice.id)
    events = (
        await InvoiceEvent.filter(invoice=invoice)
        .order_by("at", "id")
        .values_list("type", "detail")
    )
    return row.status, row.amount_paid, row.updated_at, row.payment_options, events


async def age_pages(invoice: Invoice) -> None:
    """The pages made so far were made a day ago: none is offered again."""
    await InvoiceEvent.filter(invoice=invoice, type=pages.PAGE_OPENED).update(
        at=datetime.now(UTC) - timedelta(days=1)
    )


@pytest.fixture(autouse=True)
def real_stripe_address(monkeypatch):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)


@pytest.mark.parametrize("status", [InvoiceStatus.PAID, InvoiceStatus.VOID])
async def test_no_payment_page_for_an_invoice_that_owes_nothing(drain_jobs, status):
    tenant, invoice = await issued(drain_jobs, stripe=True)
    await payments.change_status(Actor.system(tenant), str(invoice.id), status)
    invoice = await Invoice.get(id=invoice.id)
    before = await snapshot(invoice)

    with (
        respx.mock(base_url=STRIPE_API, assert_all_called=False) as stripe_api,
        pytest.raises(NotPayable) as refusal,
    ):
        await pages.fresh_payment_url(invoice, "stripe")

    error = refusal.value
    assert (error.code, error.status, error.message, error.field) == (
        "CONFLICT",
        status,
        f"A {status} invoice cannot be paid.",
        None,
    )
    assert stripe_api.calls.call_count == 0
    assert await snapshot(invoice) == before


async def test_voiding_closes_the_pages_of_a_provider_switched_off_since(drain_jobs):
    tenant, invoice = await issued(drain_jobs, stripe=True)
    with respx.mock(base_url=STRIPE_API) as stripe_api:
        stripe_api.post("/v1/checkout/sessions").respond(200, json=session(1))
        await pages.fresh_payment_url(invoice, "stripe")
    await providers.configure(tenant, "stripe", enabled=False, settings={})

    with respx.mock(base_url=STRIPE_API) as stripe_api:
        expire = stripe_api.post("/v1/checkout/sessions/cs_1/expire").respond(200, json=EXPIRED)
        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)
        await drain_jobs()

    assert expire.call_count == 1


async def test_a_page_the_provider_will_not_close_is_recorded_and_the_others_closed(drain_jobs):
    tenant, invoice = await issued(drain_jobs, stripe=True)
    with respx.mock(base_url=STRIPE_API) as stripe_api:
        stripe_api.post("/v1/checkout/sessions").mock(
            side_effect=[httpx.Response(200, json=session(n)) for n in (1, 2)]
        )
        await pages.fresh_payment_url(invoice, "stripe")
        await age_pages(invoice)
        await pages.fresh_payment_url(invoice, "stripe")
        stripe_api.post("/v1/checkout/sessions/cs_1/expire").respond(
            404,
            json={
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "message": "No such checkout.session: 'cs_1'",
                }
            },
        )
        closed = stripe_api.post("/v1/checkout/sessions/cs_2/expire").respond(200, json=EXPIRED)
        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)

        assert await pages.close_payment_pages(invoice.id) == 1

    assert closed.call_count == 1
    assert await InvoiceEvent.filter(invoice=invoice, type=pages.PAGE_NOT_CLOSED).values_list(
        "actor", "detail"
    ) == [
        (
            "provider:stripe",
            "cs_1: Stripe rejected the request: No such checkout.session: 'cs_1'. Check the "
            "Stripe settings and the customer's saved card.",
        )
    ]


async def test_opening_makes_nothing_and_a_page_is_made_once_in_23_hours(drain_jobs):
    _, invoice = await issued(drain_jobs, stripe=True)
    before = await snapshot(invoice)

    with respx.mock(base_url=STRIPE_API) as stripe_api:
        made = stripe_api.post("/v1/checkout/sessions").mock(
            side_effect=[httpx.Response(200, json=session(n)) for n in (1, 2)]
        )
        opened = [await pages.open_payment_url(invoice, "stripe") for _ in range(5)]
        unchanged = await snapshot(invoice)
        urls = [await pages.fresh_payment_url(invoice, "stripe") for _ in range(3)]
        reopened = await pages.open_payment_url(invoice, "stripe")

    assert (opened, unchanged) == ([None] * 5, before)
    assert urls == ["https://checkout.stripe.com/c/pay/cs_1"] * 3
    assert reopened == "https://checkout.stripe.com/c/pay/cs_1"
    assert made.call_count == 1
    assert len((await snapshot(invoice))[-1]) == len(before[-1]) + 1


async def test_a_page_remembered_by_its_reference_alone_is_closed_and_not_offered(drain_jobs):
    """Pages remembered before their address was: the reference is all the event holds."""
    tenant, invoice = await issued(drain_jobs, stripe=True)
    await InvoiceEvent.create(
        invoice=invoice, type=pages.PAGE_OPENED, actor="provider:stripe", detail="cs_1"
    )

    assert await pages.open_payment_url(invoice, "stripe") is None
    with respx.mock(base_url=STRIPE_API) as stripe_api:
        expire = stripe_api.post("/v1/checkout/sessions/cs_1/expire").respond(200, json=EXPIRED)
        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)
        assert await pages.close_payment_pages(invoice.id) == 1
    assert expire.call_count == 1
