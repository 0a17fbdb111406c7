"""Migration 0009 moves the payments an invoice held (a JSON of provider figures and an
amount paid) into the ledger's rows, and every invoice keeps its amount paid."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import USES_SQLITE, drop_postgres_database, recreate_postgres_database

ROOT = Path(__file__).parents[2]
TODAY = None  # provider payments are received on the day their event was recorded


async def migrated_from_0008(tmp_path) -> dict:
    name = f"remit_test_ledger_{os.getpid()}"
    if USES_SQLITE:
        url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    else:
        url = await recreate_postgres_database(name)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.models.ledger_migration", url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            env={k: v for k, v in os.environ.items() if not k.startswith("REMIT_")},
        )
    finally:
        if not USES_SQLITE:
            await drop_postgres_database(name)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def without_day(payments: list) -> list:
    """A provider payment's day is the day its event was recorded: today, in this test."""
    return [[*p[:3], p[3] if p[0] == "manual" else TODAY, *p[4:]] for p in payments]


async def test_paid_refunded_and_partly_refunded_invoices_keep_every_amount_paid(tmp_path):
    ledger = await migrated_from_0008(tmp_path)

    amounts = {
        name: (found["amount_paid"], found["derived"])
        for name, found in ledger.items()
        if name not in ("unapplied", "credit", "events")
    }
    assert amounts == {
        "stripe paid": (129988, 129988),
        "fully refunded": (0, 0),
        "partly refunded": (100000, 100000),
        "refunded then paid again": (129988, 129988),
        "refund reported only": (0, 0),
        "paid by hand": (129988, 129988),
        "paid by hand before paid_on": (129988, 129988),
        "part by stripe, rest by hand": (129988, 129988),
        "unpaid": (0, 0),
    }
    stripe = ["stripe"]
    assert {
        name: without_day(found["payments"])
        for name, found in ledger.items()
        if name not in ("unapplied", "credit", "events")
    } == {
        "stripe paid": [[*stripe, "pi_1", 129988, TODAY, "provider:stripe", []]],
        "fully refunded": [[*stripe, "pi_2", 129988, TODAY, "provider:stripe", [129988]]],
        "partly refunded": [[*stripe, "pi_3", 129988, TODAY, "provider:stripe", [29988]]],
        "refunded then paid again": [
            [*stripe, "pi_4", 129988, TODAY, "provider:stripe", [129988]],
            [*stripe, "pi_5", 129988, TODAY, "provider:stripe", []],
        ],
        "refund reported only": [],
        "paid by hand": [["manual", None, 129988, "2027-01-07", "user:ann@acme.com", []]],
        # Paid before invoices had a paid_on: received on the day the payment was recorded.
        "paid by hand before paid_on": [
            ["manual", None, 129988, "2027-01-06", "user:ann@acme.com", []]
        ],
        "part by stripe, rest by hand": [
            ["manual", None, 79988, "2027-01-10", "user:ann@acme.com", []],
            [*stripe, "pi_7", 50000, TODAY, "provider:stripe", []],
        ],
        "unpaid": [],
    }
    # A refund reported before its payment keeps its row, with nothing received yet.
    assert ledger["unapplied"] == [["pi_6", 0]]
    assert ledger["credit"] == {}
    # The invoices' histories stay whole (SQLite drops the column in place: rebuilding the
    # invoice table would delete every invoice's events with it).
    assert ledger["events"] == 15
