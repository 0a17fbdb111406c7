from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import respx

from remit.billing import cycle, payments, providers
from remit.billing.roles import Actor
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
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


SAME_SITE = {"Origin": "http://remit.test"}


async def test_opening_the_pay_link_makes_nothing_and_the_button_makes_one_session(
    api, drain_jobs, monkeypatch
):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    _, invoice = await issued(drain_jobs, stripe=True)
    link = f"/i/{invoice.public_token}/pay/stripe"
    events_before = await InvoiceEvent.filter(invoice=invoice).count()

    with respx.mock(base_url="https://api.stripe.com") as stripe_api:
        sessions = stripe_api.post("/v1/checkout/sessions").mock(
            side_effect=[checkout_session(1), checkout_session(2)]
        )
        opened = [await api.get(link) for _ in range(5)]
        events_after_opening = await InvoiceEvent.filter(invoice=invoice).count()
        calls_after_opening = sessions.call_count
        first = await api.post(link, headers=SAME_SITE)
        second = await api.post(link, headers=SAME_SITE)
        reopened = await api.get(link)

    assert [response.status_code for response in opened] == [200] * 5
    assert f'<form method="post" action="http://127.0.0.1:8000{link}">' in opened[0].text
    assert "form-action 'self' https:" in opened[0].headers["content-security-policy"]
    assert (calls_after_opening, events_after_opening - events_before) == (0, 0)
    assert [(r.status_code, r.headers["location"]) for r in (first, second, reopened)] == [
        (303, "https://checkout.stripe.com/c/pay/cs_1")
    ] * 3
    assert sessions.call_count == 1
    assert await InvoiceEvent.filter(invoice=invoice, type="payment_page_opened").values_list(
        "detail", flat=True
    ) == ["cs_1\nhttps://checkout.stripe.com/c/pay/cs_1\n2030-01-01T00:00:00+00:00\n129988"]
    offline = await api.get(f"/i/{invoice.public_token}/pay/bank_transfer")
    assert offline.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null", "Referer": "https://evil.example/page"},
        {"Origin": "http://remit.test.evil.example"},
        {},
    ],
)
async def test_a_pay_post_from_another_site_is_refused_and_makes_nothing(
    api, drain_jobs, monkeypatch, headers
):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    _, invoice = await issued(drain_jobs, stripe=True)
    events_before = await InvoiceEvent.filter(invoice=invoice).count()

    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as stripe_api:
        sessions = stripe_api.post("/v1/checkout/sessions").mock(side_effect=[checkout_session(1)])
        response = await api.post(f"/i/{invoice.public_token}/pay/stripe", headers=headers)

    assert response.status_code == 403
    assert sessions.call_count == 0
    assert await InvoiceEvent.filter(invoice=invoice).count() == events_before


async def test_a_pay_post_with_only_a_same_site_referer_is_accepted(api, drain_jobs, monkeypatch):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    _, invoice = await issued(drain_jobs, stripe=True)

    with respx.mock(base_url="https://api.stripe.com") as stripe_api:
        stripe_api.post("/v1/checkout/sessions").mock(side_effect=[checkout_session(1)])
        response = await api.post(
            f"/i/{invoice.public_token}/pay/stripe",
            headers={"Origin": "null", "Referer": f"http://remit.test/i/{invoice.public_token}"},
        )

    assert (response.status_code, response.headers["location"]) == (
        303,
        "https://checkout.stripe.com/c/pay/cs_1",
    )


async def test_a_session_older_than_23_hours_or_for_another_amount_is_not_reused(
    api, drain_jobs, monkeypatch
):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    _, invoice = await issued(drain_jobs, stripe=True)
    link = f"/i/{invoice.public_token}/pay/stripe"

    with respx.mock(base_url="https://api.stripe.com") as stripe_api:
        stripe_api.post("/v1/checkout/sessions").mock(
            side_effect=[checkout_session(1), checkout_session(2), checkout_session(3)]
        )
        await api.post(link, headers=SAME_SITE)
        await InvoiceEvent.filter(invoice=invoice, type="payment_page_opened").update(
            at=datetime.now(UTC) - timedelta(hours=23, minutes=1)
        )
        stale = await api.get(link)
        after_a_day = await api.post(link, headers=SAME_SITE)
        await Invoice.filter(id=invoice.id).update(amount_paid=100)
        after_a_part_payment = await api.post(link, headers=SAME_SITE)

    assert stale.status_code == 200
    assert [after_a_day.headers["location"], after_a_part_payment.headers["location"]] == [
        "https://checkout.stripe.com/c/pay/cs_2",
        "https://checkout.stripe.com/c/pay/cs_3",
    ]


async def test_pay_for_a_paid_invoice_says_so_and_for_a_void_one_is_410(api, drain_jobs):
    tenant, invoice = await issued(drain_jobs, stripe=True)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)

    paid = await api.get(f"/i/{invoice.public_token}/pay/stripe")
    paid_post = await api.post(f"/i/{invoice.public_token}/pay/stripe", headers=SAME_SITE)
    page = await api.get(f"/i/{invoice.public_token}")

    assert (paid.status_code, "This invoice is paid" in paid.text) == (200, True)
    assert (paid_post.status_code, "This invoice is paid" in paid_post.text) == (200, True)
    assert "Pay now" not in page.text and "Paid" in page.text

    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.DUE)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)
    void = await api.get(f"/i/{invoice.public_token}/pay/stripe")
    void_post = await api.post(f"/i/{invoice.public_token}/pay/stripe", headers=SAME_SITE)
    page = await api.get(f"/i/{invoice.public_token}")

    assert (void.status_code, void_post.status_code) == (410, 410)
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
        await api.post(f"/i/{invoice.public_token}/pay/stripe", headers=SAME_SITE)
        await InvoiceEvent.filter(invoice=invoice).update(at=datetime.now(UTC) - timedelta(days=1))
        await api.post(f"/i/{invoice.public_token}/pay/stripe", headers=SAME_SITE)
        expired = stripe_api.post(url__regex=r"/v1/checkout/sessions/cs_\d/expire").respond(
            200, json={"id": "cs", "object": "checkout.session", "status": "expired"}
        )

        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)
        await drain_jobs()

    assert sorted(call.request.url.path for call in expired.calls) == [
        "/v1/checkout/sessions/cs_1/expire",
        "/v1/checkout/sessions/cs_2/expire",
    ]
