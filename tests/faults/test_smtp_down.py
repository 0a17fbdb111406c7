"""The SMTP server down for the first half of a cycle of 50 invoices, then up on the same
port: each delivery that met the closed port is deferred to a retry (arq, 1 minute later: the
first step of workers/retries.py's backoff; the test brings the retries forward rather than
wait the minute) and every invoice reaches the server once."""

import time

from tests.faults import processes
from tests.faults.audit import audit, due_today, wait_until_everything_sent
from tests.servers import Collector, free_port, start

pytestmark = processes.ON_WORKERS

TENANTS = {"Acme Corp": 30, "Initech": 20}  # 50 contracts in all


async def test_deliveries_refused_by_a_closed_port_are_retried_and_sent_once_it_opens(
    settings, runtime, tmp_path
):
    processes.skip_near_midnight()
    cycle = await due_today(TENANTS)
    half = len(cycle.contracts) // 2
    port = free_port()  # nothing listens there yet: each connection is refused
    environment = processes.worker_environment(settings, port)
    workers = [processes.start_worker(f"worker-{n}", environment, tmp_path) for n in (1, 2)]
    started_at = time.monotonic()
    mail = Collector()
    smtp = None
    try:

        async def half_put_off() -> bool:
            return len(processes.retried(workers, "invoice.deliver")) >= half

        await processes.wait_until(
            half_put_off,
            60,
            lambda: f"fewer than {half} deliveries retried within 60 s\n{processes.logs(workers)}",
        )
        smtp = start(mail, port=port)
        up_at = time.monotonic()
        put_off = len(processes.retried(workers, "invoice.deliver"))
        await wait_until_everything_sent(
            cycle, 45, lambda: processes.logs(workers), hurry=(runtime.pool, settings.queue_name)
        )
        recovered_in = time.monotonic() - up_at
    finally:
        await processes.stop(workers)
        if smtp is not None:
            smtp.stop()

    processes.assert_stopped_cleanly(workers)
    outcome = await audit(cycle, mail)
    assert outcome.duplicates == {}
    print(
        f"\nSMTP down for the first half: {outcome}; {put_off} deliveries put off while it "
        f"was down; every invoice sent {recovered_in:.1f} s after it came up; "
        f"{time.monotonic() - started_at:.1f} s in all"
    )
