"""Expected failures as the API shows them: `errors: [UserError!]!` on every mutation
payload, one per failure, with a stable code and the path of the input field at fault."""

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import strawberry
from strawberry.utils.str_converters import to_camel_case

from remit.billing import errors
from remit.billing.errors import RemitError

ErrorCode = strawberry.enum(errors.ErrorCode)

ARGUMENTS = ("id", "contract_id")

Payload = TypeVar("Payload")
Result = TypeVar("Result")


@strawberry.type
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "billingEmail"]'
    )
    message: str
    code: ErrorCode

    @classmethod
    def list_from(
        cls,
        error: RemitError,
        *,
        prefix: Sequence[str] = (),
        camel_case: bool = True,
        arguments: Sequence[str] = ARGUMENTS,
    ) -> list["UserError"]:
        """The API's view of `error`: its field path under `prefix` (the argument holding
        the input), in the API's camelCase unless the path runs into a JSON value's own keys."""

        def path(field: list[str] | None) -> list[str] | None:
            if field is None:
                return None
            parts = [to_camel_case(part) if camel_case else part for part in field]
            # A mutation's own arguments (the id it acts on) are not inside its input.
            return parts if field[0] in arguments else [*prefix, *parts]

        return [cls(field=path(e.field), message=e.message, code=e.code) for e in error.errors()]


async def payload(
    kind: type[Payload],
    call: Awaitable[Result],
    present: Callable[[Result], Any],
    *,
    prefix: Sequence[str] = (),
    camel_case: bool = True,
    arguments: Sequence[str] = ARGUMENTS,
) -> Payload:
    """Every mutation's payload: `errors` and one field for the result. The result, shown by
    `present`, fills that field; an expected failure leaves it null and fills `errors`."""
    (result_field,) = (f.name for f in dataclasses.fields(kind) if f.name != "errors")
    try:
        result = await call
    except RemitError as error:
        failures = UserError.list_from(
            error, prefix=prefix, camel_case=camel_case, arguments=arguments
        )
        return kind(**{result_field: None, "errors": failures})
    return kind(**{result_field: present(result), "errors": []})
