"""/graphql: every operation needs `Authorization: Bearer <api key>`; the key decides the
tenant. Only the GraphiQL page itself (a GET without a query) is open, and its files under
/graphiql. An operation whose client disconnects is cancelled."""

import json

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from remit.billing import tenants
from remit.billing.errors import Unauthenticated
from remit.graph.context import Context
from remit.web import graphiql
from remit.web.disconnect import cancelled_on_disconnect


def _unauthorized(message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="remit"'},
    )


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GraphQLApp(GraphQL):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        if request.method == "GET" and "query" not in request.query_params:
            return await super().__call__(scope, receive, send)
        token = _bearer_token(request)
        if token is None:
            return await _unauthorized("An API key is required: Authorization: Bearer <key>.")(
                scope, receive, send
            )
        try:
            api_key = await tenants.authenticate(token)
        except Unauthenticated as error:
            return await _unauthorized(error.message)(scope, receive, send)
        scope["state"]["api_key"] = api_key
        await cancelled_on_disconnect(super().__call__, scope, receive, send)

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
        api_key = getattr(request.state, "api_key", None)
        if api_key is None:  # only the GraphiQL page gets here without a key, and runs no query
            return None
        return Context(api_key=api_key, request_id=request.state.request_id)
