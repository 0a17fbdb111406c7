"""When a job meets a passing failure (a provider or the mail server down), it asks arq to
run it again later, backing off: 1, 2, 4 ... minutes, at most an hour apart."""

from arq import Retry


def backoff_seconds(job_try: int) -> int:
    return min(60 * 2 ** (job_try - 1), 3600)


def retry_later(ctx: dict) -> Retry:
    return Retry(defer=backoff_seconds(ctx.get("job_try", 1)))
