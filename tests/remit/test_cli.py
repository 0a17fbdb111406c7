"""The `remit` command as an operator runs it: a real process, real exit codes, one line on
failure."""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from remit import cli
from remit.billing import providers
from remit.models.invoices import Invoice
from remit.models.organizations import ProviderAccount
from remit.settings import get_settings
from tests import factories
from tests.conftest import (
    USES_SQLITE,
    drop_postgres_database,
    recreate_postgres_database,
)
from tests.migrated import migrated_sqlite

REMIT = [sys.executable, "-m", "remit"]
# A `remit` process given no REMIT_ settings runs on its embedded defaults (a SQLite file in
# its folder), whatever this run's database: the SQLite run covers it, once.
EMBEDDED = pytest.mark.skipif(not USES_SQLITE, reason="the embedded defaults: the SQLite run")


def remit(
    *args: str, cwd, env: dict | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    environment.update(env or {})
    return subprocess.run(
        [*REMIT, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
async def migrated_database(tmp_path):
    """The test's folder with its embedded database (`remit.sqlite3`, the default) migrated,
    as `remit migrate` leaves it: a copy of this run's migrated template, for the commands
    tested once the database is migrated (migrating takes a process about 8 s of CPU)."""
    await migrated_sqlite(tmp_path / "remit.sqlite3")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@EMBEDDED
def test_migrate_an_empty_sqlite_file_then_create_a_tenant(tmp_path):
    migrated = remit("migrate", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip().endswith("remit: the database is migrated")

    created = remit("tenant", "create", "Acme Corp", cwd=tmp_path)

    assert created.returncode == 0, created.stderr
    id_line, key_line = created.stdout.strip().splitlines()
    assert id_line.startswith("tenant id: ") and key_line.startswith("api key:   rk_")
    again = remit("migrate", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


@pytest.mark.skipif(USES_SQLITE, reason="the PostgreSQL run covers PostgreSQL")
async def test_migrate_an_empty_postgres_database(tmp_path):
    name = f"remit_cli_{os.getpid()}"
    url = await recreate_postgres_database(name)
    try:
        result = remit("migrate", cwd=tmp_path, env={"REMIT_DATABASE_URL": url})
        assert result.returncode == 0, result.stderr
        second = remit("migrate", cwd=tmp_path, env={"REMIT_DATABASE_URL": url})
        assert second.returncode == 0, second.stderr
    finally:
        await drop_postgres_database(name)


@EMBEDDED
def test_serve_refuses_an_unmigrated_database(tmp_path):
    line = one_line_error(remit("serve", cwd=tmp_path))

    assert (
        line
        == "remit: the database is not migrated (20 pending: remit.0001_initial, remit.0002_provider_account, remit.0003_provider_payments, remit.0004_job_outbox, remit.0005_invoice_paid_on, remit.0006_contract_catch_up, remit.0007_seal_provider_secrets, remit.0008_users_and_sessions, remit.0009_payment_ledger, remit.0010_one_off_invoices, remit.0011_credit_notes, remit.0012_invoice_amount_credited, remit.0013_bank_transactions, remit.0014_tenant_logo, remit.0015_webhooks, remit.0016_dunning, remit.0017_card_retries, remit.0018_locales, remit.0019_einvoice, remit.0020_foreign_key_indexes); run `remit migrate` first"
    )


@EMBEDDED
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://postgres@127.0.0.1:1/remit", "remit: cannot use the database: "),
        ("mysql-ish://nowhere", "remit: cannot use the database: "),
        (
            "sqlite:///no/such/folder/remit.sqlite3",
            "remit: cannot use the database: no folder /no/such/folder for the SQLite database /no/such/folder/remit.sqlite3",
        ),
    ],
)
def test_serve_with_a_wrong_database_url_says_so_in_one_line(tmp_path, url, expected):
    line = one_line_error(remit("serve", cwd=tmp_path, env={"REMIT_DATABASE_URL": url}))

    assert line.startswith(expected)


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_serve_and_worker_with_unreachable_redis_say_so_in_one_line(tmp_path):
    env = {"REMIT_REDIS_URL": "redis://127.0.0.1:1/0"}

    for command in ("serve", "worker"):
        line = one_line_error(remit(command, cwd=tmp_path, env=env))
        assert line.startswith("remit: cannot reach Redis: "), line


@EMBEDDED
def test_worker_without_redis_explains_the_embedded_mode(tmp_path):
    line = one_line_error(remit("worker", cwd=tmp_path))

    assert (
        line
        == "remit: `remit worker` needs REMIT_REDIS_URL; without it `remit serve` runs the jobs"
    )


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_apikey_create_checks_its_argument(tmp_path):
    assert (
        one_line_error(remit("apikey", "create", "acme", cwd=tmp_path))
        == "remit: 'acme' is not a tenant id."
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert (
        one_line_error(remit("apikey", "create", missing, cwd=tmp_path))
        == f"remit: No tenant with id {missing}."
    )


@EMBEDDED
def test_an_invalid_setting_is_one_line(tmp_path):
    line = one_line_error(remit("migrate", cwd=tmp_path, env={"REMIT_CYCLE_TIME": "noon"}))

    assert (
        line == "remit: invalid configuration: REMIT_CYCLE_TIME: must be HH:MM in UTC, e.g. 08:15"
    )


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_a_fee_its_currency_cannot_hold_stops_serve_in_one_line(tmp_path):
    env = {"REMIT_PLATFORM_FEE_PER_INVOICE": "0.505", "REMIT_PLATFORM_FEE_CURRENCY": "USD"}

    line = one_line_error(remit("serve", cwd=tmp_path, env=env))

    assert line == "remit: USD amounts have at most 2 decimal places; 0.505 has more."


@EMBEDDED
def test_schema_export_writes_the_sdl(tmp_path):
    result = remit("schema", "export", "out.graphql", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "type Query" in (tmp_path / "out.graphql").read_text()


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_cycle_run_issues_the_days_invoices_and_says_what_it_did(tmp_path):
    assert remit("demo", cwd=tmp_path).returncode == 0

    first = remit("cycle", "run", cwd=tmp_path)
    again = remit("cycle", "run", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    lines = [line.strip() for line in first.stdout.strip().splitlines()]
    [day] = re.fullmatch(r"Invoicing cycle of (\d{4}-\d{2}-\d{2})", lines[0]).groups()
    assert lines[4] == "│ Demo Company Ltd │ 3   │ 3      │ 0       │ 0      │"
    assert (again.returncode, again.stdout.strip()) == (0, f"No contract is due on {day}.")


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_reminders_dry_run_prints_a_line_per_reminder_and_changes_nothing(tmp_path):
    assert remit("demo", cwd=tmp_path).returncode == 0
    issued = remit("cycle", "run", "--date", "2027-01-01", cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    database = (tmp_path / "remit.sqlite3").read_bytes()
    mail = sorted(path.name for path in (tmp_path / "outbox").iterdir())

    first = remit("reminders", "run", "--dry-run", "--date", "2027-03-31", cwd=tmp_path)
    again = remit("reminders", "run", "--dry-run", "--date", "2027-03-31", cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 7, first.stdout
    assert sum(line.endswith(": would be marked overdue (due 2027-01-31)") for line in lines) == 2
    assert sum(line.endswith(": would be marked overdue (due 2027-02-15)") for line in lines) == 1
    reminded = [line for line in lines if "would be reminded" in line]
    assert [line.split(": ", 1)[1] for line in reminded] == [
        "would be reminded, 15 days after the due date (friendly)"
    ] * 3
    assert lines[-1] == (
        "2027-03-31 (dry run): 3 invoice(s) would be marked overdue, 3 reminder(s) would be "
        "sent; nothing was changed"
    )
    assert again.stdout == first.stdout
    assert (tmp_path / "remit.sqlite3").read_bytes() == database
    assert sorted(path.name for path in (tmp_path / "outbox").iterdir()) == mail


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_cycle_run_with_the_mail_server_down_ends_and_says_what_waits(tmp_path):
    assert remit("demo", cwd=tmp_path).returncode == 0
    nothing_listens = {"REMIT_SMTP_URL": f"smtp://127.0.0.1:{free_port()}"}
    started = time.monotonic()

    result = remit("cycle", "run", cwd=tmp_path, env=nothing_listens)

    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.strip().splitlines()]
    assert lines[4] == "│ Demo Company Ltd │ 3   │ 3      │ 0       │ 0      │"
    # The three deliveries are retried in a minute, by the workers; the command is done.
    assert re.fullmatch(
        r"3 job\(s\) waiting for a retry, the first at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\.",
        lines[-1],
    ), result.stdout
    assert took < 30, took


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_cycle_run_for_a_tenant_that_does_not_exist_is_one_line(tmp_path):
    missing = "00000000-0000-0000-0000-000000000000"

    assert (
        one_line_error(remit("cycle", "run", "--tenant", missing, cwd=tmp_path))
        == f"remit: No tenant with id {missing}."
    )


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_user_create_prints_a_one_time_set_password_link(tmp_path):
    created = remit("tenant", "create", "Acme", cwd=tmp_path)
    tenant_id = created.stdout.split()[2]

    result = remit("user", "create", tenant_id, "Ann@Acme.com", "--role", "admin", cwd=tmp_path)
    twice = remit("user", "create", tenant_id, "ann@acme.com", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"set-password link \(works once, for 7 days\): http://127\.0\.0\.1:8000/auth/invite/[\w-]{43}\n",
        result.stdout,
    )
    assert one_line_error(twice) == "remit: ann@acme.com already has a user."


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_user_create_refuses_bad_input_in_one_line(tmp_path):
    missing = "00000000-0000-0000-0000-000000000000"
    tenant_id = remit("tenant", "create", "Acme", cwd=tmp_path).stdout.split()[2]

    assert (
        one_line_error(remit("user", "create", "nope", "ann@acme.com", cwd=tmp_path))
        == "remit: 'nope' is not a tenant id."
    )
    assert (
        one_line_error(remit("user", "create", missing, "ann@acme.com", cwd=tmp_path))
        == f"remit: No tenant with id {missing}."
    )
    assert one_line_error(remit("user", "create", tenant_id, "ann", cwd=tmp_path)).startswith(
        "remit: 'ann' is not an email address:"
    )
    bad_role = remit("user", "create", tenant_id, "ann@acme.com", "--role", "king", cwd=tmp_path)
    assert bad_role.returncode == 2 and "Traceback" not in bad_role.stderr


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_demo_prints_the_console_and_a_fresh_owner_sign_in_each_run(tmp_path):

    runs = [remit("demo", cwd=tmp_path) for _ in range(2)]

    passwords = []
    for run in runs:
        assert run.returncode == 0, run.stderr
        lines = run.stdout.splitlines()
        assert lines[1] == "console:     http://127.0.0.1:8000/app"
        [password] = re.fullmatch(
            r"sign in:     demo@remit\.example  password: (\S{16})", lines[2]
        ).groups()
        passwords.append(password)
    assert passwords[0] != passwords[1]
    # `make run PORT=8123` seeds for the server it then starts: the address follows.
    elsewhere = remit("demo", "--port", "8123", cwd=tmp_path)
    assert elsewhere.stdout.splitlines()[1] == "console:     http://127.0.0.1:8123/app"


@EMBEDDED
@pytest.mark.usefixtures("migrated_database")
def test_serve_is_a_whole_system_on_the_embedded_defaults(tmp_path):
    """`remit demo` then `remit serve` with nothing configured: the API answers the demo key,
    refuses no key, and the in-process worker runs the jobs the API asks for."""
    import httpx

    demo = remit("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    key = demo.stdout.strip().splitlines()[-1].split()[-1]
    again = remit("demo", cwd=tmp_path)
    assert again.stdout.splitlines()[0] == demo.stdout.splitlines()[0]  # the same tenant, a new key
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    # Today's cycle time has passed: the in-process worker catches the cycle up on start.
    environment["REMIT_CYCLE_TIME"] = "00:00"
    server = subprocess.Popen(
        [*REMIT, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        query = {"query": "{ tenant { name invoicingEnabled } }"}
        answered = httpx.post(
            f"{base}/graphql", json=query, headers={"Authorization": f"Bearer {key}"}
        )
        refused = httpx.post(f"{base}/graphql", json=query)

        assert answered.json() == {
            "data": {"tenant": {"name": "Demo Company Ltd", "invoicingEnabled": True}}
        }
        assert refused.status_code == 401
        import sqlite3

        for _ in range(50):
            used = (
                sqlite3.connect(tmp_path / "remit.sqlite3")
                .execute("SELECT count(*) FROM api_key WHERE last_used_at IS NOT NULL")
                .fetchone()[0]
            )
            if used:
                break
            time.sleep(0.1)
        assert used == 1
        for _ in range(150):
            sent = (
                sorted((tmp_path / "outbox").glob("*.eml"))
                if (tmp_path / "outbox").exists()
                else []
            )
            if len(sent) == 3:
                break
            time.sleep(0.2)
        assert len(sent) == 3, "the demo's three invoices were not issued and sent"
        assert all(b"application/pdf" in path.read_bytes() for path in sent)
        # Without REMIT_PUBLIC_URL, the links lead to the port served.
        for path in sent:
            message = message_from_bytes(path.read_bytes(), policy=default_policy)
            text = message.get_body(preferencelist=("plain",)).get_content()
            assert f"{base}/i/" in text, text
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    # uvicorn shuts down cleanly, then ends with the signal it was sent, as a process should.
    assert server.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete." in output, output
    assert "Traceback" not in output, output


@EMBEDDED
def test_fees_run_refuses_a_month_not_over(tmp_path):
    today = datetime.now(UTC).date()
    month = today.replace(day=1)
    after = (month + timedelta(days=31)).replace(day=1)

    line = one_line_error(remit("fees", "run", "--month", f"{month:%Y-%m}", cwd=tmp_path))

    assert line == (
        f"remit: {month:%B %Y} is not over yet: its processing fee can be billed from "
        f"{after:%Y-%m-%d}."
    )
    assert "is not over yet" in one_line_error(
        remit("fees", "run", "--month", "2099-01", cwd=tmp_path)
    )


@pytest.mark.parametrize(
    ("options", "env", "public_url"),
    [
        ([], {}, "http://127.0.0.1:8000"),
        (["--port", "8123"], {}, "http://127.0.0.1:8123"),
        (["--host", "0.0.0.0", "--port", "8123"], {}, "http://127.0.0.1:8123"),
        (["--host", "::", "--port", "8123"], {}, "http://[::1]:8123"),
        (["--host", "192.0.2.7"], {}, "http://192.0.2.7:8000"),
        (["--port", "8123"], {"REMIT_PUBLIC_URL": "https://pay.acme.com"}, "https://pay.acme.com"),
    ],
)
def test_serve_links_to_where_it_listens_unless_told_otherwise(
    monkeypatch, options, env, public_url
):
    import uvicorn

    import remit.app

    served = []
    monkeypatch.delenv("REMIT_PUBLIC_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cli, "preflight", lambda config, redis: None)
    monkeypatch.setattr(remit.app, "create_app", lambda config: config)
    monkeypatch.setattr(uvicorn, "run", lambda config, **listen: served.append((config, listen)))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["serve", *options])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    [(config, listen)] = served
    assert config.public_url == public_url
    assert (listen["host"], listen["port"]) == (
        options[options.index("--host") + 1] if "--host" in options else "127.0.0.1",
        int(options[options.index("--port") + 1]) if "--port" in options else 8000,
    )


async def test_cycle_run_with_stripe_unreachable_emails_every_invoice_and_ends(
    settings, smtpd, tmp_path
):
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=factories.STRIPE)
    for n in range(3):
        contract = await factories.live_contract(
            tenant,
            date(2027, 1, 1),
            organization_name=f"Globex {n}",
            payment_providers=["stripe", "bank_transfer"],
            auto_charge=True,
        )
        # Saved already: linking would also ask Stripe for each card's expiry.
        await ProviderAccount.create(
            organization_id=contract.organization_id,
            provider="stripe",
            customer_ref=f"cus_{n}",
            payment_method_ref=f"pm_{n}",
        )
    mail, smtp_port = smtpd
    environment = {
        "REMIT_DATABASE_URL": settings.database_url,
        "REMIT_SECRET_KEY": "test-secret",
        "REMIT_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        # Nothing listens there: every call to Stripe fails to connect.
        "REMIT_STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",
    }
    if settings.redis_url:
        environment |= {
            "REMIT_REDIS_URL": settings.redis_url,
            "REMIT_QUEUE_NAME": settings.queue_name,
        }
    started = time.monotonic()

    result = await asyncio.to_thread(
        remit, "cycle", "run", "--date", "2027-01-01", cwd=tmp_path, env=environment
    )

    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    invoices = await Invoice.filter(tenant=tenant).order_by("number")
    assert [(invoice.number, invoice.sent_at is not None) for invoice in invoices] == [
        ("INV-000001", True),
        ("INV-000002", True),
        ("INV-000003", True),
    ]
    assert len(mail.envelopes) == 3
    # The three automatic charges wait for Stripe; the command is done with what it can do.
    assert re.fullmatch(
        r"3 job\(s\) waiting for a retry, the first at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\.",
        result.stdout.strip().splitlines()[-1],
    ), result.stdout
    assert took < 60, took


def test_the_remit_script_loads_nothing_of_the_cli_until_it_runs():
    # A render process spawned by `remit worker` imports the script that started its parent,
    # as multiprocessing names it: it must stay light.
    script = Path(sys.executable).with_name("remit")
    probe = (
        "import runpy, sys\n"
        f"runpy.run_path({str(script)!r}, run_name='__mp_main__')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('remit.cli', 'tortoise'))))\n"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout

    assert loaded.strip() == "[]"
