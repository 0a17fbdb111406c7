"""Postal addresses, stored as JSON objects with these keys on the rows that hold one."""

import strawberry

KEYS = ("line1", "line2", "city", "region", "postal_code", "country")


@strawberry.type
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166-1 alpha-2")

    @classmethod
    def from_json(cls, value: dict | None) -> "Address | None":
        if value is None:
            return None
        return cls(**{key: value.get(key) for key in KEYS})


@strawberry.input
class AddressInput:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
