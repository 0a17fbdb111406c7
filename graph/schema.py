"""The API: every domain's queries and mutations combined, with the extensions that keep it
fast (parser and validation caches) and safe (depth limit, internal errors hidden)."""

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph.errors import UserError
from graph.extensions import HideInternalErrors
from graph.money import Money
from graph.pagination import PageInfo
from graph.tenants import TenantQuery

Query = merge_types("Query", (TenantQuery,))

# Shared building blocks of the contract, listed so the schema has them before a field uses them.
SHARED_TYPES = [UserError, Money, PageInfo]


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Internal errors are logged with their request id by HideInternalErrors; the rest
        are the client's own mistakes, answered and not logged."""


def build_schema(max_depth: int = 12) -> strawberry.Schema:
    return Schema(
        query=Query,
        types=SHARED_TYPES,
        extensions=[
            QueryDepthLimiter(max_depth=max_depth),
            ParserCache(maxsize=256),
            ValidationCache(maxsize=256),
            HideInternalErrors(),
        ],
    )
