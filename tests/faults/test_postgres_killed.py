"""PostgreSQL connections killed mid-cycle: `pg_terminate_backend` on every connection to the
test's database while `remit worker` processes issue and deliver. Jobs that met a dead
connection are deferred to a retry (brought forward rather than waited for); the audit
holds."""

import contextlib
import os
import time
from pathlib import Path

import asyncpg

from remit.models.invoices import Invoice
from tests.conftest import POSTGRES_ADMIN_URL, database_name
from tests.faults import processes
from tests.faults.audit import audit, due_today, wait_until_everything_sent
from tests.servers import Collector, start

pytestmark = processes.ON_WORKERS

TENANTS = {"Acme Corp": 18, "Initech": 12}  # 30 contracts in all
POSTGRES_PORT = 5432
# The issue's query, narrowed to the workers' connections (by their client ports): the
# test's own connections to the database stay up.
TERMINATE = """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = $1 AND pid <> pg_backend_pid() AND client_port = ANY($2::int[])"""


def database_ports(pid: int) -> set[int]:
    """The local ports of process `pid`'s TCP connections to PostgreSQL, from /proc."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(descriptor)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == POSTGRES_PORT:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


async def terminate_connections(workers) -> int:
    ports = set().union(*(database_ports(w.process.pid) for w in workers))
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"))
    try:
        return await admin.fetchval(TERMINATE, database_name(), sorted(ports))
    finally:
        await admin.close()


async def test_connections_killed_mid_cycle_leave_each_invoice_issued_and_sent_once(
    settings, runtime, tmp_path
):
    processes.skip_near_midnight()
    cycle = await due_today(TENANTS)
    mail = Collector()
    smtp = start(mail)
    environment = processes.worker_environment(settings, smtp.port)
    workers = [processes.start_worker(f"worker-{n}", environment, tmp_path) for n in (1, 2)]
    started_at = time.monotonic()
    terminated = []  # connections terminated, at each kill
    try:
        # Twice: while the first invoices are issued, and again mid-delivery.
        for at_least in (1, len(cycle.contracts) // 2):

            async def reached(at_least=at_least) -> bool:
                return await Invoice.filter(sent_at__not_isnull=True).count() >= at_least

            await processes.wait_until(
                reached,
                45,
                lambda at_least=at_least: (
                    f"fewer than {at_least} sent in 45 s\n{processes.logs(workers)}"
                ),
            )
            terminated.append(await terminate_connections(workers))
        await wait_until_everything_sent(
            cycle, 100, lambda: processes.logs(workers), hurry=(runtime.pool, settings.queue_name)
        )
    finally:
        await processes.stop(workers)
        smtp.stop()

    assert all(terminated), terminated
    processes.assert_stopped_cleanly(workers, tolerated="terminating connection")
    # A delivery whose connection was terminated after the SMTP server took the message,
    # before sent_at was recorded, is retried and sends the message again (same Message-ID).
    put_off = {
        function: processes.retried(workers, function)
        for function in ("cycle.issue", "invoice.deliver")
    }
    outcome = await audit(cycle, mail, may_repeat=put_off["invoice.deliver"])
    print(
        f"\nPostgreSQL connections killed twice ({terminated} terminated): {outcome}; "
        f"jobs retried: { {f: len(ids) for f, ids in put_off.items()} }; "
        f"{time.monotonic() - started_at:.1f} s in all"
    )
