from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy

import httpx
import pytest
import respx
from arq import Retry
from pydantic import BaseModel

from remit import BaseProvider, PaymentRefused, ProviderUnavailable
from remit.billing import cycle, delivery, pages, providers, tenants
from remit.billing.invoicing_settings import update
from remit.billing.roles import Actor
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.workers.invoices import deliver_invoice
from tests import factories
from tests.billing.test_documents import scanned
from tests.servers import Collector, free_port, start
from tests.web.test_pages import checkout_session


@pytest.fixture
def mail_server(configure):
    handler = Collector()
    controller = start(handler)
    configure(smtp_url=f"smtp://127.0.0.1:{controller.port}", public_url="https://pay.acme.com")
    yield handler
    controller.stop()


def received(handler) -> list:
    return [
        (envelope.rcpt_tos, message_from_bytes(envelope.original_content, policy=default_policy))
        for envelope in handler.envelopes
    ]


async def issue_one(drain_jobs, **contract_fields):
    tenant, _ = await factories.ready_tenant(send_invoices_bcc=["books@acme.com"])
    contract = await factories.live_contract(tenant, date(2027, 1, 1), **contract_fields)
    await Contract.filter(id=contract.id).update(
        billing_emails_cc=["cfo@globex.com"], invoice_note="PO 4711"
    )
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return tenant, await Invoice.get(contract=contract)


async def test_an_issued_invoice_is_emailed_once_with_its_pdf(mail_server, drain_jobs, tmp_path):
    _, invoice = await issue_one(drain_jobs)

    [(recipients, message)] = received(mail_server)
    assert recipients == ["ap@globex.com", "cfo@globex.com", "books@acme.com"]
    assert message["Subject"] == "Invoice INV-000001 from Acme Corp"
    assert message["From"] == "Acme Corp <billing@acme.com>"
    assert (message["To"], message["Cc"], message["Bcc"]) == (
        "ap@globex.com",
        "cfo@globex.com",
        None,
    )
    assert message["Message-ID"] == f"<invoice.{invoice.id}@pay.acme.com>"
    attachment, xml = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == (
        "INV-000001.pdf",
        "application/pdf",
    )
    assert (xml.get_filename(), xml.get_content_type()) == ("INV-000001.xml", "application/xml")
    assert b"<ram:ID>INV-000001</ram:ID>" in xml.get_content()
    assert attachment.get_content().startswith(b"%PDF-")
    text = message.get_body(("plain",)).get_content()
    assert f"https://pay.acme.com/i/{invoice.public_token}" in text
    assert "€1,299.88" in text and "IBAN: DE89 3704 0044 0532 0130 00" in text
    assert "Reference: RF74 0000 01" in text
    # The PDF's payment QR code: the transfer of the amount due to the tenant's account.
    payload = scanned(attachment.get_content(), tmp_path)
    assert payload[5:] == [
        "Acme GmbH",
        "DE89370400440532013000",
        "EUR1299.88",
        "",
        "RF74000001",
    ]
    assert invoice.sent_at is not None and invoice.status == InvoiceStatus.DUE
    assert [o["provider"] for o in invoice.payment_options] == ["bank_transfer"]
    event = await InvoiceEvent.get(invoice=invoice, type="sent")
    assert (event.actor, event.detail) == (
        "system",
        "Sent to ap@globex.com, cfo@globex.com, books@acme.com",
    )

    assert await delivery.deliver(invoice.id) == "already sent"
    assert len(mail_server.envelopes) == 1


async def test_an_smtp_outage_keeps_the_invoice_due_until_it_is_sent(drain_jobs, configure):
    configure(smtp_url=f"smtp://127.0.0.1:{free_port()}")  # nothing listens
    _, invoice = await issue_one(drain_jobs)
    assert (invoice.status, invoice.sent_at) == (InvoiceStatus.DUE, None)
    with pytest.raises(Retry):
        await deliver_invoice({"job_try": 1}, str(invoice.id))

    handler = Collector()
    controller = start(handler)
    configure(smtp_url=f"smtp://127.0.0.1:{controller.port}")
    try:
        assert await deliver_invoice({"job_try": 2}, str(invoice.id)) == "sent"
        assert await deliver_invoice({"job_try": 3}, str(invoice.id)) == "already sent"
    finally:
        controller.stop()
    assert len(handler.envelopes) == 1
    assert (await Invoice.get(id=invoice.id)).sent_at is not None


async def test_a_resend_is_a_new_message(mail_server, drain_jobs, graphql):
    tenant, invoice = await issue_one(drain_jobs)
    key = await tenants.create_api_key(tenant.id)

    result = await graphql(key).query(
        f'mutation {{ invoiceResend(id: "{invoice.id}") {{ invoice {{ number }} errors {{ message }} }} }}'
    )
    await drain_jobs()

    assert result["invoiceResend"] == {"invoice": {"number": "INV-000001"}, "errors": []}
    first, second = (message for _, message in received(mail_server))
    assert first["Message-ID"] != second["Message-ID"]
    assert second["Message-ID"].startswith(f"<invoice.{invoice.id}.resend.")
    assert await InvoiceEvent.filter(invoice=invoice, type="resent").count() == 1


