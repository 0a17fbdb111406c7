"""The tenant's people: users, their sessions, their one-time links and failed sign-ins."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from remit.models import base
from remit.models.base import Entity


class UserRole(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"


class TokenPurpose(StrEnum):
    INVITE = "INVITE"
    RESET = "RESET"


class User(Entity):
    """A person who signs in to the console.

    The email is unique across the server, so a sign-in by email names one user of one
    tenant."""

    tenant = fields.ForeignKeyField("remit.Tenant", related_name="users", on_delete=fields.CASCADE)
    email = base.email(unique=True, description="Lower case")
    name = fields.CharField(max_length=200, default="")
    role = fields.CharEnumField(UserRole, max_length=10)
    password_hash = fields.CharField(
        max_length=200, null=True, description="argon2, null until an invite is accepted"
    )
    last_sign_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "app_user"
        indexes = (("tenant_id",),)


class Session(Model):
    """A signed-in browser. Only a SHA-256 of its cookie is stored."""

    id = fields.UUIDField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    user = fields.ForeignKeyField("remit.User", related_name="sessions", on_delete=fields.CASCADE)
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "user_session"
        indexes = (("user_id",),)


class UserToken(Model):
    """A one-time link: an invite to set a first password, or a password reset."""

    id = fields.UUIDField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    purpose = fields.CharEnumField(TokenPurpose, max_length=10)
    user = fields.ForeignKeyField("remit.User", related_name="tokens", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user_token"
        indexes = (("user_id",),)


class SignInFailure(Model):
    """One failed sign-in, counted per email and per client address.

    In the database because several API processes share the count."""

    id = fields.UUIDField(primary_key=True)
    key = fields.CharField(max_length=300, description="email:<email> or address:<ip>")
    at = fields.DatetimeField()

    class Meta:
        table = "sign_in_failure"
        indexes = (("key", "at"),)
