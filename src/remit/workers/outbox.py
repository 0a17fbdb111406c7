"""The job outbox's relay on arq: jobs committed but never sent (a process that died between
its commit and the send) reach the queue within a minute, or at the next worker's start."""

from remit.billing import jobs


async def relay_jobs(ctx: dict) -> int:
    return await jobs.relay()
