import dataclasses
from datetime import date

import pytest

from remit import PaymentEvent, PaymentEventKind
from remit.billing import clock, cycle, invoice_status
from remit.billing.errors import InvalidTransition
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from tests import factories

UPDATE = """mutation($id: ID!, $input: InvoiceStatusUpdateInput!) {
  invoiceStatusUpdate(id: $id, input: $input) { invoice { status amountPaid { amount } amountDue { amount } paidAt paidOn voidedAt } errors { field message code } }
}"""


async def issued_invoice(drain_jobs):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return key, await Invoice.get(contract=contract)


async def state(invoice) -> tuple:
    row = await Invoice.get(id=invoice.id)
    return (
        row.status,
        row.amount_paid,
        row.paid_at,
        row.paid_on,
        row.voided_at,
        await InvoiceEvent.filter(invoice=invoice).count(),
    )


REFUSED = [
    (old, new)
    for old in InvoiceStatus
    for new in InvoiceStatus
    if new not in invoice_status.ALLOWED[old]
]


async def test_every_transition_outside_the_table_is_refused_and_changes_nothing():
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    assert len(REFUSED) == 21
    for number, (old, new) in enumerate(REFUSED):
        start = date(2027, 1, 1).replace(year=2027 + number)
        invoice = await Invoice.create(
            tenant=tenant,
            contract=contract,
            organization_id=contract.organization_id,
            status=old,
            currency="EUR",
            public_token=f"t{number}",
            period_start=start,
            period_end=start,
        )
        before = await state(invoice)

        with pytest.raises(InvalidTransition) as refused:
            await invoice_status.move(invoice, new, actor="user")

        assert refused.value.message == f"A {old} invoice cannot become {new}.", (old, new)
        assert await state(invoice) == before, (old, new)


async def test_paid_by_hand_then_undone_then_voided(graphql, drain_jobs):
    key, invoice = await issued_invoice(drain_jobs)
    client = graphql(key)

    with clock.frozen(date(2027, 1, 20)):
        paid = (
            await client.query(
                UPDATE,
                id=str(invoice.id),
                input={"status": "PAID", "paidOn": "2027-01-19", "note": "Wire 123"},
            )
        )["invoiceStatusUpdate"]
        undone = (await client.query(UPDATE, id=str(invoice.id), input={"status": "DUE"}))[
            "invoiceStatusUpdate"
        ]
        voided = (
            await client.query(
                UPDATE, id=str(invoice.id), input={"status": "VOID", "note": "Billed in error"}
            )
        )["invoiceStatusUpdate"]

    assert paid["errors"] == [] and paid["invoice"]["status"] == "PAID"
    assert (paid["invoice"]["amountPaid"], paid["invoice"]["amountDue"]) == (
        {"amount": "1299.88"},
        {"amount": "0.00"},
    )
    # Paid on the day given, recorded at an instant of the (frozen) day of the click.
    assert paid["invoice"]["paidOn"] == "2027-01-19"
    assert paid["invoice"]["paidAt"].startswith("2027-01-20T")
    assert undone["invoice"]["status"] == "DUE" and undone["invoice"]["paidAt"] is None
    assert undone["invoice"]["paidOn"] is None
    assert undone["invoice"]["amountPaid"] == {"amount": "0.00"}
    assert voided["invoice"]["status"] == "VOID" and voided["invoice"]["voidedAt"] is not None
    # Void, it owes nothing; its total stands.
    assert voided["invoice"]["amountDue"] == {"amount": "0.00"}
    events = (
        await InvoiceEvent.filter(invoice=invoice, type="status_changed")
        .order_by("at", "id")
        .values_list("from_status", "to_status", "actor", "detail")
    )
    actor = factories.key_actor(key)
    assert events[1:] == [
        (InvoiceStatus.DUE, InvoiceStatus.PAID, actor, "Paid on 2027-01-19: Wire 123"),
        (InvoiceStatus.PAID, InvoiceStatus.DUE, actor, "Manual payment undone"),
        (InvoiceStatus.DUE, InvoiceStatus.VOID, actor, "Billed in error"),
    ]


