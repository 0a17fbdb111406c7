from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("remit", "0019_einvoice")]

    initial = False

    operations = [
        ops.AddIndex(model_name="InvoiceLine", index=Index(fields=["service_line_item_id"])),
    ]
