"""Prometheus metrics: requests by route and status, and their latency. A request whose client
disconnected before the answer (its work cancelled) is counted as status 499. /metrics answers
only with REMIT_METRICS_TOKEN as a Bearer token; unset, it answers 404 (nothing to probe for)."""

import hmac
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "remit_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
CLIENT_CLOSED_REQUEST = 499  # nginx's code: nothing was answered, nobody was waiting
LATENCY = Histogram("remit_http_request_seconds", "HTTP request latency", ["method", "route"])


def route_of(scope: Scope) -> str:
    """The route's path template, so ids in paths do not multiply the series."""
    for route in scope["app"].routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route.path
    return "unmatched"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            if scope.get("state", {}).get("client_disconnected"):
                status = CLIENT_CLOSED_REQUEST
            route = route_of(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


def metrics(token: str | None) -> Callable[[Request], Awaitable[Response]]:
    """The /metrics endpoint guarded by `token`."""
    expected = f"Bearer {token}".encode()

    async def endpoint(request: Request) -> Response:
        if token is None:
            return Response("Not Found", status_code=404)
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return Response("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return endpoint
