from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("remit", "0009_payment_ledger")]

    initial = False

    # Only a column added to contract (ALTER TABLE ADD COLUMN, on SQLite too): altering the
    # invoice table would make tortoise copy and drop it on SQLite, deleting its lines,
    # events and reminders by cascade. The database default fills the existing rows, which a
    # NOT NULL column cannot be added without.
    operations = [
        ops.AddField(
            model_name="Contract",
            name="one_off",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
