"""`remit worker` processes for the fault scenarios: started on this test's database and
queue, read through their logs (arq's), stopped by the test, and the waits around them."""

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
from pathlib import Path

import pytest
from arq.constants import in_progress_key_prefix
from arq.utils import timestamp_ms

from tests.conftest import USES_SQLITE

# The scenarios on `remit worker` processes: they share a Redis queue, so the PostgreSQL run.
ON_WORKERS = pytest.mark.skipif(
    USES_SQLITE, reason="`remit worker` processes share a Redis queue: the PostgreSQL run"
)
PUBLIC_URL = "https://pay.acme.com"
# What arq gives a job before another worker may take it over: job_timeout (300 s in
# workers/settings.py, no REMIT_ setting changes it) + 10 s.
ARQ_IN_PROGRESS_MS = (300 + 10) * 1000

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

    def children(self) -> set[int]:
        """The ids of the processes this worker started that are still running."""
        found = set()
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                found.add(int(status.parent.name))
        return found

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.killed = True


def skip_near_midnight() -> None:
    if datetime.now(UTC).time() >= datetime.strptime("23:58", "%H:%M").time():
        pytest.skip("too close to midnight UTC: the workers' day could differ from the test's")


def worker_environment(settings, smtp_port: int, **overrides: str) -> dict[str, str]:
    """The environment of a `remit worker` on the test's database and queue; `overrides`
    are REMIT_ settings without the prefix (e.g. redis_url=...)."""
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
    environment.update({f"REMIT_{name.upper()}": value for name, value in overrides.items()})
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


async def wait_until(predicate, seconds: float, failure, every: float = 0.05) -> None:
    """Poll `predicate` every `every` s; fail with `failure()` once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            pytest.fail(await failure() if asyncio.iscoroutinefunction(failure) else failure())
        await asyncio.sleep(every)


async def hurry_retries(pool, queue: str) -> int:
    """Bring every job deferred on `queue` forward to now, as waiting out arq's retry backoff
    (a minute at first: workers/retries.py) would, without the minute. Only jobs still
    queued move (ZADD XX): one a worker finished meanwhile is not put back. Returns how many."""
    now = timestamp_ms()
    later = await pool.zrangebyscore(queue, now + 1000, "+inf")
    if later:
        await pool.zadd(queue, dict.fromkeys(later, now), xx=True)
    return len(later)


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


def assert_stopped_cleanly(workers: list[WorkerProcess], tolerated: str | None = None) -> None:
    """Every worker stopped on SIGTERM without a traceback, but for those naming `tolerated`
    (an injected fault's error); a killed one died by SIGKILL."""
    for worker in workers:
        output = worker.output()
        if worker.killed:
            assert worker.process.returncode == -signal.SIGKILL
            continue
        assert worker.process.returncode in (0, -signal.SIGTERM), (worker.name, output)
        for traceback in output.split("Traceback")[1:]:
            # A traceback runs up to the next log line, which starts with its date.
            traceback = re.split(r"\n\d{4}-\d\d-\d\d ", traceback, maxsplit=1)[0]
            assert tolerated is not None and tolerated in traceback, (worker.name, traceback)


def logs(workers: list[WorkerProcess], tail: int = 4000) -> str:
    return "\n".join(f"--- {w.name}\n{w.output()[-tail:]}" for w in workers)


def retried(workers: list[WorkerProcess], function: str) -> set[str]:
    """The ids of the `function` jobs the workers deferred to a retry, by their logs."""
    return {
        ended["id"]
        for worker in workers
        for line in worker.output().splitlines()
        if "↻" in line and (ended := ENDED.search(line)) and ended["function"] == function
    }


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


async def release(pool, job_ids: set[str]) -> None:
    """Expire the in-progress keys of a killed worker's jobs. arq keeps them for 310 s (no
    setting shortens job_timeout, and 5 minutes is too long to wait here); the test does
    what Redis does on its own 310 s after the job started, so another worker takes the
    jobs over."""
    for job_id in job_ids:
        await pool.pexpire(f"{in_progress_key_prefix}{job_id}", 1)
