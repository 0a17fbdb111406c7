"""invoiceChanged over a real WebSocket (graphql-transport-ws) to the app served by uvicorn in
the tests' event loop: the tenant's subscribers hear of its invoices as they change, nobody
else does, and a connection without a valid key is refused."""

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from remit.app import create_app
from remit.billing import cycle
from remit.models.invoices import Invoice
from tests import factories
from tests.servers import serving, until_listening

PROTOCOL = "graphql-transport-ws"
INVOICE_CHANGED = "subscription { invoiceChanged { id number status amountDue { amount } } }"
MARK_PAID = """mutation ($id: ID!) {
  invoiceStatusUpdate(id: $id, input: {status: PAID}) {
    invoice { status } errors { code } } }"""
# Long enough for the database watch to have looked twice.
QUIET = 2.5


@pytest.fixture
async def ws_url(settings, runtime) -> AsyncIterator[str]:
    async with serving(create_app(settings, runtime=runtime)) as base:
        yield base.replace("http://", "ws://") + "/graphql"


@contextlib.asynccontextmanager
async def subscribed(url: str, key: str) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=[PROTOCOL]) as socket:
        await send(socket, type="connection_init", payload={"Authorization": f"Bearer {key}"})
        assert await receive(socket) == {"type": "connection_ack"}
        await send(socket, id="1", type="subscribe", payload={"query": INVOICE_CHANGED})
        yield socket


async def send(socket: ClientConnection, **message) -> None:
    await socket.send(json.dumps(message))


async def receive(socket: ClientConnection, timeout: float = 5) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout))


async def changes_until(socket: ClientConnection, last: dict) -> list[dict]:
    """The invoices the subscription yields, up to the one equal to `last`."""
    seen = []
    while not seen or seen[-1] != last:
        message = await receive(socket)
        assert message["type"] == "next", message
        assert message["id"] == "1"
        seen.append(message["payload"]["data"]["invoiceChanged"])
    return seen


async def silent(socket: ClientConnection) -> bool:
    with contextlib.suppress(TimeoutError):
        await receive(socket, timeout=QUIET)
        return False
    return True


async def test_the_cycle_s_invoice_reaches_its_tenant_only(ws_url, runtime, drain_jobs):
    tenant, key = await factories.ready_tenant()
    other, other_key = await factories.ready_tenant("Initech")
    await factories.live_contract(tenant, date(2027, 1, 1))

    async with subscribed(ws_url, key) as socket, subscribed(ws_url, other_key) as elsewhere:
        await until_listening(runtime.pool, tenant.id, other.id)
        await cycle.plan(date(2027, 1, 1))
        await drain_jobs()
        invoice = await Invoice.get(tenant=tenant)

        changes = await changes_until(
            socket,
            {
                "id": str(invoice.id),
                "number": "INV-000001",
                "status": "DUE",
                "amountDue": {"amount": "1299.88"},
            },
        )
        assert {change["number"] for change in changes} <= {None, "INV-000001"}
        assert await silent(elsewhere)


async def test_an_invoice_issued_by_remit_cycle_run_reaches_the_open_subscription(
    ws_url, runtime, settings, tmp_path
):
    """`remit cycle run` is a process of its own: with Redis it publishes there, without it
    the API process finds its invoice events in the database."""
    tenant, key = await factories.ready_tenant()
    await factories.live_contract(tenant, date(2027, 1, 1))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    environment |= {
        "REMIT_DATABASE_URL": settings.database_url,
        "REMIT_SECRET_KEY": settings.resolved_secret_key(),
    }
    if settings.redis_url:
        environment |= {
            "REMIT_REDIS_URL": settings.redis_url,
            "REMIT_QUEUE_NAME": settings.queue_name,
        }

    async with subscribed(ws_url, key) as socket:
        await until_listening(runtime.pool, tenant.id)
        command = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "remit", "cycle", "run", "--date", "2027-01-01",
            cwd=tmp_path, env=environment,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, errors = await asyncio.wait_for(command.communicate(), 60)
        assert command.returncode == 0, errors.decode()
        invoice = await Invoice.get(tenant=tenant)

        changes = await changes_until(
            socket,
            {
                "id": str(invoice.id),
                "number": "INV-000001",
                "status": "DUE",
                "amountDue": {"amount": "1299.88"},
            },
        )
        assert {change["id"] for change in changes} == {str(invoice.id)}


