"""The brokers that carry live updates (billing.live) between the process where an invoice
changes and the API processes holding its tenant's subscriptions.

- With REMIT_REDIS_URL, every process (API, workers, `remit cycle run`) shares Redis:
  RedisBroker publishes on one channel per tenant, and each subscription listens on its
  tenant's channel. Immediate, and the database is not asked anything while nothing changes.
- Without it (the embedded mode), the jobs run inside the API process, but `remit cycle run`
  is a process of its own with nothing to publish to. DatabaseWatch serves both: the API
  process reads the invoice events committed since it last looked, every POLL_INTERVAL and
  only while someone subscribes, and is woken at once by a change made in its own process.

Polling alone would serve every mode too, and loses nothing should a process die between its
commit and its publish; but it puts a query per second on every API process, each
subscription waits up to a second, and it depends on the events' times. So Redis, where
there is one, and the database watch only where there is none.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from remit.models.invoices import InvoiceEvent

logger = logging.getLogger("remit.live")


def channel(tenant_id: UUID) -> str:
    return f"remit:live:{tenant_id}"


class RedisBroker:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def publish(self, tenant_id: UUID, invoice_id: UUID) -> None:
        try:
            await self._redis.publish(channel(tenant_id), str(invoice_id))
        except RedisError as error:
            # An announcement to open consoles, which read again when they reconnect: with
            # Redis away it is lost, and nothing else waits for it. One line, no traceback.
            logger.warning("invoice %s changed, not announced: %s", invoice_id, error)

    async def listen(self, tenant_id: UUID) -> AsyncIterator[UUID]:
        # One connection per subscription: an open console holds one, and its tenant's
        # channel brings it only its own tenant's news.
        async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(channel(tenant_id))
            async for message in pubsub.listen():
                data = message["data"]
                yield UUID(data.decode() if isinstance(data, bytes) else data)

    async def close(self) -> None:
        """The connection belongs to the runtime, which closes it."""


class DatabaseWatch:
    # How often the watch looks for changes made by other processes.
    POLL_INTERVAL = 1.0
    # Events are stamped by the process writing them, before its transaction commits: each
    # look reads again the last minute of events, so one committed late is not missed (it is
    # told once: the events already told are remembered for as long).
    OVERLAP = timedelta(minutes=1)

    def __init__(self) -> None:
        self._listeners: dict[UUID, set[asyncio.Queue[UUID]]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def publish(self, tenant_id: UUID, invoice_id: UUID) -> None:
        """The event is committed: the watch finds it, and looks now rather than later."""
        self._wake.set()

    async def listen(self, tenant_id: UUID) -> AsyncIterator[UUID]:
        queue: asyncio.Queue[UUID] = asyncio.Queue()
        if self._task is None:
            self._task = asyncio.create_task(self._watch(since=datetime.now(UTC)))
        self._listeners.setdefault(tenant_id, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._listeners[tenant_id].discard(queue)
            if not self._listeners[tenant_id]:
                del self._listeners[tenant_id]
            if not self._listeners:
                await self.close()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch(self, since: datetime) -> None:
        """Tell the listeners of each event stamped from `since` on, once."""
        told: set[UUID] = set()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.POLL_INTERVAL)
            self._wake.clear()
            try:
                rows = await InvoiceEvent.filter(
                    at__gte=max(since, datetime.now(UTC) - self.OVERLAP)
                ).values_list("id", "invoice__tenant_id", "invoice_id")
            except Exception:
                logger.warning("live updates: reading the invoice events failed", exc_info=True)
                continue
            changed = {(tenant, invoice) for event, tenant, invoice in rows if event not in told}
            for tenant_id, invoice_id in changed:
                for queue in self._listeners.get(tenant_id, ()):
                    queue.put_nowait(invoice_id)
            told = {event for event, _, _ in rows}
