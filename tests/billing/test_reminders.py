"""One invoice walked through time with the clock: issued, due, overdue the day after its
due date, reminded on day 15 and never again, paid by hand (with a receipt), unpaid, paid by Stripe
(a second receipt), refunded; and another voided, with its notice."""

from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from remit.billing import clock, cycle, payments, providers, reminders
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent, Reminder
from tests import factories
from tests.servers import Collector, start
from tests.stripe_events import event, signed

STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": "whsec_tenant000000",
}


@pytest.fixture
def mail_server(configure):
    handler = Collector()
    controller = start(handler)
    configure(smtp_url=f"smtp://127.0.0.1:{controller.port}")
    yield handler
    controller.stop()


def subjects(handler) -> list[str]:
    # A subject longer than a line is folded before its first word ("Subject:\r\n Reminder:
    # ..."), which Python's parser reads back with the fold's space.
    return [
        message_from_bytes(e.original_content, policy=default_policy)["Subject"].strip()
        for e in handler.envelopes
    ]


def receipt_days(handler) -> list[str]:
    """The "Paid on" line of each receipt sent, in order."""
    days = []
    for envelope in handler.envelopes:
        message = message_from_bytes(envelope.original_content, policy=default_policy)
        if message["Subject"].startswith("Receipt"):
            text = message.get_body(preferencelist=("plain",)).get_content()
            days += [line for line in text.splitlines() if line.startswith("Paid on: ")]
    return days


async def on(day: date, drain_jobs) -> None:
    with clock.frozen(day):
        await reminders.plan(day)
        await drain_jobs()


async def test_an_invoice_through_time(mail_server, drain_jobs, api):
    tenant, _ = await factories.ready_tenant(reminder_days=[15, 30])
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)
    assert (invoice.status, invoice.due_date) == (InvoiceStatus.DUE, date(2027, 1, 31))

    await on(date(2027, 1, 31), drain_jobs)
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.DUE  # due today, not late yet
    await on(date(2027, 2, 1), drain_jobs)
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.OVERDUE

    await on(date(2027, 2, 15), drain_jobs)  # day 15 after the due date
    await on(date(2027, 2, 16), drain_jobs)
    await on(date(2027, 2, 16), drain_jobs)  # as after a restart: the same day again
    assert subjects(mail_server) == [
        "Invoice INV-000001 from Acme Corp",
        "Reminder: invoice INV-000001 from Acme Corp is overdue",
    ]
    assert await Reminder.filter(invoice=invoice).values_list("offset_days", flat=True) == [15]

    with clock.frozen(date(2027, 2, 20)):
        await payments.change_status(
            Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID, paid_on=date(2027, 2, 19)
        )
    await drain_jobs()
    await on(date(2027, 3, 5), drain_jobs)  # day 30: paid, so no reminder
    assert subjects(mail_server)[2:] == ["Receipt for invoice INV-000001 from Acme Corp"]
    paid = await Invoice.get(id=invoice.id)
    assert (paid.paid_on, paid.paid_at.date()) == (date(2027, 2, 19), date(2027, 2, 20))
    assert receipt_days(mail_server) == ["Paid on: February 19, 2027"]

    with clock.frozen(date(2027, 3, 6)):
        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.DUE)
    unpaid = await Invoice.get(id=invoice.id)
    assert (unpaid.status, unpaid.paid_on, unpaid.paid_at) == (InvoiceStatus.OVERDUE, None, None)
    await on(date(2027, 3, 6), drain_jobs)  # unpaid again: the day-30 reminder is now due
    assert subjects(mail_server)[3:] == ["Reminder: invoice INV-000001 from Acme Corp is overdue"]
    assert sorted(await Reminder.filter(invoice=invoice).values_list("offset_days", flat=True)) == [
        15,
        30,
    ]

    # Paid by Stripe, then refunded: back to OVERDUE, and no second reminder for day 30.
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    metadata = {"remit_invoice_id": str(invoice.id), "remit_tenant_id": str(tenant.id)}
    paid = event(
        "payment_intent.succeeded",
        {
            "id": "pi_1",
            "object": "payment_intent",
            "amount_received": 129988,
            "currency": "eur",
            "metadata": metadata,
        },
        event_id="evt_paid",
    )
    paid["created"] = 1804377600  # 2027-03-07 00:00 UTC: the day Stripe took the money
    refund = event(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "amount_refunded": 129988,
            "currency": "eur",
            "payment_intent": "pi_1",
            "metadata": metadata,
        },
        event_id="evt_refund",
    )
    for payload, status in ((paid, InvoiceStatus.PAID), (refund, InvoiceStatus.OVERDUE)):
        headers, body = signed(payload, STRIPE["webhook_secret"])
        with clock.frozen(date(2027, 3, 8)):
            response = await api.post(
                f"/webhooks/stripe/{tenant.id}", content=body, headers=headers
            )
        assert response.status_code == 200
        assert (await Invoice.get(id=invoice.id)).status == status
        await drain_jobs()
        if status == InvoiceStatus.PAID:
            assert (await Invoice.get(id=invoice.id)).paid_on == date(2027, 3, 7)
    assert (await Invoice.get(id=invoice.id)).amount_paid == 0
    await on(date(2027, 3, 9), drain_jobs)
    assert subjects(mail_server)[4:] == ["Receipt for invoice INV-000001 from Acme Corp"]
    assert receipt_days(mail_server) == ["Paid on: February 19, 2027", "Paid on: March 7, 2027"]
    assert (await Invoice.get(id=invoice.id)).paid_on is None


async def test_a_run_that_missed_days_sends_only_the_latest_reminder(mail_server, drain_jobs):
    tenant, _ = await factories.ready_tenant(reminder_days=[7, 15, 30])
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()

    await on(date(2027, 2, 20), drain_jobs)  # 20 days late: days 7 and 15 both passed

    invoice = await Invoice.get(contract=contract)
    assert await Reminder.filter(invoice=invoice).values_list("offset_days", flat=True) == [15]
    assert len(mail_server.envelopes) == 2


async def test_a_void_invoice_gets_one_notice_and_no_reminder(mail_server, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)

    await payments.change_status(
        Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID, note="Billed in error"
    )
    await drain_jobs()
    await on(date(2027, 2, 20), drain_jobs)

    assert subjects(mail_server) == [
        "Invoice INV-000001 from Acme Corp",
        "Invoice INV-000001 from Acme Corp is void",
    ]
    void_mail = message_from_bytes(mail_server.envelopes[1].original_content, policy=default_policy)
    assert list(void_mail.iter_attachments()) == []
    voided = await Invoice.get(id=invoice.id)
    assert (voided.status, voided.number) == (InvoiceStatus.VOID, "INV-000001")
    assert await InvoiceEvent.filter(invoice=invoice, type="void_sent").count() == 1
