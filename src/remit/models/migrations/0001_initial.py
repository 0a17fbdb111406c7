from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from remit.models.enums import (
    BilledType,
    BillingCycle,
    ContractStatus,
    InvoiceStatus,
    PlatformBillingStatus,
    PlatformFeeStatus,
)
from remit.models.settings import default_reminder_days
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Tenant",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("name", fields.CharField(max_length=200)),
                ("invoicing_enabled", fields.BooleanField(default=False)),
            ],
            options={
                "table": "tenant",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "A company that invoices its own customers through Remit.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="ApiKey",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="api_keys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("prefix", fields.CharField(unique=True, max_length=16)),
                ("secret_hash", fields.CharField(max_length=64)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_key",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "An API key of a tenant: a public prefix that finds the row and a hash of the secret.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="InvoiceNumberSequence",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "tenant",
                    fields.OneToOneField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoice_number_sequence",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("last_number", fields.IntField(default=0)),
            ],
            options={
                "table": "invoice_number_sequence",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "The gapless invoice number counter of a tenant, locked while a number is taken.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="InvoicingRun",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoicing_runs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("run_date", fields.DateField()),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("contracts_due", fields.IntField(default=0)),
                ("invoices_issued", fields.IntField(default=0)),
                ("invoices_on_hold", fields.IntField(default=0)),
                (
                    "failures",
                    fields.JSONField(
                        default=list,
                        description="[{contract_id, message}]",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "invoicing_run",
                "app": "remit",
                "unique_together": (("tenant", "run_date"),),
                "pk_attr": "id",
                "table_description": "One daily invoicing cycle of one tenant: what was due, issued, held and failed.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="InvoicingSettings",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.OneToOneField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoicing_settings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("company_legal_name", fields.CharField(null=True, max_length=200)),
                (
                    "company_address",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("company_vat_number", fields.CharField(null=True, max_length=50)),
                ("company_email", fields.CharField(null=True, max_length=254)),
                ("company_phone", fields.CharField(null=True, max_length=50)),
                ("logo_url", fields.CharField(null=True, max_length=2000)),
                ("brand_color", fields.CharField(null=True, max_length=7)),
                ("footer_note", fields.TextField(null=True, unique=False)),
                (
                    "default_currency",
                    fields.CharField(default="USD", description="ISO 4217 code", max_length=3),
                ),
                ("default_due_days", fields.IntField(default=30)),
                ("invoice_number_prefix", fields.CharField(default="INV", max_length=20)),
                ("send_invoices_from", fields.CharField(null=True, max_length=254)),
                (
                    "send_invoices_bcc",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "reminder_days",
                    fields.JSONField(
                        default=default_reminder_days,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "platform_billing_status",
                    fields.CharEnumField(
                        default=PlatformBillingStatus.MISSING,
                        description="MISSING: MISSING\nPENDING: PENDING\nACTIVE: ACTIVE\nFAILED: FAILED",
                        enum_type=PlatformBillingStatus,
                        max_length=10,
                    ),
                ),
                ("platform_billing_kind", fields.CharField(null=True, max_length=20)),
                ("platform_billing_method", fields.CharField(null=True, max_length=100)),
                ("platform_billing_email", fields.CharField(null=True, max_length=254)),
                ("platform_stripe_customer_id", fields.CharField(null=True, max_length=100)),
                ("platform_stripe_setup_intent_id", fields.CharField(null=True, max_length=100)),
                ("platform_stripe_payment_method_id", fields.CharField(null=True, max_length=100)),
            ],
            options={
                "table": "invoicing_settings",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "Company details, branding, invoicing defaults and platform billing of a tenant.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="Organization",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="organizations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("legal_name", fields.CharField(null=True, max_length=200)),
                (
                    "billing_emails",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "address",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("tax_id", fields.CharField(null=True, max_length=50)),
            ],
            options={
                "table": "organization",
                "app": "remit",
                "indexes": [Index(fields=["tenant_id", "name"])],
                "pk_attr": "id",
                "table_description": "A customer of a tenant.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="Contract",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="contracts",
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
                        related_name="contracts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                (
                    "status",
                    fields.CharEnumField(
                        default=ContractStatus.DRAFT,
                        description="DRAFT: DRAFT\nLIVE: LIVE\nENDED: ENDED",
                        enum_type=ContractStatus,
                        max_length=10,
                    ),
                ),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "billing_cycle",
                    fields.CharEnumField(
                        default=BillingCycle.MONTHLY,
                        description="MONTHLY: MONTHLY\nQUARTERLY: QUARTERLY\nANNUALLY: ANNUALLY",
                        enum_type=BillingCycle,
                        max_length=10,
                    ),
                ),
                ("invoicing_start_date", fields.DateField(null=True)),
                ("next_invoice_date", fields.DateField(null=True)),
                ("end_date", fields.DateField(null=True)),
                ("due_days", fields.IntField(default=30)),
                ("billing_email", fields.CharField(null=True, max_length=254)),
                (
                    "billing_emails_cc",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "billing_address",
                    fields.JSONField(
                        null=True,
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
                ("auto_charge", fields.BooleanField(default=False)),
            ],
            options={
                "table": "contract",
                "app": "remit",
                "indexes": [Index(fields=["status", "next_invoice_date"])],
                "pk_attr": "id",
                "table_description": "What an organization is billed for, how often, and how it pays.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="Invoice",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "contract",
                    fields.ForeignKeyField(
                        "remit.Contract",
                        source_field="contract_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "remit.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="invoices",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("number", fields.CharField(null=True, max_length=40)),
                (
                    "status",
                    fields.CharEnumField(
                        default=InvoiceStatus.DRAFT,
                        description="DRAFT: DRAFT\nON_HOLD: ON_HOLD\nDUE: DUE\nOVERDUE: OVERDUE\nPAID: PAID\nVOID: VOID",
                        enum_type=InvoiceStatus,
                        max_length=10,
                    ),
                ),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                ("issue_date", fields.DateField(null=True)),
                ("due_date", fields.DateField(null=True)),
                ("period_start", fields.DateField()),
                ("period_end", fields.DateField()),
                (
                    "subtotal",
                    fields.BigIntField(
                        default=0,
                        description="Sum of the line subtotals, in minor units of the currency column",
                    ),
                ),
                (
                    "tax",
                    fields.BigIntField(
                        default=0,
                        description="Sum of the line taxes, in minor units of the currency column",
                    ),
                ),
                (
                    "total",
                    fields.BigIntField(
                        default=0,
                        description="Sum of the line totals, in minor units of the currency column",
                    ),
                ),
                (
                    "amount_paid",
                    fields.BigIntField(
                        default=0,
                        description="Received and not refunded, in minor units of the currency column",
                    ),
                ),
                (
                    "customer",
                    fields.JSONField(
                        default=dict,
                        description="The customer party, frozen at issue",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "provider",
                    fields.JSONField(
                        default=dict,
                        description="The issuing tenant party, frozen at issue",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "payment_options",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "hold_reasons",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("public_token", fields.CharField(unique=True, max_length=64)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("paid_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("voided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "invoice",
                "app": "remit",
                "unique_together": (("contract", "period_start"), ("tenant", "number")),
                "indexes": [Index(fields=["tenant_id", "status", "due_date"])],
                "pk_attr": "id",
                "table_description": "One invoice of a contract for one period.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="InvoiceEvent",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "remit.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("type", fields.CharField(max_length=50)),
                (
                    "from_status",
                    fields.CharEnumField(
                        null=True,
                        description="DRAFT: DRAFT\nON_HOLD: ON_HOLD\nDUE: DUE\nOVERDUE: OVERDUE\nPAID: PAID\nVOID: VOID",
                        enum_type=InvoiceStatus,
                        max_length=10,
                    ),
                ),
                (
                    "to_status",
                    fields.CharEnumField(
                        null=True,
                        description="DRAFT: DRAFT\nON_HOLD: ON_HOLD\nDUE: DUE\nOVERDUE: OVERDUE\nPAID: PAID\nVOID: VOID",
                        enum_type=InvoiceStatus,
                        max_length=10,
                    ),
                ),
                (
                    "actor",
                    fields.CharField(
                        description="user, cycle, provider:<key>, system", max_length=100
                    ),
                ),
                ("detail", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "invoice_event",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "Every status change and notable happening of an invoice: who, when, from, to, why.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PlatformFee",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="platform_fees",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("month", fields.DateField(description="First day of the month billed")),
                ("invoices_processed", fields.IntField()),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "amount",
                    fields.BigIntField(description="Fee, in minor units of the currency column"),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=PlatformFeeStatus.PENDING,
                        description="PENDING: PENDING\nPAID: PAID\nFAILED: FAILED",
                        enum_type=PlatformFeeStatus,
                        max_length=10,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("stripe_payment_intent_id", fields.CharField(null=True, max_length=100)),
            ],
            options={
                "table": "platform_fee",
                "app": "remit",
                "unique_together": (("tenant", "month"),),
                "pk_attr": "id",
                "table_description": "The invoicing processing fee Remit bills a tenant for one month.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="ProviderEvent",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("provider", fields.CharField(max_length=50)),
                ("event_id", fields.CharField(max_length=255)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        null=True,
                        description="Null for the platform account of the operator",
                        db_constraint=True,
                        to_field="id",
                        related_name="provider_events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("type", fields.CharField(max_length=100)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "provider_event",
                "app": "remit",
                "unique_together": (("provider", "event_id"),),
                "pk_attr": "id",
                "table_description": "A processed provider callback.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ProviderSettings",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "tenant",
                    fields.ForeignKeyField(
                        "remit.Tenant",
                        source_field="tenant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="provider_settings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("provider", fields.CharField(max_length=50)),
                ("enabled", fields.BooleanField(default=False)),
                (
                    "settings",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "provider_settings",
                "app": "remit",
                "unique_together": (("tenant", "provider"),),
                "pk_attr": "id",
                "table_description": "The configuration of one payment provider for one tenant. Secrets never leave by the API.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="Reminder",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "remit.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reminders",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("offset_days", fields.IntField()),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "reminder",
                "app": "remit",
                "unique_together": (("invoice", "offset_days"),),
                "pk_attr": "id",
                "table_description": "A reminder email, at most one per invoice and offset (days after the due date).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ServiceLineItem",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "contract",
                    fields.ForeignKeyField(
                        "remit.Contract",
                        source_field="contract_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="service_line_items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "unit_price",
                    fields.BigIntField(
                        description="Price per unit, in minor units of the currency column"
                    ),
                ),
                ("quantity", fields.DecimalField(default=1, max_digits=18, decimal_places=6)),
                (
                    "billed",
                    fields.CharEnumField(
                        description="ONCE: ONCE\nMONTHLY: MONTHLY\nQUARTERLY: QUARTERLY\nANNUALLY: ANNUALLY",
                        enum_type=BilledType,
                        max_length=10,
                    ),
                ),
                (
                    "tax_rate",
                    fields.DecimalField(
                        default=0, description="Percent", max_digits=7, decimal_places=4
                    ),
                ),
                ("start_date", fields.DateField(null=True)),
                ("end_date", fields.DateField(null=True)),
                (
                    "replaces",
                    fields.ForeignKeyField(
                        "remit.ServiceLineItem",
                        source_field="replaces_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="replaced_by",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "service_line_item",
                "app": "remit",
                "pk_attr": "id",
                "table_description": "One priced service on a contract.",
            },
            bases=["Entity"],
        ),
        ops.CreateModel(
            name="InvoiceLine",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "invoice",
                    fields.ForeignKeyField(
                        "remit.Invoice",
                        source_field="invoice_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="lines",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField()),
                (
                    "service_line_item",
                    fields.ForeignKeyField(
                        "remit.ServiceLineItem",
                        source_field="service_line_item_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invoice_lines",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                (
                    "billed",
                    fields.CharEnumField(
                        description="ONCE: ONCE\nMONTHLY: MONTHLY\nQUARTERLY: QUARTERLY\nANNUALLY: ANNUALLY",
                        enum_type=BilledType,
                        max_length=10,
                    ),
                ),
                ("quantity", fields.DecimalField(max_digits=18, decimal_places=6)),
                ("currency", fields.CharField(description="ISO 4217 code", max_length=3)),
                (
                    "unit_price",
                    fields.BigIntField(
                        description="Price per unit for this period, in minor units of the currency column"
                    ),
                ),
                (
                    "subtotal",
                    fields.BigIntField(
                        description="Unit price x quantity, rounded half-up, in minor units of the currency column"
                    ),
                ),
                (
                    "tax_rate",
                    fields.DecimalField(description="Percent", max_digits=7, decimal_places=4),
                ),
                (
                    "tax",
                    fields.BigIntField(
                        description="Subtotal x tax rate, rounded half-up, in minor units of the currency column"
                    ),
                ),
                (
                    "total",
                    fields.BigIntField(
                        description="Subtotal + tax, in minor units of the currency column"
                    ),
                ),
            ],
            options={
                "table": "invoice_line",
                "app": "remit",
                "unique_together": (("invoice", "position"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
