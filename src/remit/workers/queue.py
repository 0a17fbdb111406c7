"""The connection to the job queue: Redis in production, an in-process fakeredis in the
embedded mode. Both are driven by arq, so jobs run through one code path either way."""

import fakeredis
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.asyncio import ConnectionPool
from redis.asyncio.client import Pipeline

from remit.billing.jobs import Job


class _NoInfoPipeline(Pipeline):
    # fakeredis answers every command arq uses except INFO, which arq sends only to log the
    # server's version and memory at start-up. An empty hash stands in for each section.
    def info(self, section=None, *args, **kwargs):
        return self.hgetall("remit:embedded:info")


class EmbeddedRedis(ArqRedis):
    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        return _NoInfoPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )


async def connect(redis_url: str | None, queue_name: str) -> ArqRedis:
    """A pool on `redis_url`, or on an in-process server when it is None."""
    if redis_url is None:
        pool = ConnectionPool(
            connection_class=fakeredis.FakeAsyncRedisConnection, server=fakeredis.FakeServer()
        )
        return EmbeddedRedis(connection_pool=pool, default_queue_name=queue_name)
    # One quick attempt: an unreachable Redis should be reported, not retried for seconds.
    settings = RedisSettings.from_dsn(redis_url)
    settings.conn_retries = 0
    return await create_pool(settings, default_queue_name=queue_name)


def sender(pool: ArqRedis):
    async def send(job: Job) -> None:
        await pool.enqueue_job(job.name, *job.args, _job_id=job.job_id, **job.kwargs)

    return send
