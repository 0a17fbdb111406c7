import logging
from types import SimpleNamespace

import strawberry

from remit.billing.errors import NotFound
from remit.graph.extensions import HideInternalErrors
from remit.graph.schema import build_schema


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str:
        raise KeyError("secret detail")

    @strawberry.field
    def missing(self) -> str:
        raise NotFound("invoice", "42")


schema = strawberry.Schema(query=Query, extensions=[HideInternalErrors])


async def test_an_internal_error_shows_only_the_request_id_and_is_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="remit.graph"):
        result = await schema.execute(
            "{ broken }", context_value=SimpleNamespace(request_id="req-123")
        )

    [error] = result.errors
    assert error.message == "Internal error. Quote request id req-123 when reporting it."
    assert error.extensions == {"code": "INTERNAL", "requestId": "req-123"}
    assert "secret detail" not in str(error.formatted)
    [record] = [r for r in caplog.records if r.name == "remit.graph"]
    assert record.getMessage() == "internal error in broken (request req-123)"
    assert "secret detail" in str(record.exc_info[1])


async def test_an_expected_failure_keeps_its_message():
    result = await schema.execute("{ missing }", context_value=SimpleNamespace(request_id="r"))

    assert [error.message for error in result.errors] == ["No invoice with id 42."]


async def test_a_variable_that_does_not_coerce_keeps_graphql_cores_message_logged_at_info(caplog):
    query = """mutation($input: ServiceLineItemInput!) {
      serviceLineItemAdd(contractId: "x", input: $input) { errors { message } } }"""
    message = (
        "Variable '$input' has invalid value at .price: Value cannot represent a Decimal: \"abc\"."
    )

    with caplog.at_level(logging.INFO, logger="remit.graph"):
        result = await build_schema().execute(
            query,
            variable_values={"input": {"name": "Seats", "price": "abc", "billed": "MONTHLY"}},
            context_value=SimpleNamespace(request_id="req-9"),
        )

    assert [(error.message, error.extensions) for error in result.errors] == [(message, {})]
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "remit.graph"] == [
        ("INFO", f"request req-9 refused: {message}")
    ]
