from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def add_up_credit_notes(apps, schema_editor) -> None:
    """Invoices credited before the column: what their credit notes credited."""
    await schema_editor.client.execute_script(
        "UPDATE invoice SET amount_credited = COALESCE("
        "(SELECT SUM(total) FROM credit_note WHERE credit_note.invoice_id = invoice.id), 0)"
    )


class Migration(migrations.Migration):
    dependencies = [("remit", "0011_credit_notes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Invoice",
            name="amount_credited",
            # db_default: the rows already there get 0 too.
            field=fields.BigIntField(
                default=0,
                db_default=0,
                description="Sum of the totals of its credit notes, what it no longer claims, "
                "written only by billing.ledger, in minor units of the currency column",
            ),
        ),
        ops.RunPython(add_up_credit_notes, ops.RunPython.noop),
    ]
