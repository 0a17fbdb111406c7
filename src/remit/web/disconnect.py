"""Work nobody waits for is stopped: a request whose client disconnects before the answer is
cancelled where it waits (the database, a loader) instead of running on for nobody."""

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("remit.web")


async def cancelled_on_disconnect(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Runs `app`, cancelling it when `http.disconnect` arrives before the answer is sent.
    The body is handed to `app` as it asks for it; once it is read whole (a GET has none to
    read), the only message left to receive is the disconnect, which this then waits for."""
    body_read = asyncio.Event()
    if scope["method"] in ("GET", "HEAD"):
        body_read.set()
    answered = False

    async def receive_body() -> Message:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            body_read.set()
        return message

    async def send_answer(message: Message) -> None:
        nonlocal answered
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            answered = True
        await send(message)

    async def disconnected() -> None:
        await body_read.wait()
        while (await receive())["type"] != "http.disconnect":
            pass

    work = asyncio.ensure_future(app(scope, receive_body, send_answer))
    gone = asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait((work, gone), return_when=asyncio.FIRST_COMPLETED)
        # Servers also report a disconnect once the answer is sent; that one stops nothing.
        if not work.done() and not answered:
            logger.warning(
                "request %s cancelled: the client disconnected before the answer",
                scope["state"].get("request_id"),
            )
            # Metrics count it as a 499 (client closed request), not as a failure.
            scope["state"]["client_disconnected"] = True
            work.cancel()
        await asyncio.wait((work,))
    finally:
        gone.cancel()
        work.cancel()
    if not work.cancelled():
        work.result()
