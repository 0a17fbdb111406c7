"""Live updates: every invoice change is announced once its transaction commits, once per
invoice, never when it rolls back; the brokers carry them between processes, to the
invoice's tenant only."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

import pytest
import redis.asyncio as redis

from remit.billing import config, cycle, invoice_status, jobs, live
from remit.brokers import DatabaseWatch, RedisBroker
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from tests import factories
from tests.conftest import REDIS_URL
from tests.servers import until_listening


class Recorder:
    """A broker that keeps what it is asked to publish."""

    def __init__(self) -> None:
        self.published: list[tuple[UUID, UUID]] = []

    async def publish(self, tenant_id: UUID, invoice_id: UUID) -> None:
        self.published.append((tenant_id, invoice_id))


@pytest.fixture
def recorder(runtime) -> Iterator[Recorder]:
    before = config.current()
    recording = Recorder()
    config.use(replace(before, live=recording))
    yield recording
    config.use(before)


@pytest.fixture
async def invoice(drain_jobs) -> Invoice:
    tenant, _ = await factories.ready_tenant()
    await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return await Invoice.get(tenant=tenant)


async def test_a_change_is_announced_once_after_it_commits(invoice, recorder):
    async with jobs.atomic():
        await invoice_status.move(invoice, InvoiceStatus.PAID, actor="user")
        await invoice_status.record(invoice, "payment_received", "user", "by hand")
        async with jobs.atomic():
            await invoice_status.record(invoice, "note", "user")
        assert recorder.published == []

    assert recorder.published == [(invoice.tenant_id, invoice.id)]


async def test_a_change_rolled_back_is_never_announced(invoice, recorder):
    with pytest.raises(RuntimeError):
        async with jobs.atomic():
            await invoice_status.move(invoice, InvoiceStatus.VOID, actor="user")
            raise RuntimeError("the transaction fails")

    assert recorder.published == []
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.DUE


async def test_a_failing_broker_does_not_undo_the_change(invoice, recorder, monkeypatch, caplog):
    async def unreachable(tenant_id, invoice_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(recorder, "publish", unreachable)

    async with jobs.atomic():
        await invoice_status.move(invoice, InvoiceStatus.VOID, actor="user")

    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.VOID
    assert [record.message for record in caplog.records if record.name == "remit.jobs"] == [
        "after-commit work failed"
    ]


async def test_the_issued_invoice_is_read_again_for_its_own_tenant_only(invoice, runtime):
    other, _ = await factories.ready_tenant("Initech")
    tenant = await invoice.tenant

    async def first(owner) -> Invoice:
        async for changed in live.invoice_changes(owner):
            return changed
        raise AssertionError("the changes ended")

    mine = asyncio.create_task(first(tenant))
    theirs = asyncio.create_task(first(other))
    await until_listening(runtime.pool, tenant.id, other.id)
    await invoice_status.record(invoice, "note", "user")

    changed = await asyncio.wait_for(mine, 5)
    assert (changed.id, changed.number, changed.status) == (
        invoice.id,
        "INV-000001",
        InvoiceStatus.DUE,
    )
    await asyncio.sleep(DatabaseWatch.POLL_INTERVAL * 2)
    assert not theirs.done()
    theirs.cancel()


@contextlib.asynccontextmanager
async def listening(broker, tenant_id: UUID) -> AsyncIterator[asyncio.Queue]:
    """What `broker` hears for the tenant, in a queue, while the block runs."""
    heard: asyncio.Queue = asyncio.Queue()

    async def listen() -> None:
        async for invoice_id in broker.listen(tenant_id):
            heard.put_nowait(invoice_id)

    task = asyncio.create_task(listen())
    try:
        yield heard
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def two_processes() -> AsyncIterator[tuple[RedisBroker, RedisBroker, redis.Redis]]:
    """Two brokers on the same Redis, each with its own connections, as an API process and a
    worker have; and a third connection to look at Redis."""
    clients = [redis.from_url(REDIS_URL) for _ in range(3)]
    try:
        await clients[0].ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield RedisBroker(clients[0]), RedisBroker(clients[1]), clients[2]
    for client in clients:
        await client.aclose()


async def test_redis_carries_a_change_from_a_worker_to_the_api_process(two_processes):
    api, worker, observer = two_processes
    tenant_id, other_id, invoice_id = uuid4(), uuid4(), uuid4()

    async with listening(api, tenant_id) as heard, listening(api, other_id) as elsewhere:
        for _ in range(200):
            counts = dict(
                await observer.pubsub_numsub(f"remit:live:{tenant_id}", f"remit:live:{other_id}")
            )
            if all(counts.values()):
                break
            await asyncio.sleep(0.025)
        await worker.publish(tenant_id, invoice_id)

        assert await asyncio.wait_for(heard.get(), 5) == invoice_id
        await asyncio.sleep(0.2)
        assert elsewhere.empty()
    assert dict(await observer.pubsub_numsub(f"remit:live:{tenant_id}")) == {
        f"remit:live:{tenant_id}".encode(): 0
    }


async def test_the_database_watch_finds_a_change_committed_by_another_process(invoice, runtime):
    watch = DatabaseWatch()
    other, _ = await factories.ready_tenant("Initech")
    # Written before anyone listened: not told.
    await InvoiceEvent.create(invoice=invoice, type="earlier", actor="system")

    async with listening(watch, invoice.tenant_id) as heard, listening(watch, other.id) as not_mine:
        await asyncio.sleep(0.01)
        # Another process writes the event: nothing publishes to this watch.
        await InvoiceEvent.create(invoice=invoice, type="sent", actor="system")
        await InvoiceEvent.create(invoice=invoice, type="note", actor="system")

        assert await asyncio.wait_for(heard.get(), DatabaseWatch.POLL_INTERVAL * 3) == invoice.id
        await asyncio.sleep(DatabaseWatch.POLL_INTERVAL * 2)
        assert heard.empty()  # two events, one change of one invoice: told once
        assert not_mine.empty()
    assert watch._task is None  # nobody listens: the watch stopped


async def test_redis_away_loses_the_announcement_in_one_line(caplog):
    unreachable = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    invoice_id = uuid4()

    with caplog.at_level(logging.WARNING, logger="remit.live"):
        await RedisBroker(unreachable).publish(uuid4(), invoice_id)
    await unreachable.aclose()

    [record] = caplog.records
    assert record.getMessage().startswith(f"invoice {invoice_id} changed, not announced: ")
    assert record.exc_info is None
