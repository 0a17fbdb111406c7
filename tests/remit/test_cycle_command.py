import io
from datetime import UTC, date, datetime

from rich.console import Console

from remit.cycle_command import _summary
from remit.models.runs import InvoicingRun
from tests import factories


async def test_the_summary_names_each_failure_with_its_message_and_error_id(runtime):
    tenant, _ = await factories.tenant()
    failure = {"contract_id": "c1", "message": "It could not be issued.", "error_id": "e1"}
    await InvoicingRun.create(
        tenant=tenant,
        run_date=date(2027, 1, 1),
        started_at=datetime(2027, 1, 1, 8, 15, tzinfo=UTC),
        contracts_due=2,
        invoices_issued=1,
        failures=[failure],
    )
    output = io.StringIO()

    await _summary(Console(file=output, width=120), date(2027, 1, 1), [tenant.id])

    lines = [line.strip() for line in output.getvalue().strip().splitlines()]
    assert lines[4] == "│ Acme Corp │ 2   │ 1      │ 0       │ 1      │"
    assert lines[-1] == "failed Acme Corp contract c1: It could not be issued. (error id e1)"
