from tortoise import fields

from remit.models.base import Entity


class Tenant(Entity):
    """A company that invoices its own customers through Remit."""

    name = fields.CharField(max_length=200)
    invoicing_enabled = fields.BooleanField(default=False)

    class Meta:
        table = "tenant"


class ApiKey(Entity):
    """An API key of a tenant: a public prefix that finds the row and a hash of the secret."""

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="api_keys", on_delete=fields.CASCADE
    )
    prefix = fields.CharField(max_length=16, unique=True)
    secret_hash = fields.CharField(max_length=64)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"
        indexes = (("tenant_id",),)
