"""Expected failures as the API shows them: `errors: [UserError!]!` on every mutation
payload, one per failure, with a stable code and the path of the input field at fault."""

from collections.abc import Sequence
from enum import Enum

import strawberry
from strawberry.utils.str_converters import to_camel_case

from remit.billing.errors import RemitError


@strawberry.enum
class ErrorCode(Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_READY = "NOT_READY"
    PROVIDER_ERROR = "PROVIDER_ERROR"


ARGUMENTS = ("id", "contract_id")


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

        return [
            cls(field=path(e.field), message=e.message, code=ErrorCode(e.code))
            for e in error.errors()
        ]
