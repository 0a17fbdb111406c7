"""paymentRecord, paymentDelete, refundRecord, Invoice.payments and Organization.creditBalance
through the API: exact amounts, and every refused input a typed error that changes nothing."""

from datetime import date

import pytest

from remit.billing import clock, cycle, payments, provider_payments
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.payments import Payment, PaymentAllocation, Refund
from remit.plugins.api import PaymentEvent, PaymentEventKind
from tests import factories

RECORD = """mutation($input: PaymentRecordInput!) {
  paymentRecord(input: $input) {
    payment {
      amount { amount currency } receivedOn method reference note actor
      unallocated { amount }
      organization { name creditBalance { amount currency } }
      allocations { amount { amount } invoice { number status amountDue { amount } paidOn } }
      refunds { amount { amount } }
    }
    errors { field code message }
  }
}"""

DELETE = """mutation($id: ID!) {
  paymentDelete(id: $id) { deletedPaymentId errors { field code message } }
}"""

REFUND = """mutation($input: RefundRecordInput!) {
  refundRecord(input: $input) {
    payment { unallocated { amount } refunds { amount { amount } refundedOn note actor } }
    errors { field code message }
  }
}"""

INVOICE = """query($id: ID!) {
  invoice(id: $id) {
    status amountPaid { amount } amountDue { amount }
    payments { amount { amount } fromCredit payment { method amount { amount } } }
  }
}"""

TODAY = date(2027, 3, 10)


async def three_invoices(drain_jobs, **contract):
    """A tenant's contract billed monthly (EUR 100.00 each, untaxed) for Jan, Feb and Mar."""
    tenant, key = await factories.ready_tenant()
    made = await factories.live_contract(
        tenant,
        date(2027, 1, 1),
        items=[{"name": "Service", "price": "100.00", "billed": "MONTHLY"}],
        **contract,
    )
    for month in (1, 2, 3):
        with clock.frozen(date(2027, month, 1)):
            await cycle.plan(date(2027, month, 1))
            await drain_jobs()
    invoices = await Invoice.filter(contract=made).order_by("period_start")
    return tenant, key, made, invoices


def record_input(contract, amount="100.00", **fields) -> dict:
    return {
        "organizationId": str(contract.organization_id),
        "amount": amount,
        "currency": "EUR",
        "receivedOn": "2027-03-09",
        **fields,
    }


async def snapshot(tenant) -> tuple:
    invoices = (
        await Invoice.filter(tenant=tenant)
        .order_by("number")
        .values_list("number", "status", "amount_paid", "paid_on")
    )
    return (
        invoices,
        await Payment.filter(tenant=tenant).count(),
        await PaymentAllocation.filter(payment__tenant=tenant).count(),
        await Refund.filter(payment__tenant=tenant).count(),
        await InvoiceEvent.filter(invoice__tenant=tenant).count(),
    )


async def test_a_payment_applied_oldest_first_with_the_rest_as_credit(graphql, drain_jobs):
    _, key, contract, (january, february, march) = await three_invoices(drain_jobs)
    client = graphql(key)

    with clock.frozen(TODAY):
        answer = await client.query(
            RECORD, input=record_input(contract, "350.00", reference="Wire 42", note="March")
        )

    assert answer["paymentRecord"]["errors"] == []
    payment = answer["paymentRecord"]["payment"]
    assert payment == {
        "amount": {"amount": "350.00", "currency": "EUR"},
        "receivedOn": "2027-03-09",
        "method": "manual",
        "reference": "Wire 42",
        "note": "March",
        "actor": factories.key_actor(key),
        "unallocated": {"amount": "50.00"},
        "organization": {
            "name": "Globex",
            "creditBalance": [{"amount": "50.00", "currency": "EUR"}],
        },
        "allocations": [
            {
                "amount": {"amount": "100.00"},
                "invoice": {
                    "number": invoice.number,
                    "status": "PAID",
                    "amountDue": {"amount": "0.00"},
                    "paidOn": "2027-03-09",
                },
            }
            for invoice in (january, february, march)
        ],
        "refunds": [],
    }
    shown = await client.query(INVOICE, id=str(march.id))
    assert shown["invoice"] == {
        "status": "PAID",
        "amountPaid": {"amount": "100.00"},
        "amountDue": {"amount": "0.00"},
        "payments": [
            {
                "amount": {"amount": "100.00"},
                "fromCredit": False,
                "payment": {"method": "manual", "amount": {"amount": "350.00"}},
            }
        ],
    }


