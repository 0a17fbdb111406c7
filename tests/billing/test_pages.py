"""The hosted page's rules in billing: who may ask for a payment page, and closing every page
of a voided invoice."""

import pytest
import respx

from remit.billing import pages, payments, providers
from remit.billing.errors import NotPayable
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from tests.web.test_pages import issued

STRIPE_API = "https://api.stripe.com"


EXPIRED = {"id": "cs", "object": "checkout.session", "status": "expired"}


async def snapshot(invoice: Invoice) -> tuple:
    row = await Invoice.get(id=invoice.id)
    events = (
        await InvoiceEvent.filter(invoice=invoice)
        .order_by("at", "id")
        .values_list("type", "detail")
    )
    return row.status, row.amount_paid, row.updated_at, row.payment_options, events


@pytest.fixture(autouse=True)
def real_stripe_address(monkeypatch):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)


@pytest.mark.parametrize("status", [InvoiceStatus.PAID, InvoiceStatus.VOID])
async def test_no_payment_page_for_an_invoice_that_owes_nothing(drain_jobs, status):
    tenant, invoice = await issued(drain_jobs, stripe=True)
    await payments.change_status(tenant, str(invoice.id), status)
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
    await providers.configure(tenant, "stripe", enabled=False, settings={})

    with respx.mock(base_url=STRIPE_API) as stripe_api:
        expire = stripe_api.post("/v1/checkout/sessions/cs_1/expire").respond(200, json=EXPIRED)
        await payments.change_status(tenant, str(invoice.id), InvoiceStatus.VOID)
        await drain_jobs()

    assert expire.call_count == 1
