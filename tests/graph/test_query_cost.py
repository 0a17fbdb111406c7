import asyncio
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

from remit.billing import tenants
from remit.billing.roles import Actor
from remit.graph.context import Context
from remit.graph.limits import MAX_CACHED_LENGTH, cached_parse
from remit.graph.schema import build_schema
from remit.models.invoices import Invoice
from tests import factories

TENANT = "{ tenant { name } }"
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
    """Every statement sent to the database while inside, by the ORM's own client and its
    transactions: reads, writes and inserts, a bulk insert counting once."""
    classes = [BaseDBAsyncClient]
    for cls in classes:
        classes.extend(cls.__subclasses__())
    sent = []
    inside = ContextVar("counting", default=False)
    originals = {
        (cls, name): cls.__dict__[name]
        for cls in classes
        for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many")
        if name in cls.__dict__
    }

    def counting(original):
        async def execute(self, query, *args, **kwargs):
            if inside.get():  # a client's method calling another: one statement
                return await original(self, query, *args, **kwargs)
            sent.append(query)
            token = inside.set(True)
            try:
                return await original(self, query, *args, **kwargs)
            finally:
                inside.reset(token)

        return execute

    for (cls, name), original in originals.items():
        setattr(cls, name, counting(original))
    try:
        yield sent
    finally:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)


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


def aliased(count: int, field: str = "invoices(first: 200) { edges { node { id } } }") -> str:
    return "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # each alias its own work: 90 * (invoices + 200 * (edges, node, id))
        (aliased(90), "Query cost 54,090 exceeds the limit of 50,000."),
        (aliased(101, "tenant { name }"), "101 aliases found. Allowed: 100"),
        # 17,002 tokens, too long to cache: refused once the first 84 aliases are read
        (
            aliased(1000),
            "Query cost exceeds the limit of 50,000: it reaches 50,084 by line 1, column 4337.",
        ),
    ],
)
async def test_aliases_are_refused_before_the_database(context, query, message):
    with counted_queries() as sent:
        result = await build_schema().execute(query, context_value=context)

    assert [error.message for error in result.errors] == [message]
    assert sent == []


# Documents whose cost counted while parsing (when they are long) must never be more than
# their whole cost: each with its variables and the operation it selects.
COUNTED_WHILE_PARSED = [
    (NESTED, {}, None),
    (
        """query Q($n: Int!) { a: invoices(first: $n) { edges { node { id number } } }
        b: organizations(first: 3) { edges { node { name } } } }""",
        {"n": 7},
        None,
    ),
    (
        "{ invoices(first: 5) { ...Page } } "
        "fragment Page on InvoiceConnection { edges { node { id contract { name } } } }",
        {},
        None,
    ),
    (
        "{ invoices(first: 5) { edges { node { ... on Invoice { id contract { name } } } } } }",
        {},
        None,
    ),
    ("{ invoices(first: 5) { nope { id } edges { node { id } } } }", {}, None),
    (f"query Cheap {{ tenant {{ name }} }} query Costly {NESTED}", {}, "Cheap"),
]


@pytest.mark.parametrize(("query", "variables", "operation"), COUNTED_WHILE_PARSED)
async def test_a_long_document_is_refused_while_parsed_only_when_over_its_whole_cost(
    context, query, variables, operation
):
    async def errors(query: str, max_cost: int) -> list:
        result = await build_schema(max_cost=max_cost).execute(
            query, variable_values=variables, operation_name=operation, context_value=context
        )
        return result.errors or []

    [short] = await errors(query, max_cost=0)
    cost = short.extensions["cost"]
    long = f"{query} # {'x' * MAX_CACHED_LENGTH}"

    at_cost, over = await errors(long, max_cost=cost), await errors(long, max_cost=cost - 1)

    assert "QUERY_TOO_COSTLY" not in [(e.extensions or {}).get("code") for e in at_cost]
    assert over[0].extensions["code"] == "QUERY_TOO_COSTLY"


async def test_a_document_of_too_many_tokens_is_refused_by_the_parser(context):
    query = "{ " + "tenant { name } " * 50_000 + "}"

    result = await build_schema().execute(query, context_value=context)

    assert [error.message for error in result.errors] == [
        "Syntax Error: Document contains more than 20000 tokens. Parsing aborted."
    ]


async def test_a_cheap_document_too_long_to_validate_is_refused_before_validation(context):
    # 6 tokens an alias and the two braces: 5,000 tokens, then 5,006
    within = await build_schema().execute(aliased(833, "tenant { name }"), context_value=context)
    over = await build_schema().execute(aliased(834, "tenant { name }"), context_value=context)

    assert [error.message for error in within.errors] == ["833 aliases found. Allowed: 100"]
    [error] = over.errors
    assert error.message == "Document contains 5,006 tokens; at most 5,000 are accepted."
    assert error.extensions == {"code": "QUERY_TOO_LONG", "limit": 5000}