async def test_a_payment_by_hand_is_announced_to_plugins_like_a_providers(
    graphql, drain_jobs, hook_calls
):
    key, invoice = await issued_invoice(drain_jobs)
    client = graphql(key)

    with clock.frozen(date(2027, 1, 20)):
        await client.query(
            UPDATE,
            id=str(invoice.id),
            input={"status": "PAID", "paidOn": "2027-01-19", "note": "Wire 123"},
        )
        await client.query(UPDATE, id=str(invoice.id), input={"status": "DUE"})

    actor = factories.key_actor(key)
    [(view, event, announced_by)] = hook_calls.payments
    assert (view.id, view.status, view.amount_due, announced_by) == (invoice.id, "PAID", 0, actor)
    assert event.event_id.startswith(f"manual:{invoice.id}:")
    assert dataclasses.replace(event, event_id="") == PaymentEvent(
        event_id="",
        kind=PaymentEventKind.PAID,
        invoice_id=invoice.id,
        tenant_id=invoice.tenant_id,
        amount=129988,
        currency="EUR",
        detail="Paid on 2027-01-19: Wire 123",
    )
    assert hook_calls.status_changes[-2:] == [("DUE", "PAID", actor), ("PAID", "DUE", actor)]


async def test_a_payment_without_a_day_is_paid_today(drain_jobs):
    _, invoice = await issued_invoice(drain_jobs)
    locked = await Invoice.get(id=invoice.id)

    with clock.frozen(date(2027, 1, 20)):
        await invoice_status.move(locked, InvoiceStatus.PAID, actor="provider:stripe")

    row = await Invoice.get(id=invoice.id)
    assert (row.paid_on, row.paid_at.date()) == (date(2027, 1, 20), date(2027, 1, 20))


async def test_undoing_a_payment_after_the_due_date_makes_it_overdue(graphql, drain_jobs):
    key, invoice = await issued_invoice(drain_jobs)
    client = graphql(key)
    with clock.frozen(date(2027, 1, 20)):
        await client.query(
            UPDATE, id=str(invoice.id), input={"status": "PAID", "paidOn": "2027-01-19"}
        )

    with clock.frozen(date(2027, 2, 5)):
        undone = (await client.query(UPDATE, id=str(invoice.id), input={"status": "DUE"}))[
            "invoiceStatusUpdate"
        ]

    assert undone["invoice"]["status"] == "OVERDUE"


@pytest.mark.parametrize(
    ("setup", "input", "error"),
    [
        (
            "paid",
            {"status": "VOID"},
            {
                "field": None,
                "code": "INVALID_TRANSITION",
                "message": "A PAID invoice cannot be voided: undo the payment or refund it first.",
            },
        ),
        (
            "due",
            {"status": "DUE"},
            {
                "field": None,
                "code": "INVALID_TRANSITION",
                "message": "Only a PAID invoice can go back to DUE; this one is DUE.",
            },
        ),
        (
            "due",
            {"status": "OVERDUE"},
            {
                "field": ["input", "status"],
                "code": "INVALID",
                "message": "An invoice can be set to PAID, DUE or VOID here, not OVERDUE.",
            },
        ),
        (
            "due",
            {"status": "PAID", "paidOn": "2999-01-01"},
            {
                "field": ["input", "paidOn"],
                "code": "INVALID",
                "message": "The payment date is in the future.",
            },
        ),
        (
            "due",
            {"status": "PAID", "paidOn": "2026-12-31"},
            {
                "field": ["input", "paidOn"],
                "code": "INVALID",
                "message": "The payment date is before the invoice's issue date (2027-01-01).",
            },
        ),
        (
            "provider",
            {"status": "DUE"},
            {
                "field": None,
                "code": "INVALID_TRANSITION",
                "message": "This payment was confirmed by stripe; refund it there instead.",
            },
        ),
    ],
)
async def test_refused_changes_change_nothing(graphql, drain_jobs, setup, input, error):
    key, invoice = await issued_invoice(drain_jobs)
    client = graphql(key)
    if setup == "paid":
        await client.query(UPDATE, id=str(invoice.id), input={"status": "PAID"})
    if setup == "provider":
        locked = await Invoice.get(id=invoice.id)
        await invoice_status.move(locked, InvoiceStatus.PAID, actor="provider:stripe")
    before = await state(invoice)

    with clock.frozen(date(2027, 1, 20)):  # after the issue date
        result = (await client.query(UPDATE, id=str(invoice.id), input=input))[
            "invoiceStatusUpdate"
        ]

    assert result == {"invoice": None, "errors": [error]}
    assert await state(invoice) == before


