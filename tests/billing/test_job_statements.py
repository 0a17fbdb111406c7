"""An issue job and a delivery job send a fixed number of SQL statements, whatever the
number of lines: the contract, its items, organization, settings and providers are read
once, lines and events are written in bulk, the number is taken in one statement."""

from datetime import date

import pytest

from remit.billing import cycle
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceNumberSequence
from remit.workers.cycle import issue_invoice
from remit.workers.invoices import deliver_invoice
from tests import factories
from tests.graph.test_query_cost import counted_queries

START = date(2027, 1, 1)
# Reads: the contract, locked, with its tenant, settings and organization; its items (with
# a one-time item among them, also which of those it invoiced already: not here); its
# providers' settings; the credit balance (the invoice's allocations, the organization's
# payments). Writes: the contract's next date; the invoice, its lines, its number, its
# issue; the run's count; its events; the delivery job into the job outbox, then out of it
# once sent. The tenant's webhook endpoints, read to see who hears of the issue. After the
# commit: the run of the day, closed (the tenant's only contract due).
ISSUE_STATEMENTS = 17
# Reads: the invoice with its contract and organization; the providers' settings and the
# organization's account with the one provider; the tenant's settings; its logo; the lines;
# the credit applied (both also the e-invoice's); the credit notes; the invoice again before
# sending; the tenant's webhook endpoints, to see who hears it was sent. Writes: the payment
# options; the time sent; the event.
DELIVERY_STATEMENTS = 13


def items(count: int) -> list[dict]:
    return [
        {"name": f"Seats {n}", "price": "49.99", "quantity": "2", "billed": "MONTHLY"}
        for n in range(count)
    ]


async def due_contract(count: int):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, START, items=items(count))
    await cycle.plan(START)  # opens the tenant's run of the day, as every morning
    return contract


async def issue_job(contract) -> str:
    return await issue_invoice({}, str(contract.id), START.isoformat(), START.isoformat())


@pytest.mark.parametrize("count", [1, 3, 10])
async def test_an_issue_job_and_a_delivery_job_send_as_many_statements_for_any_number_of_lines(
    mail_server, count
):
    contract = await due_contract(count)

    with counted_queries() as issuing:
        issued = await issue_job(contract)
    invoice = await Invoice.get(contract=contract)
    with counted_queries() as delivering:
        sent = await deliver_invoice({}, str(invoice.id))

    assert (issued, invoice.status, sent) == ("issued", InvoiceStatus.DUE, "sent")
    assert await invoice.lines.all().count() == count
    assert (len(issuing), len(delivering)) == (ISSUE_STATEMENTS, DELIVERY_STATEMENTS)


async def test_jobs_run_twice_make_one_invoice_one_number_and_one_email(mail_server):
    contract = await due_contract(3)

    issued = [await issue_job(contract), await issue_job(contract)]
    invoice = await Invoice.get(contract=contract)
    sent = [await deliver_invoice({}, str(invoice.id)) for _ in range(2)]

    assert (issued, sent) == (["issued", "not_due"], ["sent", "already sent"])
    assert (invoice.number, await Invoice.filter(contract=contract).count()) == ("INV-000001", 1)
    assert (await InvoiceNumberSequence.get(tenant_id=invoice.tenant_id)).last_number == 1
    assert len(mail_server.envelopes) == 1
