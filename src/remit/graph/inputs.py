"""From strawberry inputs to the plain changes billing takes: a field the client left out
is absent, an explicit null is None."""

import dataclasses
from typing import Any

from strawberry.types.base import has_object_definition
from strawberry.types.unset import UNSET


def changes_of(value: Any) -> Any:
    if has_object_definition(value):
        return {
            field.name: changes_of(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not UNSET
        }
    if isinstance(value, list):
        return [changes_of(item) for item in value]
    return value