async def test_another_tenants_invoice_is_not_found(graphql, drain_jobs):
    _, invoice = await issued_invoice(drain_jobs)
    _, other_key = await factories.tenant("Other")
    before = await state(invoice)

    result = (await graphql(other_key).query(UPDATE, id=str(invoice.id), input={"status": "VOID"}))[
        "invoiceStatusUpdate"
    ]

    assert result["errors"] == [
        {"field": ["id"], "code": "NOT_FOUND", "message": f"No invoice with id {invoice.id}."}
    ]
    assert await state(invoice) == before


async def test_a_held_invoice_can_be_voided_without_a_notice(graphql, drain_jobs, runtime):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await Contract.filter(id=contract.id).update(billing_email="nobody")
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    held = await Invoice.get(contract=contract)

    result = (await graphql(key).query(UPDATE, id=str(held.id), input={"status": "VOID"}))[
        "invoiceStatusUpdate"
    ]

    assert result["invoice"]["status"] == "VOID"
    assert [
        job for job in await runtime.pool.queued_jobs() if job.function == "invoice.notice"
    ] == []


# -- the groups of statuses and the rules on them ---------------------------------------------


def test_the_groups_of_statuses():
    def having(rule) -> set[InvoiceStatus]:
        return {status for status in InvoiceStatus if rule(Invoice(status=status))}

    groups = {
        "open": having(invoice_status.is_open),
        "sendable": set(invoice_status.SENDABLE),
        "visible": set(invoice_status.VISIBLE),
        **{
            f"{kind} notice": having(
                lambda invoice, kind=kind: invoice_status.notice_applies(invoice, kind)
            )
            for kind in ("reminder", "receipt", "void")
        },
    }

    assert groups == {
        "open": {InvoiceStatus.DUE, InvoiceStatus.OVERDUE},
        "sendable": {InvoiceStatus.DUE, InvoiceStatus.OVERDUE, InvoiceStatus.PAID},
        "visible": {
            InvoiceStatus.DUE,
            InvoiceStatus.OVERDUE,
            InvoiceStatus.PAID,
            InvoiceStatus.VOID,
        },
        "reminder notice": {InvoiceStatus.DUE, InvoiceStatus.OVERDUE},
        "receipt notice": {InvoiceStatus.PAID},
        "void notice": {InvoiceStatus.VOID},
    }


@pytest.mark.parametrize(
    ("due_date", "reopened", "falls_overdue"),
    [
        (None, InvoiceStatus.DUE, False),
        (date(2027, 2, 1), InvoiceStatus.DUE, False),
        (date(2027, 1, 31), InvoiceStatus.OVERDUE, True),
    ],
    ids=["no-due-date", "due-today", "due-yesterday"],
)
def test_past_its_due_date_an_invoice_is_overdue(due_date, reopened, falls_overdue):
    today = date(2027, 2, 1)

    paid = Invoice(status=InvoiceStatus.PAID, due_date=due_date)
    due = Invoice(status=InvoiceStatus.DUE, due_date=due_date)

    assert invoice_status.reopened_status(paid, today) == reopened
    assert invoice_status.falls_overdue(due, today) == falls_overdue
    assert not invoice_status.falls_overdue(paid, today)


@pytest.mark.parametrize("status", list(InvoiceStatus))
def test_check_with_only_from_narrows_the_table(status):
    invoice = Invoice(status=status)

    if status in invoice_status.OPEN:
        invoice_status.check(invoice, InvoiceStatus.PAID, only_from=invoice_status.OPEN)
    else:
        with pytest.raises(InvalidTransition) as refusal:
            invoice_status.check(invoice, InvoiceStatus.PAID, only_from=invoice_status.OPEN)
        assert refusal.value.message == f"A {status} invoice cannot become PAID."
    assert invoice.status == status
