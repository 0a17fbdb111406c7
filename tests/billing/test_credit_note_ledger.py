"""What a credit note does to what is owed: it lowers the invoice's amount due; credited in
full, an unpaid invoice is VOID; money already paid beyond what is still claimed goes back to
the organization's credit balance, or to the customer through the provider that took it."""

import re
from datetime import date
from decimal import Decimal

import pytest
import respx

from remit.billing import clock, credit_notes, ledger, payments, provider_payments, providers
from remit.billing.errors import RemitError
from remit.billing.roles import Actor
from remit.models.credit_notes import CreditNote
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.jobs import OutboxJob
from remit.models.payments import PaymentAllocation
from remit.models.tenants import Tenant
from remit.plugins.api import PaymentEvent, PaymentEventKind
from tests import factories
from tests.billing.test_credit_notes import issued

STRIPE_API = "https://api.stripe.com"
ONE_LINE = {"name": "Hosting", "billed": "MONTHLY", "tax_rate": "10"}


async def state(invoice: Invoice) -> tuple:
    row = await Invoice.get(id=invoice.id)
    balance = await ledger.credit_balance(row.organization_id)
    return (row.status, row.amount_paid, row.amount_credited, ledger.amount_due(row), balance)


@pytest.mark.parametrize(
    ("currency", "price", "credit", "left"),
    [
        # 10 x 49.99 + 20 % and the rest of the worked example; 100.00 gross credited
        ("EUR", None, "100.00", 119988),
        ("JPY", "12345", "1000", 12580),  # 12,345 + 10 % = 13,580
        ("BHD", "12.345", "1.234", 12346),  # 12.345 + 1.235 = 13.580
    ],
)
async def test_a_partial_credit_note_lowers_what_an_unpaid_invoice_owes(
    drain_jobs, currency, price, credit, left
):
    items = None if price is None else [{**ONE_LINE, "price": price}]
    tenant, invoice, lines = await issued(drain_jobs, currency=currency, items=items)
    line = lines["Seats" if price is None else "Hosting"]

    await credit_notes.create(
        Actor.system(tenant),
        invoice.id,
        "Goodwill",
        [{"invoice_line_id": line.id, "amount": credit}],
    )

    assert await state(invoice) == (InvoiceStatus.DUE, 0, invoice.total - left, left, {})


async def test_an_unpaid_invoice_credited_in_full_is_void_and_its_payment_pages_close(drain_jobs):
    tenant, invoice, _ = await issued(drain_jobs)
    await providers.configure(tenant, "stripe", enabled=True, settings=factories.STRIPE)
    await Invoice.filter(id=invoice.id).update(
        payment_options=[{"provider": "stripe", "name": "Card", "reference": "cs_1"}]
    )

    with respx.mock(base_url=STRIPE_API, assert_all_called=True) as stripe_api:
        expire = stripe_api.post("/v1/checkout/sessions/cs_1/expire").respond(
            200, json={"id": "cs_1", "object": "checkout.session", "status": "expired"}
        )
        note = await credit_notes.create(
            Actor.system(tenant), invoice.id, "Cancelled", full_credit=True
        )
        await drain_jobs()

    assert await state(invoice) == (InvoiceStatus.VOID, 0, 129988, 0, {})
    voided = await InvoiceEvent.get(invoice=invoice, to_status=InvoiceStatus.VOID)
    assert voided.detail == f"Credited in full by {note.number}"
    assert expire.call_count == 1


async def test_paid_money_a_credit_note_takes_back_becomes_credit_for_the_next_invoice(
    drain_jobs,
):
    tenant, invoice, lines = await issued(drain_jobs)
    actor = Actor.system(tenant)
    await payments.change_status(actor, str(invoice.id), InvoiceStatus.PAID)

    await credit_notes.create(
        actor,
        invoice.id,
        "Setup was free",
        [{"invoice_line_id": lines["Setup"].id, "quantity": "1"}],
    )

    # 1,299.88 paid, 600.00 credited: the invoice keeps 699.88, the rest is credit.
    assert await state(invoice) == (InvoiceStatus.PAID, 69988, 60000, 0, {"EUR": 60000})


