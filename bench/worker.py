"""One worker process of bench/scale.py: the arq worker of `remit worker`, its settings from
the same REMIT_* variables, but in burst mode (it stops once the queue is empty), without
the start-up catch-up and the cron entries (they would plan the real day's cycle), and with
the clock on the cycle day, as `remit cycle run --date` has it.

    python -m bench.worker DAY MAX_JOBS POLL_DELAY

It says "ready" once connected, starts on a line read from stdin (so that the processes of
a run start together and their start-up is not timed), says "done N" when the queue is
empty, N the jobs it ran, and exits 1 if a job failed or was retried."""

import asyncio
import sys
from datetime import date

# The render processes import this module again (spawned, they import the main module), as
# those of `remit worker` import the `remit` script and with it remit.console_script: imported
# here, at the top, so that they weigh the same.
import remit.console_script  # noqa: F401


async def work(day: date, max_jobs: int, poll_delay: float) -> int:
    from remit.billing import clock
    from remit.cli import settings
    from remit.runtime import running
    from remit.workers.settings import build_worker

    async with running(settings(), run_jobs=False) as runtime:
        worker = build_worker(
            runtime.pool,
            in_process=False,
            burst=True,
            poll_delay=poll_delay,
            on_startup=None,
            cron_jobs=[],
            max_jobs=max_jobs,
        )
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        with clock.frozen(day):
            await worker.async_run()  # leaves the pool open, unlike worker.close()
        print(f"done {worker.jobs_complete}", flush=True)
        if worker.jobs_failed or worker.jobs_retried:
            print(f"{worker.jobs_failed} failed, {worker.jobs_retried} retried", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    day, max_jobs, poll_delay = sys.argv[1:]
    sys.exit(asyncio.run(work(date.fromisoformat(day), int(max_jobs), float(poll_delay))))
