"""Run in a process of its own by test_payment_ledger_migration (tortoise's state is global to
a process): a database at migration 0008 gets invoices paid, refunded and partly refunded as
the previous schema held them (a JSON of provider figures, an amount paid), is migrated to
the latest, and what the ledger then holds is printed as JSON.

    python -m tests.models.ledger_migration DATABASE_URL
"""

import asyncio
import json
import sys
from datetime import UTC, date, datetime

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from remit import db
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.organizations import Organization
from remit.models.tenants import Tenant

BEFORE = "remit.0008_users_and_sessions"
TOTAL = 129988

# name: (status, amount_paid, provider_payments, paid_on, paid_at, events as (type, actor, detail))
INVOICES = {
    "stripe paid": (
        "PAID",
        TOTAL,
        {"pi_1": {"received": TOTAL, "refunded": 0}},
        date(2027, 1, 5),
        datetime(2027, 1, 5, 10, tzinfo=UTC),
        [("payment_received", "provider:stripe", "€1,299.88 (pi_1)")],
    ),
    "fully refunded": (
        "DUE",
        0,
        {"pi_2": {"received": TOTAL, "refunded": TOTAL}},
        None,
        None,
        [
            ("payment_received", "provider:stripe", "€1,299.88 (pi_2)"),
            ("refunded", "provider:stripe", "€1,299.88 (pi_2)"),
        ],
    ),
    "partly refunded": (
        "DUE",
        100000,
        {"pi_3": {"received": TOTAL, "refunded": 29988}},
        None,
        None,
        [
            ("payment_received", "provider:stripe", "€1,299.88 (pi_3)"),
            ("refunded", "provider:stripe", "€299.88 (pi_3)"),
        ],
    ),
    "refunded then paid again": (
        "PAID",
        TOTAL,
        {
            "pi_4": {"received": TOTAL, "refunded": TOTAL},
            "pi_5": {"received": TOTAL, "refunded": 0},
        },
        date(2027, 1, 9),
        datetime(2027, 1, 9, 12, tzinfo=UTC),
        [
            ("payment_received", "provider:stripe", "€1,299.88 (pi_4)"),
            ("refunded", "provider:stripe", "€1,299.88 (pi_4)"),
            ("payment_received", "provider:stripe", "€1,299.88 (pi_5)"),
        ],
    ),
    "refund reported only": (
        "DUE",
        0,
        {"pi_6": {"received": 0, "refunded": 5000}},
        None,
        None,
        [("refunded", "provider:stripe", "€50.00 (pi_6)")],
    ),
    "paid by hand": (
        "PAID",
        TOTAL,
        {},
        date(2027, 1, 7),
        datetime(2027, 1, 8, 9, tzinfo=UTC),
        [],
    ),
    "paid by hand before paid_on": (
        "PAID",
        TOTAL,
        {},
        None,
        datetime(2027, 1, 6, 23, 30, tzinfo=UTC),
        [],
    ),
    "part by stripe, rest by hand": (
        "PAID",
        TOTAL,
        {"pi_7": {"received": 50000, "refunded": 0}},
        date(2027, 1, 10),
        datetime(2027, 1, 10, 8, tzinfo=UTC),
        [("payment_received", "provider:stripe", "€500.00 (pi_7)")],
    ),
    "unpaid": ("DUE", 0, {}, None, None, []),
}


async def old_row(instance, **gone) -> None:
    """`instance` inserted with only the columns its table has at 0008 (later migrations add
    others to the model), and `gone`: columns the model no longer has."""
    model = type(instance)
    table = model._meta.db_table
    client = connections.get("default")
    postgres = client.capabilities.dialect == "postgres"
    if postgres:
        found = await client.execute_query_dict(
            "SELECT column_name AS name FROM information_schema.columns WHERE table_name = $1",
            [table],
        )
    else:
        found = await client.execute_query_dict(f'PRAGMA table_info("{table}")')
    existing = {row["name"] for row in found}
    columns = dict(gone)
    for name, column in model._meta.fields_db_projection.items():
        if column in existing:
            field = model._meta.fields_map[name]
            columns[column] = field.to_db_value(getattr(instance, name), instance)
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(columns) + 1))
    names = ", ".join(f'"{column}"' for column in columns)
    await client.execute_query(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(columns.values())
    )


async def old_invoice(tenant, organization, contract, n, status, paid, ledger, paid_on, paid_at):
    """An invoice row as the 0008 schema holds it, which the current model cannot write."""
    invoice = Invoice(
        tenant=tenant,
        organization_id=organization.id,
        contract_id=contract.id,
        number=f"INV-{n:06d}",
        status=InvoiceStatus(status),
        currency="EUR",
        issue_date=date(2027, 1, 1),
        due_date=date(2027, 1, 15),
        period_start=date(2027, n, 1),
        period_end=date(2027, n, 28),
        subtotal=TOTAL,
        total=TOTAL,
        amount_paid=paid,
        public_token=f"token-{n}",
        paid_on=paid_on,
        paid_at=paid_at,
    )
    await old_row(invoice, provider_payments=json.dumps(ledger))
    return invoice


async def main(url: str) -> None:
    config = db.tortoise_config(url)
    await migrate(config=config, target=BEFORE)
    await Tortoise.init(config=config)
    tenant = await Tenant.create(name="Acme Corp")
    organization = Organization(tenant=tenant, name="Globex")
    await old_row(organization)
    contract = Contract(
        tenant=tenant, organization_id=organization.id, name="Support", currency="EUR"
    )
    await old_row(contract)
    ids = {}
    for n, (name, (status, paid, ledger, paid_on, paid_at, events)) in enumerate(
        INVOICES.items(), start=1
    ):
        invoice = await old_invoice(
            tenant, organization, contract, n, status, paid, ledger, paid_on, paid_at
        )
        ids[name] = invoice.id
        for type, actor, detail in events:
            await InvoiceEvent.create(invoice_id=invoice.id, type=type, actor=actor, detail=detail)
        if status == "PAID":
            await InvoiceEvent.create(
                invoice_id=invoice.id,
                type="status_changed",
                to_status=InvoiceStatus.PAID,
                actor="user:ann@acme.com" if "by hand" in name else "provider:stripe",
            )
    await Tortoise.close_connections()

    await migrate(config=config)
    await Tortoise.init(config=config)
    from remit.billing import ledger
    from remit.models.payments import Payment

    found = {}
    for name, invoice_id in ids.items():
        invoice = await Invoice.get(id=invoice_id)
        payments = (
            await Payment.filter(allocations__invoice_id=invoice_id)
            .prefetch_related("refunds", "allocations")
            .order_by("created_at")
        )
        found[name] = {
            "amount_paid": invoice.amount_paid,
            "derived": await ledger.amount_paid(invoice_id),
            "payments": sorted(
                [
                    payment.method,
                    payment.reference,
                    payment.amount,
                    payment.received_on.isoformat(),
                    payment.actor,
                    [refund.amount for refund in payment.refunds],
                ]
                for payment in payments
            ),
        }
    found["unapplied"] = sorted(
        [payment.reference, payment.amount]
        for payment in await Payment.filter(allocations=None).order_by("reference")
    )
    found["credit"] = await ledger.credit_balance(organization.id)
    found["events"] = await InvoiceEvent.all().count()
    await Tortoise.close_connections()
    print(json.dumps(found))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
