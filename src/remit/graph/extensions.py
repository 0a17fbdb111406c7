"""What the client sees of a failure nobody planned for: a short message and the request id
that finds the logged traceback, never the exception itself; the cost limit that refuses
an operation too heavy to run before it touches the database; and fresh dataloaders for each
operation of a WebSocket."""

import logging
from collections.abc import Iterator

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
)
from strawberry.extensions import MaskErrors, SchemaExtension

from remit.billing.errors import RemitError
from remit.graph.context import Context
from remit.graph.pagination import MAX_PAGE

logger = logging.getLogger("remit.graph")


def is_internal(error: GraphQLError) -> bool:
    # Syntax and validation errors have no original error and are the client's to read;
    # a RemitError raised in a query is an expected failure with a message meant for people.
    original = error.original_error
    return original is not None and not isinstance(original, RemitError)


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


class FreshLoaders(SchemaExtension):
    """A WebSocket has one context for all its operations: each one starts with dataloaders of
    its own, so that none reads rows another one loaded before a change."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.renew_loaders()
        yield


class QueryCostLimit(SchemaExtension):
    """Refuses, before any resolver runs, an operation whose cost is over `max_cost`.

    The cost is the number of fields the operation would resolve: each field counts once for
    every node it is asked of, and a connection's selection is asked of `first` nodes (its
    default when absent, capped at MAX_PAGE, variables read from the request), so connections
    nested in connections multiply. Aliases are separate fields, each its own work."""

    def __init__(self, max_cost: int) -> None:
        super().__init__()
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        schema = context.schema._schema
        operation = get_operation_ast(document, context.operation_name) if document else None
        root = schema.get_root_type(operation.operation) if operation else None
        if operation is not None and root is not None:
            fragments = {
                definition.name.value: definition
                for definition in document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            walk = _CostWalk(schema, fragments, context.variables or {})
            cost = walk.selection_cost(root, operation.selection_set, 1)
            if cost > self.max_cost:
                error = GraphQLError(
                    f"Query cost {cost:,} exceeds the limit of {self.max_cost:,}.",
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": self.max_cost},
                )
                context.result = ExecutionResult(data=None, errors=[error])
        yield


class _CostWalk:
    def __init__(self, schema: GraphQLSchema, fragments: dict, variables: dict) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def selection_cost(self, parent: GraphQLNamedType, selection_set, nodes: int) -> int:
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self.field_cost(parent, selection, nodes)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    kind = self.schema.get_type(fragment.type_condition.name.value) or parent
                    cost += self.selection_cost(kind, fragment.selection_set, nodes)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                cost += self.selection_cost(kind or parent, selection.selection_set, nodes)
        return cost

    def field_cost(self, parent: GraphQLNamedType, node: FieldNode, nodes: int) -> int:
        fields = getattr(parent, "fields", None) or {}
        field = fields.get(node.name.value)
        if field is None or node.selection_set is None:  # a leaf, or __typename
            return nodes
        inner = nodes
        if "first" in field.args:
            inner = nodes * self.page_size(field.args["first"].default_value, node)
        return nodes + self.selection_cost(get_named_type(field.type), node.selection_set, inner)

    def page_size(self, default: object, node: FieldNode) -> int:
        size = default
        for argument in node.arguments or ():
            if argument.name.value == "first":
                size = value_from_ast_untyped(argument.value, self.variables)
        if not isinstance(size, int) or isinstance(size, bool):
            size = MAX_PAGE  # an unreadable value is refused by execution; cost it at the most
        return max(0, min(size, MAX_PAGE))
