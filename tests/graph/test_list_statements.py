"""A page of a list reads each kind of row in one statement, whatever its size: the same
number of SQL statements for a page of 10 as for a page of 100."""

from datetime import date

import pytest

from remit.billing import credit_notes, issuing, payments
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceLine
from tests import factories
from tests.graph.test_query_cost import counted_queries

START = date(2027, 1, 1)
INVOICES = 12  # more than the small page, all of them on the large one

LISTS = {
    # The invoice list the issue names: lines, events, organization and contract.
    "invoices": """query L($n: Int!) { invoices(first: $n) { edges { node {
        number organization { name } contract { name } lines { name } events { type } } } } }""",
    "invoices, every list of an invoice": """query L($n: Int!) { invoices(first: $n) { edges {
        node { number organization { name } contract { name serviceLineItems { name } }
        lines { name } events { type } payments { amount { amount } payment { method } }
        creditNotes { number lines { name } } } } } }""",
    "contracts": """query L($n: Int!) { contracts(first: $n) { edges { node {
        name organization { name } serviceLineItems { name } } } } }""",
    "creditNotes": """query L($n: Int!) { creditNotes(first: $n) { edges { node {
        number lines { name } invoice { number } organization { name } } } } }""",
    "payments": """query L($n: Int!) { payments(first: $n) { edges { node { method
        amount { amount } unallocated { amount } organization { name }
        allocations { amount { amount } invoice { number } } refunds { amount { amount } } } } } }""",
    "organizations": """query L($n: Int!) { organizations(first: $n) { edges { node { name
        creditBalance { amount } } } } }""",
}


@pytest.fixture
async def key():
    """A tenant with INVOICES paid invoices, one an organization, each partly credited."""
    tenant, key = await factories.ready_tenant()
    actor = Actor.system(tenant)
    for n in range(INVOICES):
        contract = await factories.live_contract(tenant, START, organization_name=f"Org {n}")
        issued = await issuing.issue(contract.id, START, START)
        await payments.change_status(actor, str(issued.invoice_id), InvoiceStatus.PAID)
        setup = await InvoiceLine.get(invoice_id=issued.invoice_id, name="Setup")
        await credit_notes.create(
            actor, issued.invoice_id, "Setup", [{"invoice_line_id": setup.id, "quantity": "1"}]
        )
    assert await Invoice.filter(tenant=tenant).count() == INVOICES
    return key


async def statements(client, query: str, page: int) -> int:
    with counted_queries() as sent:
        data = await client.query(query, n=page)
    [connection] = data.values()
    assert len(connection["edges"]) == min(page, INVOICES)
    return len(sent)


@pytest.mark.parametrize("query", LISTS.values(), ids=LISTS.keys())
async def test_a_page_of_100_reads_as_many_statements_as_a_page_of_10(graphql, key, query):
    client = graphql(key)

    small, large = await statements(client, query, 10), await statements(client, query, 100)

    assert large == small


async def test_the_invoice_list_with_lines_events_organization_and_contract_takes_8_at_most(
    graphql, key
):
    assert await statements(graphql(key), LISTS["invoices"], 100) <= 8
