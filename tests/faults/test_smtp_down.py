"""The SMTP server down for the first half of a cycle of 50 invoices, then up on the same
port: each delivery that met the closed port is retried (arq, 1 minute later: the first step
of workers/retries.py's backoff) and every invoice reaches the server once."""

import time

import pytest

from tests.conftest import USES_SQLITE
from tests.faults.audit import audit, due_today, wait_until_everything_sent
from tests.faults.processes import (
    assert_stopped_cleanly,
    logs,
    retried,
    skip_near_midnight,
    start_worker,
    stop,
    wait_until,
    worker_environment,
)
from tests.servers import Collector, free_port, start

pytestmark = pytest.mark.skipif(
    USES_SQLITE, reason="`remit worker` processes share a Redis queue: the PostgreSQL run"
)

TENANTS = {"Acme Corp": 30, "Initech": 20}  # 50 contracts in all
FIRST_RETRY = 60  # seconds: retries.backoff_seconds(1)


async def test_deliveries_refused_by_a_closed_port_are_retried_and_sent_once_it_opens(
    settings, tmp_path
):
    skip_near_midnight()
    cycle = await due_today(TENANTS)
    half = len(cycle.contracts) // 2
    port = free_port()  # nothing listens there yet: each connection is refused
    environment = worker_environment(settings, port)
    workers = [start_worker(f"worker-{n}", environment, tmp_path) for n in (1, 2)]
    started_at = time.monotonic()
    mail = Collector()
    smtp = None
    try:

        async def half_put_off() -> bool:
            return len(retried(workers, "invoice.deliver")) >= half

        await wait_until(
            half_put_off,
            60,
            lambda: f"fewer than {half} deliveries retried within 60 s\n{logs(workers)}",
        )
        smtp = start(mail, port=port)
        up_at = time.monotonic()
        put_off = len(retried(workers, "invoice.deliver"))
        await wait_until_everything_sent(cycle, FIRST_RETRY + 45, lambda: logs(workers))
        recovered_in = time.monotonic() - up_at
    finally:
        await stop(workers)
        if smtp is not None:
            smtp.stop()

    assert_stopped_cleanly(workers)
    outcome = await audit(cycle, mail)
    assert outcome.duplicates == {}
    print(
        f"\nSMTP down for the first half: {outcome}; {put_off} deliveries put off while it "
        f"was down; every invoice sent {recovered_in:.1f} s after it came up; "
        f"{time.monotonic() - started_at:.1f} s in all"
    )
