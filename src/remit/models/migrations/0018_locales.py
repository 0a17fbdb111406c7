from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0017_card_retries")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Organization",
            name="locale",
            field=fields.CharField(
                null=True,
                description="BCP 47, or null for the tenant default locale",
                max_length=35,
            ),
        ),
        ops.AddField(
            model_name="InvoicingSettings",
            name="default_locale",
            field=fields.CharField(
                default="en", description="BCP 47: of customers without their own", max_length=35
            ),
        ),
        ops.AddField(
            model_name="InvoicingSettings",
            name="email_texts",
            field=fields.JSONField(
                default=list,
                description="Subjects and intros of emails per kind and language, as the tenant words them",
            ),
        ),
    ]