async def test_fields_repeated_past_the_overlap_budget_abort_validation(context):
    # The same field 10 times spends 225 units, 100 times 24,750: over 10,000, though
    # graphql-core's own budget of 500,000 would accept them (and 1,000 of them after seconds).
    few = await build_schema().execute("{ " + "tenant { name } " * 10 + "}", context_value=context)
    many = await build_schema().execute(
        "{ " + "tenant { name } " * 100 + "}", context_value=context
    )

    assert few.errors is None
    assert few.data == {"tenant": {"name": "Acme Corp"}}
    assert [error.message for error in many.errors] == ["Validation aborted."]


async def test_a_fragment_spread_many_times_is_costed_once(context):
    # Each fragment spreads the next twice: 2^40 leaves, costed in a walk of 40 fragments.
    fragments = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(40))
    query = f"{{ ...F0 }} {fragments} fragment F40 on Query {{ tenant {{ name }} }}"

    [error] = (await build_schema().execute(query, context_value=context)).errors

    assert error.message == "Query cost 2,199,023,255,552 exceeds the limit of 50,000."


async def test_a_fragment_cycle_is_left_to_validation(context):
    query = "{ ...A } fragment A on Query { tenant { name } ...B } fragment B on Query { ...A }"

    result = await build_schema().execute(query, context_value=context)

    assert [error.message for error in result.errors] == [
        "Cannot spread fragment 'A' within itself via 'B'."
    ]


async def test_fragments_nested_too_deeply_to_be_costed_are_refused(context):
    fragments = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(1000))
    query = f"{{ ...F0 }} {fragments} fragment F1000 on Query {{ tenant {{ name }} }}"

    [error] = (await build_schema().execute(query, context_value=context)).errors

    assert error.message == "The query is nested too deeply to be costed."
    assert error.extensions == {"code": "QUERY_TOO_COSTLY", "limit": 50000}


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


async def test_another_tenant_answers_while_costly_queries_are_sent(graphql):
    mallory, mallory_key = await factories.ready_tenant("Mallory Ltd")
    contract = await factories.live_contract(mallory, date(2027, 1, 1))
    # Enough for either query, were it run, to resolve tens of thousands of invoices.
    for n in range(30):
        await Invoice.create(
            tenant=mallory,
            contract=contract,
            organization_id=contract.organization_id,
            currency="EUR",
            public_token=f"mallory-{n}",
            period_start=date(2027, 1, 1) + timedelta(days=n),
            period_end=date(2027, 1, 1) + timedelta(days=n),
        )
    _, acme_key = await factories.tenant("Acme Corp")
    attacker, acme = graphql(mallory_key), graphql(acme_key)
    costly = [NESTED, aliased(1000)]

    async def answer(query: str) -> dict:
        return (await (acme if query == TENANT else attacker).post(query)).json()

    alone = [await answer(TENANT) for _ in range(5)]
    # Each sent anew (a comment apart), as an attacker would, so none is parsed from the cache.
    refusals_alone = [await answer(f"{query} # alone") for query in costly]
    answers = []

    async def attack(query: str) -> None:
        for round in range(2):
            body = await answer(f"{query} # {round}")
            assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"

    async def ask(attacks: asyncio.Future) -> None:
        while not attacks.done():
            answers.append(await answer(TENANT))

    attacks = asyncio.gather(*(attack(query) for query in costly))
    await asyncio.gather(attacks, ask(attacks))

    # How long the answers take meanwhile is measured by `python -m bench limits`.
    assert answers
    assert alone + answers == [{"data": {"tenant": {"name": "Acme Corp"}}}] * (
        len(alone) + len(answers)
    )
    assert [body["errors"][0]["extensions"]["code"] for body in refusals_alone] == [
        "QUERY_TOO_COSTLY"
    ] * 2


async def test_the_parser_cache_keeps_screens_documents_and_never_an_attackers(context):
    schema = build_schema()
    cache = cached_parse
    short, long = f"{TENANT} # a screen", f"{aliased(1000)} # unique"

    await schema.execute(short, context_value=context)
    kept = cache.cache_info().currsize
    refused = await schema.execute(long, context_value=context)
    again = cache.cache_info()
    await schema.execute(short, context_value=context)

    assert refused.errors[0].extensions["code"] == "QUERY_TOO_COSTLY"
    assert again.currsize == kept
    assert cache.cache_info().hits == again.hits + 1
