"""GraphQL over real HTTP: requests per second of a tenant's plainest query and of a page of
100 invoices with their lines and events, against GET /healthz on the same server.

The data is made through the product's own billing functions: a tenant ready to invoice
with 100 LIVE contracts of three line items each, every contract's first invoice issued
(`issuing.issue`, not delivered) and marked paid, so each invoice has three lines and three
events (created, DUE, PAID). Then `python -m remit serve` is started on loopback as an
operator would start it (one uvicorn process, the embedded mode: no Redis; its daily cycle
put off to 23:59 UTC), on that database, and once /healthz answers, a load generator in
another process sends each request without pause over `--connections` keep-alive
connections for `--seconds`, the three figures one after another in each of `--rounds`
rounds (after a warm-up round of a second each).

Each ratio is the figure's requests per second over /healthz's in the same round (the
median over the rounds, and the lowest and highest), so that other work on the machine
weighs on both alike; many short rounds rather than a few long ones keep a burst of it
within one round. Targets: the tenant query at 25 % of /healthz at least, the page of
invoices at 1.5 %.

In each round the load generator's process also measures the page's ceiling: graphql-core
by itself executing the same query over the server's own answer held in memory (its default
resolvers reading dicts: no database, no resolver of ours, no HTTP), the result made JSON.
Its ratio to /healthz is the most any server built on graphql-core reaches on this machine.

    python -m bench http [--seconds S] [--rounds N] [--connections N] [--database-url URL]
"""

import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from graphql import build_schema, execute_sync, parse, validate

from bench.cycle import live_contract, ready_tenant
from remit import db
from remit.billing import clock, issuing, payments, tenants
from remit.billing.roles import Actor
from remit.graph.schema import build_schema as build_remit_schema
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.runtime import running
from remit.settings import Settings

PAGE = 100
TENANT_NUMBER = 7777  # its number for bench/cycle.py's data, out of the way of other benches'
HOST = "127.0.0.1"
TENANT_QUERY = "{ tenant { id name } }"
INVOICES_QUERY = (
    f"{{ invoices(first: {PAGE}) {{ edges {{ node {{ number status issueDate"
    " total { amount currency } lines { name quantity unitPrice { amount } total { amount } }"
    " events { at type actor } } } } }"
)
TARGETS = {"tenant": 0.25, "invoices": 0.015}
CEILING = "ceiling"
SERVER_START_SECONDS = 60


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    request: bytes  # the whole HTTP/1.1 request, sent as is on a keep-alive connection


# -- data, through the product's own functions ---------------------------------------------


async def build_data() -> str:
    """The tenant, its PAGE paid invoices; returns an API key of the tenant."""
    tenant = await ready_tenant(TENANT_NUMBER)
    key = await tenants.create_api_key(tenant.id)
    # Starting today: no period is due again for a month, so the server's own cycle finds
    # nothing to issue while the bench runs.
    today = clock.today()
    for number in range(1, PAGE + 1):
        await live_contract(tenant, number, today)
    for contract in await Contract.filter(tenant=tenant).order_by("created_at"):
        issued = await issuing.issue(contract.id, today, today)
        await payments.change_status(
            Actor.system(tenant), str(issued.invoice_id), InvoiceStatus.PAID
        )
    return key


# -- the server, as `remit serve` runs it -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(database_url: str, port: int, folder: Path, log) -> subprocess.Popen:
    environment = {
        **os.environ,
        "REMIT_DATABASE_URL": database_url,
        "REMIT_REDIS_URL": "",
        "REMIT_SECRET_KEY": "bench",
        "REMIT_OUTBOX_DIR": str(folder / "outbox"),
        # A server started after the day's cycle time runs the cycle at once, which would
        # deliver (render and mail) every undelivered invoice in the database while the
        # figures are taken: the bench's own, and those the cycle bench leaves in `all`.
        "REMIT_CYCLE_TIME": "23:59",
    }
    command = [sys.executable, "-m", "remit", "serve", "--host", HOST, "--port", str(port)]
    return subprocess.Popen(
        command, env=environment, cwd=folder, stdout=log, stderr=subprocess.STDOUT
    )


