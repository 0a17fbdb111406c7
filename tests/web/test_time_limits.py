"""An operation is stopped when it outlives REMIT_GRAPHQL_TIMEOUT or its client: the work is
cancelled where it waits, never finished for nobody."""

import asyncio
import json
import logging
from types import SimpleNamespace

import httpx
import pytest
import strawberry
from prometheus_client import REGISTRY

from remit.app import create_app
from remit.graph.extensions import HideInternalErrors
from remit.graph.schema import Schema
from tests import factories


class Work:
    """What the slow resolver does: says it started, waits to be released, then writes."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.written: list[str] = []

    async def finished_or_cancelled(self) -> list[str]:
        """Releases the resolver and lets it run, if it still can; what it wrote."""
        self.release.set()
        for _ in range(5):
            await asyncio.sleep(0)
        return self.written


work = Work()


def requests_counted(method: str, status: str) -> float:
    """The /metrics counter of GraphQL requests answered `status` (a process-wide counter)."""
    labels = {"method": method, "route": "/graphql", "status": status}
    return REGISTRY.get_sample_value("remit_http_requests_total", labels) or 0.0


@strawberry.type
class Query:
    @strawberry.field
    async def slow(self) -> str:
        work.started.set()
        await work.release.wait()
        work.written.append("written")
        return "done"

    @strawberry.field
    def quick(self) -> str:
        return "done"


def slow_schema(timeout: float) -> Schema:
    return Schema(query=Query, extensions=[HideInternalErrors], timeout=timeout)


@pytest.fixture(autouse=True)
def fresh_work():
    global work
    work = Work()


async def test_an_operation_over_its_time_limit_is_cancelled_and_answered(caplog):
    context = SimpleNamespace(request_id="req-slow-1")

    with caplog.at_level(logging.INFO):
        result = await slow_schema(timeout=0.05).execute("{ slow }", context_value=context)

    assert result.data is None
    [error] = result.errors
    assert error.message == "The operation took longer than 0.05 s and was stopped."
    assert error.extensions == {"code": "TIMEOUT", "requestId": "req-slow-1"}
    assert work.started.is_set()
    assert await work.finished_or_cancelled() == []
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "request req-slow-1 stopped after 0.05 s (REMIT_GRAPHQL_TIMEOUT)")
    ]


@pytest.fixture
async def slow_api(settings, runtime):
    app = create_app(settings, runtime=runtime, schema=slow_schema(timeout=0.05))
    _, key = await factories.tenant()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://remit.test",
        headers={"Authorization": f"Bearer {key}"},
    ) as client:
        yield client


async def test_over_http_the_time_limit_is_a_graphql_error_and_quick_ones_answer(slow_api, caplog):
    client = slow_api

    with caplog.at_level(logging.INFO, logger="remit"):
        quick = await client.post("/graphql", json={"query": "{ quick }"})
        slow = await client.post(
            "/graphql", json={"query": "{ slow }"}, headers={"X-Request-ID": "req-slow-2"}
        )

    assert quick.json() == {"data": {"quick": "done"}}
    assert slow.status_code == 200
    assert slow.json() == {
        "data": None,
        "errors": [
            {
                "message": "The operation took longer than 0.05 s and was stopped.",
                "extensions": {"code": "TIMEOUT", "requestId": "req-slow-2"},
            }
        ],
    }
    assert await work.finished_or_cancelled() == []
    # The quick answer's own end is no disconnect: one warning, the slow one's.
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "request req-slow-2 stopped after 0.05 s (REMIT_GRAPHQL_TIMEOUT)")
    ]


@pytest.mark.parametrize(
    ("method", "query_string", "body"),
    [
        ("POST", b"", json.dumps({"query": "{ slow }"}).encode()),
        ("GET", b"query=%7B%20slow%20%7D", b""),
    ],
)
async def test_a_request_whose_client_disconnects_is_cancelled(
    settings, runtime, caplog, method, query_string, body
):
    app = create_app(settings, runtime=runtime, schema=slow_schema(timeout=30))
    _, key = await factories.tenant()
    incoming = [{"type": "http.request", "body": body}]
    client_gone = asyncio.Event()
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        await client_gone.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": query_string,
        "headers": [
            (b"host", b"remit.test"),
            (b"authorization", f"Bearer {key}".encode()),
            (b"content-type", b"application/json"),
            (b"x-request-id", b"req-gone-1"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("remit.test", 80),
    }

    counted_before = {status: requests_counted(method, status) for status in ("499", "500")}

    with caplog.at_level(logging.INFO, logger="remit"):
        request = asyncio.ensure_future(app(scope, receive, send))
        await asyncio.wait_for(work.started.wait(), 10)
        client_gone.set()
        await asyncio.wait_for(request, 10)

    assert await work.finished_or_cancelled() == []
    assert sent == []
    assert {
        status: requests_counted(method, status) - counted_before[status]
        for status in counted_before
    } == {"499": 1.0, "500": 0.0}
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "request req-gone-1 cancelled: the client disconnected before the answer")
    ]
