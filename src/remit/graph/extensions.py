"""What the client sees of a failure: an expected one raised in a query, its message with the
code (and the argument at fault) a mutation's UserError would carry; one nobody planned for,
a short message and the request id that finds the logged traceback, never the exception
itself. And fresh dataloaders for each operation of a WebSocket."""

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from remit.billing.errors import RemitError
from remit.graph.context import Context
from remit.graph.errors import UserError

logger = logging.getLogger("remit.graph")


def is_internal(error: GraphQLError) -> bool:
    # Syntax and validation errors have no original error and are the client's to read, as
    # are variables that fail coercion: graphql-core reports them as a GraphQLError whose
    # original is the scalar's or the input type's own GraphQLError. A RemitError raised in
    # a query is an expected failure with a message meant for people.
    original = error.original_error
    return original is not None and not isinstance(original, (RemitError, GraphQLError))


class HideInternalErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_internal)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        logger.error(
            "internal error in %s (request %s)",
            ".".join(map(str, error.path or [])),
            request_id,
            exc_info=error.original_error,
        )
        return GraphQLError(
            f"Internal error. Quote request id {request_id} when reporting it.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )


class TypedErrors(SchemaExtension):
    """A RemitError raised in a query (a malformed filter id, a search too long) carries its
    code in `extensions`, and the path of the argument at fault when it names one, so that
    clients tell failures apart as they do a mutation's `errors`."""

    def on_operation(self) -> Iterator[None]:
        yield
        for error in getattr(self.execution_context.result, "errors", None) or ():
            if isinstance(error.original_error, RemitError):
                error.extensions = {**(error.extensions or {}), **typed(error.original_error)}


def typed(error: RemitError) -> dict[str, object]:
    shown = UserError.list_from(error)
    field = shown[0].field if len(shown) == 1 else None
    return {"code": error.code.value} | ({"field": field} if field is not None else {})


class FreshLoaders(SchemaExtension):
    """A WebSocket has one context for all its operations: each one starts with dataloaders of
    its own, so that none reads rows another one loaded before a change."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.renew_loaders()
        yield