def wait_until_healthy(server: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz:\n{log_path.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# -- the load generator, run in its own process ---------------------------------------------


def raw_request(port: int, method: str, path: str, key: str | None = None, body=None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    payload = b""
    if key is not None:
        lines.append(f"Authorization: Bearer {key}")
    if body is not None:
        payload = json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise RuntimeError(f"an answer without Content-Length: {head!r}")


async def _connection(port: int, request: bytes, deadline: float) -> int:
    reader, writer = await asyncio.open_connection(HOST, port)
    answered = 0
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(content_length(head))
            if head[9:12] != b"200" or body.startswith(b'{"errors"'):
                raise RuntimeError(f"a failed answer: {head[:12]!r} {body[:300]!r}")
            answered += 1
    finally:
        writer.close()
    return answered


async def _load(port: int, request: bytes, connections: int, seconds: float) -> float:
    started = time.perf_counter()
    answered = await asyncio.gather(
        *(_connection(port, request, started + seconds) for _ in range(connections))
    )
    return sum(answered) / (time.perf_counter() - started)


def load(port: int, request: bytes, connections: int, seconds: float) -> float:
    """Requests per second: `request` sent again as soon as each answer is in, on each of
    `connections` connections, for `seconds`."""
    return asyncio.run(_load(port, request, connections, seconds))


# -- the run ---------------------------------------------------------------------------------


def check_answers(base_url: str, key: str) -> dict:
    """Each query answers what it should, once, before anything is timed; returns the page of
    invoices' data."""
    headers = {"Authorization": f"Bearer {key}"}
    answer = httpx.post(f"{base_url}/graphql", json={"query": INVOICES_QUERY}, headers=headers)
    data = answer.json()
    assert answer.status_code == 200 and "errors" not in data, answer.text[:500]
    edges = data["data"]["invoices"]["edges"]
    assert len(edges) == PAGE, len(edges)
    for edge in edges:
        assert len(edge["node"]["lines"]) == 3 and len(edge["node"]["events"]) >= 3, edge
    answer = httpx.post(f"{base_url}/graphql", json={"query": TENANT_QUERY}, headers=headers)
    assert answer.json()["data"]["tenant"]["name"], answer.text
    return data["data"]


def executor_alone(sdl: str, data: dict, seconds: float) -> float:
    """Executions per second of graphql-core by itself: the page of invoices' query, already
    parsed and validated, over its own answer held in memory (graphql-core's default resolvers
    reading plain dicts: no database, no resolver of ours, no HTTP), and the result as JSON.
    No server can answer the query faster than this on the machine: the ceiling of its
    figure."""
    schema = build_schema(sdl)
    document = parse(INVOICES_QUERY)
    assert not validate(schema, document)
    result = execute_sync(schema, document, root_value=data)
    assert not result.errors and result.data == data, result.errors
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        json.dumps({"data": execute_sync(schema, document, root_value=data).data})
        done += 1
    return done / (time.perf_counter() - started)


def measure(
    figures: list[Figure],
    port: int,
    seconds: float,
    rounds: int,
    connections: int,
    page: dict,
) -> dict[str, list[float]]:
    """Each figure's requests per second in each round, and in each round too the ceiling of
    the page of invoices (`executor_alone`, in the load generator's process)."""
    rates: dict[str, list[float]] = {figure.name: [] for figure in figures}
    rates[CEILING] = []
    sdl = str(build_remit_schema())
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as generator:
        for figure in figures:  # warm-up
            generator.submit(load, port, figure.request, connections, 1.0).result()
        generator.submit(executor_alone, sdl, page, 1.0).result()
        for _ in range(rounds):
            for figure in figures:
                rate = generator.submit(load, port, figure.request, connections, seconds)
                rates[figure.name].append(rate.result())
            rates[CEILING].append(generator.submit(executor_alone, sdl, page, seconds).result())
    return rates


async def main(seconds: float, rounds: int, connections: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = database_url or f"sqlite://{folder / 'bench.sqlite3'}"
        await db.migrate(url)
        settings = Settings(database_url=url, redis_url=None, secret_key="bench")
        async with running(settings, run_jobs=False):
            key = await build_data()

        port = free_port()
        base_url = f"http://{HOST}:{port}"
        query = {"query": TENANT_QUERY}
        figures = [
            Figure("healthz", "baseline  GET /healthz", raw_request(port, "GET", "/healthz")),
            Figure(
                "tenant",
                "graphql   { tenant { id name } }",
                raw_request(port, "POST", "/graphql", key, query),
            ),
            Figure(
                "invoices",
                f"graphql   invoices(first: {PAGE}), lines, events",
                raw_request(port, "POST", "/graphql", key, {"query": INVOICES_QUERY}),
            ),
        ]
        labels = {figure.name: figure.label for figure in figures}
        labels[CEILING] = "ceiling   graphql-core alone, same page"
        log_path = folder / "server.log"
        with log_path.open("wb") as log:
            server = start_server(url, port, folder, log)
            try:
                wait_until_healthy(server, base_url, log_path)
                page = check_answers(base_url, key)
                rates = measure(figures, port, seconds, rounds, connections, page)
            finally:
                stop_server(server)
        mailed = list((folder / "outbox").glob("*"))
        if mailed:
            raise RuntimeError(f"the server mailed {len(mailed)} messages while measured")

    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"http: database {backend}; `remit serve` (1 uvicorn process) on loopback; a load "
        f"generator process, {connections} keep-alive connections; {rounds} rounds of "
        f"{seconds:g} s per figure; median req/s, ratio to /healthz in the same round "
        "(median, and lowest-highest over the rounds)"
    )
    baseline = rates["healthz"]
    for name, label in labels.items():
        rate = statistics.median(rates[name])
        line = f"{label:<44} {rate:9.1f} req/s"
        if name != "healthz":
            ratios = [mine / base for mine, base in zip(rates[name], baseline, strict=True)]
            ratio = statistics.median(ratios)
            line += (
                f"  ratio {ratio * 100:6.2f} % ({min(ratios) * 100:.2f}-{max(ratios) * 100:.2f})"
            )
            if name in TARGETS:
                verdict = "PASS" if ratio >= TARGETS[name] else "below"
                line += f"  target {TARGETS[name] * 100:g} %  {verdict}"
        print(line)
    print(
        "ceiling: graphql-core executing the page's query over its answer held in memory "
        "(default resolvers, no I/O, result as JSON), in the load generator's process: "
        "no server answers that page faster here"
    )
