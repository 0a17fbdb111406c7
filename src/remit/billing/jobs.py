"""The one way to ask for background work.

A job asked for inside `atomic()` is written to the job outbox in the same transaction, so
it exists exactly when the work committed: dropped if the transaction rolls back, kept if
the process dies right after the commit. Once committed, the process sends its jobs to the
queue at once and deletes their rows; a row left behind (a crash between commit and send, or
the queue unreachable) is sent by `relay`, which every worker runs at start-up and each
minute. Outside a transaction a job is sent at once.

Jobs may run more than once; a deterministic `job_id` lets the queue drop a second request
for the same work, so a row sent both by its process and by a relay runs once.

Work that is not a job but must also wait for the commit (telling live subscribers about a
change) is asked for with `after_commit`: run once the outermost `atomic()` commits, dropped
if it rolls back, and not kept anywhere should the process die in between.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from remit.models.jobs import OutboxJob

logger = logging.getLogger("remit.jobs")

# A row younger than this is most likely being sent by the process that wrote it.
RELAY_AFTER = timedelta(seconds=10)
RELAY_BATCH = 100


@dataclass(frozen=True)
class Job:
    name: str
    args: tuple[Any, ...] = ()
    job_id: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


Sender = Callable[[Job], Awaitable[None]]

_sender: Sender | None = None
AfterCommit = Callable[[], Awaitable[None]]


@dataclass
class _Pending:
    """What the open transaction asked for, to be done once it commits."""

    jobs: list[Job] = field(default_factory=list)
    after_commit: dict[object, AfterCommit] = field(default_factory=dict)

    def add(self, inner: "_Pending") -> None:
        self.jobs.extend(inner.jobs)
        for key, callback in inner.after_commit.items():
            self.after_commit.setdefault(key, callback)


_pending: ContextVar[_Pending | None] = ContextVar("pending_jobs", default=None)


def use_sender(sender: Sender | None) -> None:
    """Set by the wiring at start-up: how jobs reach the queue."""
    global _sender
    _sender = sender


async def enqueue(name: str, *args: Any, job_id: str | None = None, **kwargs: Any) -> None:
    if _sender is None:
        raise RuntimeError(f"job {name} asked for before the job queue was started")
    pending = _pending.get()
    if pending is None:
        await _send(Job(name, args, job_id, kwargs))
        return
    # In the outbox a job always has an id, so the relay and the process send the same job.
    pending.jobs.append(Job(name, args, job_id or f"job:{uuid4()}", kwargs))


async def after_commit(key: object, callback: AfterCommit) -> None:
    """Run `callback` once the transaction commits (at once outside one). A second callback
    with the same `key` in one transaction is dropped: the first does the same work."""
    pending = _pending.get()
    if pending is None:
        await _run_after_commit({key: callback})
    else:
        pending.after_commit.setdefault(key, callback)


@asynccontextmanager
async def atomic() -> AsyncIterator[BaseDBAsyncClient]:
    """A database transaction whose jobs are written to the outbox with it and sent once it
    commits. Nested blocks hand their jobs and after-commit work to the outermost one."""
    outer = _pending.get()
    pending = _Pending()
    token = _pending.set(pending)
    rows: list[OutboxJob] = []
    try:
        async with in_transaction() as connection:
            yield connection
            if outer is None and pending.jobs:
                rows = [_row(job) for job in pending.jobs]
                await OutboxJob.bulk_create(rows, using_db=connection)
    finally:
        _pending.reset(token)
    if outer is not None:
        outer.add(pending)
        return
    await _send_committed(list(zip(rows, pending.jobs, strict=True)))
    await _run_after_commit(pending.after_commit)


async def _run_after_commit(waiting: dict[object, AfterCommit]) -> None:
    # The change is committed: a failure here is logged, and neither undoes it nor reaches
    # the caller.
    for callback in waiting.values():
        try:
            await callback()
        except Exception:
            logger.warning("after-commit work failed", exc_info=True)


async def _send_committed(committed: list[tuple[OutboxJob, Job]]) -> None:
    """Send a committed transaction's jobs and delete their rows. The work is done either
    way: should the queue fail now, the rows stay for the relay and the caller carries on."""
    sent: list[UUID] = []
    try:
        for row, job in committed:
            await _send(job)
            sent.append(row.id)
        if sent:
            await OutboxJob.filter(id__in=sent).delete()
    except Exception:
        # A row whose job was sent and that stays is sent again by the relay: the queue
        # drops it by its job id.
        logger.warning(
            "%d job(s) left in the outbox for the relay", len(committed) - len(sent), exc_info=True
        )


async def relay(older_than: timedelta = RELAY_AFTER) -> int:
    """Send the committed jobs that were never sent, oldest first; returns how many. Safe on
    many workers at once: each batch is locked by the worker relaying it and skipped by the
    others (PostgreSQL; SQLite has one process), and a job sent twice is dropped by the queue."""
    relayed = 0
    while True:
        async with in_transaction():
            batch = (
                await OutboxJob.filter(created_at__lte=_wall_clock() - older_than)
                .order_by("created_at")
                .limit(RELAY_BATCH)
                .select_for_update(skip_locked=True)
            )
            for row in batch:
                await _send(_job(row))
            if batch:
                await OutboxJob.filter(id__in=[row.id for row in batch]).delete()
        relayed += len(batch)
        if len(batch) < RELAY_BATCH:
            return relayed


def _wall_clock() -> datetime:
    # The queue's time, like arq's: not `clock.now()`, the business clock that a test or
    # the CLI's --date may set.
    return datetime.now(UTC)


def _row(job: Job) -> OutboxJob:
    kwargs = dict(job.kwargs)
    run_at = kwargs.pop("_defer_until", None)
    defer_by = kwargs.pop("_defer_by", None)
    if defer_by is not None:
        run_at = _wall_clock() + defer_by
    return OutboxJob(
        id=uuid4(),
        name=job.name,
        job_id=job.job_id,
        args=list(job.args),
        kwargs=kwargs,
        run_at=run_at,
        created_at=_wall_clock(),
    )


def _job(row: OutboxJob) -> Job:
    kwargs = dict(row.kwargs)
    if row.run_at is not None:
        kwargs["_defer_until"] = row.run_at
    return Job(row.name, tuple(row.args), row.job_id, kwargs)


async def _send(job: Job) -> None:
    if _sender is None:
        raise RuntimeError(f"job {job.name} asked for before the job queue was started")
    await _sender(job)
