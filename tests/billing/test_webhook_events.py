"""Each change a tenant can hear of writes its event, in the order the changes happened, with
the object as the API shows it."""

import json
from datetime import date

from remit.billing import clock, contracts, credit_notes, cycle, payments, providers, reminders
from remit.billing.roles import Actor
from remit.billing.webhook_events import EVENT_TYPES, invoice_event_types
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from tests import factories
from tests.billing.test_webhooks import subscribed
from tests.stripe_events import event, signed


async def on(day: date, drain_jobs, work=None):
    with clock.frozen(day):
        result = await work() if work is not None else None
        await reminders.plan(day)
        await drain_jobs()
    return result


async def test_a_contract_and_its_invoices_through_time(webhook_receiver, drain_jobs):
    tenant, _ = await factories.ready_tenant(reminder_days=[15])
    actor = Actor.system(tenant)
    await subscribed(tenant, webhook_receiver.url, *EVENT_TYPES)

    async def start():
        contract = await factories.live_contract(tenant, date(2027, 1, 1))
        await cycle.plan(date(2027, 1, 1))
        return contract

    contract = await on(date(2027, 1, 1), drain_jobs, start)
    invoice = await Invoice.get(contract=contract)
    await on(date(2027, 2, 1), drain_jobs)
    await on(date(2027, 2, 15), drain_jobs)

    async def pay():
        return await payments.record(
            actor,
            payments.PaymentInput(
                organization_id=str(contract.organization_id),
                amount="1299.88",
                currency="EUR",
                received_on=date(2027, 2, 16),
                reference="wire 42",
            ),
        )

    payment = await on(date(2027, 2, 16), drain_jobs, pay)

    async def refund():
        given = payments.RefundInput(str(payment.id), "100.00", date(2027, 2, 17))
        return await payments.refund(actor, given)

    await on(date(2027, 2, 17), drain_jobs, refund)

    async def credit():
        return await credit_notes.create(actor, str(invoice.id), "Goodwill", full_credit=True)

    await on(date(2027, 2, 18), drain_jobs, credit)

    async def end():
        return await contracts.end(actor, str(contract.id), date(2027, 2, 18))

    await on(date(2027, 2, 19), drain_jobs, end)

    assert webhook_receiver.types() == [
        "contract.live",
        "invoice.issued",
        "invoice.sent",
        "invoice.overdue",
        "invoice.reminded",
        "payment.received",
        "invoice.paid",
        "payment.refunded",
        "invoice.overdue",  # short again, past its due date
        "credit_note.issued",
        "invoice.voided",  # credited in full
        "contract.ended",
    ]
    data = [json.loads(body)["data"] for _, body in webhook_receiver.requests]
    assert [each.get("status") for each in data] == [
        "LIVE",
        "DUE",
        "DUE",
        "OVERDUE",
        "OVERDUE",
        None,
        "PAID",
        None,
        "OVERDUE",
        None,
        "VOID",
        "ENDED",
    ]
    assert data[5] == {
        "id": str(payment.id),
        "receivedOn": "2027-02-16",
        "method": "manual",
        "reference": "wire 42",
        "note": None,
        "actor": "system",
        "createdAt": payment.created_at.isoformat(),
        "organizationId": str(contract.organization_id),
        "amount": {"amount": "1299.88", "currency": "EUR"},
    }
    assert (data[7]["refund"]["amount"], data[7]["refund"]["refundedOn"]) == (
        {"amount": "100.00", "currency": "EUR"},
        "2027-02-17",
    )
    assert data[8]["amountDue"] == {"amount": "100.00", "currency": "EUR"}
    note = data[9]
    assert (note["number"], note["reason"], note["invoiceId"], note["total"]) == (
        "INV-CN-000001",
        "Goodwill",
        str(invoice.id),
        {"amount": "1299.88", "currency": "EUR"},
    )
    assert (data[11]["id"], data[11]["endDate"]) == (str(contract.id), "2027-02-18")


