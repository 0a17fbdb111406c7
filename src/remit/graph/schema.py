"""The API: every domain's queries and mutations combined, with the extensions that keep it
fast (parser and validation caches) and safe (token, alias, depth and cost limits, internal
errors hidden)."""

from datetime import date, datetime

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator
from strawberry.scalars import JSON
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from remit.graph import enums
from remit.graph.addresses import Address, AddressInput
from remit.graph.contracts import ContractMutation, ContractQuery
from remit.graph.errors import UserError
from remit.graph.extensions import FreshLoaders, HideInternalErrors, QueryCostLimit
from remit.graph.fees import FeeQuery
from remit.graph.invoices import InvoiceMutation, InvoiceQuery, InvoiceSubscription
from remit.graph.money import Money
from remit.graph.organizations import OrganizationMutation, OrganizationQuery
from remit.graph.pagination import PageInfo
from remit.graph.settings import SettingsMutation, SettingsQuery
from remit.graph.tenants import TenantQuery
from remit.graph.users import UserMutation, UserQuery

Query = merge_types(
    "Query",
    (
        TenantQuery,
        UserQuery,
        SettingsQuery,
        OrganizationQuery,
        ContractQuery,
        InvoiceQuery,
        FeeQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (SettingsMutation, OrganizationMutation, ContractMutation, InvoiceMutation, UserMutation),
)
Subscription = merge_types("Subscription", (InvoiceSubscription,))

# Shared building blocks of the contract, listed so the schema has them before a field uses them.
SHARED_TYPES = [UserError, Money, PageInfo, Address, AddressInput, *enums.ALL, date, datetime, JSON]


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Internal errors are logged with their request id by HideInternalErrors; the rest
        are the client's own mistakes, answered and not logged."""


# Far above any screen's query (the largest is a few hundred tokens and no alias), far below
# what keeps the parser or the validator busy long enough to be felt by other requests.
MAX_TOKENS = 5_000
MAX_ALIASES = 100


def build_schema(
    max_depth: int = 12, *, max_cost: int = 50_000, caches: bool = True
) -> strawberry.Schema:
    # One rule of each for the schema's life: the validation cache is keyed by the rules, so a
    # rule class made anew per request (as QueryDepthLimiter does) would never hit it.
    rules = [create_validator(max_depth, should_ignore=None), aliases_validator(MAX_ALIASES)]
    extensions = [
        lambda: MaxTokensLimiter(MAX_TOKENS),
        lambda: AddValidationRules(rules),
        lambda: QueryCostLimit(max_cost),
        HideInternalErrors,
        FreshLoaders,
    ]
    if caches:
        # Strawberry makes each extension anew per request; the caches live at module level
        # and are shared by every request.
        extensions += [lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)]
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=SHARED_TYPES,
        extensions=extensions,
    )
