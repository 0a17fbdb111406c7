"""The receivables ledger: payments recorded by hand and applied to invoices, partly, exactly or
beyond, credit balance spent at issue, refunds and undoing, with exact amounts in currencies
of 0, 2 and 3 decimals."""

from datetime import date
from decimal import Decimal

import pytest

from remit.billing import clock, cycle, delivery, documents, ledger, payments, providers
from remit.billing.errors import Forbidden, Invalid
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.payments import Payment, PaymentAllocation
from remit.models.users import UserRole
from tests import factories

PRICES = {"EUR": "100.00", "JPY": "12000", "BHD": "25.500"}
TOTALS = {"EUR": 10000, "JPY": 12000, "BHD": 25500}


async def customer(currency: str = "EUR"):
    """A tenant, and a monthly contract of one untaxed service in `currency` from Jan 2027."""
    tenant, key = await factories.ready_tenant()
    accounts = factories.BANK_TRANSFER["accounts"]
    bhd = {**accounts[0], "currency": "BHD", "iban": "BH67BMAG00001299123456"}
    await providers.configure(
        tenant, "bank_transfer", enabled=True, settings={"accounts": [*accounts, bhd]}
    )
    contract = await factories.live_contract(
        tenant,
        date(2027, 1, 1),
        currency=currency,
        items=[{"name": "Service", "price": PRICES[currency], "billed": "MONTHLY"}],
    )
    return tenant, key, contract


async def issue(day: date, drain_jobs) -> None:
    with clock.frozen(day):
        await cycle.plan(day)
        await drain_jobs()


async def invoices_of(contract) -> list[Invoice]:
    return await Invoice.filter(contract=contract).order_by("period_start")


def paid(tenant, contract, amount, on, allocations=None, currency="EUR", **fields):
    given = payments.PaymentInput(
        organization_id=str(contract.organization_id),
        amount=Decimal(amount),
        currency=currency,
        received_on=on,
        allocations=allocations,
        **fields,
    )
    return payments.record(Actor.system(tenant), given)


async def figures(invoice) -> tuple:
    row = await Invoice.get(id=invoice.id)
    return row.status, row.amount_paid, ledger.amount_due(row), row.paid_on


async def test_two_partial_payments_complete_an_invoice_with_one_receipt(drain_jobs, mail_server):
    for currency, first, first_minor, second in (
        ("EUR", "40.01", 4001, "59.99"),
        ("JPY", "5000", 5000, "7000"),
        ("BHD", "0.001", 1, "25.499"),
    ):
        tenant, _, contract = await customer(currency)
        await issue(date(2027, 1, 1), drain_jobs)
        [invoice] = await invoices_of(contract)
        total = TOTALS[currency]

        with clock.frozen(date(2027, 1, 12)):
            await paid(tenant, contract, first, date(2027, 1, 10), currency=currency)
        assert await figures(invoice) == (
            InvoiceStatus.DUE,
            first_minor,
            total - first_minor,
            None,
        ), currency

        with clock.frozen(date(2027, 1, 20)):
            await paid(tenant, contract, second, date(2027, 1, 18), currency=currency)
        await drain_jobs()

        assert await figures(invoice) == (InvoiceStatus.PAID, total, 0, date(2027, 1, 18))
        receipts = await InvoiceEvent.filter(invoice=invoice, type="receipt_sent").count()
        assert receipts == 1, currency


async def test_an_overpayment_is_credit_balance_spent_by_the_next_invoice(drain_jobs):
    tenant, _, contract = await customer("EUR")
    await issue(date(2027, 1, 1), drain_jobs)
    [january] = await invoices_of(contract)

    with clock.frozen(date(2027, 1, 5)):
        payment = await paid(tenant, contract, "150.00", date(2027, 1, 5))

    assert await figures(january) == (InvoiceStatus.PAID, 10000, 0, date(2027, 1, 5))
    assert await ledger.credit_balance(contract.organization_id) == {"EUR": 5000}
    assert (await ledger.unallocated([payment.id]))[0] == 5000

    await issue(date(2027, 2, 1), drain_jobs)
    _, february = await invoices_of(contract)

    # The total stays what was billed; the credit pays half of it.
    assert february.total == 10000
    assert await figures(february) == (InvoiceStatus.DUE, 5000, 5000, None)
    assert await ledger.credit_balance(contract.organization_id) == {}
    applied = await PaymentAllocation.get(invoice=february)
    assert (applied.payment_id, applied.amount, applied.from_credit) == (payment.id, 5000, True)
    event = await InvoiceEvent.get(invoice=february, type="credit_applied")
    assert (event.actor, event.detail) == ("cycle", "€50.00")
    html = " ".join(documents.render_html(await delivery.document(february)).split())
    assert (
        '<tr class="grand"><th scope="row">Total</th><td>€100.00</td></tr> '
        '<tr><th scope="row">Credit applied</th><td>-€50.00</td></tr> '
        '<tr class="due"><th scope="row">Amount due</th><td>€50.00</td></tr>'
    ) in html


