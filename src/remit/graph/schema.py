"""The API: every domain's queries and mutations combined, with the extensions that keep it
fast (parser and validation caches) and safe (token, alias, depth and cost limits, a time
limit, internal errors hidden)."""

import asyncio
import logging
from datetime import date, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter, ValidationCache
from strawberry.scalars import JSON
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult

from remit.graph import enums
from remit.graph.addresses import Address, AddressInput
from remit.graph.bank import BankMutation, BankQuery
from remit.graph.contracts import ContractMutation, ContractQuery
from remit.graph.credit_notes import CreditNoteMutation, CreditNoteQuery
from remit.graph.errors import UserError
from remit.graph.extensions import FreshLoaders, HideInternalErrors, TypedErrors
from remit.graph.fees import FeeQuery
from remit.graph.invoices import InvoiceMutation, InvoiceQuery, InvoiceSubscription
from remit.graph.limits import (
    PARSER_MAX_TOKENS,
    DocumentParser,
    QueryCostLimit,
    ValidationRules,
    validation_rules,
)
from remit.graph.money import Money
from remit.graph.organizations import OrganizationMutation, OrganizationQuery
from remit.graph.pagination import PageInfo
from remit.graph.payments import PaymentMutation, PaymentQuery
from remit.graph.settings import SettingsMutation, SettingsQuery
from remit.graph.tenants import TenantQuery
from remit.graph.users import UserMutation, UserQuery
from remit.graph.webhooks import WebhookMutation, WebhookQuery

logger = logging.getLogger("remit.graph")

Query = merge_types(
    "Query",
    (
        TenantQuery,
        UserQuery,
        SettingsQuery,
        OrganizationQuery,
        ContractQuery,
        InvoiceQuery,
        CreditNoteQuery,
        PaymentQuery,
        BankQuery,
        FeeQuery,
        WebhookQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        SettingsMutation,
        OrganizationMutation,
        ContractMutation,
        InvoiceMutation,
        CreditNoteMutation,
        PaymentMutation,
        BankMutation,
        UserMutation,
        WebhookMutation,
    ),
)
Subscription = merge_types("Subscription", (InvoiceSubscription,))

# Shared building blocks of the contract, listed so the schema has them before a field uses them.
SHARED_TYPES = [UserError, Money, PageInfo, Address, AddressInput, *enums.ALL, date, datetime, JSON]


class Schema(strawberry.Schema):
    """The schema, each operation stopped once it has run `timeout` seconds: cancelled where
    it waits (the database, a loader), answered with a TIMEOUT error."""

    def __init__(self, *, timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timeout = timeout

    async def execute(
        self,
        query: str | None,
        variable_values: dict | None = None,
        context_value: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> ExecutionResult:
        try:
            async with asyncio.timeout(self.timeout):
                return await super().execute(query, variable_values, context_value, *args, **kwargs)
        except TimeoutError:
            request_id = getattr(context_value, "request_id", None)
            logger.warning(
                "request %s stopped after %g s (REMIT_GRAPHQL_TIMEOUT)", request_id, self.timeout
            )
            error = GraphQLError(
                f"The operation took longer than {self.timeout:g} s and was stopped.",
                extensions={"code": "TIMEOUT", "requestId": request_id},
            )
            return ExecutionResult(data=None, errors=[error])

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Internal errors are logged with their request id by HideInternalErrors; the rest
        are the client's own mistakes (a query that does not parse or validate, a variable
        that does not coerce, an expected failure): answered, and noted at INFO only."""
        context = execution_context.context if execution_context else None
        request_id = getattr(context, "request_id", None)
        for error in errors:
            if (error.extensions or {}).get("code") != "INTERNAL":
                # A message may quote the client's value: a lone surrogate in it, escaped,
                # since no log handler can write one.
                shown = error.message.encode("utf-8", "backslashreplace").decode()
                logger.info("request %s refused: %s", request_id, shown)


def build_schema(
    max_depth: int = 12, *, max_cost: int = 50_000, timeout: float = 15, caches: bool = True
) -> strawberry.Schema:
    rules = validation_rules(max_depth)
    extensions = [
        lambda: MaxTokensLimiter(PARSER_MAX_TOKENS),
        lambda: ValidationRules(rules),
        # Before the validation cache: a document over its cost is not validated at all.
        lambda: QueryCostLimit(max_cost),
        lambda: DocumentParser(max_cost, cached=caches),
        HideInternalErrors,
        TypedErrors,
        FreshLoaders,
    ]
    if caches:
        # Strawberry makes each extension anew per request; the caches live at module level
        # and are shared by every request.
        extensions.append(lambda: ValidationCache(maxsize=256))
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=SHARED_TYPES,
        extensions=extensions,
        timeout=timeout,
    )
