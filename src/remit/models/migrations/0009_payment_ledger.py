"""The payment ledger: payments, their allocations to invoices and refunds become rows, and
the invoice's JSON of provider figures goes. Existing payments move into rows (see
`move_payments_into_rows`), so every invoice keeps the amount paid it had."""

import json
import re
from datetime import UTC, date, datetime
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

# Provider payments were only ever reported by Stripe before this migration; an entry whose
# events no longer name its provider is taken to be Stripe's.
ASSUMED_PROVIDER = "stripe"
REFERENCE = re.compile(r"\(([^()]*)\)$")


def _day(value) -> date | None:
    """A date or an instant (a driver's object or SQLite's text) as a UTC calendar day."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    return value


class _Writer:
    def __init__(self, client) -> None:
        self.client = client
        self.postgres = client.capabilities.dialect == "postgres"

    def value(self, value):
        if self.postgres or value is None or isinstance(value, int | str):
            return value
        return value.isoformat() if isinstance(value, date) else str(value)

    async def insert(self, table: str, **row) -> str:
        row = {"id": str(uuid4()), "created_at": datetime.now(UTC), **row}
        columns = ", ".join(f'"{column}"' for column in row)
        marks = ", ".join("?" for _ in row)
        await self.run(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', *row.values())
        return row["id"]

    async def select(self, query: str, *values) -> list[dict]:
        return await self.client.execute_query_dict(self.marked(query), [*map(self.value, values)])

    async def run(self, query: str, *values) -> None:
        await self.client.execute_query(self.marked(query), [*map(self.value, values)])

    def marked(self, query: str) -> str:
        """`?` placeholders in asyncpg's `$n` form on PostgreSQL."""
        if self.postgres:
            for n in range(1, query.count("?") + 1):
                query = query.replace("?", f"${n}", 1)
        return query


async def move_payments_into_rows(apps, schema_editor) -> None:
    """Each provider entry (the provider's received and refunded figures for one reference)
    becomes a provider payment with its refund; what an invoice had received beyond its
    provider entries (marked paid by hand) becomes a manual payment on the day it was paid.
    Each payment is applied to its invoice up to what the invoice still owed: the amount paid
    derived from the rows is the one the invoice had, or its total where it had more (the
    rest becomes the organization's credit balance)."""
    db = _Writer(schema_editor.client)
    entries = "provider_payments <> '{}'::jsonb" if db.postgres else "provider_payments <> '{}'"
    invoices = await db.select(
        "SELECT id, tenant_id, organization_id, currency, total, amount_paid, provider_payments,"
        f" paid_on, paid_at, updated_at FROM invoice WHERE amount_paid <> 0 OR {entries}"
    )
    for invoice in invoices:
        ledger = invoice["provider_payments"]
        ledger = json.loads(ledger) if isinstance(ledger, str) else ledger or {}
        events = await db.select(
            "SELECT type, actor, detail, at, to_status FROM invoice_event WHERE invoice_id = ?"
            " ORDER BY at",
            str(invoice["id"]),
        )
        paid_day = _day(invoice["paid_on"]) or _day(invoice["paid_at"])
        remaining = invoice["total"]
        counted = 0
        for reference, entry in ledger.items():
            told = [
                e
                for e in events
                if e["type"] in ("payment_received", "refunded")
                and e["actor"].startswith("provider:")
                and (REFERENCE.search(e["detail"] or "") or [None, None])[1] == reference
            ]
            key = told[0]["actor"].removeprefix("provider:") if told else ASSUMED_PROVIDER
            received_days = [_day(e["at"]) for e in told if e["type"] == "payment_received"]
            refund_days = [_day(e["at"]) for e in told if e["type"] == "refunded"]
            payment = await db.insert(
                "payment",
                tenant_id=str(invoice["tenant_id"]),
                organization_id=str(invoice["organization_id"]),
                currency=invoice["currency"],
                amount=entry["received"],
                received_on=(received_days or [paid_day or _day(invoice["updated_at"])])[0],
                method=key,
                reference=reference,
                provider_reference=reference,
                actor=f"provider:{key}",
            )
            if entry["refunded"]:
                await db.insert(
                    "refund",
                    payment_id=payment,
                    currency=invoice["currency"],
                    amount=entry["refunded"],
                    refunded_on=(refund_days or [_day(invoice["updated_at"])])[-1],
                    reference=reference,
                    provider_reference=reference,
                    actor=f"provider:{key}",
                )
            # Applied up to what the invoice still owed: a refund takes from the part of a
            # payment applied to no invoice first, so the invoice keeps exactly what the
            # entry still counted, and a refunded payment stays linked to its invoice.
            applied = min(entry["received"], remaining)
            if applied:
                await db.insert(
                    "payment_allocation",
                    payment_id=payment,
                    invoice_id=str(invoice["id"]),
                    currency=invoice["currency"],
                    amount=applied,
                    from_credit=False,
                )
            kept = min(max(0, entry["received"] - entry["refunded"]), remaining)
            remaining -= kept
            counted += kept
        by_hand = min(invoice["amount_paid"], invoice["total"]) - counted
        if by_hand > 0:
            marked = [
                e for e in events if e["type"] == "status_changed" and e["to_status"] == "PAID"
            ]
            actor = marked[-1]["actor"] if marked else "system"
            payment = await db.insert(
                "payment",
                tenant_id=str(invoice["tenant_id"]),
                organization_id=str(invoice["organization_id"]),
                currency=invoice["currency"],
                amount=by_hand,
                received_on=paid_day or _day(invoice["updated_at"]),
                method="manual",
                actor=actor,
            )
            await db.insert(
                "payment_allocation",
                payment_id=payment,
                invoice_id=str(invoice["id"]),
                currency=invoice["currency"],
                amount=by_hand,
                from_credit=False,
            )
            counted += by_hand
        if counted != invoice["amount_paid"]:
            await db.run(
                "UPDATE invoice SET amount_paid = ? WHERE id = ?", counted, str(invoice["id"])
            )


