import asyncpg
import pytest
from arq import Retry

from remit.billing import delivery, issuing
from remit.workers.functions import FUNCTIONS


async def test_a_job_whose_database_connection_is_lost_is_retried_later(monkeypatch):
    async def connection_closed(invoice_id, resend=False):
        raise asyncpg.InterfaceError(
            "cannot call Transaction.rollback(): the underlying connection is closed"
        )

    monkeypatch.setattr(delivery, "deliver", connection_closed)
    [deliver] = [f for f in FUNCTIONS if f.name == issuing.DELIVER_JOB]

    with pytest.raises(Retry) as retry:
        await deliver.coroutine({"job_try": 2}, "7d1f6a1e-0000-4000-8000-000000000001")

    assert retry.value.defer_score == 120_000  # the second try's backoff: 2 minutes
