"""/graphql: every operation needs a caller, who decides the tenant: `Authorization: Bearer
<api key>` (a server), or the console's session cookie, whose POSTs must echo the CSRF token
in `X-CSRF-Token`. Only the GraphiQL page itself (a GET without a query) is open, and its
files under /graphiql. Subscriptions run on a WebSocket at the same address
(graphql-transport-ws), authenticated by the handshake's session cookie (from Remit's own
origin only) or by a connection_init payload `{"Authorization": "Bearer <key>"}`. An operation whose client disconnects is
cancelled."""

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
from remit.billing.roles import Actor
from remit.graph.context import Context
from remit.web import auth, graphiql
from remit.web.disconnect import cancelled_on_disconnect


def _refused(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="remit"'} if status == 401 else None
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


async def authenticate(authorization: str) -> Actor:
    """The API key behind the `Authorization` value an HTTP request or a WebSocket's
    connection_init carries, the one way both are resolved. Raises Unauthenticated."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("An API key is required: Authorization: Bearer <key>.")
    return Actor.of_api_key(await tenants.authenticate(token.strip()))


async def _actor(request: Request) -> Actor | JSONResponse:
    """Who calls: the API key when one is given, else the session cookie's user."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        try:
            return await authenticate(authorization)
        except Unauthenticated as error:
            return _refused(401, "UNAUTHENTICATED", error.message)
    session = await auth.session_of(request)
    if session is None:
        return _refused(
            401,
            "UNAUTHENTICATED",
            "An API key (Authorization: Bearer <key>) or a session is required.",
        )
    if request.method == "POST" and not auth.csrf_ok(request, session):
        return _refused(403, "CSRF", "The X-CSRF-Token header must echo the remit_csrf cookie.")
    return Actor.of_user(session.user, session.user.tenant)


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
            # File uploads (a bank statement, a logo). A multipart form can be posted from
            # any site without a preflight; here it still needs a header no form can send:
            # the API key, or the session's X-CSRF-Token.
            multipart_uploads_enabled=True,
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
        actor = await _actor(request)
        if isinstance(actor, JSONResponse):
            return await actor(scope, receive, send)
        scope["state"]["actor"] = actor
        await cancelled_on_disconnect(super().__call__, scope, receive, send)

    def trusted_browser(self, socket: WebSocket) -> bool:
        """A browser sends the session cookie with a WebSocket handshake from any page, and
        the same-origin policy does not apply to WebSockets: one carrying it is accepted only
        from a page of Remit's own public origin. (Strawberry then refuses other origins
        than this server's own and REMIT_CORS_ORIGINS.)"""
        origin = socket.headers.get("origin")
        if origin is None or auth.SESSION_COOKIE not in socket.cookies:
            return True
        return normalize_origin(origin) == self.public_origin

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticate a WebSocket by its connection_init payload, or by its handshake's
        session cookie when the payload names no key; refused, it is closed with 4403
        Forbidden, and nothing runs on it."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        authorization = next(
            (value for name, value in params.items() if name.lower() == "authorization"), None
        )
        if authorization is None and context.actor is not None:
            return UNSET  # the handshake's session
        try:
            context.actor = await authenticate(
                authorization if isinstance(authorization, str) else ""
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
        if isinstance(request, WebSocket):
            # Its handshake's session, if any (the origin was checked by trusted_browser);
            # otherwise authenticated by its connection_init.
            session = await auth.session_of(request)
            actor = Actor.of_user(session.user, session.user.tenant) if session else None
            return Context(actor=actor, request_id=request.state.request_id)
        actor = getattr(request.state, "actor", None)
        if actor is None:  # only the GraphiQL page gets here without a caller, and runs no query
            return None
        return Context(actor=actor, request_id=request.state.request_id)
