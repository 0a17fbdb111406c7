from datetime import date

import httpx
import pytest
import respx

from remit.billing import cycle, payments, providers
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from tests import factories

STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": "whsec_tenant000000",
}


async def issued(drain_jobs, *, stripe=False, hold=False):
    tenant, _ = await factories.ready_tenant()
    offered = ["bank_transfer"]
    if stripe:
        await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
        offered.append("stripe")
    contract = await factories.live_contract(tenant, date(2027, 1, 1), payment_providers=offered)
    if hold:
        await Contract.filter(id=contract.id).update(billing_email="nobody")
    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as api:
        anything = api.route().respond(500)
        await cycle.plan(date(2027, 1, 1))
        await drain_jobs()
    assert not anything.called  # payment pages are made when the customer clicks pay
    return tenant, await Invoice.get(contract=contract)


def checkout_session(number: int) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": f"cs_{number}",
            "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/cs_{number}",
            "expires_at": 1893456000,
        },
    )


async def test_the_page_shows_the_invoice_and_is_not_indexed(api, drain_jobs):
    _, invoice = await issued(drain_jobs)

    response = await api.get(f"/i/{invoice.public_token}")

    assert response.status_code == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert "INV-000001" in page and "€1,299.88" in page and "IBAN" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page


@pytest.mark.parametrize(
    "token", ["unknown-token-unknown-token-unknown", "short", "../../etc/passwd", "x" * 65, "%00"]
)
async def test_unknown_and_malformed_tokens_are_404_with_no_hint(api, drain_jobs, token):
    await issued(drain_jobs)

    for path in (f"/i/{token}", f"/i/{token}.pdf", f"/i/{token}/pay/stripe"):
        response = await api.get(path)
        assert response.status_code == 404, path
        assert "INV-" not in response.text and "Acme" not in response.text


async def test_a_held_invoice_has_no_page(api, drain_jobs):
    _, invoice = await issued(drain_jobs, hold=True)

    assert (await api.get(f"/i/{invoice.public_token}")).status_code == 404


async def test_the_pdf_is_served_with_caching_headers(api, drain_jobs):
    _, invoice = await issued(drain_jobs)

    first = await api.get(f"/i/{invoice.public_token}.pdf")
    again = await api.get(
        f"/i/{invoice.public_token}.pdf", headers={"If-None-Match": first.headers["etag"]}
    )

    assert (first.status_code, first.headers["content-type"]) == (200, "application/pdf")
    assert first.content.startswith(b"%PDF-")
    assert first.headers["cache-control"] == "private, max-age=300"
    assert first.headers["content-disposition"] == 'inline; filename="INV-000001.pdf"'
    assert again.status_code == 304


async def test_pay_redirects_to_a_fresh_checkout_session(api, drain_jobs, monkeypatch):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    _, invoice = await issued(drain_jobs, stripe=True)

    with respx.mock(base_url="https://api.stripe.com") as stripe_api:
        sessions = stripe_api.post("/v1/checkout/sessions").respond(
            200,
            json={
                "id": "cs_2",
                "object": "checkout.session",
                "url": "https://checkout.stripe.com/c/pay/cs_2",
                "expires_at": 1893456000,
            },
        )
        response = await api.get(f"/i/{invoice.public_token}/pay/stripe")

    assert (response.status_code, response.headers["location"]) == (
        303,
        "https://checkout.stripe.com/c/pay/cs_2",
    )
    assert sessions.call_count == 1
    offline = await api.get(f"/i/{invoice.public_token}/pay/bank_transfer")
    assert offline.status_code == 404


async def test_pay_for_a_paid_invoice_says_so_and_for_a_void_one_is_410(api, drain_jobs):
    tenant, invoice = await issued(drain_jobs, stripe=True)
    await payments.change_status(tenant, str(invoice.id), InvoiceStatus.PAID)

    paid = await api.get(f"/i/{invoice.public_token}/pay/stripe")
    page = await api.get(f"/i/{invoice.public_token}")

    assert (paid.status_code, "This invoice is paid" in paid.text) == (200, True)
    assert "Pay now" not in page.text and "Paid" in page.text

    await payments.change_status(tenant, str(invoice.id), InvoiceStatus.DUE)
    await payments.change_status(tenant, str(invoice.id), InvoiceStatus.VOID)
    void = await api.get(f"/i/{invoice.public_token}/pay/stripe")
    page = await api.get(f"/i/{invoice.public_token}")

    assert void.status_code == 410
    assert "Pay now" not in page.text and "Void" in page.text
    assert "No amount due" in page.text and "€1,299.88" in page.text
    assert ">Amount due</h2>" not in page.text


async def test_voiding_expires_every_open_checkout_session(api, drain_jobs, monkeypatch):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    tenant, invoice = await issued(drain_jobs, stripe=True)
    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as stripe_api:
        stripe_api.post("/v1/checkout/sessions").mock(
            side_effect=[checkout_session(1), checkout_session(2)]
        )
        await api.get(f"/i/{invoice.public_token}/pay/stripe")
        await api.get(f"/i/{invoice.public_token}/pay/stripe")
        expired = stripe_api.post(url__regex=r"/v1/checkout/sessions/cs_\d/expire").respond(
            200, json={"id": "cs", "object": "checkout.session", "status": "expired"}
        )

        await payments.change_status(tenant, str(invoice.id), InvoiceStatus.VOID)
        await drain_jobs()

    assert sorted(call.request.url.path for call in expired.calls) == [
        "/v1/checkout/sessions/cs_1/expire",
        "/v1/checkout/sessions/cs_2/expire",
    ]