async def test_listed_allocations_and_a_refund_then_delete(graphql, drain_jobs):
    tenant, key, contract, (january, _, march) = await three_invoices(drain_jobs)
    client = graphql(key)
    allocations = [
        {"invoiceId": str(march.id), "amount": "30.00"},
        {"invoiceId": str(january.id), "amount": "100.00"},
    ]

    with clock.frozen(TODAY):
        answer = await client.query(
            RECORD, input=record_input(contract, "150.00", allocations=allocations)
        )
        payment = await Payment.get(tenant=tenant)
        refund = await client.query(
            REFUND,
            input={
                "paymentId": str(payment.id),
                "amount": "50.00",
                "refundedOn": "2027-03-10",
                "note": "Returned",
            },
        )

    statuses = [a["invoice"]["status"] for a in answer["paymentRecord"]["payment"]["allocations"]]
    assert statuses == ["DUE", "PAID"]
    # 20.00 unallocated goes first, then 30.00 from the newest invoice (March): all of it.
    assert refund["refundRecord"] == {
        "payment": {
            "unallocated": {"amount": "0.00"},
            "refunds": [
                {
                    "amount": {"amount": "50.00"},
                    "refundedOn": "2027-03-10",
                    "note": "Returned",
                    "actor": factories.key_actor(key),
                }
            ],
        },
        "errors": [],
    }
    march_now = (await client.query(INVOICE, id=str(march.id)))["invoice"]
    assert (march_now["amountPaid"], march_now["amountDue"]) == (
        {"amount": "0.00"},
        {"amount": "100.00"},
    )
    assert (await Invoice.get(id=january.id)).status == InvoiceStatus.PAID

    with clock.frozen(TODAY):
        deleted = await client.query(DELETE, id=str(payment.id))

    assert deleted["paymentDelete"] == {"deletedPaymentId": str(payment.id), "errors": []}
    # January is past its due date (31 Jan) on 10 Mar; it reopens OVERDUE.
    january_now = await Invoice.get(id=january.id)
    assert (january_now.status, january_now.amount_paid) == (InvoiceStatus.OVERDUE, 0)
    assert await Refund.filter(payment__tenant=tenant).count() == 0


async def test_mark_paid_records_a_manual_payment_and_its_undo_deletes_it(graphql, drain_jobs):
    tenant, key, contract, (january, _, _) = await three_invoices(drain_jobs)
    update = """mutation($id: ID!, $input: InvoiceStatusUpdateInput!) {
      invoiceStatusUpdate(id: $id, input: $input) { invoice { status } errors { code } }
    }"""
    client = graphql(key)

    with clock.frozen(TODAY):
        await client.query(RECORD, input=record_input(contract, "40.00"))
        await client.query(
            update, id=str(january.id), input={"status": "PAID", "paidOn": "2027-03-08"}
        )
        shortcut = await Payment.get(tenant=tenant, amount=6000)

        assert (shortcut.method, shortcut.received_on) == ("manual", date(2027, 3, 8))
        assert (await Invoice.get(id=january.id)).paid_on == date(2027, 3, 8)

        await client.query(update, id=str(january.id), input={"status": "DUE"})

    assert not await Payment.exists(id=shortcut.id)
    january_now = await Invoice.get(id=january.id)
    assert (january_now.status, january_now.amount_paid) == (InvoiceStatus.OVERDUE, 4000)


def error(field, code, message) -> list:
    return [{"field": field, "code": code, "message": message}]


