from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def date_paid_invoices(apps, schema_editor) -> None:
    """A PAID invoice from before the column was paid on the day its payment was recorded."""
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        day = "(paid_at AT TIME ZONE 'UTC')::date"
    else:
        day = "date(paid_at)"
    await client.execute_script(
        f"UPDATE invoice SET paid_on = {day} WHERE status = 'PAID' AND paid_at IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [("remit", "0004_job_outbox")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Invoice",
            name="paid_on",
            field=fields.DateField(
                null=True, description="The day the money arrived, set while PAID"
            ),
        ),
        ops.RunPython(date_paid_invoices, ops.RunPython.noop),
    ]
