"""/graphql: every operation needs `Authorization: Bearer <api key>`; the key decides the
tenant. Only the GraphiQL page itself (a GET without a query) is open, and its files under
/graphiql. Subscriptions run on a WebSocket at the same address (graphql-transport-ws), whose
connection_init payload carries the same credentials: `{"Authorization": "Bearer <key>"}`."""

import json
from collections.abc import Sequence

from cross_web import HTTPException
from starlette import status
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.websocket_origin import normalize_origin
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from remit.billing import tenants
from remit.billing.errors import Unauthenticated
from remit.graph.context import Context
from remit.models.tenants import ApiKey
from remit.web import graphiql

SESSION_COOKIE = "remit_session"


def _unauthorized(message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="remit"'},
    )


async def authenticate(authorization: str | None) -> ApiKey:
    """The caller behind the credentials an HTTP request or a WebSocket's connection_init
    carries, the one way both are resolved. Raises Unauthenticated."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("An API key is required: Authorization: Bearer <key>.")
    return await tenants.authenticate(token.strip())


class GraphQLApp(GraphQL):
    def __init__(self, schema, *, public_url: str, allowed_origins: Sequence[str] = ()) -> None:
        self.public_origin = normalize_origin(public_url)
        # Only graphql-transport-ws: the legacy graphql-ws protocol is not offered. Pages of
        # the public URL (behind a proxy, not this server's own Host) may open a WebSocket.
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            allowed_origins=[origin for origin in [self.public_origin] if origin]
            + list(allowed_origins),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            socket = WebSocket(scope, receive, send)
            if not self.trusted_browser(socket):
                # Closed before it is accepted: the handshake is answered 403.
                return await socket.close(code=status.WS_1008_POLICY_VIOLATION)
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        if request.method == "GET" and "query" not in request.query_params:
            return await super().__call__(scope, receive, send)
        try:
            api_key = await authenticate(request.headers.get("authorization"))
        except Unauthenticated as error:
            return await _unauthorized(error.message)(scope, receive, send)
        scope["state"]["api_key"] = api_key
        await super().__call__(scope, receive, send)

    def trusted_browser(self, socket: WebSocket) -> bool:
        """A browser sends the session cookie with a WebSocket handshake from any page, and
        the same-origin policy does not apply to WebSockets: one carrying it is accepted only
        from a page of Remit's own public origin. (Strawberry then refuses other origins
        than this server's own and REMIT_CORS_ORIGINS.)"""
        origin = socket.headers.get("origin")
        if origin is None or SESSION_COOKIE not in socket.cookies:
            return True
        return normalize_origin(origin) == self.public_origin

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticate a WebSocket by its connection_init payload; refused, it is closed
        with 4403 Forbidden, and nothing runs on it."""
        params = context.connection_params
        if not isinstance(params, dict):
            raise ConnectionRejectionError({"message": "connection_init needs a payload."})
        authorization = next(
            (value for name, value in params.items() if name.lower() == "authorization"), None
        )
        try:
            context.api_key = await authenticate(
                authorization if isinstance(authorization, str) else None
            )
        except Unauthenticated as error:
            raise ConnectionRejectionError({"message": error.message}) from None
        return UNSET  # acknowledged without a payload

    def decode_json(self, data: str | bytes) -> object:
        """The body: one JSON object (`null`, a number or a list is a 400, not a crash)."""
        body = json.loads(data)
        if not isinstance(body, dict):
            raise HTTPException(
                400, 'The request body must be a JSON object: {"query": "...", "variables": {}}.'
            )
        return body

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL, its code served from here (see web/graphiql.py)."""
        html = graphiql.page(self.graphql_ide_html)
        return HTMLResponse(html, headers=graphiql.security_headers(html))

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context | None:
        if isinstance(request, WebSocket):  # authenticated by its connection_init
            return Context(api_key=None, request_id=request.state.request_id)
        api_key = getattr(request.state, "api_key", None)
        if api_key is None:  # only the GraphiQL page gets here without a key, and runs no query
            return None
        return Context(api_key=api_key, request_id=request.state.request_id)