async def other_tenants_ids(drain_jobs):
    _, _, contract, invoices = await three_invoices(drain_jobs, organization_name="Initech")
    return str(contract.organization_id), str(invoices[0].id)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "over-allocation",
            error(
                ["input", "allocations", "0", "amount"],
                "INVALID",
                "More than the invoice's amount due (€100.00).",
            ),
        ),
        (
            "allocations over the payment",
            error(
                ["input", "allocations"],
                "INVALID",
                "The allocations add up to more than the payment.",
            ),
        ),
        (
            "currency mismatch",
            error(
                ["input", "allocations", "0", "invoiceId"],
                "INVALID",
                "This invoice is in EUR; the payment is in JPY.",
            ),
        ),
        (
            "void invoice",
            error(
                ["input", "allocations", "0", "invoiceId"],
                "CONFLICT",
                "A VOID invoice cannot be paid.",
            ),
        ),
        (
            "draft invoice",
            error(
                ["input", "allocations", "0", "invoiceId"],
                "CONFLICT",
                "A DRAFT invoice cannot be paid.",
            ),
        ),
        (
            "negative amount",
            error(["input", "amount"], "INVALID", "The amount must be more than zero."),
        ),
        (
            "zero allocation",
            error(
                ["input", "allocations", "0", "amount"],
                "INVALID",
                "The amount must be more than zero.",
            ),
        ),
        (
            "too many decimals",
            error(
                ["input", "amount"],
                "INVALID",
                "BHD amounts have at most 3 decimal places; 1.2345 has more.",
            ),
        ),
        (
            "received in the future",
            error(["input", "receivedOn"], "INVALID", "The payment date is in the future."),
        ),
        ("another tenant's organization", "NOT_FOUND organizationId"),
        ("another tenant's invoice", "NOT_FOUND invoiceId"),
    ],
)
async def test_a_refused_payment_is_a_typed_error_and_changes_nothing(
    graphql, drain_jobs, case, expected
):
    tenant, key, contract, (january, _, _) = await three_invoices(drain_jobs)
    one = [{"invoiceId": str(january.id), "amount": "100.00"}]
    given = record_input(contract, allocations=one)
    if case == "over-allocation":
        given["allocations"] = [{"invoiceId": str(january.id), "amount": "100.01"}]
        given["amount"] = "200.00"
    elif case == "allocations over the payment":
        given["amount"] = "99.99"
    elif case == "currency mismatch":
        given.update(currency="JPY", amount="100", allocations=[{**one[0], "amount": "100"}])
    elif case == "void invoice":
        await payments.change_status(Actor.system(tenant), str(january.id), InvoiceStatus.VOID)
    elif case == "draft invoice":
        await Invoice.filter(id=january.id).update(status=InvoiceStatus.DRAFT)
    elif case == "negative amount":
        given.update(amount="-100.00", allocations=None)
    elif case == "zero allocation":
        given["allocations"] = [{**one[0], "amount": "0"}]
    elif case == "too many decimals":
        given.update(currency="BHD", amount="1.2345", allocations=None)
    elif case == "received in the future":
        given["receivedOn"] = "2027-03-11"
    elif case == "another tenant's organization":
        given["organizationId"], _ = await other_tenants_ids(drain_jobs)
        given["allocations"] = None
    else:
        _, given["allocations"][0]["invoiceId"] = await other_tenants_ids(drain_jobs)
    before = await snapshot(tenant)

    with clock.frozen(TODAY):
        answer = (await graphql(key).query(RECORD, input=given))["paymentRecord"]

    assert answer["payment"] is None
    if expected.__class__ is str:
        code, field = expected.split()
        [found] = answer["errors"]
        assert (found["code"], found["field"][-1]) == (code, field)
    else:
        assert answer["errors"] == expected
    assert await snapshot(tenant) == before


async def test_refused_deletes_and_refunds_change_nothing(graphql, drain_jobs):
    tenant, key, contract, (january, _, _) = await three_invoices(drain_jobs)
    client = graphql(key)
    stripe = PaymentEvent(
        event_id="evt_1",
        kind=PaymentEventKind.PAID,
        invoice_id=january.id,
        tenant_id=tenant.id,
        amount=10000,
        currency="EUR",
        reference="pi_1",
    )
    await provider_payments.apply("stripe", tenant, stripe)
    by_provider = await Payment.get(tenant=tenant, method="stripe")
    with clock.frozen(TODAY):
        await client.query(RECORD, input=record_input(contract, "50.00"))
    manual = await Payment.get(tenant=tenant, method="manual")
    other_key = (await factories.tenant("Initech"))[1]
    before = await snapshot(tenant)

    with clock.frozen(TODAY):
        provider_delete = await client.query(DELETE, id=str(by_provider.id))
        foreign_delete = await graphql(other_key).query(DELETE, id=str(manual.id))
        over_refund = await client.query(
            REFUND,
            input={"paymentId": str(manual.id), "amount": "50.01", "refundedOn": "2027-03-10"},
        )
        provider_refund = await client.query(
            REFUND,
            input={"paymentId": str(by_provider.id), "amount": "1.00", "refundedOn": "2027-03-10"},
        )

    assert provider_delete["paymentDelete"] == {
        "deletedPaymentId": None,
        "errors": error(
            ["id"],
            "INVALID_TRANSITION",
            "This payment was reported by stripe; refund it there instead.",
        ),
    }
    assert foreign_delete["paymentDelete"] == {
        "deletedPaymentId": None,
        "errors": error(["id"], "NOT_FOUND", f"No payment with id {manual.id}."),
    }
    assert over_refund["refundRecord"] == {
        "payment": None,
        "errors": error(
            ["input", "amount"], "INVALID", "More than is left of the payment to refund (€50.00)."
        ),
    }
    assert provider_refund["refundRecord"]["errors"][0]["code"] == "INVALID_TRANSITION"
    assert provider_refund["refundRecord"]["errors"][0]["field"] == ["input", "paymentId"]
    assert await snapshot(tenant) == before
