"""Ids from the outside world. A malformed id names nothing, so it is "not found", exactly
like another tenant's id: the caller learns nothing either way."""

from uuid import UUID

from remit.billing.errors import NotFound


def parse(kind: str, value: str | UUID, *, field: list[str] | None = None) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(kind, value, field=field) from None
