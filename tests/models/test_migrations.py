import asyncio
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.migrations.autodetector import MigrationAutodetector

from remit import db
from remit.models.contracts import Contract
from remit.models.credit_notes import CreditNote
from remit.models.invoices import Invoice, InvoiceNumberSequence, Reminder
from remit.models.provider_events import ProviderEvent
from remit.models.runs import InvoicingRun
from tests import factories
from tests.conftest import (
    USES_SQLITE,
    database_name,
    drop_postgres_database,
    recreate_postgres_database,
)


async def test_the_models_and_the_committed_migrations_agree(runtime):
    apps_config = db.tortoise_config("")["apps"]

    changes = await MigrationAutodetector(Tortoise.apps, apps_config).changes()

    assert [writer.as_string() for writer in changes] == [], (
        "run `make migrations` and commit the result"
    )


async def test_nothing_is_pending_after_migrate(runtime):
    assert await db.pending_migrations() == []


async def invoice_setup():
    tenant, _ = await factories.tenant()
    organization = await factories.organization(tenant)
    contract = await Contract.create(
        tenant=tenant, organization=organization, name="Support", currency="EUR"
    )
    return tenant, organization, contract


def invoice(tenant, organization, contract, token, **fields):
    defaults = {
        "period_start": date(2027, 1, 1),
        "period_end": date(2027, 1, 31),
        "currency": "EUR",
    }
    return Invoice.create(
        tenant=tenant,
        organization=organization,
        contract=contract,
        public_token=token,
        **{**defaults, **fields},
    )


async def test_one_invoice_per_contract_and_period():
    tenant, organization, contract = await invoice_setup()
    await invoice(tenant, organization, contract, "t1")

    with pytest.raises(IntegrityError):
        await invoice(tenant, organization, contract, "t2")
    assert await Invoice.all().count() == 1


# A row in each, made of the required columns alone; the ids all "1", so they refer to each other.
TABLES = ("tenant", "organization", "contract", "invoice", "invoice_line", "invoice_event")
UPGRADE_FROM_0008 = """
import asyncio, sqlite3, sys
from tortoise import Tortoise
# A plain value of each column type, for the rows the later migrations read.
PLAIN = {"JSON": "{}", "BIGINT": 0, "INT": 0, "DECIMAL": "0", "DATE": "2027-01-01",
         "TIMESTAMP": "2027-01-01 00:00:00", "BOOL": 0}
from tortoise.migrations.api.migrate import migrate
from remit import db

async def main(path, tables):
    config = db.tortoise_config(f"sqlite://{path}")
    await migrate(config=config, target="remit.0008_users_and_sessions")
    await Tortoise.close_connections()
    connection = sqlite3.connect(path)
    for table in tables:
        required = [
            (row[1], row[2]) for row in connection.execute(f'PRAGMA table_info("{table}")')
            if row[3] and row[4] is None
        ]
        values = [
            "1" if c == "id" or c.endswith("_id") else PLAIN.get(kind.split("(")[0], "x")
            for c, kind in required
        ]
        connection.execute(
            f'INSERT INTO "{table}" ({", ".join(c for c, _ in required)}) '
            f'VALUES ({", ".join("?" * len(required))})',
            values,
        )
    connection.commit()
    connection.close()
    await migrate(config=config)
    await Tortoise.close_connections()

asyncio.run(main(sys.argv[1], sys.argv[2:]))
"""


@pytest.mark.skipif(not USES_SQLITE, reason="SQLite's table rebuilds: the SQLite run")
def test_upgrading_a_sqlite_database_keeps_every_invoice_row_and_constraint(tmp_path):
    """0010 only adds a column to contract: the invoice table, which tortoise would copy and
    drop on SQLite (deleting its lines and events by cascade), is left alone."""
    path = tmp_path / "old.sqlite3"

    subprocess.run(
        [sys.executable, "-c", UPGRADE_FROM_0008, str(path), *TABLES], check=True, timeout=120
    )

    connection = sqlite3.connect(path)
    for table in TABLES:
        assert connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone() == (1,), table
    assert connection.execute("SELECT one_off FROM contract").fetchone() == (0,)
    required = {row[1]: bool(row[3]) for row in connection.execute("PRAGMA table_info(invoice)")}
    assert required["contract_id"] is True
    unique = sorted(
        tuple(column[2] for column in connection.execute(f'PRAGMA index_info("{index[1]}")'))
        for index in connection.execute("PRAGMA index_list(invoice)")
        if index[2]
    )
    assert unique == [
        ("contract_id", "period_start"),
        ("id",),
        ("public_token",),
        ("tenant_id", "number"),
    ]
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_one_number_per_tenant():
    tenant, organization, contract = await invoice_setup()
    await invoice(tenant, organization, contract, "t1", number="INV-000001")

    with pytest.raises(IntegrityError):
        await invoice(
            tenant, organization, contract, "t2", number="INV-000001", period_start=date(2027, 2, 1)
        )
    # Unnumbered (held) invoices do not collide.
    await invoice(tenant, organization, contract, "t3", period_start=date(2027, 3, 1))
    await invoice(tenant, organization, contract, "t4", period_start=date(2027, 4, 1))


