"""/graphql: every operation needs a caller, who decides the tenant: `Authorization: Bearer
<api key>` (a server), or the console's session cookie, whose POSTs must echo the CSRF token
in `X-CSRF-Token`. Only the GraphiQL page itself (a GET without a query) is open, and its
files under /graphiql."""

import json

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from remit.billing import tenants
from remit.billing.errors import Unauthenticated
from remit.billing.roles import Actor
from remit.graph.context import Context
from remit.web import auth, graphiql


def _refused(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="remit"'} if status == 401 else None
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _actor(request: Request) -> Actor | JSONResponse:
    """Who calls: the API key when one is given, else the session cookie's user."""
    token = _bearer_token(request)
    if token is not None:
        try:
            return Actor.of_api_key(await tenants.authenticate(token))
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
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        if request.method == "GET" and "query" not in request.query_params:
            return await super().__call__(scope, receive, send)
        actor = await _actor(request)
        if isinstance(actor, JSONResponse):
            return await actor(scope, receive, send)
        scope["state"]["actor"] = actor
        await super().__call__(scope, receive, send)

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
        return HTMLResponse(graphiql.page(self.graphql_ide_html))

    async def get_context(self, request: Request, response: Response) -> Context | None:
        actor = getattr(request.state, "actor", None)
        if actor is None:  # only the GraphiQL page gets here without a caller, and runs no query
            return None
        return Context(actor=actor, request_id=request.state.request_id)
