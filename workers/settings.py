"""How a worker is built: the same functions and cron entries for `remit worker` and for
the worker that `remit serve` runs in-process in the embedded mode."""

from arq import cron
from arq.connections import ArqRedis
from arq.worker import Worker

from workers.contracts import plan_contract_endings
from workers.functions import FUNCTIONS

# Just after midnight UTC, so a contract that ended yesterday is ENDED before the cycle runs.
CRON_JOBS = [
    cron(plan_contract_endings, name="contracts.plan_endings", hour={0}, minute={5}, unique=True),
]


def build_worker(pool: ArqRedis, *, in_process: bool, **overrides) -> Worker:
    """A worker on `pool`. In-process, the host (uvicorn) owns the signals."""
    options = {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "redis_pool": pool,
        "queue_name": pool.default_queue_name,
        "handle_signals": not in_process,
        "max_tries": 5,
        "keep_result": 3600,
        "job_timeout": 300,
    }
    options.update(overrides)
    return Worker(**options)