async def test_one_reminder_per_invoice_and_offset():
    tenant, organization, contract = await invoice_setup()
    issued = await invoice(tenant, organization, contract, "t1")
    await Reminder.create(invoice=issued, offset_days=15)

    with pytest.raises(IntegrityError):
        await Reminder.create(invoice=issued, offset_days=15)
    await Reminder.create(invoice=issued, offset_days=30)


async def test_one_processed_provider_event_per_event_id():
    await ProviderEvent.create(provider="stripe", event_id="evt_1", type="payment_intent.succeeded")

    with pytest.raises(IntegrityError):
        await ProviderEvent.create(
            provider="stripe", event_id="evt_1", type="payment_intent.succeeded"
        )
    await ProviderEvent.create(provider="other", event_id="evt_1", type="paid")


async def test_one_invoicing_run_per_tenant_and_day():
    tenant, _ = await factories.tenant()
    await InvoicingRun.create(
        tenant=tenant, run_date=date(2027, 1, 1), started_at=datetime(2027, 1, 1, 8, 15, tzinfo=UTC)
    )

    with pytest.raises(IntegrityError):
        await InvoicingRun.create(
            tenant=tenant,
            run_date=date(2027, 1, 1),
            started_at=datetime(2027, 1, 1, 8, 15, tzinfo=UTC),
        )


async def test_a_paid_invoice_from_before_paid_on_is_paid_on_the_day_it_was_recorded():
    import importlib
    from types import SimpleNamespace

    from tortoise import connections

    from remit.models.enums import InvoiceStatus

    migration = importlib.import_module("remit.models.migrations.0005_invoice_paid_on")
    tenant, organization, contract = await invoice_setup()
    paid = await invoice(
        tenant,
        organization,
        contract,
        "t1",
        status=InvoiceStatus.PAID,
        paid_at=datetime(2027, 1, 20, 23, 30, tzinfo=UTC),
    )
    due = await invoice(tenant, organization, contract, "t2", period_start=date(2027, 2, 1))

    editor = SimpleNamespace(client=connections.get("default"))
    await migration.date_paid_invoices(None, editor)

    assert (await Invoice.get(id=paid.id)).paid_on == date(2027, 1, 20)
    assert (await Invoice.get(id=due.id)).paid_on is None


async def test_one_number_counter_per_tenant_and_series():
    tenant, _ = await factories.tenant()  # with its invoice counter
    await InvoiceNumberSequence.create(tenant=tenant, series="credit_note")

    for series in ("invoice", "credit_note"):
        with pytest.raises(IntegrityError):
            await InvoiceNumberSequence.create(tenant=tenant, series=series)
    assert await InvoiceNumberSequence.filter(tenant=tenant).count() == 2


async def test_one_credit_note_number_per_tenant():
    tenant, organization, contract = await invoice_setup()
    issued = await invoice(tenant, organization, contract, "t1", number="INV-000001")

    def credit_note(token: str):
        return CreditNote.create(
            tenant=tenant,
            invoice=issued,
            organization=organization,
            number="INV-CN-000001",
            issue_date=date(2027, 1, 5),
            reason="Twice",
            currency="EUR",
            subtotal=100,
            tax=0,
            total=100,
            created_by="system",
            public_token=token,
        )

    await credit_note("c1")
    with pytest.raises(IntegrityError):
        await credit_note("c2")


# Run in a process of its own: migrating sets up Tortoise for the database it migrates.
UPGRADE = """
import asyncio, json, sys
from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate
from remit import db

async def sql(config, script, query):
    await Tortoise.init(config=config)
    try:
        client = connections.get("default")
        await client.execute_script(script)
        return await client.execute_query_dict(query) if query else None
    finally:
        await Tortoise.close_connections()

async def main(url):
    config = db.tortoise_config(url)
    await migrate(config=config, target="remit.0008_users_and_sessions")
    await Tortoise.close_connections()
    await sql(config, '''
        INSERT INTO tenant (id, name, invoicing_enabled, created_at, updated_at) VALUES
            ('11111111-1111-1111-1111-111111111111', 'Acme', FALSE, CURRENT_TIMESTAMP,
             CURRENT_TIMESTAMP);
        INSERT INTO invoice_number_sequence (id, tenant_id, last_number) VALUES
            ('22222222-2222-2222-2222-222222222222', '11111111-1111-1111-1111-111111111111', 41);
    ''', None)
    await migrate(config=config)
    await Tortoise.close_connections()
    rows = await sql(config, '''
        INSERT INTO invoice_number_sequence (id, tenant_id, series, last_number) VALUES
            ('33333333-3333-3333-3333-333333333333', '11111111-1111-1111-1111-111111111111',
             'credit_note', 0);
    ''', "SELECT series, last_number FROM invoice_number_sequence ORDER BY series")
    print(json.dumps(rows))

asyncio.run(main(sys.argv[1]))
"""


async def test_a_tenants_invoice_counter_becomes_its_invoice_series(tmp_path):
    if USES_SQLITE:
        url, drop = f"sqlite://{tmp_path}/upgrade.sqlite3", None
    else:
        name = f"{database_name()}_upgrade"
        url, drop = await recreate_postgres_database(name), name
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", UPGRADE, url],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        if drop:
            await drop_postgres_database(drop)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"series": "credit_note", "last_number": 0},
        {"series": "invoice", "last_number": 41},
    ]
