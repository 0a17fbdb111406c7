"""The daily invoicing cycle on many `remit worker` processes, one of them killed mid-cycle.

Three workers start after today's cycle time, so each one's start-up catch-up plans today's
cycle (the cron fired three times for one day), and the cron's plan job is asked for twice
more. While invoices are being issued and emailed, one worker is SIGKILLed and a replacement
started. In the end every due contract has exactly one invoice, each tenant's numbers run
without a gap, and every invoice reached the SMTP server once; the only duplicate allowed
is a delivery that was cut off by the kill after the server took the message.
"""

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from arq.constants import in_progress_key_prefix, job_key_prefix

from remit.billing import clock
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.runs import InvoicingRun
from tests import factories
from tests.conftest import USES_SQLITE
from tests.servers import Collector, start

pytestmark = pytest.mark.skipif(
    USES_SQLITE, reason="`remit worker` processes share a Redis queue: the PostgreSQL run"
)

TENANTS = {"Acme Corp": 16, "Initech": 14, "Umbrella": 10}  # 40 contracts in all
PUBLIC_URL = "https://pay.acme.com"
SENDER = "billing@acme.com"  # ready_tenant's company email, the From of every invoice
TOTAL = "€1,299.88"  # the first invoice of factories.WORKED_EXAMPLE
# What arq gives a job before another worker may take it over: job_timeout (300 s in
# workers/settings.py, no REMIT_ setting changes it) + 10 s.
ARQ_IN_PROGRESS_MS = (300 + 10) * 1000
DEADLINE = 75  # seconds for the whole cycle, the kill included

# arq's log lines: "  0.01s → <job id>:<function>(<args>)" when a job starts, then
# "← ... ●" (done), "↻ ..." (retry, cancelled) or "! ..." (failed, expired) when it ends.
# Cron-typed jobs (cycle.plan) log their function name only, without a job id.
STARTED = re.compile(r"→ (?P<id>\S+):(?P<function>[a-z_]+\.[a-z_]+)\(")
ENDED = re.compile(r"(?:←|↻|!) (?P<id>\S+):(?P<function>[a-z_]+\.[a-z_]+) ")


@dataclass
class WorkerProcess:
    name: str
    process: subprocess.Popen
    log: Path
    killed: bool = False

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def in_flight(self) -> set[str]:
        """The job ids this worker has started and not finished, by its log."""
        running: Counter[str] = Counter()
        for line in self.output().splitlines():
            if started := STARTED.search(line):
                running[started["id"]] += 1
            elif ended := ENDED.search(line):
                running[ended["id"]] -= 1
        return {job_id for job_id, count in running.items() if count > 0}


def worker_environment(settings, smtp_port: int) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    environment.update(
        REMIT_DATABASE_URL=settings.database_url,
        REMIT_REDIS_URL=settings.redis_url,
        REMIT_QUEUE_NAME=settings.queue_name,
        REMIT_SECRET_KEY="test-secret",
        REMIT_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        REMIT_PUBLIC_URL=PUBLIC_URL,
        # Already passed today (UTC): each worker's start-up catch-up plans today's cycle.
        REMIT_CYCLE_TIME="00:00",
        PYTHONUNBUFFERED="1",
    )
    return environment


def start_worker(name: str, environment: dict[str, str], folder: Path) -> WorkerProcess:
    log = folder / f"{name}.log"
    with log.open("w") as sink:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "remit", "worker"],
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return WorkerProcess(name, process, log)


