"""Jobs that send on a state check it when they run, and again just before the email goes
out (composing and rendering take a while): a receipt for a payment undone meanwhile, a
reminder for an invoice paid meanwhile, the invoice email of an invoice voided meanwhile are
not sent, and an invoice paid meanwhile is not charged."""

from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import respx

from remit.billing import charging, clock, cycle, delivery, payments, providers, reminders
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.workers.invoices import charge_invoice
from tests import factories


def sent(handler) -> list[tuple[str, str]]:
    """(Subject, Message-ID) of each email the server took."""
    messages = [
        message_from_bytes(envelope.original_content, policy=default_policy)
        for envelope in handler.envelopes
    ]
    return [(message["Subject"], message["Message-ID"]) for message in messages]


async def issued(drain_jobs=None, **contract_fields):
    """An invoice issued 40 days ago (so a payment today is after its issue date); emailed
    unless `drain_jobs` is None."""
    tenant, _ = await factories.ready_tenant()
    day = clock.today() - timedelta(days=40)
    contract = await factories.live_contract(tenant, day, **contract_fields)
    await cycle.issue(contract.id, day, day)
    if drain_jobs is not None:
        await drain_jobs()
    return tenant, await Invoice.get(contract=contract)


def during_rendering(monkeypatch, change):
    """Make `change` happen while a job renders its email's PDF."""
    render = delivery.render_pdf

    async def render_then_change(shown, facturx=None):
        pdf = await render(shown, facturx)
        await change()
        return pdf

    monkeypatch.setattr(delivery, "render_pdf", render_then_change)


INVOICE_EMAIL = "Invoice INV-000001 from Acme Corp"
RECEIPT = "Receipt for invoice INV-000001 from Acme Corp"


async def test_a_receipt_queued_then_undone_is_not_sent(mail_server, drain_jobs):
    tenant, invoice = await issued(drain_jobs)

    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.DUE)
    await drain_jobs()

    assert [subject for subject, _ in sent(mail_server)] == [INVOICE_EMAIL]
    assert not await InvoiceEvent.exists(invoice=invoice, type="receipt_sent")


async def test_paid_undone_and_paid_again_sends_the_one_receipt_of_the_payment_that_stands(
    mail_server, drain_jobs
):
    tenant, invoice = await issued(drain_jobs)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.DUE)

    paid = await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)
    await drain_jobs()

    standing = f"{paid.paid_at:%Y%m%d%H%M%S%f}"
    assert sent(mail_server)[1:] == [
        (RECEIPT, f"<invoice.{invoice.id}.receipt.{standing}@pay.acme.com>")
    ]
    receipts = await InvoiceEvent.filter(invoice=invoice, type="receipt_sent")
    assert [event.detail.split(" ")[0] for event in receipts] == [f"receipt:{standing}"]


async def test_a_payment_undone_while_its_receipt_is_rendered_sends_no_receipt(
    mail_server, drain_jobs, monkeypatch
):
    tenant, invoice = await issued(drain_jobs)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)

    async def undo() -> None:
        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.DUE)

    during_rendering(monkeypatch, undo)
    await drain_jobs()

    assert [subject for subject, _ in sent(mail_server)] == [INVOICE_EMAIL]
    assert not await InvoiceEvent.exists(invoice=invoice, type="receipt_sent")
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.OVERDUE  # past its due date


async def test_a_reminder_queued_before_the_invoice_was_paid_is_not_sent(mail_server, drain_jobs):
    tenant, invoice = await issued(drain_jobs)
    with clock.frozen(invoice.due_date + timedelta(days=15)):  # its day has come
        assert await reminders.remind(invoice.id, 15)  # the reminder's email is queued

    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)
    await drain_jobs()

    assert [subject for subject, _ in sent(mail_server)] == [INVOICE_EMAIL, RECEIPT]
    assert not await InvoiceEvent.exists(invoice=invoice, type="reminder_sent")


async def test_an_invoice_voided_before_its_delivery_ran_is_never_emailed(mail_server, drain_jobs):
    tenant, invoice = await issued()  # its delivery is queued

    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)
    await drain_jobs()

    assert sent(mail_server) == []  # not the invoice, and no void notice for an unsent one
    voided = await Invoice.get(id=invoice.id)
    assert (voided.status, voided.sent_at) == (InvoiceStatus.VOID, None)


async def test_an_invoice_voided_while_its_email_is_rendered_is_not_sent(
    mail_server, drain_jobs, monkeypatch
):
    tenant, invoice = await issued()

    async def void() -> None:
        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)

    during_rendering(monkeypatch, void)
    await drain_jobs()

    assert sent(mail_server) == []
    voided = await Invoice.get(id=invoice.id)
    assert (voided.status, voided.sent_at) == (InvoiceStatus.VOID, None)
    assert not await InvoiceEvent.exists(invoice=invoice, type="sent")


async def test_an_invoice_paid_before_its_charge_ran_is_not_charged(monkeypatch):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=factories.STRIPE)
    day = clock.today() - timedelta(days=40)
    contract = await factories.live_contract(
        tenant, day, payment_providers=["stripe", "bank_transfer"], auto_charge=True
    )
    await charging.link_account(
        Actor.system(tenant), str(contract.organization_id), "stripe", "cus_1", "pm_1"
    )
    await cycle.issue(contract.id, day, day)  # its charge job is queued
    invoice = await Invoice.get(contract=contract)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)

    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as stripe_api:
        intents = stripe_api.post("/v1/payment_intents").respond(
            200, json={"id": "pi_1", "object": "payment_intent", "status": "processing"}
        )
        outcome = await charge_invoice({}, str(invoice.id), "stripe")

    assert (outcome, intents.call_count) == ("nothing to charge", 0)
    assert not await InvoiceEvent.exists(invoice=invoice, type="charge_requested")
