"""Redis restarted mid-cycle: the test runs its own `redis-server` (no persistence, on its
own port), points the workers at it, and kills and restarts it while invoices are issued and
emailed. Whatever the queue held is gone; the audit holds all the same."""

import shutil
import subprocess
import time

import pytest
import redis.asyncio as redis

from remit.models.invoices import Invoice
from tests.faults import processes
from tests.faults.audit import audit, due_today, everything_sent, progress
from tests.servers import Collector, free_port, start

pytestmark = [
    processes.ON_WORKERS,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server"),
]

TENANTS = {"Acme Corp": 18, "Initech": 12}  # 30 contracts in all


class RedisServer:
    def __init__(self, port: int, folder) -> None:
        self.port = port
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.from_url(self.url)

        async def answers() -> bool:
            try:
                return await client.ping()
            except (redis.ConnectionError, OSError):
                return False

        try:
            await processes.wait_until(
                answers, 10, lambda: f"redis-server on {self.port} did not start"
            )
        finally:
            await client.aclose()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


async def test_redis_restarted_mid_cycle_leaves_each_invoice_issued_and_sent_once(
    settings, tmp_path
):
    processes.skip_near_midnight()
    cycle = await due_today(TENANTS)
    mail = Collector()
    smtp = start(mail)
    queue = RedisServer(free_port(), tmp_path)
    await queue.start()
    environment = processes.worker_environment(settings, smtp.port, redis_url=queue.url)
    workers = [processes.start_worker(f"worker-{n}", environment, tmp_path) for n in (1, 2)]
    started_at = time.monotonic()
    exited = []  # the workers that exited on losing Redis
    try:

        async def mid_cycle() -> bool:
            sent = await Invoice.filter(sent_at__not_isnull=True).count()
            return 3 <= sent < len(cycle.contracts) - 10

        await processes.wait_until(
            mid_cycle, 45, lambda: f"no mid-cycle moment in 45 s\n{processes.logs(workers)}"
        )
        sent_before = await Invoice.filter(sent_at__not_isnull=True).count()
        issued_before = await Invoice.all().count()
        queue.kill()
        await queue.start()  # empty: the queue, the in-progress keys and the results are gone
        restarted_at = time.monotonic()

        async def recovered() -> bool:
            # The supervisor's part (compose.yaml's restart policy): a worker that exited
            # on losing Redis is started again.
            for worker in list(workers):
                if worker.process.poll() is not None and worker not in exited:
                    exited.append(worker)
                    workers.append(
                        processes.start_worker(f"{worker.name}-again", environment, tmp_path)
                    )
            return await everything_sent(cycle)

        async def stuck() -> str:
            return f"not every invoice sent in 90 s: {await progress(cycle)}\n{processes.logs(workers)}"

        await processes.wait_until(recovered, 90, stuck, every=0.2)
        recovered_in = time.monotonic() - restarted_at
    finally:
        await processes.stop(workers)
        queue.kill()
        smtp.stop()

    for worker in exited:  # in one line, the CLI's (the connection closed, or refused)
        last_line = worker.output().rstrip().splitlines()[-1]
        assert last_line.startswith("remit: cannot reach Redis: "), worker.output()[-2000:]
    processes.assert_stopped_cleanly([w for w in workers if w not in exited])
    outcome = await audit(cycle, mail, may_repeat=processes.retried(workers, "invoice.deliver"))
    print(
        f"\nRedis restarted mid-cycle ({issued_before} issued, {sent_before} sent before): "
        f"{outcome}; {len(exited)} worker(s) exited and restarted; every invoice sent {recovered_in:.1f} s after the restart; "
        f"{time.monotonic() - started_at:.1f} s in all"
    )