async def test_marking_it_paid_reaches_the_subscriber(ws_url, runtime, drain_jobs, graphql):
    tenant, key = await factories.ready_tenant()
    await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(tenant=tenant)

    async with subscribed(ws_url, key) as socket:
        await until_listening(runtime.pool, tenant.id)
        result = await graphql(key).query(MARK_PAID, id=str(invoice.id))
        assert result["invoiceStatusUpdate"] == {"invoice": {"status": "PAID"}, "errors": []}

        paid = {
            "id": str(invoice.id),
            "number": "INV-000001",
            "status": "PAID",
            "amountDue": {"amount": "0.00"},
        }
        assert await changes_until(socket, paid) == [paid]


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"Authorization": "Bearer remit_nope_nope"}, {"Authorization": "Basic eDp5"}],
)
async def test_a_connection_without_a_valid_key_is_refused(ws_url, payload):
    async with connect(ws_url, subprotocols=[PROTOCOL]) as socket:
        init = {"type": "connection_init"} | ({} if payload is None else {"payload": payload})
        await socket.send(json.dumps(init))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket)

    assert closed.value.rcvd.code == 4403
    assert closed.value.rcvd.reason == "Forbidden"


async def test_a_subscription_before_connection_init_is_refused(ws_url):
    async with connect(ws_url, subprotocols=[PROTOCOL]) as socket:
        await send(socket, id="1", type="subscribe", payload={"query": INVOICE_CHANGED})
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket)

    assert closed.value.rcvd.code == 4401


async def test_the_legacy_protocol_is_not_spoken(ws_url):
    async with connect(ws_url, subprotocols=["graphql-ws"]) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(socket)

    assert closed.value.rcvd.code == 4406


async def test_a_session_cookie_is_accepted_only_from_the_public_origin(settings, runtime):
    public = settings.model_copy(update={"public_url": "https://remit.example.com"})
    async with serving(create_app(public, runtime=runtime)) as base:
        url = base.replace("http://", "ws://") + "/graphql"
        cookie = {"Cookie": "remit_session=abc"}
        with pytest.raises(InvalidStatus) as refused:
            async with connect(
                url,
                subprotocols=[PROTOCOL],
                origin="https://evil.example",
                additional_headers=cookie,
            ):
                pass
        assert refused.value.response.status_code == 403

        async with connect(
            url,
            subprotocols=[PROTOCOL],
            origin="https://remit.example.com",
            additional_headers=cookie,
        ) as socket:
            assert socket.subprotocol == PROTOCOL


async def test_each_operation_of_a_websocket_reads_the_rows_as_they_are(
    ws_url, drain_jobs, graphql
):
    tenant, key = await factories.ready_tenant()
    await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(tenant=tenant)
    query = {"query": "query ($id: ID!) { invoice(id: $id) { status } }"}
    query["variables"] = {"id": str(invoice.id)}

    async with connect(ws_url, subprotocols=[PROTOCOL]) as socket:
        await send(socket, type="connection_init", payload={"Authorization": f"Bearer {key}"})
        assert await receive(socket) == {"type": "connection_ack"}
        await send(socket, id="before", type="subscribe", payload=query)
        before = await receive(socket)
        assert await receive(socket) == {"type": "complete", "id": "before"}
        await graphql(key).query(MARK_PAID, id=str(invoice.id))
        await send(socket, id="after", type="subscribe", payload=query)
        after = await receive(socket)

    assert before["payload"] == {"data": {"invoice": {"status": "DUE"}}}
    assert after["payload"] == {"data": {"invoice": {"status": "PAID"}}}
