from tortoise import migrations
from tortoise.migrations import operations as ops
from remit.models.users import TokenPurpose, UserRole
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("remit", "0007_seal_provider_secrets")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SignInFailure",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "key",
                    fields.CharField(description="email:<email> or address:<ip>", max_length=300),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "sign_in_failure",
                "app": "remit",
                "indexes": [Index(fields=["key", "at"])],
                "pk_attr": "id",
                "table_description": "One failed sign-in, counted per email and per client address.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="users",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(unique=True, description="Lower case", max_length=254)),
                ("name", fields.CharField(default="", max_length=200)),
                (
                    "role",
                    fields.CharEnumField(
                        description="OWNER: OWNER\nADMIN: ADMIN\nMEMBER: MEMBER\nVIEWER: VIEWER",
                        enum_type=UserRole,
                        max_length=10,
                    ),
                ),
                (
                    "password_hash",
                    fields.CharField(
                        null=True,
                        description="argon2, null until an invite is accepted",
                        max_length=200,
                    ),
                ),
                (
                    "last_sign_in_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "app_user",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "A person who signs in to the console.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="Session",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "remit.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("csrf_token", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_seen_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "user_session",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "A signed-in browser. Only a SHA-256 of its cookie is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserToken",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "purpose",
                    fields.CharEnumField(
                        description="INVITE: INVITE\nRESET: RESET",
                        enum_type=TokenPurpose,
                        max_length=10,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "remit.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "user_token",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "A one-time link: an invite to set a first password, or a password reset.",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="InvoiceEvent",
            name="actor",
            field=fields.CharField(
                description="user:<email>, apikey:<prefix>, provider:<key>, cycle, system",
                max_length=100,
            ),
        ),
    ]
