"""The invoicing cycle at operator scale: the peak memory of a cycle over `--scale-contracts`
contracts (10,000 by default) across all its processes, and what a second worker process
adds to its speed.

Two sets of `--scale-contracts` contracts are made as bench/cycle.py makes them, on tenants
of their own, one set per cycle day (in February 2026: before bench/cycle.py's days, so the
two run one after the other on one database), then each day's cycle is worked by worker
processes (bench/worker.py: the arq worker of `remit worker`, in burst mode) on one Redis
queue of this process's own:

- day D, one worker process; day D + 1, two. Each run: the processes start and connect,
  then the day's `cycle.plan` job is queued (planning runs in a worker, as the cron entry
  has it) and they start together; timed until the last says the queue is empty. Each
  invoice issued, rendered in the worker's REMIT_PDF_WORKERS render processes (by default
  one per core) and emailed to an outbox folder.
- memory: every 100 ms the resident memory (VmRSS) of each worker process and of all its
  descendants (the render processes, replaced after 200 renders each, and multiprocessing's
  resource tracker), from /proc; the figure is the largest sum of one sample. A page shared
  by two processes counts twice, so the sum is an upper bound. For each process, its own
  peak (VmHWM, the kernel's high-water mark).

The speed-up is the two-process run's invoices per second over the one-process run's, both
measured in this run. On PostgreSQL only (two processes writing one SQLite file wait on
its lock); on SQLite the one-process run alone. Needs Linux (/proc) and Redis.

    python -m bench scale [--scale-contracts N] [--scale-processes 1|2] [--tenants N]
                          [--database-url URL] [--redis-url URL] [--max-jobs N] [--poll-delay S]

`--scale-processes 1` leaves the two-process run out (and makes half the contracts).
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tortoise import connections

from bench.cycle import WorkerOptions, build_data, check_issued, recorded_jobs
from remit import db
from remit.billing import cycle
from remit.models.invoices import Invoice
from remit.runtime import Runtime, running
from remit.settings import Settings

SCALE_DAY = date(2026, 2, 2)  # one worker process; two the day after
FIRST_TENANT = 101  # tenant numbers out of the way of bench/cycle.py's
TARGET_MB = 400
SAMPLE_SECONDS = 0.1
ROLES = ("worker", "render", "resource tracker")
ROOT = Path(__file__).resolve().parent.parent


# -- memory, from /proc ------------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of `pid`, in kB; empty once it has exited."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return {}
    fields = (line.split() for line in text.splitlines() if line.startswith(("VmRSS", "VmHWM")))
    return {name.rstrip(":"): int(kb) for name, kb, *_ in fields}


def _descendants(roots: list[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _role(pid: int, roots: list[int]) -> str:
    if pid in roots:
        return "worker"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError):
        return "other"
    if b"resource_tracker" in command:
        return "resource tracker"
    return "render" if b"spawn_main" in command else name


@dataclass
class Memory:
    """What the sampling saw: the largest sum, and each process's role and own peak (kB)."""

    roots: list[int]
    peak_total: int = 0
    peak_processes: int = 0
    roles: dict[int, str] = field(default_factory=dict)
    peaks: dict[int, int] = field(default_factory=dict)

    def sample(self) -> None:
        total = processes = 0
        for pid in _descendants(self.roots):
            status = _status(pid)
            if not status:
                continue
            if pid not in self.roles:
                self.roles[pid] = _role(pid, self.roots)
            total += status["VmRSS"]
            processes += 1
            self.peaks[pid] = max(self.peaks.get(pid, 0), status["VmHWM"], status["VmRSS"])
        if total > self.peak_total:
            self.peak_total, self.peak_processes = total, processes

    def of(self, role: str) -> list[int]:
        return [peak for pid, peak in self.peaks.items() if self.roles[pid] == role]

    def others(self) -> str:
        """The short-lived children (a library looking for another with a command), by name."""
        named = sorted({role for role in self.roles.values()} - set(ROLES))
        return ", ".join(f"{len(self.of(n))} {n} (max {_mb(max(self.of(n)))})" for n in named)


async def sampled(memory: Memory, stop: asyncio.Event) -> None:
    while not stop.is_set():
        memory.sample()
        await asyncio.sleep(SAMPLE_SECONDS)


# -- a cycle worked by worker processes ----------------------------------------------------------


@dataclass
class Run:
    processes: int
    invoices: int
    seconds: float
    jobs: list[int]  # the jobs each process ran
    memory: Memory

    @property
    def per_second(self) -> float:
        return self.invoices / self.seconds


