from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

NOT_NULL = '"contract_id" CHAR(36) NOT NULL REFERENCES'
NULLABLE = '"contract_id" CHAR(36) REFERENCES'


async def _rewrite_sqlite_definition(client, old: str, new: str) -> None:
    """Edit the invoice table's stored definition in place, as SQLite documents for adding or
    dropping a NOT NULL: the rows on disk do not change."""
    _, rows = await client.execute_query(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'invoice'"
    )
    definition = rows[0]["sql"]
    if definition.count(old) != 1:
        raise RuntimeError(f"invoice.contract_id is not defined as expected: {definition}")
    _, rows = await client.execute_query("PRAGMA schema_version")
    version = rows[0]["schema_version"]
    await client.execute_script("PRAGMA writable_schema = ON")
    await client.execute_query(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'invoice'",
        [definition.replace(old, new)],
    )
    await client.execute_script(f"PRAGMA schema_version = {version + 1}")
    await client.execute_script("PRAGMA writable_schema = OFF")


class MakeContractOptional(ops.AlterField):
    """tortoise alters a SQLite column by copying the table into a new one and dropping the
    old: with foreign keys on, the drop deletes every invoice line, event and reminder by
    cascade, and the copy loses the unique (contract, period_start) and (tenant, number)
    pairs. Only a NOT NULL goes, so SQLite's own definition is edited instead."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.client.capabilities.dialect == "sqlite":
            await _rewrite_sqlite_definition(state_editor.client, NOT_NULL, NULLABLE)
        else:
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.client.capabilities.dialect == "sqlite":
            _, rows = await state_editor.client.execute_query(
                "SELECT COUNT(*) AS n FROM invoice WHERE contract_id IS NULL"
            )
            if rows[0]["n"]:
                raise RuntimeError("One-off invoices exist: delete them before going back.")
            await _rewrite_sqlite_definition(state_editor.client, NULLABLE, NOT_NULL)
        else:
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("remit", "0008_users_and_sessions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OneOffTerms",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "invoice",
                    fields.OneToOneField(
                        "remit.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="one_off_terms",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("due_days", fields.IntField()),
                ("billing_email", fields.CharField(null=True, max_length=254)),
                (
                    "billing_emails_cc",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("invoice_note", fields.TextField(null=True, unique=False)),
                (
                    "payment_providers",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "one_off_terms",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "The terms of a one-off invoice, which has no contract to take them from.",
            },
            bases=["Model"],
        ),
        ops.AlterModelOptions(
            name="Invoice",
            options={
                "table": "invoice",
                "app": "remit",
                "unique_together": (("contract", "period_start"), ("tenant", "number")),
                "indexes": [Index(fields=["tenant_id", "status", "due_date"])],
                "pk_attr": "id",
                "table_description": "One invoice of a contract for one period, or a one-off invoice (no contract).",
            },
        ),
        MakeContractOptional(
            model_name="Invoice",
            name="contract",
            field=fields.ForeignKeyField(
                "remit.Contract",
                source_field="contract_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="invoices",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
    ]
