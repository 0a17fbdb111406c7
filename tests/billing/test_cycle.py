import logging
import re
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from remit.billing import cycle, issuing
from remit.billing.errors import NotFound
from remit.models.runs import InvoicingRun
from tests import factories

DAY = date(2027, 1, 1)
SECRET = "connection to db.internal:5432 failed for user remit password=hunter2"


async def broken_issue(*args):
    raise ConnectionError(SECRET)


async def test_a_failed_issue_is_on_the_run_with_an_id_not_the_error_and_is_logged(
    runtime, monkeypatch, caplog
):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, DAY)
    await cycle.plan(DAY)
    monkeypatch.setattr(issuing, "issue", broken_issue)

    with (
        caplog.at_level(logging.ERROR, logger="remit.cycle"),
        pytest.raises(cycle.IssueFailed) as caught,
    ):
        await cycle.issue(contract.id, DAY, DAY)

    error_id = caught.value.error_id
    assert re.fullmatch(r"[0-9a-f]{32}", error_id)
    run = await InvoicingRun.get(tenant=tenant, run_date=DAY)
    assert run.failures == [
        {
            "contract_id": str(contract.id),
            "message": "The invoice for this contract could not be issued because of an error "
            "on our side. It is tried again automatically; if it keeps failing, contact "
            "support with the error id.",
            "error_id": error_id,
        }
    ]
    assert (run.contracts_due, run.invoices_issued, run.finished_at) == (1, 0, None)
    [record] = caplog.records
    assert record.getMessage() == (
        f"issuing contract {contract.id} for 2027-01-01 failed (error id {error_id})"
    )
    assert record.exc_info[1].args == (SECRET,)


async def test_a_second_failure_replaces_the_first_and_a_success_clears_it(runtime, monkeypatch):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, DAY)
    await cycle.plan(DAY)
    with monkeypatch.context() as patched:
        patched.setattr(issuing, "issue", broken_issue)
        for _ in range(2):
            with pytest.raises(cycle.IssueFailed) as caught:
                await cycle.issue(contract.id, DAY, DAY)
        failed = await InvoicingRun.get(tenant=tenant, run_date=DAY)
        assert [f["error_id"] for f in failed.failures] == [caught.value.error_id]

    result = await cycle.issue(contract.id, DAY, DAY)

    run = await InvoicingRun.get(tenant=tenant, run_date=DAY)
    assert result.outcome == issuing.Outcome.ISSUED
    assert (run.contracts_due, run.invoices_issued, run.failures) == (1, 1, [])
    assert run.finished_at is not None


async def test_failures_read_back_as_stored(runtime):
    tenant, _ = await factories.tenant()
    run = await InvoicingRun.create(
        tenant=tenant,
        run_date=DAY,
        started_at=datetime(2027, 1, 1, 8, 15, tzinfo=UTC),
        failures=[{"contract_id": "c1", "message": "m", "error_id": "e1"}],
    )

    assert cycle.failures_of(run) == [cycle.RunFailure("c1", "m", "e1")]


async def test_the_days_runs_and_progress_for_the_cycle_command(runtime, drain_jobs):
    acme, _ = await factories.ready_tenant("Acme Corp")
    initech, _ = await factories.ready_tenant("Initech")
    other, _ = await factories.ready_tenant("Other")
    for tenant in (initech, acme, acme, other):
        await factories.live_contract(tenant, DAY)

    plan = await cycle.plan(DAY)
    chosen = [initech.id, acme.id]
    before = await cycle.progress(DAY, chosen)
    await drain_jobs()

    runs = await cycle.runs_on(DAY, chosen)
    assert (plan.total, before, await cycle.progress(DAY, chosen)) == (4, 0, 3)
    assert [(run.tenant.name, run.contracts_due, run.invoices_issued) for run in runs] == [
        ("Acme Corp", 2, 2),
        ("Initech", 1, 1),
    ]


async def test_planning_for_a_tenant_that_does_not_exist_is_refused(runtime):
    missing = UUID(int=0)

    with pytest.raises(NotFound, match=rf"^No tenant with id {missing}\.$"):
        await cycle.plan(DAY, missing)
