"""What every table shares: a UUID key and creation/update instants (UTC)."""

from tortoise import fields
from tortoise.models import Model


class Entity(Model):
    id = fields.UUIDField(primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


def money(description: str, **kwargs) -> fields.BigIntField:
    """An amount in the minor units of the row's `currency` column (cents, yen, fils)."""
    return fields.BigIntField(
        description=f"{description}, in minor units of the currency column", **kwargs
    )


def currency(**kwargs) -> fields.CharField:
    return fields.CharField(max_length=3, description="ISO 4217 code", **kwargs)


# RFC 5321 allows no longer address (a forward path of 256 octets, less its angle brackets).
EMAIL_LENGTH = 254


def email(**kwargs) -> fields.CharField:
    return fields.CharField(max_length=EMAIL_LENGTH, **kwargs)
