from datetime import date

from remit.billing import cycle, issuing
from remit.billing.roles import Actor
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent, InvoiceLine, InvoiceNumberSequence
from remit.models.runs import InvoicingRun
from tests import factories


async def test_a_due_contract_gets_exactly_one_invoice_numbered_and_dated(runtime, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))

    plan = await cycle.plan(date(2027, 1, 1))
    again = await cycle.plan(date(2027, 1, 1))
    ran = await drain_jobs()

    assert (plan.total, again.total) == (1, 1)
    invoice = await Invoice.get(contract=contract)
    assert (invoice.number, invoice.status, invoice.issue_date, invoice.due_date) == (
        "INV-000001",
        InvoiceStatus.DUE,
        date(2027, 1, 1),
        date(2027, 1, 31),
    )
    assert (invoice.period_start, invoice.period_end) == (date(2027, 1, 1), date(2027, 1, 31))
    assert (invoice.subtotal, invoice.tax, invoice.total) == (109990, 19998, 129988)
    assert await InvoiceLine.filter(invoice=invoice).order_by("position").values_list(
        "name", "total"
    ) == [("Seats", 59988), ("Setup", 60000), ("Support", 10000)]
    assert invoice.customer == {
        "name": "Globex",
        "legal_name": None,
        "email": "ap@globex.com",
        "address": factories.CUSTOMER_ADDRESS,
        "tax_id": None,
        "registration_id": None,
    }
    assert invoice.provider["legal_name"] == "Acme Corp GmbH"
    assert len(invoice.public_token) >= 32
    events = (
        await InvoiceEvent.filter(invoice=invoice)
        .order_by("at")
        .values_list("type", "from_status", "to_status", "actor")
    )
    assert events == [
        ("created", None, InvoiceStatus.DRAFT, "cycle"),
        ("status_changed", InvoiceStatus.DRAFT, InvoiceStatus.DUE, "cycle"),
        ("sent", None, None, "system"),
    ]
    assert (await Contract.get(id=contract.id)).next_invoice_date == date(2027, 2, 1)
    run = await InvoicingRun.get(tenant=tenant, run_date=date(2027, 1, 1))
    assert (run.contracts_due, run.invoices_issued, run.invoices_on_hold, run.failures) == (
        1,
        1,
        0,
        [],
    )
    assert run.finished_at is not None
    assert ran >= 1


async def test_issuing_twice_for_the_same_period_does_nothing(runtime):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))

    first = await issuing.issue(contract.id, date(2027, 1, 1), date(2027, 1, 1))
    second = await issuing.issue(contract.id, date(2027, 1, 1), date(2027, 1, 1))

    assert (first.outcome, second.outcome) == (issuing.Outcome.ISSUED, issuing.Outcome.NOT_DUE)
    assert await Invoice.filter(contract=contract).count() == 1
    assert (await InvoiceNumberSequence.get(tenant=tenant)).last_number == 1


async def test_missed_periods_are_caught_up_one_invoice_each(runtime, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 31))

    await cycle.plan(date(2027, 4, 2))
    await drain_jobs()

    invoices = (
        await Invoice.filter(contract=contract)
        .order_by("period_start")
        .values_list("number", "period_start", "period_end")
    )
    assert invoices == [
        ("INV-000001", date(2027, 1, 31), date(2027, 2, 27)),
        ("INV-000002", date(2027, 2, 28), date(2027, 3, 30)),
        ("INV-000003", date(2027, 3, 31), date(2027, 4, 29)),
    ]
    assert (await Contract.get(id=contract.id)).next_invoice_date == date(2027, 4, 30)
    names = [
        await InvoiceLine.filter(invoice__number=number)
        .order_by("position")
        .values_list("name", flat=True)
        for number, _, _ in invoices
    ]
    # The one-time setup on the first invoice only; the recurring items on each.
    assert names == [["Seats", "Setup", "Support"], ["Seats", "Support"], ["Seats", "Support"]]


async def test_an_invoice_that_fails_a_check_is_held_unnumbered_and_released_once_fixed(
    runtime, drain_jobs
):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await Contract.filter(id=contract.id).update(billing_email="not-an-address")

    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()

    held = await Invoice.get(contract=contract)
    assert (held.status, held.number, held.hold_reasons) == (
        InvoiceStatus.ON_HOLD,
        None,
        ["The billing email 'not-an-address' is not a valid address."],
    )
    run = await InvoicingRun.get(tenant=tenant)
    assert (run.invoices_issued, run.invoices_on_hold) == (0, 1)

    await Contract.filter(id=contract.id).update(billing_email="ap@globex.com")
    released = await issuing.release(Actor.system(tenant), str(held.id))

    assert (released.status, released.number, released.hold_reasons) == (
        InvoiceStatus.DUE,
        "INV-000001",
        [],
    )


async def test_nothing_is_issued_for_a_tenant_with_invoicing_disabled_or_a_contract_past_its_end(
    runtime,
):
    from remit.billing import invoicing_settings

    tenant, _ = await factories.ready_tenant()
    await factories.live_contract(tenant, date(2027, 1, 1))
    other, _ = await factories.ready_tenant("Other")
    ended = await factories.live_contract(other, date(2027, 1, 1))
    await Contract.filter(id=ended.id).update(end_date=date(2026, 12, 31))
    await invoicing_settings.disable(Actor.system(tenant))

    plan = await cycle.plan(date(2027, 1, 1))

    assert plan.total == 0


async def test_a_zero_invoice_is_paid_at_once(runtime):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(
        tenant, date(2027, 1, 1), items=[{"name": "Free tier", "price": "0", "billed": "MONTHLY"}]
    )

    result = await issuing.issue(contract.id, date(2027, 1, 1), date(2027, 1, 1))

    invoice = await Invoice.get(id=result.invoice_id)
    assert (invoice.status, invoice.number, invoice.paid_at is not None) == (
        InvoiceStatus.PAID,
        "INV-000001",
        True,
    )


async def test_an_invoice_no_offered_provider_can_take_is_held_and_not_sent(
    runtime, drain_jobs, configure
):
    from remit.billing import providers
    from tests.servers import Collector, start

    handler = Collector()
    controller = start(handler)
    configure(smtp_url=f"smtp://127.0.0.1:{controller.port}")
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(
        tenant, date(2027, 1, 1), currency="USD", payment_providers=["bank_transfer"]
    )
    # The USD account is removed after the contract went live.
    eur_only = {"accounts": factories.BANK_TRANSFER["accounts"][:1]}
    await providers.configure(tenant, "bank_transfer", enabled=True, settings=eur_only)

    try:
        await cycle.plan(date(2027, 1, 1))
        await drain_jobs()
    finally:
        controller.stop()

    held = await Invoice.get(contract=contract)
    assert (held.status, held.number, held.sent_at, held.hold_reasons) == (
        InvoiceStatus.ON_HOLD,
        None,
        None,
        [
            "No payment provider offered (bank_transfer) can take USD payments: set one up "
            "for USD (a bank account in USD, say) or offer another."
        ],
    )
    assert handler.envelopes == []
