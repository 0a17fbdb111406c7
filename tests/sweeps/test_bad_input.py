"""The bad-input sweep: every argument and input field of every operation, generated from
the schema, spoilt one value at a time. Each bad value must get a clear answer (a GraphQL
error or a payload UserError with a message, never "Internal error", never a 5xx), change
nothing in the database, and log nothing at ERROR; the valid call it was made from must
then succeed, or the sweep proved nothing about that operation."""

import logging

import pytest
from tortoise import Tortoise

from remit.billing import clock
from remit.graph.schema import build_schema
from tests.sweeps.bad_values import Spoilt, spoilt_calls
from tests.sweeps.valid_calls import (
    TODAY,
    Operation,
    World,
    baseline,
    build_world,
    document,
    request,
    swept_operations,
)

OPERATIONS = swept_operations(build_schema()._schema)


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


async def snapshot() -> dict[str, list[dict]]:
    """Every row of every table: the world is a few dozen rows, so all of them is cheap."""
    return {
        name: sorted(map(repr, await model.all().values()))
        for name, model in Tortoise.apps["remit"].items()
    }


async def call(api, key: str, query: str, variables: dict):
    sent = request(query, variables)
    headers = {"Authorization": f"Bearer {key}", **sent.pop("headers", {})}
    return await api.post("/graphql", headers=headers, **sent)


def unclear(operation: Operation, spoilt: Spoilt, response) -> str | None:
    """What is wrong with the answer to a bad value, or None when it is a clear error (or
    an acceptance, for a probe)."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    if response.status_code != 200:
        return None if response.text else f"HTTP {response.status_code} without a word"
    body = response.json()
    errors = body.get("errors") or []
    if any((error.get("extensions") or {}).get("code") == "INTERNAL" for error in errors):
        return f"internal error: {errors}"
    if any(not error.get("message") for error in errors):
        return f"an error without a message: {errors}"
    if errors or operation.kind == "query" or spoilt.probe:
        return None  # a query may answer "no match" to a value that names nothing
    failures = body["data"][operation.name]["errors"]
    if not failures:
        return "accepted"
    if any(not failure["message"] for failure in failures):
        return f"a UserError without a message: {failures}"
    return None


async def problem_with(api, world: World, operation: Operation, spoilt: Spoilt, caplog, before):
    """What is wrong with how the API took `spoilt`, or None. `before` is the database as
    it must stay, unless `spoilt` is a probe."""
    caplog.clear()
    response = await call(api, world.key, document(operation), spoilt.variables)
    problem = unclear(operation, spoilt, response)
    if problem is None and not spoilt.probe and await snapshot() != before:
        problem = "changed the database"
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    if problem is None and logged:
        problem = f"logged at ERROR: {logged[0][:200]}"
    return None if problem is None else f"{spoilt}: {problem}"


@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.name for o in OPERATIONS])
async def test_every_bad_value_is_a_clear_error_that_changes_nothing(api, caplog, operation):
    world = await build_world()
    valid = baseline(world, operation)
    types = {name: argument.type for name, argument in operation.field.args.items()}
    spoilt = list(spoilt_calls(valid, types))
    print(f"bad input: {operation.name}: {len(spoilt)} values")
    before = await snapshot()

    problems = [
        await problem_with(api, world, operation, bad, caplog, before)
        for bad in spoilt
        if not bad.probe
    ]
    assert not any(problems), "\n".join(filter(None, problems))
    answer = (await call(api, world.key, document(operation), valid)).json()
    assert "errors" not in answer, f"the valid call failed, the sweep proved nothing: {answer}"
    if operation.kind == "mutation":
        assert answer["data"][operation.name].get("errors", []) == [], answer
    # Probes last: one that is accepted changes the world as the valid call did.
    problems = [
        await problem_with(api, world, operation, bad, caplog, None) for bad in spoilt if bad.probe
    ]
    assert not any(problems), "\n".join(filter(None, problems))
