from remit.billing import tenants
from remit.models.tenants import ApiKey
from tests import factories
from tests.faults import processes


@processes.ON_WORKERS
async def test_remit_worker_runs_the_jobs_the_api_asks_for(settings, tmp_path):
    _, key = await factories.tenant()
    await tenants.authenticate(key)
    environment = processes.worker_environment(settings, smtp_port=0)
    worker = processes.start_worker("worker", environment, tmp_path)
    try:

        async def used() -> bool:
            return await ApiKey.filter(last_used_at__not_isnull=True).exists()

        await processes.wait_until(
            used, 15, lambda: f"the worker did not run the job\n{worker.output()}"
        )
    finally:
        await processes.stop([worker])
    assert worker.process.returncode == 0, worker.output()
    processes.assert_stopped_cleanly([worker])
