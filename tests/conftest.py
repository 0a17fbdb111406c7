"""The test harness.

Two runs of the same suite: against PostgreSQL and Redis (the production shape), and with
REMIT_TEST_DATABASE=sqlite on the embedded defaults (a SQLite file, the in-process queue).
Each xdist worker gets its own database and Redis database, migrated once per session; every
test starts from empty tables and an empty queue.
"""

import asyncio
import os
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as redis
from arq.utils import timestamp_ms
from hypothesis import settings as hypothesis_settings
from tortoise import Tortoise, connections

from remit.app import create_app
from remit.billing import config
from remit.graph.schema import build_schema
from remit.runtime import billing_config, running
from remit.settings import Settings
from remit.workers.settings import build_worker
from tests.hook_calls import hook_calls  # noqa: F401 -- a fixture, for every test module
from tests.migrated import migrated_postgres, migrated_sqlite
from tests.servers import mail_server, smtpd, webhook_receiver  # noqa: F401 -- fixtures, for every test module

# Property tests judge results, not speed: on a busy 2-core machine a slow example is not
# a failure (hypothesis' default 200 ms deadline made such runs flaky).
hypothesis_settings.register_profile("remit", deadline=None)
hypothesis_settings.load_profile("remit")

POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379"
USES_SQLITE = os.environ.get("REMIT_TEST_DATABASE") == "sqlite"


# Each test process claims one of Redis databases 1-15 for itself (the claims live in
# database 0, which no test flushes): concurrent runs on one machine never share one. A
# claim left by a process that died is taken over.
REDIS_CLAIM_SECONDS = 3600


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def claim_redis_database() -> int:
    client = redis.from_url(f"{REDIS_URL}/0")
    try:
        for number in range(1, 16):
            key = f"remit:test:redis-db:{number}"
            if await client.set(key, os.getpid(), nx=True, ex=REDIS_CLAIM_SECONDS):
                return number
            owner = await client.get(key)
            if owner is not None and not process_alive(int(owner)):
                await client.set(key, os.getpid(), ex=REDIS_CLAIM_SECONDS)
                return number
    finally:
        await client.aclose()
    raise RuntimeError("all 15 test Redis databases are claimed by other test processes")


async def release_redis_database(number: int) -> None:
    client = redis.from_url(f"{REDIS_URL}/0")
    try:
        await client.delete(f"remit:test:redis-db:{number}")
    finally:
        await client.aclose()


async def recreate_postgres_database(name: str) -> str:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"postgres://postgres@127.0.0.1:5432/{name}"


async def drop_postgres_database(name: str) -> None:
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def database_name() -> str:
    # By process, not by xdist worker: two runs at once on one machine must not share one.
    return f"remit_test_{os.getpid()}"


@pytest.fixture(scope="session")
async def settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings for this xdist worker, on a freshly migrated database of its own."""
    tmp = tmp_path_factory.mktemp("remit")
    if USES_SQLITE:
        config = Settings(
            database_url=await migrated_sqlite(tmp / "remit.sqlite3"),
            redis_url=None,
            outbox_dir=tmp / "outbox",
            secret_key="test-secret",
        )
    else:
        redis_number = await claim_redis_database()
        config = Settings(
            database_url=await migrated_postgres(POSTGRES_ADMIN_URL, database_name()),
            redis_url=f"{REDIS_URL}/{redis_number}",
            outbox_dir=tmp / "outbox",
            secret_key="test-secret",
            queue_name=f"remit:test:{os.getpid()}",
        )
    yield config
    if not USES_SQLITE:
        await drop_postgres_database(database_name())
        await release_redis_database(redis_number)


@pytest.fixture(scope="session")
async def runtime(settings: Settings):
    """The database and queue, as a process holds them. Jobs run when a test drains them."""
    async with running(settings, run_jobs=False) as started:
        yield started


@pytest.fixture
def configure(settings: Settings, runtime):
    """Run one test as if the process had started with other settings, e.g.
    `configure(smtp_url=..., platform_stripe_secret_key=...)` (the names of Settings, without
    REMIT_). Calls add up; the session's configuration is back after the test."""
    before = config.current()
    changes: dict = {}

    def change(**fields) -> None:
        changes.update(fields)
        config.use(billing_config(settings.model_copy(update=changes), before.live))

    yield change
    config.use(before)