async def worked(
    runtime: Runtime, env: dict[str, str], day: date, processes: int, worker: WorkerOptions
) -> tuple[float, list[int], Memory]:
    """The day's cycle worked by `processes` worker processes: seconds from their go, once
    all are connected, to the last one's empty queue, the jobs each ran, and their memory."""
    command = [sys.executable, "-m", "bench.worker", day.isoformat()]
    command += [str(worker.max_jobs), str(worker.poll_delay)]
    workers = [
        await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    try:
        for process in workers:
            if await process.stdout.readline() != b"ready\n":
                raise RuntimeError(f"worker process {process.pid} did not start")
        memory = Memory([process.pid for process in workers])
        await runtime.pool.enqueue_job(cycle.PLAN_JOB, day.isoformat())
        stop = asyncio.Event()
        sampling = asyncio.create_task(sampled(memory, stop))
        started = time.perf_counter()
        for process in workers:
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        done = [(await process.stdout.readline()).split() for process in workers]
        seconds = time.perf_counter() - started
        stop.set()
        await sampling
        for process in workers:
            if await process.wait():
                raise RuntimeError(f"worker process {process.pid} exited with {process.returncode}")
    finally:  # a bench stopped half-way leaves no worker behind
        for process in workers:
            if process.returncode is None:
                process.terminate()
    if any(line[:1] != [b"done"] for line in done):
        raise RuntimeError(f"worker processes ended with {done}")
    return seconds, [int(line[1]) for line in done], memory


async def nothing_else_due(days: list[date]) -> None:
    """The bench counts each day's invoices: another set of data must not add to them."""
    last = max(days)
    unsent = Invoice.filter(sent_at=None, issue_date__lte=last)
    if await cycle.due_contracts(last).exists() or await unsent.exists():
        raise SystemExit(f"contracts or unsent invoices are due by {last}: use another database")


async def main(
    contract_count: int,
    tenant_count: int,
    database_url: str | None,
    redis_url: str,
    worker: WorkerOptions,
    processes: int,
) -> None:
    if contract_count < tenant_count:
        raise SystemExit("--scale-contracts must be at least --tenants")
    days = [SCALE_DAY, SCALE_DAY + timedelta(days=1)]
    with tempfile.TemporaryDirectory() as folder:
        outbox = Path(folder) / "outbox"
        url = database_url or f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        postgres = url.startswith("postgres")
        runs = [1, 2][:processes] if postgres else [1]
        settings = Settings(
            database_url=url,
            redis_url=redis_url,
            smtp_url=None,
            outbox_dir=outbox,
            secret_key="bench",
            queue_name=f"remit:bench-scale:{os.getpid()}",
        )
        names = ("database_url", "redis_url", "outbox_dir", "secret_key", "queue_name")
        env = {**os.environ, **{f"REMIT_{n.upper()}": str(getattr(settings, n)) for n in names}}
        env["REMIT_SMTP_URL"] = ""
        await db.migrate(url)
        async with running(settings, run_jobs=False) as runtime:
            await nothing_else_due(days)
            started = time.perf_counter()
            per_day = {day: contract_count for day in days[: len(runs)]}
            await build_data(tenant_count, per_day, first_tenant=FIRST_TENANT)
            if postgres:  # the statistics and visibility map of the new rows, for both runs
                await connections.get("default").execute_script("VACUUM ANALYZE")
            setup = time.perf_counter() - started
            said(url, redis_url, tenant_count, worker, (contract_count * len(runs), setup))
            done = []
            for day, count in zip(days, runs, strict=False):
                seconds, jobs, memory = await worked(runtime, env, day, count, worker)
                await recorded_jobs(runtime, time.time())  # removes the job results
                await check_issued(day, contract_count, sent=True)
                done.append(Run(count, contract_count, seconds, jobs, memory))
                reported(done[-1])
            sent = len(list(outbox.glob("*.eml")))
            assert sent == contract_count * len(runs), f"{sent} emails in the outbox"
            await runtime.pool.delete(f"{settings.queue_name}:health-check")
    if len(done) == 2:
        one, two = done
        print(
            f"a second worker process: {two.per_second / one.per_second:.2f}x the invoices/s "
            f"of one ({two.per_second:.1f} over {one.per_second:.1f}), measured in this run "
            f"on {os.cpu_count()} cores"
        )


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def said(
    url: str, redis_url: str, tenant_count: int, worker: WorkerOptions, setup: tuple[int, float]
) -> None:
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"scale: {tenant_count} tenants on {backend}, queue on {redis_url}, {worker.max_jobs} "
        f"jobs at a time per process, poll delay {worker.poll_delay} s, REMIT_PDF_WORKERS="
        f"{os.environ.get('REMIT_PDF_WORKERS', 'unset')} (cpu count {os.cpu_count()}); setup "
        f"(not timed) {setup[0]} contracts in {setup[1]:.0f} s",
        flush=True,
    )


def reported(run: Run) -> None:
    """A run's lines, as soon as it is done: the whole bench takes long."""
    memory = run.memory
    renders = memory.of("render")
    within = "within" if memory.peak_total < TARGET_MB * 1024 else "OVER"
    print(
        f"{run.processes} worker process(es): {run.invoices} invoices in {run.seconds:.1f} s, "
        f"{run.per_second:.1f} invoices/s; jobs per process {run.jobs}\n"
        f"  peak RSS of all its processes {_mb(memory.peak_total)} ({within} the {TARGET_MB} MB "
        f"target; {memory.peak_processes} processes at that sample); worker peak "
        + ", ".join(map(_mb, memory.of("worker")))
        + f"; {len(renders)} render processes, peak each median "
        f"{_mb(statistics.median(renders))}, max {_mb(max(renders))}; resource tracker "
        + ", ".join(map(_mb, memory.of("resource tracker")))
        + (f"; also {memory.others()}" if memory.others() else ""),
        flush=True,
    )
