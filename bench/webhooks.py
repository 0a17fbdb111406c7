"""Webhook delivery latency: from the commit of a change to its event reaching the tenant's
endpoint, with `remit worker` (a real process) on Redis.

An HTTP receiver listens on loopback in this process; the tenant's endpoint points at it
(REMIT_WEBHOOKS_ALLOW_PRIVATE). Each event is a manual payment recorded through billing
(`payment.received`), one at a time with a random pause between them, so each is timed alone
and at a random moment of the worker's polling; its latency is from the moment the recording
returned (committed, its job sent to Redis) to the moment the receiver had the request.

    python -m bench.webhooks --database-url URL [--redis-url URL] [--events N]

Needs an empty or bench database and Redis; leaves its data behind.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from uuid import uuid4

import uvicorn

from bench.http import free_port
from remit import db
from remit.billing import payments, tenants, webhooks
from remit.billing.roles import Actor
from remit.models.organizations import Organization
from remit.runtime import running
from remit.settings import Settings

HOST = "127.0.0.1"


class Receiver:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.signal = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.arrived[json.loads(body)["data"]["id"]] = time.perf_counter()
        self.signal.set()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def start_worker(settings: Settings, folder: Path, log) -> subprocess.Popen:
    environment = {
        **os.environ,
        "REMIT_DATABASE_URL": settings.database_url,
        "REMIT_REDIS_URL": settings.redis_url or "",
        "REMIT_QUEUE_NAME": settings.queue_name,
        "REMIT_SECRET_KEY": settings.secret_key or "",
        "REMIT_OUTBOX_DIR": str(folder / "outbox"),
        "REMIT_WEBHOOKS_ALLOW_PRIVATE": "true",
        "REMIT_CYCLE_TIME": "23:59",  # no cycle of the real day while the figures are taken
    }
    return subprocess.Popen(
        [sys.executable, "-m", "remit", "worker"],
        env=environment,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def measure(settings: Settings, events: int) -> list[float]:
    receiver = Receiver()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(receiver, host=HOST, port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    async with running(settings, run_jobs=False):
        tenant, _ = await tenants.create_tenant(f"Webhook bench {uuid4().hex[:8]}")
        actor = Actor.system(tenant)
        customer = await Organization.create(tenant=tenant, name="Globex")
        await webhooks.create(actor, f"http://{HOST}:{port}/hooks", ["payment.received"], None)
        latencies = []
        for number in range(events + 1):
            await asyncio.sleep(random.uniform(0.2, 0.7))
            receiver.signal.clear()
            payment = await payments.record(
                actor,
                payments.PaymentInput(
                    organization_id=str(customer.id),
                    amount="10.00",
                    currency="EUR",
                    received_on=date.today(),
                    reference=f"bench {number}",
                ),
            )
            committed = time.perf_counter()
            await asyncio.wait_for(receiver.signal.wait(), timeout=30)
            if number:  # the first warms the worker's connections up
                latencies.append(receiver.arrived[str(payment.id)] - committed)
    server.should_exit = True
    await serving
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--events", type=int, default=50)
    options = parser.parse_args()
    settings = Settings(
        database_url=options.database_url,
        redis_url=options.redis_url,
        secret_key="bench",
        queue_name=f"remit:bench:webhooks:{os.getpid()}",
        webhooks_allow_private=True,
    )
    asyncio.run(db.migrate(settings.database_url))
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "worker.log", "w") as log:
        worker = start_worker(settings, Path(folder), log)
        try:
            time.sleep(3)  # the worker connects and starts polling
            latencies = asyncio.run(measure(settings, options.events))
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    milliseconds = sorted(seconds * 1000 for seconds in latencies)
    print(
        f"webhook latency, commit to receiver, over {len(milliseconds)} events: "
        f"median {statistics.median(milliseconds):.0f} ms, "
        f"p90 {milliseconds[int(len(milliseconds) * 0.9) - 1]:.0f} ms, "
        f"min {milliseconds[0]:.0f} ms, max {milliseconds[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
