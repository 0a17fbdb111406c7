import os
import signal
import subprocess
import sys
import time

import pytest

from remit.billing import tenants
from remit.models.tenants import ApiKey
from tests import factories
from tests.conftest import USES_SQLITE


async def wait_for(predicate, seconds: float = 15):
    import asyncio

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


@pytest.mark.skipif(USES_SQLITE, reason="`remit worker` works a Redis queue: the PostgreSQL run")
async def test_remit_worker_runs_the_jobs_the_api_asks_for(settings):
    _, key = await factories.tenant()
    await tenants.authenticate(key)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    environment.update(
        REMIT_DATABASE_URL=settings.database_url,
        REMIT_REDIS_URL=settings.redis_url,
        REMIT_QUEUE_NAME=settings.queue_name,
        REMIT_SECRET_KEY="test-secret",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "remit", "worker"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        async def used() -> bool:
            return await ApiKey.filter(last_used_at__not_isnull=True).exists()

        assert await wait_for(used), "the worker did not run the job"
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "Traceback" not in output, output
