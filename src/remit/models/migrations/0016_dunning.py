from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0015_webhooks")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Invoice",
            name="dunning_pause_reason",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Invoice",
            name="dunning_paused_at",
            field=fields.DatetimeField(
                null=True, description="Paused since, or null", auto_now=False, auto_now_add=False
            ),
        ),
        ops.AddField(
            model_name="Invoice",
            name="dunning_paused_until",
            field=fields.DateField(
                null=True, description="Reminders resume on this day, or when resumed if null"
            ),
        ),
        ops.AddField(
            model_name="InvoicingSettings",
            name="dunning_steps",
            field=fields.JSONField(
                null=True,
                description="The reminder steps (see billing.dunning), one per reminder day, or if null each of reminder_days with the default tone and text",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.AddField(
            model_name="Organization",
            name="dunning_pause_reason",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Organization",
            name="dunning_paused_at",
            field=fields.DatetimeField(
                null=True, description="Paused since, or null", auto_now=False, auto_now_add=False
            ),
        ),
        ops.AddField(
            model_name="Organization",
            name="dunning_paused_until",
            field=fields.DateField(
                null=True, description="Reminders resume on this day, or when resumed if null"
            ),
        ),
        ops.AddField(
            model_name="Organization",
            name="dunning_steps",
            field=fields.JSONField(
                null=True,
                description="Its own reminder steps, or if null those of the tenant",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.AlterModelOptions(
            name="Reminder",
            options={
                "table": "reminder",
                "app": "remit",
                "unique_together": (("invoice", "offset_days"),),
                "pk_attr": "id",
                "table_description": "A reminder email, at most one per invoice and offset (days from the due date: before",
            },
        ),
        ops.AddField(
            model_name="Reminder",
            name="late_fee_invoice",
            field=fields.ForeignKeyField(
                "remit.Invoice",
                source_field="late_fee_invoice_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="late_fee_of",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Reminder",
            name="text",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Reminder",
            name="tone",
            field=fields.CharField(default="friendly", db_default="friendly", max_length=10),
        ),
    ]