@pytest.fixture(autouse=True)
async def clean_state(runtime):
    yield
    await empty_tables()
    await runtime.pool.flushdb()


async def empty_tables() -> None:
    connection = connections.get("default")
    tables = [model._meta.db_table for model in Tortoise.apps["remit"].values()]
    if USES_SQLITE:
        await connection.execute_script(
            "PRAGMA foreign_keys = OFF;"
            + "".join(f'DELETE FROM "{table}";' for table in tables)
            + "PRAGMA foreign_keys = ON;"
        )
    else:
        # DELETE, not TRUNCATE: on tables this small it is twenty times quicker (3 ms against
        # 50 ms a test). Foreign keys are not checked meanwhile, for this transaction only.
        await connection.execute_script(
            "BEGIN; SET LOCAL session_replication_role = replica;"
            + "".join(f'DELETE FROM "{table}";' for table in tables)
            + "COMMIT;"
        )


@pytest.fixture(scope="session")
def schema(settings: Settings):
    """The API's schema as the session's settings build it, once: it holds no request's
    state, and building it takes a twentieth of a second, for each app a test makes."""
    return build_schema(
        max_depth=settings.max_query_depth,
        max_cost=settings.max_query_cost,
        timeout=settings.graphql_timeout,
    )


@pytest.fixture
def drain_jobs(runtime):
    """Run every job that is ready now to completion, as a worker would, including the jobs
    those jobs ask for; jobs deferred to later (a retry) stay queued. Returns how many ran."""

    async def drain() -> int:
        # No start-up catch-up and no cron entries here: a test plans the cycle itself, for
        # the day it chooses, and relays the job outbox when it means to.
        worker = build_worker(
            runtime.pool, in_process=True, burst=True, poll_delay=0, on_startup=None, cron_jobs=[]
        )
        worker.ctx["redis"] = runtime.pool
        while await runtime.pool.zcount(runtime.pool.default_queue_name, "-inf", timestamp_ms()):
            await worker._poll_iteration()
            await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
        return worker.jobs_complete

    return drain


@pytest.fixture
async def api(settings, runtime, schema):
    app = create_app(settings, runtime=runtime, schema=schema)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://remit.test") as client:
        yield client


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, key: str | None) -> None:
        self.http = http
        self.key = key

    async def post(self, query: str, **variables) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def query(self, query: str, **variables) -> dict:
        response = await self.post(query, **variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def graphql(api):
    """A GraphQL client factory: graphql(key) answers queries as that key's tenant."""
    return lambda key=None: GraphQLClient(api, key)


class ConsoleClient:
    """A browser signed in to the console: its cookies, and the CSRF header on its POSTs."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    @property
    def csrf_token(self) -> str:
        return self.http.cookies["remit_csrf"]

    async def post(self, query: str, **variables) -> httpx.Response:
        return await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"X-CSRF-Token": self.csrf_token},
        )

    async def query(self, query: str, **variables) -> dict:
        response = await self.post(query, **variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
async def console(settings, runtime, schema):
    """console(email, password) signs in as that user, in a browser of its own."""
    app = create_app(settings, runtime=runtime, schema=schema)
    browsers: list[httpx.AsyncClient] = []

    async def sign_in(email: str, password: str) -> ConsoleClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://remit.test"
        )
        browsers.append(http)
        response = await http.post("/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return ConsoleClient(http)

    yield sign_in
    for http in browsers:
        await http.aclose()


@pytest.fixture
async def real_redis():
    """A Redis connection even in the SQLite run, for the tests of the production shape."""
    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield client
    await client.aclose()


ROOT = Path(__file__).resolve().parent.parent
