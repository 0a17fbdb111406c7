"""The query limits under attack (docs/limits.md): how soon the costly queries are refused,
and what they cost another tenant meanwhile.

One tenant has `--invoices` invoices on one contract and sends the two costliest shapes the
limits know: connections nested in connections (3,040,401 fields were it run) and 1,000
aliases of `invoices(first: 200)` (601,000 fields, 17,002 tokens to parse). Each send is
made unique by a comment, as an attacker would, so the parser cache cannot hide its cost.

Baseline: another tenant's `{ tenant { name } }`, sent alone, one after another. Measured
against it, each over `--sends` requests (median and p95):
- the time to refusal of each costly query, sent alone;
- the other tenant's query again, while two clients send the costly queries without pause.

Over the whole ASGI app in this process (one event loop, as one server worker): parsing is
CPU work on the loop, so what it holds shows in the other tenant's latency. It leaves a
contract behind: in `all` it runs after the cycle bench, which wants an empty database.

    python -m bench limits [--sends N] [--invoices N] [--database-url URL]
"""

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench.api import client_for
from bench.cycle import live_contract, ready_tenant
from remit import db
from remit.app import create_app
from remit.billing import tenants
from remit.models.contracts import Contract
from remit.models.invoices import Invoice
from remit.runtime import running
from remit.settings import Settings

BASELINE = "{ tenant { name } }"
NESTED = (
    "{ invoices(first: 100) { edges { node { contract { invoices(first: 100) { edges { node {"
    " contract { invoices(first: 100) { edges { node { id } } } } } } } } } } } }"
)
ALIASED = "invoices(first: 200) { edges { node { id } } }"
ALIASES = "{ " + " ".join(f"a{i}: {ALIASED}" for i in range(1000)) + " }"
START = date(2020, 1, 1)
ATTACKER = 9999  # its number for bench/cycle.py's data, out of the way of that bench's own

Send = Callable[[], Awaitable[None]]


class Sender:
    """A tenant's client: sends a query, made unique per send when asked, checks the answer."""

    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}
        self.sent = 0

    async def answer(self, query: str) -> dict:
        response = await self.client.post("/graphql", json={"query": query}, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def refused(self, query: str) -> None:
        self.sent += 1
        body = await self.answer(f"{query} # {self.sent}")
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY", body

    async def named(self, name: str) -> None:
        assert await self.answer(BASELINE) == {"data": {"tenant": {"name": name}}}


async def timed(send: Send, sends: int) -> list[float]:
    times = []
    for _ in range(sends):
        started = time.perf_counter()
        await send()
        times.append(time.perf_counter() - started)
    return times


async def timed_under_attack(send: Send, attacks: list[Send], sends: int) -> list[float]:
    """`send` timed `sends` times while each of `attacks` is sent again and again."""
    done = asyncio.Event()

    async def attack(costly: Send) -> None:
        while not done.is_set():
            await costly()

    attackers = [asyncio.ensure_future(attack(costly)) for costly in attacks]
    await asyncio.sleep(0)  # the attackers' first requests are under way
    try:
        return await timed(send, sends)
    finally:
        done.set()
        await asyncio.gather(*attackers)


async def fill(tenant, invoices: int) -> None:
    """`invoices` DRAFT invoices on one LIVE contract: rows the costly queries would read."""
    await live_contract(tenant, ATTACKER, START)
    contract = await Contract.get(tenant=tenant)
    await Invoice.bulk_create(
        [
            Invoice(
                tenant=tenant,
                contract=contract,
                organization_id=contract.organization_id,
                currency="EUR",
                public_token=f"bench-limits-{n}",
                period_start=START + timedelta(days=n),
                period_end=START + timedelta(days=n),
            )
            for n in range(invoices)
        ],
        batch_size=500,
    )


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


async def main(sends: int, invoices: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        settings = Settings(database_url=url, redis_url=None, secret_key="bench")
        await db.migrate(url)
        async with running(settings) as runtime:
            mallory = await ready_tenant(ATTACKER)
            mallory_key = await tenants.create_api_key(mallory.id)
            await fill(mallory, invoices)
            _, acme_key = await tenants.create_tenant("Bench Acme")
            async with client_for(create_app(settings, runtime=runtime)) as client:
                attacker, other = Sender(client, mallory_key), Sender(client, acme_key)

                async def baseline() -> None:
                    await other.named("Bench Acme")

                async def nested() -> None:
                    await attacker.refused(NESTED)

                async def aliases() -> None:
                    await attacker.refused(ALIASES)

                for send in (baseline, nested, aliases):
                    await timed(send, 5)  # warm-up
                alone = await timed(baseline, sends)
                refusals = {
                    "nested connections": await timed(nested, sends),
                    "1,000 aliases": await timed(aliases, sends),
                }
                attacked = await timed_under_attack(baseline, [nested, aliases], sends)

    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    base, base_p95 = statistics.median(alone), p95(alone)
    print(
        f"limits: database {backend}; {invoices} invoices; {sends} sends per figure; "
        "ratios to the baseline's median and p95"
    )

    def row(label: str, times: list[float]) -> None:
        median, high = statistics.median(times), p95(times)
        print(
            f"{label:<44} median {median * 1e3:7.2f} ms  p95 {high * 1e3:7.2f} ms  "
            f"ratio {median / base:6.2f}  p95 ratio {high / base_p95:6.2f}"
        )

    row("baseline  other tenant's { tenant { name } }", alone)
    for label, times in refusals.items():
        row(f"refused   {label}", times)
    row("meanwhile other tenant's { tenant { name } }", attacked)