async def test_a_held_invoice_is_announced_on_hold_then_issued_when_released(
    webhook_receiver,
    drain_jobs,
):
    from remit.billing import issuing

    tenant, _ = await factories.ready_tenant()
    await subscribed(
        tenant, webhook_receiver.url, "invoice.on_hold", "invoice.issued", "invoice.voided"
    )
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await Contract.filter(id=contract.id).update(billing_email="not-an-address")
    await on(date(2027, 1, 1), drain_jobs, lambda: cycle.plan(date(2027, 1, 1)))
    held = await Invoice.get(contract=contract)
    await Contract.filter(id=contract.id).update(billing_email="ap@globex.com")
    await issuing.release(Actor.system(tenant), str(held.id))
    await payments.change_status(Actor.system(tenant), str(held.id), InvoiceStatus.VOID)
    await drain_jobs()

    assert webhook_receiver.types() == ["invoice.on_hold", "invoice.issued", "invoice.voided"]
    on_hold = json.loads(webhook_receiver.requests[0][1])["data"]
    assert (on_hold["number"], on_hold["holdReasons"]) == (
        None,
        ["The billing email 'not-an-address' is not a valid address."],
    )


def test_which_invoice_events_announce_what():
    assert invoice_event_types("payment_failed") == ["invoice.payment_failed"]
    assert invoice_event_types("resent") == ["invoice.sent"]
    assert invoice_event_types("created", to_status="DRAFT") == []
    assert invoice_event_types("payment_received") == []  # payment.received says it
    # Nothing owed: issued PAID at once.
    assert invoice_event_types("status_changed", "DRAFT", "PAID") == [
        "invoice.issued",
        "invoice.paid",
    ]
    assert invoice_event_types("status_changed", "PAID", "DUE") == []  # a payment undone


async def test_a_providers_payment_failed_paid_and_refunded(webhook_receiver, drain_jobs, api):
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=factories.STRIPE)
    contract = await on(
        date(2027, 1, 1),
        drain_jobs,
        lambda: factories.live_contract(tenant, date(2027, 1, 1)),
    )
    await on(date(2027, 1, 1), drain_jobs, lambda: cycle.plan(date(2027, 1, 1)))
    invoice = await Invoice.get(contract=contract)
    await subscribed(
        tenant,
        webhook_receiver.url,
        "invoice.payment_failed",
        "invoice.paid",
        "payment.received",
        "payment.refunded",
    )
    metadata = {"remit_invoice_id": str(invoice.id), "remit_tenant_id": str(tenant.id)}
    intent = {"id": "pi_1", "object": "payment_intent", "currency": "eur", "metadata": metadata}
    failed = event(
        "payment_intent.payment_failed",
        {**intent, "last_payment_error": {"message": "Your card was declined."}},
        event_id="evt_failed",
    )
    paid = event(
        "payment_intent.succeeded", {**intent, "amount_received": 129988}, event_id="evt_paid"
    )
    refunded = event(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "amount_refunded": 5000,
            "currency": "eur",
            "payment_intent": "pi_1",
            "metadata": metadata,
        },
        event_id="evt_refund",
    )
    for payload in (failed, paid, refunded):
        headers, body = signed(payload, factories.STRIPE["webhook_secret"])
        with clock.frozen(date(2027, 1, 5)):
            response = await api.post(
                f"/webhooks/stripe/{tenant.id}", content=body, headers=headers
            )
            assert response.status_code == 200, response.text
            await drain_jobs()

    assert webhook_receiver.types() == [
        "invoice.payment_failed",
        "payment.received",
        "invoice.paid",
        "payment.refunded",
    ]
    data = [json.loads(body)["data"] for _, body in webhook_receiver.requests]
    assert (data[0]["id"], data[0]["status"]) == (str(invoice.id), "DUE")
    assert (data[1]["method"], data[1]["reference"], data[1]["amount"]) == (
        "stripe",
        "pi_1",
        {"amount": "1299.88", "currency": "EUR"},
    )
    assert data[3]["refund"]["amount"] == {"amount": "50.00", "currency": "EUR"}
