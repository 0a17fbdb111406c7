from tortoise import migrations
from tortoise.migrations import operations as ops
from remit.models.enums import EInvoiceFormat, VatCategory
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("remit", "0018_locales")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Contract",
            name="buyer_reference",
            field=fields.CharField(
                null=True,
                description="The buyer's reference, a Leitweg-ID say (BT-10)",
                max_length=200,
            ),
        ),
        ops.AddField(
            model_name="Contract",
            name="purchase_order_reference",
            field=fields.CharField(
                null=True, description="The buyer's purchase order (BT-13)", max_length=200
            ),
        ),
        ops.AddField(
            model_name="CreditNoteLine",
            name="vat_category",
            field=fields.CharEnumField(
                default=VatCategory.STANDARD,
                description="STANDARD: S\nZERO: Z\nEXEMPT: E\nREVERSE_CHARGE: AE\nINTRA_COMMUNITY: K\nOUTSIDE_SCOPE: O",
                db_default="S",
                enum_type=VatCategory,
                max_length=2,
            ),
        ),
        ops.AddField(
            model_name="Invoice",
            name="buyer_reference",
            field=fields.CharField(null=True, description="BT-10, at issue", max_length=200),
        ),
        ops.AddField(
            model_name="Invoice",
            name="purchase_order_reference",
            field=fields.CharField(null=True, description="BT-13, at issue", max_length=200),
        ),
        ops.AddField(
            model_name="InvoiceLine",
            name="vat_category",
            field=fields.CharEnumField(
                default=VatCategory.STANDARD,
                description="STANDARD: S\nZERO: Z\nEXEMPT: E\nREVERSE_CHARGE: AE\nINTRA_COMMUNITY: K\nOUTSIDE_SCOPE: O",
                db_default="S",
                enum_type=VatCategory,
                max_length=2,
            ),
        ),
        ops.AddField(
            model_name="InvoicingSettings",
            name="company_registration_id",
            field=fields.CharField(
                null=True, description="The company register number (BT-30)", max_length=50
            ),
        ),
        ops.AddField(
            model_name="Organization",
            name="einvoice_format",
            field=fields.CharEnumField(
                default=EInvoiceFormat.FACTURX,
                description="FACTURX: FACTURX\nXRECHNUNG_CII: XRECHNUNG_CII\nXRECHNUNG_UBL: XRECHNUNG_UBL\nPEPPOL_UBL: PEPPOL_UBL",
                db_default="FACTURX",
                enum_type=EInvoiceFormat,
                max_length=15,
            ),
        ),
        ops.AddField(
            model_name="Organization",
            name="legal_registration_id",
            field=fields.CharField(
                null=True, description="Its company register number (BT-47)", max_length=50
            ),
        ),
        ops.AddField(
            model_name="ServiceLineItem",
            name="vat_category",
            field=fields.CharEnumField(
                null=True,
                description="Null: S when taxed, Z when not, AE under the reverse charge",
                enum_type=VatCategory,
                max_length=2,
            ),
        ),
        # The lines issued before: taxed ones were standard rated, the others zero rated.
        ops.RunSQL(
            [
                "UPDATE invoice_line SET vat_category = 'Z' WHERE tax_rate = 0",
                "UPDATE credit_note_line SET vat_category = 'Z' WHERE tax_rate = 0",
            ],
            reverse_sql=ops.RunSQL.noop,
        ),
    ]
