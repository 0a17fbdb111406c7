"""Servers the tests talk to over real sockets on 127.0.0.1."""

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from uuid import UUID

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from remit.billing import config
from remit.brokers import DatabaseWatch, RedisBroker, channel


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """An aiosmtpd handler that keeps every envelope; refuses recipients when told to."""

    def __init__(self, rcpt_reply: str | None = None) -> None:
        self.envelopes = []
        self.rcpt_reply = rcpt_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def start(handler, port: int | None = None, **smtp_parameters) -> Controller:
    controller = Controller(
        handler, hostname="127.0.0.1", port=port or free_port(), **smtp_parameters
    )
    controller.start()
    return controller


@pytest.fixture
def smtpd():
    handler = Collector()
    controller = start(handler)
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def mail_server(smtpd, configure):
    """Every email of the test goes to this SMTP server; links point at https://pay.acme.com."""
    handler, port = smtpd
    configure(smtp_url=f"smtp://127.0.0.1:{port}", public_url="https://pay.acme.com")
    return handler


class Server(uvicorn.Server):
    """uvicorn in the tests' event loop; Ctrl-C stays pytest's."""

    def capture_signals(self):
        return contextlib.nullcontext()


@contextlib.asynccontextmanager
async def serving(app: ASGIApp, port: int | None = None) -> AsyncIterator[str]:
    """`app` served by uvicorn on `port` (else a free one) of 127.0.0.1, in this process and
    event loop (so the tests' database, queue and mocks are the server's); yields its base
    URL."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started or task.done():
            break
        await asyncio.sleep(0.025)
    if not server.started:
        task.cancel()
        raise RuntimeError(f"uvicorn did not start on {base}")
    try:
        yield base
    finally:
        server.should_exit = True
        await task


async def until_listening(redis: Redis, *tenant_ids: UUID) -> None:
    """Wait until a subscription of each tenant listens through the process's broker (its
    Redis is `redis`): a change committed before would not reach it, and the test would race
    the server."""
    broker = config.current().live
    for _ in range(200):
        if isinstance(broker, RedisBroker):
            counts = dict(await redis.pubsub_numsub(*(channel(id) for id in tenant_ids)))
            listening = all(counts.values())
        else:
            assert isinstance(broker, DatabaseWatch)
            listening = all(broker._listeners.get(id) for id in tenant_ids)
        if listening:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"no subscription of {tenant_ids} listened")


class WebhookReceiver:
    """A tenant's webhook endpoint as a Starlette app: keeps every request (headers and raw
    body) and answers with the statuses it is given in turn, then 200."""

    def __init__(self, *statuses: int) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        self.requests.append((dict(request.headers), await request.body()))
        status = self.statuses.pop(0) if self.statuses else 200
        await Response(status_code=status)(scope, receive, send)

    def types(self) -> list[str]:
        return [json.loads(body)["type"] for _, body in self.requests]


@pytest.fixture
async def webhook_receiver(configure):
    """A tenant's webhook endpoint listening on 127.0.0.1 (so private addresses are allowed
    for the test); its `url` is where to send."""
    configure(webhooks_allow_private=True)
    receiver = WebhookReceiver()
    async with serving(receiver) as base:
        receiver.url = f"{base}/hooks"
        yield receiver