async def test_a_part_payment_and_a_credit_note_together_settle_the_invoice(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    actor = Actor.system(tenant)
    with clock.frozen(date(2027, 1, 5)):
        await payments.record(
            actor,
            payments.PaymentInput(
                organization_id=str(invoice.organization_id),
                amount="699.88",
                currency="EUR",
                received_on=date(2027, 1, 5),
            ),
        )

    await credit_notes.create(
        actor,
        invoice.id,
        "Setup was free",
        [{"invoice_line_id": lines["Setup"].id, "quantity": "1"}],
    )

    assert await state(invoice) == (InvoiceStatus.PAID, 69988, 60000, 0, {})


async def test_a_paid_invoice_credited_in_full_is_void_and_all_its_money_is_credit(drain_jobs):
    tenant, invoice, _ = await issued(drain_jobs)
    actor = Actor.system(tenant)
    await payments.change_status(actor, str(invoice.id), InvoiceStatus.PAID)

    await credit_notes.create(actor, invoice.id, "Sent twice", full_credit=True)

    assert await state(invoice) == (InvoiceStatus.VOID, 0, 129988, 0, {"EUR": 129988})
    assert await PaymentAllocation.filter(invoice=invoice).values_list("amount", flat=True) == [0]


async def refused(actor: Actor, invoice: Invoice, **kwargs) -> list[tuple]:
    before = (await state(invoice), await CreditNote.all().count(), await OutboxJob.all().count())
    with pytest.raises(RemitError) as caught:
        await credit_notes.create(actor, invoice.id, "Refund it", **kwargs)
    after = (await state(invoice), await CreditNote.all().count(), await OutboxJob.all().count())
    assert after == before
    return [(e.field, e.code, e.message) for e in caught.value.errors()]


async def test_a_refund_of_nothing_paid_or_of_money_paid_by_hand_is_refused(drain_jobs):
    tenant, unpaid, _ = await issued(drain_jobs)
    _, by_hand, _ = await issued(drain_jobs, tenant=tenant, name="Initech")
    actor = Actor.system(tenant)
    await payments.change_status(actor, str(by_hand.id), InvoiceStatus.PAID)

    assert await refused(actor, unpaid, full_credit=True, refund=True) == [
        (
            ["refund"],
            "INVALID",
            "Nothing paid of this invoice is credited, so there is nothing to refund: the "
            "credit note lowers what is still due.",
        )
    ]
    [(field, code, message)] = await refused(actor, by_hand, full_credit=True, refund=True)
    assert (field, code) == (["refund"], "INVALID")
    assert message.startswith("A payment (manual) was made by hand, which Remit cannot refund")


async def paid_by_stripe(tenant: Tenant, invoice: Invoice) -> None:
    await provider_payments.apply(
        "stripe",
        tenant,
        PaymentEvent(
            event_id="evt_paid",
            kind=PaymentEventKind.PAID,
            invoice_id=invoice.id,
            tenant_id=tenant.id,
            amount=invoice.total,
            currency=invoice.currency,
            reference="pi_123",
        ),
    )


async def test_a_credit_note_refunds_a_card_payment_once_however_often_its_job_runs(
    drain_jobs,
):
    tenant, invoice, lines = await issued(drain_jobs)
    await providers.configure(tenant, "stripe", enabled=True, settings=factories.STRIPE)
    await paid_by_stripe(tenant, invoice)
    actor = Actor.system(tenant)

    with respx.mock(base_url=STRIPE_API, assert_all_called=True) as stripe_api:
        route = stripe_api.post("/v1/refunds").respond(
            200, json={"id": "re_1", "object": "refund", "status": "succeeded"}
        )
        note = await credit_notes.create(
            actor,
            invoice.id,
            "Setup was free",
            [{"invoice_line_id": lines["Setup"].id, "quantity": "1"}],
            refund=True,
        )
        await drain_jobs()
        [allocation] = await PaymentAllocation.filter(invoice=invoice)
        again = await credit_notes.refund(note.id, allocation.payment_id, 60000)

    assert again == "requested"
    keys = {call.request.headers["Idempotency-Key"] for call in route.calls}
    assert keys == {f"credit-note:{note.id}:{allocation.payment_id}"}
    assert [call.request.content for call in route.calls] == [
        b"payment_intent=pi_123&amount=60000"
    ] * 2
    # Until Stripe reports the refund, the money is the organization's credit.
    assert await state(invoice) == (InvoiceStatus.PAID, 69988, 60000, 0, {"EUR": 60000})
    requested = InvoiceEvent.filter(invoice=invoice, type="refund_requested")
    assert (
        await requested.values_list("detail", flat=True)
        == [f"{note.number}: €600.00 of pi_123 (re_1)"] * 2
    )

    await provider_payments.apply(
        "stripe",
        tenant,
        PaymentEvent(
            event_id="evt_refunded",
            kind=PaymentEventKind.REFUNDED,
            invoice_id=invoice.id,
            tenant_id=tenant.id,
            amount=60000,
            currency="EUR",
            reference="pi_123",
        ),
    )

    assert await state(invoice) == (InvoiceStatus.PAID, 69988, 60000, 0, {})
    assert Decimal(invoice.total - 60000) / 100 == Decimal("699.88")


async def test_the_invoice_shows_what_was_credited_and_what_is_left_to_pay(drain_jobs, api):
    tenant, invoice, lines = await issued(drain_jobs)
    await credit_notes.create(
        Actor.system(tenant),
        invoice.id,
        "Setup was free",
        [{"invoice_line_id": lines["Setup"].id, "quantity": "1"}],
    )

    page = await api.get(f"/i/{invoice.public_token}")

    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "Total €1,299.88 Credited -€600.00 Amount due €699.88" in text
