import logging
from types import SimpleNamespace

import strawberry

from remit.billing.errors import NotFound
from remit.graph.extensions import HideInternalErrors


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
