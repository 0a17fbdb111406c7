"""Expected failures as the API shows them: `errors: [UserError!]!` on every mutation
payload, one per failure, with a stable code and the path of the input field at fault."""

from enum import Enum

import strawberry

from billing.errors import RemitError


@strawberry.enum
class ErrorCode(Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_READY = "NOT_READY"
    PROVIDER_ERROR = "PROVIDER_ERROR"


@strawberry.type
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "billingEmail"]'
    )
    message: str
    code: ErrorCode

    @classmethod
    def list_from(cls, error: RemitError) -> list["UserError"]:
        return [
            cls(field=e.field, message=e.message, code=ErrorCode(e.code)) for e in error.errors()
        ]