async def test_credit_covering_a_whole_invoice_pays_it_at_issue(drain_jobs):
    tenant, _, contract = await customer("JPY")
    await issue(date(2027, 1, 1), drain_jobs)
    with clock.frozen(date(2027, 1, 5)):
        await paid(tenant, contract, "30000", date(2027, 1, 5), currency="JPY")

    await issue(date(2027, 2, 1), drain_jobs)
    _, february = await invoices_of(contract)

    # Paid on its issue day: the money was there before the invoice.
    assert await figures(february) == (InvoiceStatus.PAID, 12000, 0, date(2027, 2, 1))
    assert await ledger.credit_balance(contract.organization_id) == {"JPY": 6000}


async def test_one_payment_is_applied_over_three_invoices_oldest_first(drain_jobs):
    tenant, _, contract = await customer("BHD")
    for month in (1, 2, 3):
        await issue(date(2027, month, 1), drain_jobs)
    january, february, march = await invoices_of(contract)

    with clock.frozen(date(2027, 3, 5)):
        payment = await paid(tenant, contract, "60.000", date(2027, 3, 5), currency="BHD")

    assert await figures(january) == (InvoiceStatus.PAID, 25500, 0, date(2027, 3, 5))
    assert await figures(february) == (InvoiceStatus.PAID, 25500, 0, date(2027, 3, 5))
    # 60.000 - 2 x 25.500 = 9.000 on the newest.
    assert (await figures(march))[1:3] == (9000, 16500)
    assert [
        (row.invoice_id, kept) for row, kept in await ledger.allocations(payment_ids=[payment.id])
    ] == [(january.id, 25500), (february.id, 25500), (march.id, 9000)]
    assert await ledger.credit_balance(contract.organization_id) == {}


async def test_a_refund_takes_from_the_credit_first_then_the_newest_invoice(drain_jobs):
    tenant, _, contract = await customer("EUR")
    await issue(date(2027, 1, 1), drain_jobs)
    await issue(date(2027, 2, 1), drain_jobs)
    january, february = await invoices_of(contract)
    with clock.frozen(date(2027, 2, 5)):
        payment = await paid(tenant, contract, "230.00", date(2027, 2, 5))
        assert await ledger.credit_balance(contract.organization_id) == {"EUR": 3000}

        await payments.refund(
            Actor.system(tenant),
            payments.RefundInput(str(payment.id), Decimal("50.00"), date(2027, 2, 5), "Goodwill"),
        )

    assert await ledger.credit_balance(contract.organization_id) == {}
    assert await figures(january) == (InvoiceStatus.PAID, 10000, 0, date(2027, 2, 5))
    assert await figures(february) == (InvoiceStatus.DUE, 8000, 2000, None)


async def test_deleting_a_payment_reopens_its_invoices_by_their_due_date(drain_jobs):
    tenant, _, contract = await customer("EUR")
    await issue(date(2027, 1, 1), drain_jobs)
    await issue(date(2027, 2, 1), drain_jobs)
    january, february = await invoices_of(contract)
    with clock.frozen(date(2027, 2, 5)):
        payment = await paid(tenant, contract, "200.00", date(2027, 2, 5))
    assert [(await figures(i))[0] for i in (january, february)] == [InvoiceStatus.PAID] * 2

    # January is past its due date (30 days) on 20 Feb; February is not.
    with clock.frozen(date(2027, 2, 20)):
        deleted = await payments.delete(Actor.system(tenant), str(payment.id))

    assert deleted == payment.id
    assert await figures(january) == (InvoiceStatus.OVERDUE, 0, 10000, None)
    assert await figures(february) == (InvoiceStatus.DUE, 0, 10000, None)
    assert not await Payment.exists(id=payment.id)


async def test_a_viewer_records_no_payment_and_a_refund_predating_its_payment_is_refused(
    drain_jobs,
):
    tenant, _, contract = await customer("EUR")
    await issue(date(2027, 1, 1), drain_jobs)
    viewer = await factories.user(tenant, "viz@acme.com", UserRole.VIEWER)
    given = payments.PaymentInput(
        organization_id=str(contract.organization_id),
        amount=Decimal("10.00"),
        currency="EUR",
        received_on=date(2027, 1, 5),
    )
    with clock.frozen(date(2027, 1, 6)):
        with pytest.raises(Forbidden):
            await payments.record(Actor.of_user(viewer, tenant), given)
        payment = await payments.record(Actor.system(tenant), given)
        with pytest.raises(Invalid) as refused:
            await payments.refund(
                Actor.system(tenant),
                payments.RefundInput(str(payment.id), Decimal("1.00"), date(2027, 1, 4)),
            )

    assert (refused.value.field, refused.value.message) == (
        ["refunded_on"],
        "The refund date is before the payment's.",
    )
    assert await Payment.filter(tenant=tenant).count() == 1
    assert await ledger.refundable(payment) == 1000
