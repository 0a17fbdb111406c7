"""A provider's payments and refunds in the ledger: the same rows whatever order the events
arrive in, and however often."""

from dataclasses import replace
from datetime import date
from itertools import permutations

from remit.billing import cycle, ledger, provider_payments
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from remit.models.payments import Payment, PaymentAllocation, Refund
from remit.models.tenants import Tenant
from remit.plugins.api import PaymentEvent, PaymentEventKind
from tests import factories

TOTAL = 129988


def events(invoice: Invoice, n: int) -> list[PaymentEvent]:
    """A payment taken in two parts (the provider's cumulative figures) and a partial refund."""

    def one(name, kind, amount):
        return PaymentEvent(
            event_id=f"evt_{n}_{name}",
            kind=kind,
            invoice_id=invoice.id,
            tenant_id=invoice.tenant_id,
            amount=amount,
            currency="EUR",
            reference=f"pi_{n}",
            paid_on=date(2027, 1, 10),
        )

    return [
        one("part", PaymentEventKind.PAID, 50000),
        one("whole", PaymentEventKind.PAID, TOTAL),
        one("refund", PaymentEventKind.REFUNDED, 29988),
    ]


async def rows(invoice: Invoice) -> tuple:
    row = await Invoice.get(id=invoice.id)
    payment = await Payment.get(tenant_id=invoice.tenant_id, allocations__invoice_id=invoice.id)
    return (
        row.status,
        row.amount_paid,
        ledger.amount_due(row),
        (payment.method, payment.amount, payment.received_on, payment.actor),
        await PaymentAllocation.filter(payment=payment).values_list("invoice_id", "amount"),
        await Refund.filter(payment=payment).values_list("amount", "provider_reference"),
        (await ledger.unallocated([payment.id]))[0],
    )


async def test_replayed_and_reordered_events_give_the_same_ledger(drain_jobs):
    tenant, _ = await factories.ready_tenant()
    orders = list(permutations(range(3)))
    for n in range(len(orders)):
        await factories.live_contract(tenant, date(2027, 1, 1), organization_name=f"Org {n}")
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoices = await Invoice.filter(tenant=tenant).order_by("number")
    tenant = await Tenant.get(id=tenant.id)

    for n, (invoice, order) in enumerate(zip(invoices, orders, strict=True)):
        sent = events(invoice, n)
        for position in order:
            await provider_payments.apply("stripe", tenant, sent[position])
        # Every event again, newest first: all already processed.
        for event in reversed(sent):
            assert await provider_payments.apply("stripe", tenant, event) == "already processed"
        # The same figures again under other event ids (a provider reports one payment in
        # several events): the ledger keeps the latest figures, so nothing moves.
        for event in reversed(sent):
            again = replace(event, event_id=f"{event.event_id}_again")
            assert await provider_payments.apply("stripe", tenant, again) == "recorded"

    ledgers = [await rows(invoice) for invoice in invoices]
    assert ledgers == [
        (
            InvoiceStatus.DUE,
            100000,
            29988,
            ("stripe", TOTAL, date(2027, 1, 10), "provider:stripe"),
            [(invoice.id, TOTAL)],
            [(29988, f"pi_{n}")],
            0,
        )
        for n, invoice in enumerate(invoices)
    ]
    assert await ledger.credit_balance(invoices[0].organization_id) == {}