async def wait_until(predicate, seconds: float, failure) -> None:
    """Poll `predicate` every 50 ms; fail with `failure()` once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            pytest.fail(await failure() if asyncio.iscoroutinefunction(failure) else failure())
        await asyncio.sleep(0.05)


async def stop(workers: list[WorkerProcess], seconds: float = 30) -> None:
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while any(w.process.poll() is None for w in workers) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    for worker in workers:
        if worker.process.poll() is None:  # only on a failure: never leave a process behind
            worker.process.kill()
            worker.process.wait(timeout=10)


async def in_progress(pool) -> dict[str, int]:
    """Job id -> milliseconds left on its arq in-progress key."""
    keys = await pool.keys(f"{in_progress_key_prefix}*")
    left = {key.decode().removeprefix(in_progress_key_prefix): await pool.pttl(key) for key in keys}
    return {job_id: ms for job_id, ms in left.items() if ms > 0}


async def orphaned_jobs(pool, queue: str, victim, survivors, killed_at: float) -> set[str]:
    """The jobs the killed worker held: their in-progress keys were set before the kill and
    no surviving worker works on them."""
    await asyncio.sleep(1)  # jobs a survivor picked up before the kill are in its log by now
    unclaimed: set[str] | None = None
    deadline = time.monotonic() + 3
    while True:
        since_kill_ms = (time.monotonic() - killed_at) * 1000
        left = await in_progress(pool)
        busy = set().union(*(worker.in_flight() for worker in survivors))
        before_kill = {
            job_id
            for job_id, ms in left.items()
            # > 60 s: not a finished cron job's key, which arq keeps for 60 s after the job.
            if 60_000 < ms < ARQ_IN_PROGRESS_MS - since_kill_ms
        }
        queued = {job_id for job_id in before_kill if await pool.zscore(queue, job_id)}
        candidates = queued - busy  # jobs of this test's queue: arq keys are per database
        unclaimed = candidates if unclaimed is None else unclaimed & candidates
        unlogged = unclaimed - victim.in_flight()
        if not unlogged or time.monotonic() > deadline:
            return unclaimed
        await asyncio.sleep(0.2)


def received(handler: Collector) -> list:
    return [
        (envelope.rcpt_tos, message_from_bytes(envelope.original_content, policy=default_policy))
        for envelope in handler.envelopes
    ]


async def test_the_daily_cycle_on_many_workers_one_killed_issues_and_sends_each_invoice_once(
    settings, runtime, tmp_path
):
    if datetime.now(UTC).time() >= datetime.strptime("23:58", "%H:%M").time():
        pytest.skip("too close to midnight UTC: the workers' day could differ from the test's")
    today = clock.today()
    contracts = {}  # contract id -> (tenant name, billing email)
    for tenant_name, count in TENANTS.items():
        tenant, _ = await factories.ready_tenant(tenant_name)
        domain = tenant_name.lower().replace(" ", "-") + ".com"
        for n in range(1, count + 1):
            email = f"ap@customer-{n:02d}.{domain}"
            contract = await factories.live_contract(
                tenant,
                today,
                organization_name=f"{tenant_name} customer {n:02d}",
                billing_email=email,
            )
            contracts[contract.id] = (tenant_name, email)
    assert len(contracts) == sum(TENANTS.values())

    # conftest claims a Redis database per test process; should anything else on the machine
    # FLUSHDB it under this test's feet, that is detected, not guessed.
    sentinel = f"{settings.queue_name}:sentinel"
    await runtime.pool.set(sentinel, "1")

    async def flushed() -> str:
        if await runtime.pool.exists(sentinel):
            return ""
        return (
            f"another process flushed Redis database {settings.redis_url} during this test "
            "(it is claimed by this test process only): the queue was lost. "
        )

    mail = Collector()
    smtp = start(mail)
    environment = worker_environment(settings, smtp.port)
    workers = [start_worker(f"worker-{n}", environment, tmp_path) for n in (1, 2, 3)]
    started_at = time.monotonic()
    try:
        # The cron firing twice for the same tick (one job id), and once more as another tick.
        day = today.isoformat()
        # (arq names a unique cron's job "<name>:<tick in ms>"; the queue name keeps these
        # ids apart from another test process's on the same Redis database.)
        midnight = datetime.combine(today, datetime.min.time(), UTC)
        tick = f"{settings.queue_name}:cycle.plan:{int(midnight.timestamp() * 1000)}"
        assert await runtime.pool.enqueue_job("cycle.plan", day, _job_id=tick) is not None
        assert await runtime.pool.enqueue_job("cycle.plan", day, _job_id=tick) is None
        assert await runtime.pool.enqueue_job("cycle.plan", day, _job_id=f"{tick}:again")

        # Mid-cycle: some invoices out, not all, and the victim busy delivering one.
        victim = workers[0]

        async def mid_cycle() -> bool:
            sent = await Invoice.filter(sent_at__not_isnull=True).count()
            delivering = any(j.startswith("deliver:") for j in victim.in_flight())
            return 3 <= sent < len(contracts) - 5 and delivering

        def too_late() -> str:
            logs = "\n".join(f"--- {w.name}\n{w.output()[-3000:]}" for w in workers)
            return f"no moment with the victim delivering mid-cycle within 45 s\n{logs}"

        await wait_until(mid_cycle, 45, too_late)
        os.kill(victim.process.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        victim.process.wait(timeout=10)
        victim.killed = True
        workers.append(start_worker("worker-4", environment, tmp_path))
        survivors = [w for w in workers if not w.killed]

        # The killed worker's jobs keep arq's in-progress key for 310 s (job_timeout 300 +
        # 10): until it expires no other worker takes them over. No setting shortens
        # job_timeout and 5 minutes is too long to wait here, so the test expires those keys
        # itself, which is what Redis does on its own 310 s after the job started. The dead
        # worker's jobs: those its log shows started and never finished, and any other key
        # set before the kill (a job picked up a moment before its "→" line) that stays
        # unclaimed by every survivor's log (a survivor logs the jobs it picks up at once).
        orphaned = await orphaned_jobs(
            runtime.pool, settings.queue_name, victim, survivors, killed_at
        )
        assert victim.in_flight() <= orphaned, (
            await flushed(),
            victim.in_flight(),
            orphaned,
            await in_progress(runtime.pool),
            {w.name: w.in_flight() for w in survivors},
            (time.monotonic() - killed_at),
            victim.output()[-5000:],
        )
        assert orphaned, f"the victim was working on nothing at the kill: {victim.output()}"
        for job_id in orphaned:
            await runtime.pool.pexpire(f"{in_progress_key_prefix}{job_id}", 1)

        async def all_sent() -> bool:
            issued = await Invoice.filter(contract_id__in=list(contracts)).count()
            unsent = await Invoice.filter(sent_at=None).exists()
            return issued >= len(contracts) and not unsent

        async def stuck() -> str:
            issued = await Invoice.all().values_list("id", "contract_id", "number", "sent_at")
            missing = set(contracts) - {contract_id for _, contract_id, _, _ in issued}
            unsent = [(str(i), n) for i, _, n, sent in issued if sent is None]
            queued = [
                (str(i), await runtime.pool.exists(f"{job_key_prefix}deliver:{i}"))
                for i, _ in unsent
            ]
            progress = await in_progress(runtime.pool)
            logs = "\n".join(f"--- {w.name}\n{w.output()[-4000:]}" for w in workers)
            return await flushed() + (
                f"the cycle did not finish within {DEADLINE} s: contracts without an invoice "
                f"{sorted(map(str, missing))}; unsent invoices (id, deliver job queued) {queued}; "
                f"in-progress keys (ms left) {progress}; orphaned at the kill {orphaned}\n{logs}"
            )

        await wait_until(all_sent, DEADLINE - (time.monotonic() - started_at), stuck)
    finally:
        await stop(workers)
        smtp.stop()

    assert not await flushed(), await flushed()

    # Every worker stopped on SIGTERM, cleanly; the killed one died by SIGKILL.
    for worker in workers:
        output = worker.output()
        if worker.killed:
            assert worker.process.returncode == -signal.SIGKILL
            continue
        assert worker.process.returncode in (0, -signal.SIGTERM), (worker.name, output)
        assert "Traceback" not in output, (worker.name, output)

    # Exactly one invoice per due contract, for today's period, DUE and sent once.
    invoices = await Invoice.all().prefetch_related("tenant")
    assert len(invoices) == len(contracts)
    per_contract = Counter(invoice.contract_id for invoice in invoices)
    assert per_contract == Counter({contract_id: 1 for contract_id in contracts})
    for invoice in invoices:
        assert invoice.tenant.name == contracts[invoice.contract_id][0]
        assert (invoice.status, invoice.period_start, invoice.issue_date) == (
            InvoiceStatus.DUE,
            today,
            today,
        )
        assert invoice.total == 129988 and invoice.sent_at is not None
    for contract in await Contract.filter(id__in=list(contracts)):
        assert contract.next_invoice_date > today  # moved on, with the invoice

    # Each tenant's numbers: INV-000001 .. INV-0000NN, no gap, no repeat.
    for tenant_name, count in TENANTS.items():
        numbers = sorted(i.number for i in invoices if i.tenant.name == tenant_name)
        assert numbers == [f"INV-{n:06d}" for n in range(1, count + 1)], tenant_name

    # One "sent" event per invoice: a delivery cut off by the kill recorded nothing.
    sent_events = Counter(
        await InvoiceEvent.filter(type="sent").values_list("invoice_id", flat=True)
    )
    assert sent_events == Counter({invoice.id: 1 for invoice in invoices})

    # Every invoice reached the SMTP server, once, but for one case: a delivery job of the
    # killed worker that had handed its message to the server (the email went out) and
    # died before recording sent_at. Taken over by another worker, the job sent it again
    # with the same Message-ID, so the customer's mail client shows it once. A worker runs
    # up to 10 jobs at a time (arq's max_jobs), so there may be as many such repeats as the
    # killed worker had deliveries running; anything else sent twice is a bug.
    by_id = {f"<invoice.{invoice.id}@pay.acme.com>": invoice for invoice in invoices}
    messages = received(mail)
    per_message = Counter(message["Message-ID"] for _, message in messages)
    assert set(per_message) == set(by_id)
    duplicates = {message_id: n for message_id, n in per_message.items() if n > 1}
    assert set(duplicates.values()) <= {2}, duplicates
    for message_id in duplicates:
        assert f"deliver:{by_id[message_id].id}" in orphaned, (message_id, orphaned)
    for recipients, message in messages:
        invoice = by_id[message["Message-ID"]]
        tenant_name, email = contracts[invoice.contract_id]
        assert recipients == [email]
        assert (message["From"], message["To"], message["Cc"]) == (
            f"{tenant_name} <{SENDER}>",
            email,
            None,
        )
        assert message["Subject"] == f"Invoice {invoice.number} from {tenant_name}"
        [attachment] = list(message.iter_attachments())
        assert (attachment.get_filename(), attachment.get_content_type()) == (
            f"{invoice.number}.pdf",
            "application/pdf",
        )
        assert attachment.get_content().startswith(b"%PDF-")
        text = message.get_body(("plain",)).get_content()
        assert f"{PUBLIC_URL}/i/{invoice.public_token}" in text
        assert TOTAL in text and invoice.number in text

    # One run per tenant for today, every due contract counted once and issued. (The plan
    # jobs run while other workers issue: a contract issued between a plan's query and its
    # count of the run's issued invoices must not be counted as due twice.)
    runs = await InvoicingRun.filter(run_date=today).prefetch_related("tenant")
    counted = sorted(
        (r.tenant.name, r.contracts_due, r.invoices_issued, r.invoices_on_hold, r.failures)
        for r in runs
    )
    expected = sorted((name, count, count, 0, []) for name, count in TENANTS.items())
    assert counted == expected, f"(tenant, due, issued, held, failures): {counted}"
    assert all(run.finished_at is not None for run in runs)

    print(
        f"\n{len(invoices)} invoices on {len(workers)} workers in "
        f"{time.monotonic() - started_at:.1f} s; orphaned by the kill: {sorted(orphaned)}; "
        f"duplicate emails: {duplicates or 'none'}"
    )
