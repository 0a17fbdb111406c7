"""The API as the sweeps read it: its operations, a document asking each for every field a
client can ask for, and what a tenant's answers show (ids by type, invoice numbers,
hosted-page tokens, every text)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
)

from remit.graph.schema import build_schema
from tests.conftest import GraphQLClient

SCHEMA: GraphQLSchema = build_schema()._schema

# How deep the answers are read: deep enough to reach every id the API shows (a contract's
# line items, a run's failures), shallow enough to stay far under the query cost limit.
DEPTH = 4


def operations() -> Iterator[tuple[str, str, GraphQLField]]:
    for root, kind in ((SCHEMA.query_type, "query"), (SCHEMA.mutation_type, "mutation")):
        for name, field in root.fields.items():
            yield kind, name, field


def needed(arg: GraphQLArgument) -> bool:
    """An argument a call must give."""
    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined


def selection(type_: GraphQLObjectType, depth: int, path: frozenset = frozenset()) -> str:
    """Every field of `type_` a client can ask for without arguments, `depth` objects deep,
    never re-entering a type already on the path."""
    parts = []
    for name, field in type_.fields.items():
        if any(map(needed, field.args.values())):
            continue
        named = get_named_type(field.type)
        if is_leaf_type(named):
            parts.append(name)
        elif depth > 1 and named.name not in path:
            inner = selection(named, depth - 1, path | {type_.name})
            if inner:
                parts.append(f"{name} {{ {inner} }}")
    return " ".join(parts)


def type_text(type_: GraphQLInputType) -> str:
    if isinstance(type_, GraphQLNonNull):
        return f"{type_text(type_.of_type)}!"
    if isinstance(type_, GraphQLList):
        return f"[{type_text(type_.of_type)}]"
    return type_.name


def document(kind: str, name: str, field: GraphQLField, arguments: dict) -> str:
    declared = ", ".join(f"${arg}: {type_text(field.args[arg].type)}" for arg in arguments)
    passed = ", ".join(f"{arg}: ${arg}" for arg in arguments)
    heading = f"{kind} Sweep({declared})" if arguments else kind
    call = f"{name}({passed})" if arguments else name
    returned = get_named_type(field.type)
    if is_leaf_type(returned):
        return f"{heading} {{ {call} }}"
    return f"{heading} {{ {call} {{ {selection(returned, DEPTH)} }} }}"


@dataclass
class Seen:
    """What one tenant's answers show: its ids by the type that holds them, its invoice
    numbers and hosted-page tokens, and every text value (to look for in others' answers)."""

    ids: dict[str, list[str]]
    numbers: list[str]
    tokens: list[str]
    texts: set[str]

    def of(self, kind: str) -> list[str]:
        if kind == "id":
            return [value for values in self.ids.values() for value in values]
        return {"number": self.numbers, "token": self.tokens}[kind]


def gather(type_: GraphQLObjectType, answer: Any, seen: Seen) -> None:
    if isinstance(answer, list):
        for item in answer:
            gather(type_, item, seen)
        return
    if not isinstance(answer, dict):
        return
    for name, value in answer.items():
        field_type = type_.fields[name].type
        named = get_named_type(field_type)
        if isinstance(named, GraphQLObjectType):
            gather(named, value, seen)
        elif isinstance(value, str):
            seen.texts.add(value)
            if named.name == "ID" and value not in seen.of("id"):
                seen.ids.setdefault(type_.name, []).append(value)
            elif name == "number" and value not in seen.numbers:
                seen.numbers.append(value)
            elif name == "publicUrl" and value.rsplit("/", 1)[1] not in seen.tokens:
                seen.tokens.append(value.rsplit("/", 1)[1])


async def harvest(client: GraphQLClient) -> Seen:
    """Everything the tenant's queries that take no argument answer."""
    seen = Seen({}, [], [], set())
    for kind, name, field in operations():
        if kind == "query" and not any(map(needed, field.args.values())):
            data = await client.query(document(kind, name, field, {}))
            gather(SCHEMA.query_type, {name: data[name]}, seen)
    return seen
