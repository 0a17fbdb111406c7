"""Expected failures. Each carries a stable `code` and, where an input is at fault, the path
of the field (`["input", "billingEmail"]`), so every edge can report it precisely."""

from collections.abc import Sequence


class RemitError(Exception):
    code = "INVALID"

    def __init__(self, message: str, *, field: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = list(field) if field is not None else None

    def errors(self) -> list["RemitError"]:
        return [self]


class Invalid(RemitError):
    code = "INVALID"


class Required(RemitError):
    code = "REQUIRED"


class NotFound(RemitError):
    code = "NOT_FOUND"

    def __init__(self, kind: str, id: object, *, field: Sequence[str] | None = None) -> None:
        super().__init__(f"No {kind} with id {id}.", field=field)


class Conflict(RemitError):
    code = "CONFLICT"


class InvalidTransition(RemitError):
    code = "INVALID_TRANSITION"


class NotPayable(Conflict):
    """Payment asked for an invoice that owes nothing now; `status` says why (PAID, VOID)."""

    def __init__(self, status: str) -> None:
        super().__init__(f"A {status} invoice cannot be paid.")
        self.status = status


class NotReady(RemitError):
    code = "NOT_READY"


class ProviderError(RemitError):
    code = "PROVIDER_ERROR"


class Unauthenticated(RemitError):
    code = "UNAUTHENTICATED"


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
