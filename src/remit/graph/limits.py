"""What keeps one operation from holding the server for everyone: limits on the document,
checked while it is parsed and before it is validated, and the cost limit that refuses an
operation too heavy to run before it touches the database.

Parsing and validation are plain CPU work on the event loop (no timeout can stop them), so
their limits are sized from graphql-core's measured speed, in CPU time on a 2-core machine
busy with other work: about 6 µs a token to parse, 25 µs a token to validate. See
docs/limits.md.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    OverlappingFieldsCanBeMergedRule,
    SelectionSetNode,
    Token,
    TokenKind,
    ValidationContext,
    get_named_type,
    get_operation_ast,
    parse,
    specified_rules,
    value_from_ast_untyped,
)
from graphql.language.parser import Parser
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from remit.graph.pagination import MAX_PAGE

# The parser stops past this many tokens: a 200,000-token document (3.9 s to parse whole) is
# refused after its first 20,000, in 230-380 ms. A long document over its cost is refused
# sooner, by CostingParser: the 1,000 aliases of `invoices(first: 200) { edges { node { id } } }`
# (17,002 tokens) after their first 1,400 or so, in under 10 ms.
PARSER_MAX_TOKENS = 20_000
# Validation costs four times parsing (the 1,000 aliases: 430-490 ms), so only documents
# within this many tokens are validated (110-210 ms at worst). The console's heaviest screen,
# an invoice with everything on it, is 156 tokens.
MAX_VALIDATED_TOKENS = 5_000
MAX_ALIASES = 100
# graphql-core's check that fields sharing a response name can be merged compares them in
# pairs; its own budget (500,000 units) lets 250 copies of `invoices { edges { node { id } } }`
# (2,000 tokens) hold the loop 1.7 s and 500 copies 3.7 s. A unit is 5-6 µs, so 10,000 units
# bound it near 60 ms; the console's screens spend none (they repeat no field).
OVERLAP_BUDGET = 10_000
# The parser cache keeps documents up to this many characters: the console's largest is under
# 2,000. A longer one (each sent unique, as an attack would) is parsed anew, in a thread, and
# then dropped: 256 cached 1,000-alias documents made every full garbage collection walk
# millions of nodes, stalling the loop for seconds, and parsing one on the event loop (about
# 170 ms) held every other request for as long (`python -m bench limits`).
MAX_CACHED_LENGTH = 20_000


@lru_cache(maxsize=256)
def cached_parse(query: str, **options: object) -> DocumentNode:
    return parse(query, **options)


class DocumentParser(SchemaExtension):
    """Parses the document. One short enough to be a screen's is parsed once and cached (when
    `cached`); a longer one (each sent unique, as an attack would) is parsed in a thread by a
    CostingParser, so an operation over `max_cost` is refused as soon as the part read shows
    it, and then dropped."""

    def __init__(self, max_cost: int, *, cached: bool) -> None:
        super().__init__()
        self.max_cost = max_cost
        self.cached = cached

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query, options = context.query or "", context.parse_options
        if len(query) > MAX_CACHED_LENGTH:
            parser = CostingParser(
                query,
                schema=context.schema._schema,
                variables=context.variables or {},
                operation_name=context.operation_name,
                max_cost=self.max_cost,
                **options,
            )
            context.graphql_document = await asyncio.to_thread(parser.parse_document)
        elif self.cached:
            context.graphql_document = cached_parse(query, **options)
        else:
            context.graphql_document = parse(query, **options)
        yield


class CostingParser(Parser):
    """graphql-core's parser, adding up the selected operation's cost as it reads each field
    and refusing the document once that is over `max_cost`: the 1,000 aliases of
    `invoices(first: 200)` are refused after their first 84, in a twelfth of their parse.

    What it adds up is never more than the cost QueryCostLimit finds for the whole document:
    fragment spreads count nothing yet, and an inline fragment's fields are looked up on the
    type around it (a union's fields are unknown and count 1 each)."""

    def __init__(
        self,
        source: str,
        *,
        schema: GraphQLSchema,
        variables: dict,
        operation_name: str | None,
        max_cost: int,
        **options: Any,
    ) -> None:
        super().__init__(source, **options)
        self.schema = schema
        self.variables = variables
        self.operation_name = operation_name
        self.max_cost = max_cost
        self.cost = 0
        # Per selection set being read: its type (None when unknown) and the nodes it is
        # asked of. Empty outside the selected operation, where fields count nothing.
        self.scopes: list[tuple[GraphQLNamedType | None, int]] = []

    def parse_operation_definition(self) -> OperationDefinitionNode:
        if self.peek(TokenKind.BRACE_L):  # the shorthand `{ … }`: an anonymous query
            self.enter_operation(OperationType.QUERY, None)
        return super().parse_operation_definition()

    def parse_operation_type(self) -> OperationType:
        operation = super().parse_operation_type()
        token = self._lexer.token
        self.enter_operation(operation, token.value if token.kind == TokenKind.NAME else None)
        return operation

    def parse_fragment_definition(self) -> FragmentDefinitionNode:
        self.scopes = []
        return super().parse_fragment_definition()

    def enter_operation(self, operation: OperationType, name: str | None) -> None:
        selected = self.operation_name is None or name == self.operation_name
        root = self.schema.get_root_type(operation) if selected else None
        self.scopes = [(root, 1)] if root else []
        self.cost = 0

    def parse_field(self) -> FieldNode:
        """graphql-core's, counting the field once per node asked before its selection."""
        start = self._lexer.token
        name_or_alias = self.parse_name()
        if self.expect_optional_token(TokenKind.COLON):
            alias: NameNode | None = name_or_alias
            name = self.parse_name()
        else:
            alias, name = None, name_or_alias
        arguments = self.parse_arguments(False)
        directives = self.parse_directives(False)
        parent, asked = self.scopes[-1] if self.scopes else (None, 0)
        self.count(asked, start)
        selection_set = None
        if self.peek(TokenKind.BRACE_L):
            self.scopes.append(self.inner_scope(parent, asked, name.value, arguments))
            try:
                selection_set = self.parse_selection_set()
            finally:
                self.scopes.pop()
        return FieldNode(
            alias=alias,
            name=name,
            arguments=arguments,
            directives=directives,
            selection_set=selection_set,
            loc=self.loc(start),
        )

    def inner_scope(
        self,
        parent: GraphQLNamedType | None,
        asked: int,
        name: str,
        arguments: list[ArgumentNode],
    ) -> tuple[GraphQLNamedType | None, int]:
        field = (getattr(parent, "fields", None) or {}).get(name)
        if field is None:
            return None, 0  # an unknown field counts 1, whatever it selects
        if "first" in field.args:
            asked *= page_size(field.args["first"].default_value, arguments, self.variables)
        return get_named_type(field.type), asked

    def count(self, asked: int, at: Token) -> None:
        self.cost += asked
        if self.cost > self.max_cost:
            raise GraphQLError(
                f"Query cost exceeds the limit of {self.max_cost:,}: it reaches {self.cost:,}"
                f" by line {at.line}, column {at.column}.",
                extensions={"code": "QUERY_TOO_COSTLY", "cost": self.cost, "limit": self.max_cost},
            )


class BoundedOverlapRule(OverlappingFieldsCanBeMergedRule):
    """graphql-core's rule with OVERLAP_BUDGET: over it, "Validation aborted."."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = OVERLAP_BUDGET


def validation_rules(max_depth: int) -> tuple[type[ASTValidationRule], ...]:
    """The specified rules with the overlap rule bounded, then the depth and alias limits.
    Made once per schema: the validation cache is keyed by the rules, so rule classes made
    anew per request (as strawberry's QueryDepthLimiter does) would never hit it."""
    specified = (
        BoundedOverlapRule if rule is OverlappingFieldsCanBeMergedRule else rule
        for rule in specified_rules
    )
    return (
        *specified,
        depth_validator(max_depth, should_ignore=None),
        aliases_validator(MAX_ALIASES),
    )


class ValidationRules(SchemaExtension):
    def __init__(self, rules: tuple[type[ASTValidationRule], ...]) -> None:
        super().__init__()
        self.rules = rules

    def on_operation(self) -> Iterator[None]:
        self.execution_context.validation_rules = self.rules
        yield


class QueryCostLimit(SchemaExtension):
    """Refuses, before the document is validated and before any resolver runs, an operation
    whose cost is over `max_cost`, then a document too long to validate quickly. It must come
    before the validation cache among the extensions: raising here skips validation.

    The cost is the number of fields the operation would resolve: each field counts once for
    every node it is asked of, and a connection's selection is asked of `first` nodes (its
    default when absent, capped at MAX_PAGE, variables read from the request), so connections
    nested in connections multiply. Aliases are separate fields, each its own work. Costing
    first lets the cost error name the cost of documents the alias rule would refuse too."""

    def __init__(self, max_cost: int) -> None:
        super().__init__()
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            self.check_cost(document, context.operation_name, context.variables or {})
            tokens = token_count(document)
            if tokens > MAX_VALIDATED_TOKENS:
                raise GraphQLError(
                    f"Document contains {tokens:,} tokens; at most {MAX_VALIDATED_TOKENS:,} are"
                    " accepted.",
                    extensions={"code": "QUERY_TOO_LONG", "limit": MAX_VALIDATED_TOKENS},
                )
        yield

    def check_cost(self, document: DocumentNode, operation_name: str | None, variables: dict):
        schema = self.execution_context.schema._schema
        operation = get_operation_ast(document, operation_name)
        root = schema.get_root_type(operation.operation) if operation else None
        if operation is None or root is None:
            return  # validation says what is wrong with the document
        try:
            cost = _CostWalk(schema, document, variables).selections(root, operation.selection_set)
        except RecursionError:
            raise GraphQLError(
                "The query is nested too deeply to be costed.",
                extensions={"code": "QUERY_TOO_COSTLY", "limit": self.max_cost},
            ) from None
        if cost > self.max_cost:
            raise GraphQLError(
                f"Query cost {cost:,} exceeds the limit of {self.max_cost:,}.",
                extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": self.max_cost},
            )


def token_count(document: DocumentNode) -> int:
    """The document's lexical tokens, comments included, as the parser counted them."""
    count = 0
    token = document.loc.start_token.next if document.loc else None
    while token is not None and token.next is not None:  # neither <SOF> nor <EOF>
        count += 1
        token = token.next
    return count


class _CostWalk:
    """Costs per node asked: a field is 1, plus its selection's cost times `first` for a
    connection. The document is not validated yet: unknown fields cost 1, unknown fragments
    and fragment cycles nothing (validation refuses them), and a fragment is costed once per
    type, so a fragment spread many times costs a walk of its text once."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.fragment_costs: dict[tuple[str, str], int] = {}
        self.entered: set[str] = set()

    def selections(self, parent: GraphQLNamedType, selection_set: SelectionSetNode) -> int:
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self.field(parent, selection)
            elif isinstance(selection, FragmentSpreadNode):
                cost += self.fragment(parent, selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                cost += self.selections(kind or parent, selection.selection_set)
        return cost

    def field(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        fields = getattr(parent, "fields", None) or {}
        field = fields.get(node.name.value)
        if field is None or node.selection_set is None:  # a leaf, __typename or unknown
            return 1
        inner = self.selections(get_named_type(field.type), node.selection_set)
        if "first" in field.args:
            inner *= page_size(
                field.args["first"].default_value, node.arguments or (), self.variables
            )
        return 1 + inner

    def fragment(self, parent: GraphQLNamedType, name: str) -> int:
        definition = self.fragments.get(name)
        if definition is None or name in self.entered:
            return 0
        kind = self.schema.get_type(definition.type_condition.name.value) or parent
        key = (name, kind.name)
        if key not in self.fragment_costs:
            self.entered.add(name)
            self.fragment_costs[key] = self.selections(kind, definition.selection_set)
            self.entered.discard(name)
        return self.fragment_costs[key]


def page_size(default: object, arguments: Iterable[ArgumentNode], variables: dict) -> int:
    """The nodes a connection is asked for: its `first` (`default` when absent), capped at
    MAX_PAGE; one it cannot read is refused by execution, so counted at the most."""
    size = default
    for argument in arguments:
        if argument.name.value == "first":
            size = value_from_ast_untyped(argument.value, variables)
    if not isinstance(size, int) or isinstance(size, bool):
        size = MAX_PAGE
    return max(0, min(size, MAX_PAGE))
