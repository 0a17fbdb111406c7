"""The one way to ask for background work.

A job asked for inside `atomic()` is sent only once the transaction commits, and dropped
if it rolls back: a worker never sees a row that is not there yet, and a failed request
leaves no job behind. Outside a transaction a job is sent at once. Jobs may run more than
once; a deterministic `job_id` lets the queue drop a second request for the same work.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction


@dataclass(frozen=True)
class Job:
    name: str
    args: tuple[Any, ...] = ()
    job_id: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


Sender = Callable[[Job], Awaitable[None]]

_sender: Sender | None = None
_pending: ContextVar[list[Job] | None] = ContextVar("pending_jobs", default=None)


def use_sender(sender: Sender | None) -> None:
    """Set by the wiring at start-up: how jobs reach the queue."""
    global _sender
    _sender = sender


async def enqueue(name: str, *args: Any, job_id: str | None = None, **kwargs: Any) -> None:
    job = Job(name, args, job_id, kwargs)
    pending = _pending.get()
    if pending is not None:
        pending.append(job)
    else:
        await _send(job)


@asynccontextmanager
async def atomic() -> AsyncIterator[BaseDBAsyncClient]:
    """A database transaction whose jobs are sent after it commits. Nested blocks hand
    their jobs to the outermost one."""
    outer = _pending.get()
    pending: list[Job] = []
    token = _pending.set(pending)
    try:
        async with in_transaction() as connection:
            yield connection
    finally:
        _pending.reset(token)
    if outer is not None:
        outer.extend(pending)
        return
    for job in pending:
        await _send(job)


async def _send(job: Job) -> None:
    if _sender is None:
        raise RuntimeError(f"job {job.name} asked for before the job queue was started")
    await _sender(job)
