"""An index led by every foreign key column: lookups by contract, organization, invoice or
tenant read their rows, not the whole table."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("remit", "0019_einvoice")]

    initial = False

    operations = [
        ops.AddIndex(model_name="ApiKey", index=Index(fields=["tenant_id"])),
        ops.AddIndex(model_name="BankTransaction", index=Index(fields=["organization_id"])),
        ops.AddIndex(model_name="BankTransaction", index=Index(fields=["payment_id"])),
        ops.AddIndex(model_name="Contract", index=Index(fields=["tenant_id"])),
        ops.AddIndex(model_name="Contract", index=Index(fields=["organization_id"])),
        ops.AddIndex(model_name="CreditNote", index=Index(fields=["organization_id"])),
        ops.AddIndex(model_name="CreditNoteLine", index=Index(fields=["invoice_line_id"])),
        ops.AddIndex(model_name="Invoice", index=Index(fields=["organization_id"])),
        ops.AddIndex(model_name="InvoiceEvent", index=Index(fields=["invoice_id", "at"])),
        ops.AddIndex(model_name="InvoiceLine", index=Index(fields=["service_line_item_id"])),
        ops.AddIndex(model_name="PaymentAllocation", index=Index(fields=["invoice_id"])),
        ops.AddIndex(model_name="ProviderEvent", index=Index(fields=["tenant_id"])),
        ops.AddIndex(model_name="Reminder", index=Index(fields=["late_fee_invoice_id"])),
        ops.AddIndex(model_name="ServiceLineItem", index=Index(fields=["contract_id"])),
        ops.AddIndex(model_name="ServiceLineItem", index=Index(fields=["replaces_id"])),
        ops.AddIndex(model_name="Session", index=Index(fields=["user_id"])),
        ops.AddIndex(model_name="User", index=Index(fields=["tenant_id"])),
        ops.AddIndex(model_name="UserToken", index=Index(fields=["user_id"])),
        ops.AddIndex(model_name="WebhookDelivery", index=Index(fields=["event_id"])),
        ops.AddIndex(model_name="WebhookEvent", index=Index(fields=["tenant_id"])),
    ]