async def test_a_held_invoice_is_never_sent(mail_server, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await Contract.filter(id=contract.id).update(billing_email="nobody")

    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()

    held = await Invoice.get(contract=contract)
    assert await delivery.deliver(held.id) == "not sendable"
    assert mail_server.envelopes == []


async def test_the_brand_and_note_are_on_the_document(drain_jobs, mail_server):
    tenant, invoice = await issue_one(drain_jobs)
    await update(
        Actor.system(tenant), {"branding": {"brand_color": "#123456", "footer_note": "Danke!"}}
    )

    html = delivery.documents.render_html(await delivery.document(invoice))

    assert "#123456" in html and "Danke!" in html and "PO 4711" in html


STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": "whsec_tenant000000",
}
UNREACHABLE = {
    "connect-error": httpx.ConnectError("connection refused"),
    "500": httpx.Response(500, json={"error": {"type": "api_error", "message": "down"}}),
    "404": httpx.Response(
        404, json={"error": {"type": "invalid_request_error", "message": "Unrecognized URL"}}
    ),
}


@pytest.mark.parametrize("failure", list(UNREACHABLE), ids=list(UNREACHABLE))
async def test_a_stripe_outage_holds_no_invoice_email(
    mail_server, drain_jobs, monkeypatch, failure
):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    contracts = [
        await factories.live_contract(
            tenant,
            date(2027, 1, 1),
            organization_name=f"Globex {n}",
            payment_providers=["stripe", "bank_transfer"],
        )
        for n in range(3)
    ]

    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as stripe_api:
        down = stripe_api.route().mock(side_effect=UNREACHABLE[failure])
        await cycle.plan(date(2027, 1, 1))
        await drain_jobs()

    assert down.call_count == 0
    assert len(mail_server.envelopes) == 3
    invoices = [await Invoice.get(contract=contract) for contract in contracts]
    by_subject = {message["Subject"]: message for _, message in received(mail_server)}
    for invoice in invoices:
        message = by_subject[f"Invoice {invoice.number} from Acme Corp"]
        assert invoice.sent_at is not None
        assert invoice.payment_options[0] == {
            "provider": "stripe",
            "name": "Card (Stripe)",
            "instructions": "Pay online by card.",
            "payment_url": f"https://pay.acme.com/i/{invoice.public_token}/pay/stripe",
            "reference": None,
            "expires_at": None,
            "credit_transfer": None,
        }
        text = message.get_body(("plain",)).get_content()
        assert f"Pay now: https://pay.acme.com/i/{invoice.public_token}/pay/stripe" in text
        assert "IBAN: DE89 3704 0044 0532 0130 00" in text
    assert not await InvoiceEvent.filter(type="payment_option_failed").exists()

    # The pay link asks Stripe, once it answers, for a session made now.
    with respx.mock(base_url="https://api.stripe.com") as stripe_api:
        sessions = stripe_api.post("/v1/checkout/sessions").mock(return_value=checkout_session(9))
        url = await pages.fresh_payment_url(invoices[0], "stripe")
    assert (url, sessions.call_count) == ("https://checkout.stripe.com/c/pay/cs_9", 1)
    assert await InvoiceEvent.filter(invoice=invoices[0], type=pages.PAGE_OPENED).values_list(
        "actor", "detail"
    ) == [
        (
            "provider:stripe",
            "cs_9\nhttps://checkout.stripe.com/c/pay/cs_9\n2030-01-01T00:00:00+00:00\n129988",
        )
    ]


class NoSettings(BaseModel):
    pass


class Flaky(BaseProvider):
    """A third-party provider that cannot describe itself and fails when asked."""

    key = "flaky"
    name = "Flaky"
    Settings = NoSettings

    def __init__(self, failure: Exception) -> None:
        self.failure = failure

    async def payment_option(self, invoice, settings):
        raise self.failure


@pytest.mark.parametrize(
    ("failure", "detail"),
    [
        (ProviderUnavailable("Flaky is down."), "Flaky is down."),
        (PaymentRefused("Flaky takes no EUR."), "Flaky takes no EUR."),
        (KeyError("bug"), "Flaky failed; the invoice was sent without it."),
    ],
)
async def test_a_provider_failing_at_delivery_is_recorded_and_the_email_goes(
    mail_server, drain_jobs, monkeypatch, failure, detail
):
    flaky = Flaky(failure)
    monkeypatch.setitem(providers.installed(), "flaky", flaky)
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "flaky", enabled=True, settings={})
    contract = await factories.live_contract(
        tenant, date(2027, 1, 1), payment_providers=["flaky", "bank_transfer"]
    )

    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()

    invoice = await Invoice.get(contract=contract)

    assert len(mail_server.envelopes) == 1
    assert [o["provider"] for o in invoice.payment_options] == ["bank_transfer"]
    assert invoice.sent_at is not None
    assert await InvoiceEvent.filter(invoice=invoice, type="payment_option_failed").values_list(
        "actor", "detail"
    ) == [("provider:flaky", detail)]
