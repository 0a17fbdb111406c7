"""Schemathesis' GraphQL mode over every query and mutation, against the real app with a
tenant's key and a tenant's worth of data (so resolvers find rows and do real work): whatever
it sends, no answer is a 5xx and none is an "Internal error". A refusal by the cost, depth or
token limits, or any error with a message meant for the client, is a fine answer.

A bounded, derandomized run (the same cases each time): EXAMPLES per operation, no shrinking.
Every failure is collected and reported together, with its operation, query and answer."""

import asyncio
import json

import pytest
import schemathesis
from graphql import NameNode, NullValueNode, ObjectFieldNode, ValueNode, get_introspection_query
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from schemathesis.specs.graphql.scalars import CUSTOM_SCALARS

from tests import factories
from tests.conftest import USES_SQLITE
from tests.sweeps import world
from tests.sweeps.answers import harvest

pytestmark = pytest.mark.skipif(
    USES_SQLITE,
    reason="one run is enough for a generated sweep of the API, and PostgreSQL is the "
    "production database (it refuses what SQLite lets through, e.g. NUL bytes)",
)

EXAMPLES = 20
RUN = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# One answer may take this long on a busy machine before the sweep gives up on it.
ANSWER_SECONDS = 30


def json_node(value: object) -> ValueNode:
    if isinstance(value, dict):
        return nodes.Object(
            [
                ObjectFieldNode(name=NameNode(value=key), value=json_node(item))
                for key, item in value.items()
            ]
        )
    if isinstance(value, list):
        return nodes.List([json_node(item) for item in value])
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if value is None:
        return NullValueNode()
    return nodes.String(value)


JSON_VALUES = st.one_of(
    st.just(factories.BANK_TRANSFER),
    st.just(factories.STRIPE),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    ),
)


def scalars(ids: list[str]) -> dict[str, st.SearchStrategy[ValueNode]]:
    """The app's own scalars, and ids that are mostly the tenant's own (a random string
    finds nothing and goes no further)."""
    return {
        "Decimal": st.one_of(
            st.decimals(allow_nan=False, allow_infinity=False).map(str), st.text()
        ).map(nodes.String),
        "JSON": JSON_VALUES.map(json_node),
        "ID": st.one_of(st.sampled_from(ids), st.text()).map(nodes.String),
        # A query's literal is never a file (only a multipart request carries one).
        "Upload": st.text().map(nodes.String),
    }


def failure_of(response) -> str | None:
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    try:
        body = response.json()
    except json.JSONDecodeError:
        return "not JSON"
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    internal = [
        error
        for error in errors
        if (error.get("extensions") or {}).get("code") == "INTERNAL"
        or "Internal error" in error.get("message", "")
    ]
    return f"internal errors {internal}" if internal else None


@pytest.mark.parametrize("root", ["query", "mutation"])
async def test_no_generated_request_gets_a_server_error(root, api, graphql, drain_jobs):
    """Queries and mutations apart, so that the two halves run in two test processes."""
    tenant = await world.everything(drain_jobs, "Acme Corp", "Globex", "ACME")
    seen = await harvest(graphql(tenant.key))
    introspection = await graphql(tenant.key).query(get_introspection_query())
    schema = schemathesis.graphql.from_dict(introspection)
    loop = asyncio.get_running_loop()
    headers = {"Authorization": f"Bearer {tenant.key}"}
    sent: dict[str, int] = {}
    failures: list[str] = []

    def send(label: str, query: str) -> None:
        answer = asyncio.run_coroutine_threadsafe(
            api.post("/graphql", json={"query": query}, headers=headers), loop
        ).result(ANSWER_SECONDS)
        sent[label] = sent.get(label, 0) + 1
        problem = failure_of(answer)
        if problem:
            failures.append(f"{label}: {problem}\n  query: {query}\n  answer: {answer.text}")

    def sweep_one(operation) -> None:
        @RUN
        @given(case=operation.as_strategy())
        def each(case) -> None:
            send(operation.label, case.body)

        each()

    def sweep() -> None:
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.definition.is_mutation == (root == "mutation"):
                sweep_one(operation)

    added = scalars(seen.of("id"))
    CUSTOM_SCALARS.update(added)
    try:
        await asyncio.to_thread(sweep)
    finally:
        for name in added:
            CUSTOM_SCALARS.pop(name)

    print(f"schemathesis: {len(sent)} operations, {sum(sent.values())} requests")
    assert failures == [], "\n".join(failures)
    swept = getattr(schema.client_schema, f"{root}_type")
    assert len(sent) == len(swept.fields)