# On SQLite tortoise alters or removes a column by rebuilding the table, and dropping the old
# `invoice` table deletes its rows first: the cascade would take every invoice line and
# event with it, and the new allocations refuse it. These two changes need no rebuild.


def _on_sqlite(state_editor) -> bool:
    return state_editor is not None and state_editor.client.capabilities.dialect == "sqlite"


class DescriptionOnly(ops.AlterField):
    """A column's new description: SQLite keeps none to change."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if not _on_sqlite(state_editor):
            await super().database_forward(app_label, old_state, new_state, state_editor)


class DropColumn(ops.RemoveField):
    """On SQLite, with ALTER TABLE ... DROP COLUMN (3.35 and later) in place."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if not _on_sqlite(state_editor):
            await super().database_forward(app_label, old_state, new_state, state_editor)
            return
        table = old_state.apps.get_model(f"{app_label}.{self.model_name}")._meta.db_table
        await state_editor.client.execute_script(f'ALTER TABLE "{table}" DROP COLUMN "{self.name}"')


class Migration(migrations.Migration):
    dependencies = [("remit", "0008_users_and_sessions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Payment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="payments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "remit.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="payments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "amount",
                    fields.BigIntField(
                        default=0,
                        description="Received: for a provider payment, the provider's latest cumulative figure, in minor units of the currency column",
                    ),
                ),
                ("received_on", fields.DateField(description="The day the money arrived")),
                (
                    "method",
                    fields.CharField(
                        description="A payment provider's key, or manual", max_length=50
                    ),
                ),
                ("reference", fields.CharField(null=True, max_length=255)),
                (
                    "provider_reference",
                    fields.CharField(
                        null=True,
                        description="The provider's own id, null when manual",
                        max_length=255,
                    ),
                ),
                (
                    "actor",
                    fields.CharField(
                        description="user:<email>, apikey:<prefix>, provider:<key>, system",
                        max_length=100,
                    ),
                ),
                ("note", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "payment",
                "app": "remit",
                "unique_together": (("tenant", "method", "provider_reference"),),
                "indexes": [Index(fields=["organization_id", "currency"])],
                "pk_attr": "id",
                "table_description": "Money an organization paid, recorded by hand or reported by a payment provider.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PaymentAllocation",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "payment",
                    fields.ForeignKeyField(
                        "remit.Payment",
                        source_field="payment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="allocations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "remit.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="allocations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "amount",
                    fields.BigIntField(
                        description="Applied to the invoice, in minor units of the currency column"
                    ),
                ),
                (
                    "from_credit",
                    fields.BooleanField(
                        default=False,
                        description="Applied at issue from the organization's credit balance",
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "payment_allocation",
                "app": "remit",
                "unique_together": (("payment", "invoice"),),
                "pk_attr": "id",
                "table_description": "The part of a payment applied to one invoice.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Refund",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "payment",
                    fields.ForeignKeyField(
                        "remit.Payment",
                        source_field="payment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="refunds",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "amount",
                    fields.BigIntField(
                        description="Given back, in minor units of the currency column"
                    ),
                ),
                ("refunded_on", fields.DateField()),
                ("reference", fields.CharField(null=True, max_length=255)),
                (
                    "provider_reference",
                    fields.CharField(
                        null=True,
                        description="The provider's own id, null when manual",
                        max_length=255,
                    ),
                ),
                ("actor", fields.CharField(max_length=100)),
                ("note", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "refund",
                "app": "remit",
                "unique_together": (("payment", "provider_reference"),),
                "pk_attr": "id",
                "table_description": "Money of a payment given back: by hand, or as a provider reported it.",
            },
            bases=["Model"],
        ),
        DescriptionOnly(
            model_name="Invoice",
            name="amount_paid",
            field=fields.BigIntField(
                default=0,
                description="Allocated and not refunded: a copy of the payment ledger's figure, written only by billing.ledger, in minor units of the currency column",
            ),
        ),
        ops.RunPython(move_payments_into_rows),
        DropColumn(model_name="Invoice", name="provider_payments"),
    ]
