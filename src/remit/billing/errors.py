"""Expected failures. Each carries a stable `code` and, where an input is at fault, the path
of the field (`["input", "billingEmail"]`), so every edge can report it precisely."""

from collections.abc import Sequence
from enum import StrEnum


class ErrorCode(StrEnum):
    """Every code an expected failure can carry: the API's `ErrorCode` is this list."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_READY = "NOT_READY"
    PROVIDER_ERROR = "PROVIDER_ERROR"
    FORBIDDEN = "FORBIDDEN"


class RemitError(Exception):
    code = ErrorCode.INVALID

    def __init__(self, message: str, *, field: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = list(field) if field is not None else None

    def errors(self) -> list["RemitError"]:
        return [self]


class Invalid(RemitError):
    code = ErrorCode.INVALID


class Required(RemitError):
    code = ErrorCode.REQUIRED


class NotFound(RemitError):
    code = ErrorCode.NOT_FOUND

    def __init__(self, kind: str, id: object, *, field: Sequence[str] | None = None) -> None:
        super().__init__(f"No {kind} with id {id}.", field=field)


class Conflict(RemitError):
    code = ErrorCode.CONFLICT


class LastOwner(Conflict):
    """A tenant keeps at least one OWNER: the last one can be neither demoted nor removed."""


class InvalidTransition(RemitError):
    code = ErrorCode.INVALID_TRANSITION


class NotPayable(Conflict):
    """Payment asked for an invoice that owes nothing now; `status` says why (PAID, VOID)."""

    def __init__(self, status: str, *, field: Sequence[str] | None = None) -> None:
        super().__init__(f"A {status} invoice cannot be paid.", field=field)
        self.status = status


class NotReady(RemitError):
    code = ErrorCode.NOT_READY


class ProviderError(RemitError):
    code = ErrorCode.PROVIDER_ERROR


class Forbidden(RemitError):
    """The actor's role may not do this; nothing was changed."""

    code = ErrorCode.FORBIDDEN


class Throttled(Exception):
    """Too many failed sign-ins lately; answered with HTTP 429 and `Retry-After`."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} seconds.")
        self.message = str(self)
        self.retry_after = retry_after


class Unauthenticated(Exception):
    """No valid API key. Not a RemitError: the web layer answers it with HTTP 401 before any
    resolver runs, so it never reaches a mutation payload and has no `ErrorCode`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RemitErrors(RemitError):
    """Several failures found together, reported together (every missing thing at once)."""

    def __init__(self, errors: Sequence[RemitError]) -> None:
        if not errors:
            raise ValueError("RemitErrors needs at least one error")
        super().__init__(" ".join(error.message for error in errors))
        self._errors = list(errors)

    def errors(self) -> list[RemitError]:
        return list(self._errors)

    @staticmethod
    def of(errors: Sequence[RemitError]) -> RemitError:
        """The one error, or all of them together."""
        return errors[0] if len(errors) == 1 else RemitErrors(errors)
