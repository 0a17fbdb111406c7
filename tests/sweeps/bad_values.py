"""The bad values of each kind of input, and every way to spoil one value of a valid call.

A spoilt call differs from its valid call in exactly one place: an argument, an input
object, a list, or one leaf; each kind gets the values a client gets wrong (and a hostile
one sends on purpose): values that do not coerce, NUL and lone surrogates, blanks, values
far over any column, negative numbers, too many decimals, unknown currencies and countries."""

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
)

from tests.sweeps.valid_calls import Upload

NUL = "\u0000"
LONE_SURROGATE = "\ud800"
# Under the 1 MiB request body limit, so the value itself reaches the API's checks.
MEGABYTE = "x" * 1_000_000
# One character over each length of text Remit keeps (50, 200, 255): a field may take
# some of them, but none may reach a column too short for it. Over 2,000 is over them all.
PROBE_LENGTHS = (51, 201, 256)
OVER_ANY_COLUMN = 2_001

BY_SCALAR: dict[str, list[Any]] = {
    "ID": ["x", NUL, LONE_SURROGATE, "00000000-0000-0000-0000-000000000000", MEGABYTE],
    "Int": [1.5, 2**31, -1, "7", True],
    "Boolean": ["yes", 1],
    "Decimal": ["abc", "-1", "0.0000001", "NaN", "Infinity", "1e999999", ""],
    "Date": ["2025-02-30", "2027-13-01", "tomorrow", "", 20270101],
    "JSON": [5, "text", [], {NUL: LONE_SURROGATE}],
    # Not a file: values written in the JSON variables; and files that are neither an image
    # nor a bank statement.
    "Upload": [
        "iVBORw0KGgo=",
        "<Document/>",
        5,
        {},
        Upload(b"<html></html>"),
        Upload(b"\x89PNG\r\n\x1a\n"),
        Upload(b"not xml"),
        Upload(b"<Document/>"),
        Upload(b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.052.001.08'/>"),
        Upload(b"\xff\xfe<\x00"),
    ],
}
BY_NAME: dict[str, list[Any]] = {
    "currency": ["ZZZ", "XTS", "EURO"],
    "defaultCurrency": ["ZZZ", "XTS", "EURO"],
    "country": ["ZZ", "XK", "DEU"],
    # Days counted from a due date: before it (-1) is valid, beyond the schedule's range not.
    "offsetDays": [1.5, 2**31, -91, 366, "7", True],
    "reminderDays": [1.5, 2**31, -91, 366, "7", True],
}


def padded(valid: str, length: int) -> str:
    return valid + "x" * (length - len(valid))


def text_values(valid: str, *, required: bool) -> list[Any]:
    """A valid text spoilt: with a NUL or a lone surrogate inside, longer than any column,
    1 MB, or not text at all; blank too when the field cannot be empty."""
    middle = len(valid) // 2
    spoilt = [
        valid[:middle] + NUL + valid[middle:],
        valid[:middle] + LONE_SURROGATE + valid[middle:],
        padded(valid, OVER_ANY_COLUMN),
        MEGABYTE,
        5,
    ]
    return [*spoilt, ""] if required else spoilt


@dataclass(frozen=True)
class Spoilt:
    where: str  # the path of the spoilt value, e.g. "input.company.phone"
    value: Any
    variables: dict[str, Any]
    # A probe may be accepted (a name of 201 characters where 200 are allowed is refused,
    # one where 255 are is not); it must never fail otherwise than with a clear error.
    probe: bool = False

    def __str__(self) -> str:
        shown = repr(self.value)
        return f"{self.where} = {shown[:60]}{'...' if len(shown) > 60 else ''}"


def spoilt_calls(arguments: dict[str, Any], types: dict[str, GraphQLInputType]) -> Iterator[Spoilt]:
    """Every call that differs from the valid `arguments` by one bad value."""
    for name, kind in types.items():
        for path, value, probe in _bad(name, kind, arguments[name]):
            variables = copy.deepcopy(arguments)
            _put(variables, [name, *path], value)
            yield Spoilt(".".join(map(str, [name, *path])), value, variables, probe)


def _bad(name: str, kind: GraphQLInputType, valid: Any) -> Iterator[tuple[list, Any, bool]]:
    required = isinstance(kind, GraphQLNonNull)
    kind = kind.of_type if required else kind
    if required:
        yield [], None, False
    if isinstance(kind, GraphQLList):
        item = kind.of_type
        if isinstance(item, GraphQLNonNull):
            yield [], [None], False
        for path, value, probe in _bad(name, item, valid[0]):
            yield [0, *path], value, probe
    elif isinstance(kind, GraphQLInputObjectType):
        yield [], {**valid, "unknownField": 1}, False
        yield [], "text", False
        for field, inner in kind.fields.items():
            for path, value, probe in _bad(field, inner.type, valid[field]):
                yield [field, *path], value, probe
    elif isinstance(kind, GraphQLEnumType):
        for value in ("NOPE", valid.lower(), 1):
            yield [], value, False
    elif kind.name == "String":
        for value in [*BY_NAME.get(name, []), *text_values(valid, required=required)]:
            yield [], value, False
        for length in PROBE_LENGTHS:
            yield [], padded(valid, length), True
    else:
        for value in BY_NAME.get(name, BY_SCALAR[kind.name]):
            yield [], value, False


def _put(variables: dict, path: list, value: Any) -> None:
    target = variables
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
