"""API request overhead.

Baseline: GET /healthz through the whole middleware stack (request id, CORS), no database.
Measured against it: an authenticated GraphQL query (key lookup, schema execution), and the
same query on a schema without the parser and validation caches. Memory: the traced heap
after a warm-up, against after many more requests (growth means a leak).

    python -m bench api [--requests N] [--database-url URL]
"""

import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

from remit import db
from remit.app import create_app
from remit.billing import tenants
from remit.graph.schema import build_schema
from remit.runtime import running
from remit.settings import Settings

QUERY = {"query": "{ tenant { id name invoicingEnabled } }"}


async def per_request(client: httpx.AsyncClient, send, requests: int) -> float:
    """Median seconds per request over five rounds."""
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(requests // 5):
            response = await send(client)
            assert response.status_code == 200, response.text
        rounds.append((time.perf_counter() - started) / (requests // 5))
    return statistics.median(rounds)


def client_for(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")


async def main(requests: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        settings = Settings(database_url=url, redis_url=None, secret_key="bench")
        await db.migrate(url)
        async with running(settings) as runtime:
            _, key = await tenants.create_tenant("Bench Ltd")
            headers = {"Authorization": f"Bearer {key}"}

            async def health(client):
                return await client.get("/healthz")

            async def graphql(client):
                return await client.post("/graphql", json=QUERY, headers=headers)

            app = create_app(settings, runtime=runtime)
            async with client_for(app) as client:
                await per_request(client, graphql, 100)  # warm-up
                baseline = await per_request(client, health, requests)
                cached = await per_request(client, graphql, requests)

            uncached_schema = build_schema(settings.max_query_depth, caches=False)
            async with client_for(
                create_app(settings, runtime=runtime, schema=uncached_schema)
            ) as client:
                await per_request(client, graphql, 100)
                uncached = await per_request(client, graphql, requests)

            async with client_for(app) as client:
                tracemalloc.start()
                await per_request(client, graphql, 500)
                warm, _ = tracemalloc.get_traced_memory()
                await per_request(client, graphql, requests)
                after, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()

    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    rows = [
        ("baseline  GET /healthz", baseline, ""),
        ("graphql   tenant query, with caches", cached, f"ratio {cached / baseline:5.2f}"),
        ("graphql   tenant query, no caches", uncached, f"ratio {uncached / baseline:5.2f}"),
    ]
    print(f"api: database {backend}; {requests} requests per measurement, median of 5 rounds")
    for label, seconds, ratio in rows:
        print(f"{label:<38} {seconds * 1e6:8.0f} µs/request  {ratio}")
    print(f"{'caches save':<38} {(1 - cached / uncached) * 100:7.1f} %")
    growth = after - warm
    print(
        f"memory    heap growth over {requests} requests: {growth / 1024:.0f} KiB "
        f"({growth / requests:.0f} B/request); peak {peak / 1024 / 1024:.1f} MiB"
    )
