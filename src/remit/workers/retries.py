"""When a job meets a passing failure (a provider, the mail server or the database
connection down), it asks arq to run it again later, backing off: 1, 2, 4 ... minutes, at
most an hour apart."""

import functools
from collections.abc import Awaitable, Callable

import asyncpg
from arq import Retry
from tortoise.exceptions import DBConnectionError

# A database connection lost under a job (PostgreSQL restarted, failed over, or the
# connection terminated): its transaction rolled back, so the job can run again as it is.
DATABASE_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # e.g. "the underlying connection is closed"
    asyncpg.exceptions.OperatorInterventionError,  # "terminating connection due to ..."
    # A pooled connection the loss left mid-operation, met when the pool resets it:
    # "cannot switch to state 12; another operation is in progress".
    asyncpg.exceptions.InternalClientError,
    DBConnectionError,
    ConnectionError,
)


def backoff_seconds(job_try: int) -> int:
    return min(60 * 2 ** (job_try - 1), 3600)


def retry_later(ctx: dict) -> Retry:
    return Retry(defer=backoff_seconds(ctx.get("job_try", 1)))


def retried_when_the_database_is_lost(job: Callable[..., Awaitable]) -> Callable[..., Awaitable]:
    """`job`, retried later when its database connection is lost rather than failed for good
    (arq retries only what asks for it)."""

    @functools.wraps(job)
    async def run(ctx: dict, *args, **kwargs):
        try:
            return await job(ctx, *args, **kwargs)
        except DATABASE_LOST as error:
            raise retry_later(ctx) from error

    return run
