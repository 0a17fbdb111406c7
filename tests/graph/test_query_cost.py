from contextlib import contextmanager

import pytest
from tortoise import connections

from remit.billing import tenants
from remit.billing.roles import Actor
from remit.graph.context import Context
from remit.graph.schema import build_schema
from tests import factories

NESTED = """{ invoices(first: 100) { edges { node { contract { invoices(first: 100) {
  edges { node { contract { invoices(first: 100) { edges { node { id } } } } } } } } } } } }"""

# The invoices list of the console: every column, the lines and the history of each invoice.
INVOICES_PAGE = """query Page($n: Int!) { invoices(first: $n) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id number status currency issueDate dueDate periodStart periodEnd sentAt paidAt voidedAt
    publicUrl pdfUrl holdReasons
    organization { id name } contract { id name }
    subtotal { amount currency } tax { amount currency } total { amount currency }
    amountPaid { amount currency } amountDue { amount currency }
    lines { name billed quantity taxRate unitPrice { amount currency }
      subtotal { amount currency } tax { amount currency } total { amount currency } }
    events { at type fromStatus toStatus actor detail }
  } } } }"""


@contextmanager
def counted_queries():
    """Every statement sent to the database while inside, by the ORM's own client."""
    client = type(connections.get("default"))
    sent = []
    originals = {name: getattr(client, name) for name in ("execute_query", "execute_query_dict")}

    def counting(original):
        async def execute(self, query, *args, **kwargs):
            sent.append(query)
            return await original(self, query, *args, **kwargs)

        return execute

    for name, original in originals.items():
        setattr(client, name, counting(original))
    try:
        yield sent
    finally:
        for name, original in originals.items():
            setattr(client, name, original)


@pytest.fixture
async def context():
    _, key = await factories.tenant()
    return Context(actor=Actor.of_api_key(await tenants.authenticate(key)), request_id="r")


async def test_connections_nested_in_connections_are_refused_before_the_database(context):
    schema = build_schema(max_cost=50_000)

    with counted_queries() as sent:
        result = await schema.execute(NESTED, context_value=context)

    assert result.data is None
    [error] = result.errors
    assert error.message == "Query cost 3,040,401 exceeds the limit of 50,000."
    assert error.extensions == {"code": "QUERY_TOO_COSTLY", "cost": 3040401, "limit": 50000}
    assert sent == []


async def test_first_given_by_a_variable_is_costed_with_its_value(context):
    schema = build_schema(max_cost=1_000)
    query = "query Q($n: Int!) { invoices(first: $n) { edges { node { id number } } } }"

    small = await schema.execute(query, variable_values={"n": 300}, context_value=context)
    with counted_queries() as sent:
        [error] = (
            await build_schema(max_cost=599).execute(
                query, variable_values={"n": 300}, context_value=context
            )
        ).errors

    assert small.errors is None
    assert small.data == {"invoices": {"edges": []}}
    # first is capped at 200 as the page is: 1 + 200 * (edges, node, id, number)
    assert error.message == "Query cost 801 exceeds the limit of 599."
    assert sent == []


async def test_the_default_page_size_is_costed_when_first_is_absent(context):
    [error] = (
        await build_schema(max_cost=10).execute(
            "{ invoices { edges { node { id } } } }", context_value=context
        )
    ).errors

    assert error.message == "Query cost 151 exceeds the limit of 10."


def aliased(count: int) -> str:
    return " ".join(
        f"a{i}: invoices(first: 200) {{ edges {{ node {{ id }} }} }}" for i in range(count)
    )


@pytest.mark.parametrize(
    ("count", "message"),
    [
        # each alias its own work: 90 * (invoices + 200 * (edges, node, id))
        (90, "Query cost 54,090 exceeds the limit of 50,000."),
        (101, "101 aliases found. Allowed: 100"),
        (1000, "Syntax Error: Document contains more than 5000 tokens. Parsing aborted."),
    ],
)
async def test_aliases_are_refused_before_the_database(context, count, message):
    with counted_queries() as sent:
        result = await build_schema().execute(f"{{ {aliased(count)} }}", context_value=context)

    assert [error.message for error in result.errors] == [message]
    assert sent == []


async def test_a_query_of_too_many_tokens_is_refused_by_the_parser(context):
    query = "{ " + "tenant { name } " * 3000 + "}"

    result = await build_schema().execute(query, context_value=context)

    assert [error.message for error in result.errors] == [
        "Syntax Error: Document contains more than 5000 tokens. Parsing aborted."
    ]


async def test_over_budget_over_http_is_a_graphql_error_and_ordinary_queries_answer(graphql):
    _, key = await factories.tenant("Acme")
    client = graphql(key)

    refused = await client.post(NESTED)
    tenant = await client.query("{ tenant { name } }")
    page = await client.query(INVOICES_PAGE, n=200)

    assert refused.status_code == 200
    assert refused.json() == {
        "data": None,
        "errors": [
            {
                "message": "Query cost 3,040,401 exceeds the limit of 50,000.",
                "extensions": {"code": "QUERY_TOO_COSTLY", "cost": 3040401, "limit": 50000},
            }
        ],
    }
    assert tenant == {"tenant": {"name": "Acme"}}
    assert page["invoices"]["edges"] == []
