from datetime import date

import pytest
from arq import Retry

from remit.billing import cycle, issuing
from remit.models.runs import InvoicingRun
from remit.workers.cycle import issue_invoice, plan_cycle
from tests import factories


async def test_the_issue_job_issues_and_a_failed_one_is_retried_later(runtime, monkeypatch):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    args = (str(contract.id), "2027-01-01", "2027-01-01")
    assert await plan_cycle({}, "2027-01-01") == 1

    async def broken(*args):
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(issuing, "issue", broken)
        with pytest.raises(Retry) as retry:
            await issue_invoice({"job_try": 2}, *args)
    issued = await issue_invoice({"job_try": 3}, *args)

    assert isinstance(retry.value.__cause__, cycle.IssueFailed)
    assert retry.value.defer_score == 120_000  # the second try waits two minutes
    assert issued == "issued"
    run = await InvoicingRun.get(tenant=tenant)
    assert (run.invoices_issued, run.failures) == (1, [])
