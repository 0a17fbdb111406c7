"""The ASGI application."""

import contextlib
from collections.abc import AsyncIterator

import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, WebSocketRoute

from remit.graph.schema import build_schema
from remit.models.users import TokenPurpose
from remit.runtime import Runtime, running
from remit.settings import Settings
from remit.web import auth, console, graphiql
from remit.web.bank import statement_import
from remit.web.body_limit import BodyLimitMiddleware
from remit.web.graphql import GraphQLApp
from remit.web.health import healthz, readyz
from remit.web.metrics import MetricsMiddleware, metrics
from remit.web.pages import (
    card,
    credit_note_page,
    credit_note_pdf,
    credit_note_xml,
    invoice_page,
    invoice_pdf,
    invoice_xml,
    logo,
    pay,
    statement_pdf,
)
from remit.web.request_id import RequestIdMiddleware
from remit.web.webhooks import provider_callback, stripe_platform


def create_app(
    settings: Settings, *, runtime: Runtime | None = None, schema: strawberry.Schema | None = None
) -> Starlette:
    """The app. It starts its own runtime, unless given one that is already running."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.runtime = runtime
            yield
            return
        async with running(settings) as started:
            app.state.runtime = started
            yield

    schema = schema or build_schema(
        max_depth=settings.max_query_depth,
        max_cost=settings.max_query_cost,
        timeout=settings.graphql_timeout,
    )
    graphql = GraphQLApp(
        schema, public_url=settings.public_url, allowed_origins=settings.cors_origins
    )
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route(graphiql.PREFIX + "/{path:path}", graphiql.asset),
            Route("/auth/options", auth.options),
            Route("/auth/session", auth.current_session),
            Route("/auth/login", auth.login, methods=["POST"]),
            Route("/auth/logout", auth.logout, methods=["POST"]),
            Route("/auth/signup", auth.signup, methods=["POST"]),
            Route("/auth/reset", auth.reset_request, methods=["POST"]),
            Route("/auth/invite/{token}", auth.to_console("invite"), methods=["GET"]),
            Route("/auth/invite/{token}", auth.set_password(TokenPurpose.INVITE), methods=["POST"]),
            Route("/auth/reset/{token}", auth.to_console("reset"), methods=["GET"]),
            Route("/auth/reset/{token}", auth.set_password(TokenPurpose.RESET), methods=["POST"]),
            Route("/app", console.page),
            Route("/app/{path:path}", console.page),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics(settings.metrics_token)),
            Route("/i/{token}.pdf", invoice_pdf),
            Route("/i/{token}.xml", invoice_xml),
            Route("/i/{token}/pay/{provider}", pay, methods=["GET", "POST"]),
            Route("/i/{token}/card/{provider}", card, methods=["GET", "POST"]),
            Route("/i/{token}", invoice_page),
            Route("/c/{token}.pdf", credit_note_pdf),
            Route("/c/{token}.xml", credit_note_xml),
            Route("/c/{token}", credit_note_page),
            Route("/s/{token}.pdf", statement_pdf),
            Route("/logos/{tenant_id}/{name}", logo),
            Route("/webhooks/stripe/platform", stripe_platform, methods=["POST"]),
            Route("/webhooks/{provider}/{tenant_id}", provider_callback, methods=["POST"]),
            Route("/bank/{tenant_id}/statements", statement_import, methods=["POST"]),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(MetricsMiddleware),
            Middleware(BodyLimitMiddleware),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-CSRF-Token"],
                expose_headers=["X-Request-ID"],
            ),
        ],
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    return app
