"""One-off invoices and invoicing a contract now, in billing: who may, what holds them, and
what a race between the API and the cycle makes."""

import asyncio
from datetime import date

import pytest

from remit.billing import clock, cycle, issuing, one_off, organizations
from remit.billing.errors import Forbidden, NotReady
from remit.billing.roles import Actor
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent, InvoiceLine
from remit.models.tenants import Tenant
from remit.models.users import UserRole
from tests import factories

LINES = [{"name": "Workshop", "price": "900.00", "tax_rate": "19"}]


async def snapshot() -> list:
    return [
        await Invoice.all().order_by("id").values(),
        await InvoiceLine.all().order_by("id").values(),
        await Contract.all().order_by("id").values(),
        await ServiceLineItem.all().order_by("id").values(),
        await InvoiceEvent.all().order_by("id").values("id", "type"),
    ]


async def test_a_viewer_may_not_draft_change_issue_or_invoice_now():
    tenant, _ = await factories.ready_tenant()
    customer = await factories.organization(tenant)
    contract = await factories.live_contract(tenant, date(2027, 1, 1), organization_name="Hooli")
    owner = Actor.system(tenant)
    drafted = await one_off.create(owner, {"organization_id": customer.id, "lines": LINES})
    viewer = Actor("user:vic@acme.com", tenant, UserRole.VIEWER)
    before = await snapshot()

    with clock.frozen(date(2027, 1, 1)):
        for call in (
            one_off.create(viewer, {"organization_id": customer.id, "lines": LINES}),
            one_off.update(
                viewer, str(drafted.id), {"organization_id": customer.id, "lines": LINES}
            ),
            one_off.delete(viewer, str(drafted.id)),
            one_off.issue(viewer, str(drafted.id)),
            cycle.invoice_now(viewer, str(contract.id)),
        ):
            with pytest.raises(Forbidden) as refused:
                await call
            assert (
                refused.value.message
                == "A VIEWER may not change organizations, contracts or invoices."
            )

    assert await snapshot() == before


async def test_a_one_off_is_not_issued_while_invoicing_is_off():
    tenant, _ = await factories.ready_tenant()
    customer = await factories.organization(tenant)
    drafted = await one_off.create(
        Actor.system(tenant), {"organization_id": customer.id, "lines": LINES}
    )
    await Tenant.filter(id=tenant.id).update(invoicing_enabled=False)
    before = await snapshot()

    with pytest.raises(NotReady) as refused:
        await one_off.issue(Actor.system(tenant), str(drafted.id))

    assert refused.value.message == "Enable invoicing for this tenant first."
    assert await snapshot() == before


async def test_a_held_one_off_is_released_once_its_organization_has_a_billing_email(
    drain_jobs,
):
    tenant, _ = await factories.ready_tenant()
    customer = await factories.organization(tenant, billing_emails=[])
    actor = Actor.system(tenant)
    drafted = await one_off.create(actor, {"organization_id": customer.id, "lines": LINES})

    with clock.frozen(date(2027, 4, 1)):
        held = await one_off.issue(actor, str(drafted.id))
        assert (held.status, held.hold_reasons) == (
            InvoiceStatus.ON_HOLD,
            ["No billing email on the contract or its organization."],
        )
        await organizations.update(actor, str(customer.id), {"billing_emails": ["ap@globex.com"]})
        released = await issuing.release(actor, str(drafted.id))

    assert (released.status, released.number, released.total) == (
        InvoiceStatus.DUE,
        "INV-000001",
        107100,
    )
    assert (released.issue_date, released.due_date) == (date(2027, 4, 1), date(2027, 5, 1))


async def test_invoice_now_racing_the_cycles_job_makes_one_invoice(drain_jobs):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))

    with clock.frozen(date(2027, 1, 1)):
        outcomes = await asyncio.gather(
            cycle.invoice_now(Actor.system(tenant), str(contract.id)),
            cycle.issue(contract.id, date(2027, 1, 1), date(2027, 1, 1)),
            return_exceptions=True,
        )

    assert await Invoice.filter(contract=contract).count() == 1
    now, job = outcomes
    # Whichever came second found the period issued: the API call says so, the job no-ops.
    assert isinstance(now, Invoice) or now.code in ("CONFLICT", "NOT_READY"), now
    assert job.outcome in (issuing.Outcome.ISSUED, issuing.Outcome.NOT_DUE)
