from datetime import date
from email import message_from_bytes
from email.policy import default
from urllib.parse import parse_qs

import pytest
import respx

from remit.billing import clock, fees
from remit.billing.errors import Invalid
from remit.models.enums import InvoiceStatus, PlatformBillingStatus, PlatformFeeStatus
from remit.models.fees import PlatformFee
from remit.models.invoices import Invoice
from remit.models.settings import InvoicingSettings
from tests import factories
from tests.servers import Collector, start
from tests.stripe_events import event, signed

OPERATOR_KEY = "sk_test_operator000000"
OPERATOR_SECRET = "whsec_operator000000"


@pytest.fixture(autouse=True)
def february_is_over():
    """The fees below are for February 2027, billed once it is over."""
    with clock.frozen(date(2027, 3, 2)):
        yield


@pytest.fixture
def operator(configure, monkeypatch):
    handler = Collector()
    controller = start(handler)
    configure(
        smtp_url=f"smtp://127.0.0.1:{controller.port}",
        platform_stripe_secret_key=OPERATOR_KEY,
        platform_stripe_webhook_secret=OPERATOR_SECRET,
        platform_bank_details="IBAN: GB82WEST12345698765432",
    )
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as stripe_api:
        yield handler, stripe_api
    controller.stop()


async def issued(tenant, contract, number: int, day: date, status=InvoiceStatus.DUE):
    return await Invoice.create(
        tenant=tenant,
        contract=contract,
        organization_id=contract.organization_id,
        status=status,
        currency="EUR",
        number=f"INV-{number:06d}",
        issue_date=day,
        public_token=f"t{tenant.id}{number}",
        period_start=day,
        period_end=day,
    )


async def tenant_with_invoices(name: str, *, card: bool):
    tenant, _ = await factories.ready_tenant(name)
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await issued(tenant, contract, 1, date(2027, 1, 31))  # January: another month
    await issued(tenant, contract, 2, date(2027, 2, 1))  # first day of February
    await issued(tenant, contract, 3, date(2027, 2, 28))  # last day of February
    await issued(
        tenant, contract, 4, date(2027, 2, 14), status=InvoiceStatus.VOID
    )  # void still counts
    await issued(tenant, contract, 5, date(2027, 3, 1))
    if card:
        await InvoicingSettings.filter(tenant=tenant).update(
            platform_billing_kind="card",
            platform_billing_status=PlatformBillingStatus.ACTIVE,
            platform_stripe_customer_id="cus_op",
            platform_stripe_payment_method_id="pm_op",
        )
    return tenant


async def test_fees_count_the_months_issued_invoices_and_running_twice_charges_once(
    operator, drain_jobs
):
    _, stripe_api = operator
    tenant = await tenant_with_invoices("Carded", card=True)
    intents = stripe_api.post("/v1/payment_intents").respond(
        200, json={"id": "pi_fee", "object": "payment_intent", "status": "processing"}
    )

    first = await fees.bill(date(2027, 2, 1))
    await drain_jobs()
    second = await fees.bill(date(2027, 2, 1))
    await drain_jobs()

    assert (first.created, second.created, second.existing) == (1, 0, 1)
    fee = await PlatformFee.get(tenant=tenant)
    assert (fee.month, fee.invoices_processed, fee.amount, fee.currency, fee.status) == (
        date(2027, 2, 1),
        3,
        150,
        "USD",
        PlatformFeeStatus.PENDING,
    )
    assert intents.call_count == 1
    request = intents.calls.last.request
    assert request.headers["Idempotency-Key"] == f"platform-fee:{fee.id}:attempt:1"
    assert request.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"
    sent = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert (sent["amount"], sent["currency"], sent["customer"], sent["payment_method"]) == (
        "150",
        "usd",
        "cus_op",
        "pm_op",
    )
    assert sent["metadata[remit_platform_fee_id]"] == str(fee.id)


async def test_no_fee_for_a_tenant_that_issued_nothing(operator):
    await factories.ready_tenant()

    assert (await fees.bill(date(2027, 2, 1))).created == 0
    assert await PlatformFee.all().count() == 0


def fee_event(fee, kind: str, event_id: str) -> dict:
    return event(
        f"payment_intent.{kind}",
        {
            "id": "pi_fee",
            "object": "payment_intent",
            "amount": fee.amount,
            "amount_received": fee.amount,
            "currency": "usd",
            "status": "succeeded" if kind == "succeeded" else "requires_payment_method",
            "last_payment_error": {"message": "Your card was declined."}
            if kind != "succeeded"
            else None,
            "metadata": {
                "remit_platform_fee_id": str(fee.id),
                "remit_tenant_id": str(fee.tenant_id),
            },
        },
        event_id=event_id,
    )


async def test_a_platform_webhook_settles_the_fee(operator, api, drain_jobs):
    _, stripe_api = operator
    tenant = await tenant_with_invoices("Carded", card=True)
    stripe_api.post("/v1/payment_intents").respond(
        200, json={"id": "pi_fee", "object": "payment_intent", "status": "processing"}
    )
    await fees.bill(date(2027, 2, 1))
    await drain_jobs()
    fee = await PlatformFee.get(tenant=tenant)

    headers, body = signed(fee_event(fee, "succeeded", "evt_fee_paid"), OPERATOR_SECRET)
    paid = await api.post("/webhooks/stripe/platform", content=body, headers=headers)
    replay = await api.post("/webhooks/stripe/platform", content=body, headers=headers)

    assert (paid.json()["outcome"], replay.json()["outcome"]) == ("fee paid", "already processed")
    assert (await PlatformFee.get(id=fee.id)).status == PlatformFeeStatus.PAID


async def test_failures_are_retried_three_times_then_the_fee_and_billing_fail(
    operator, api, drain_jobs, runtime
):
    handler, stripe_api = operator
    tenant = await tenant_with_invoices("Carded", card=True)
    stripe_api.post("/v1/payment_intents").respond(
        200, json={"id": "pi_fee", "object": "payment_intent", "status": "processing"}
    )
    await fees.bill(date(2027, 2, 1))
    await drain_jobs()
    fee = await PlatformFee.get(tenant=tenant)

    outcomes = []
    for attempt in range(1, 5):
        headers, body = signed(
            fee_event(fee, "payment_failed", f"evt_fail_{attempt}"), OPERATOR_SECRET
        )
        outcomes.append(
            (await api.post("/webhooks/stripe/platform", content=body, headers=headers)).json()[
                "outcome"
            ]
        )
        await drain_jobs()
        if attempt < 4:  # the retry was deferred by days; run it now
            retry = next(
                job for job in await runtime.pool.queued_jobs() if job.function == fees.COLLECT_JOB
            )
            await fees.collect(fee.id, retry.args[1])
            await runtime.pool.delete(f"arq:job:{retry.job_id}")
            await runtime.pool.zrem(runtime.pool.default_queue_name, retry.job_id)

    assert outcomes == ["retry planned", "retry planned", "retry planned", "failed"]
    failed = await PlatformFee.get(id=fee.id)
    assert (failed.status, failed.attempts) == (PlatformFeeStatus.FAILED, 4)
    assert (
        await InvoicingSettings.get(tenant=tenant)
    ).platform_billing_status == PlatformBillingStatus.FAILED
    assert (
        await Invoice.filter(tenant=tenant).count(),
        (await tenant.__class__.get(id=tenant.id)).invoicing_enabled,
    ) == (5, True)
    assert len(handler.envelopes) == 4  # the tenant told of each failure


async def test_bank_transfer_tenants_get_a_fee_invoice(operator, drain_jobs):
    handler, _ = operator
    tenant = await tenant_with_invoices("Wired", card=False)

    await fees.bill(date(2027, 2, 1))
    await drain_jobs()

    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["finance@acme.com"]
    assert b"application/pdf" in envelope.original_content
    assert (await PlatformFee.get(tenant=tenant)).status == PlatformFeeStatus.PENDING


def text_of(envelope) -> tuple[str, str, str]:
    message = message_from_bytes(envelope.original_content, policy=default)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    return str(message["Subject"]), text, html


async def test_the_fee_invoice_speaks_to_the_tenant_with_the_operators_bank_details(
    operator, drain_jobs
):
    handler, _ = operator
    tenant = await tenant_with_invoices("Wired", card=False)

    await fees.bill(date(2027, 2, 1))
    await drain_jobs()

    [envelope] = handler.envelopes
    subject, text, html = text_of(envelope)
    number = f"FEE-202702-{str(tenant.id)[:8].upper()}"
    assert subject == f"Invoice {number} from Remit: invoice processing fee for February 2027"
    assert text == (
        "Hello Wired,\n\n"
        f"Here is invoice {number} from Remit for your invoice processing fee for February 2027: "
        "3 invoices issued at $0.50 each, $1.50 in all.\n\n"
        "Amount due: $1.50\n"
        "Due date: March 15, 2027\n"
        "Month: February 2027\n"
        "Invoices issued: 3\n"
        f"Reference: {number}\n\n"
        "Pay by bank transfer to:\n"
        "IBAN: GB82WEST12345698765432\n\n"
        f"Please give the reference {number} with your transfer.\n\n"
        f"The invoice is attached as {number}.pdf.\n"
    )
    assert "IBAN: GB82WEST12345698765432" in html
    for customer_speak in ("/graphql", "your customer", "other payment options", "View and pay"):
        assert customer_speak not in text
        assert customer_speak not in html


async def test_a_failed_fee_charge_asks_the_tenant_to_update_its_card(operator, drain_jobs):
    handler, _ = operator
    tenant = await tenant_with_invoices("Carded", card=True)
    await fees.bill(date(2027, 2, 1))
    fee = await PlatformFee.get(tenant=tenant)

    assert await fees.fail(fee, 1, "Your card was declined.") == "retry planned"
    await drain_jobs()
    assert await fees.fail(fee, 4, "Your card has expired.") == "failed"
    await drain_jobs()

    first, last = (text_of(envelope) for envelope in handler.envelopes)
    number = f"FEE-202702-{str(tenant.id)[:8].upper()}"
    assert first[0] == (
        "Action needed: your card was not charged for the Remit invoice processing fee "
        "for February 2027"
    )
    assert first[1] == (
        "Hello Carded,\n\n"
        "Your card was not charged for the Remit invoice processing fee for February 2027: "
        "$1.50 for 3 invoices issued.\n\n"
        "Reason: Your card was declined.\n\n"
        "Please update the card for the processing fee in your Remit settings "
        "(the payment method for the processing fee).\n"
        "We will try to charge it again on March 4, 2027.\n\n"
        "Amount: $1.50\n"
        "Month: February 2027\n"
        "Invoices issued: 3\n"
        f"Reference: {number}\n"
    )
    assert (
        "That was the last try: the fee is now overdue. Once your card is updated, write to "
        "billing@remit.invalid to settle it.\n"
    ) in last[1]
    assert "Reason: Your card has expired.\n" in last[1]
    for customer_speak in ("/graphql", "customer", "other payment options", "Stripe settings"):
        assert customer_speak not in first[1] + first[2] + last[1] + last[2]


async def test_a_month_not_over_is_never_billed(operator, drain_jobs):
    await tenant_with_invoices("Wired", card=False)  # one of them issued on 1 March

    for month, message in [
        (
            date(2027, 3, 1),
            "March 2027 is not over yet: its processing fee can be billed from 2027-04-01.",
        ),
        (
            date(2027, 4, 1),
            "April 2027 is not over yet: its processing fee can be billed from 2027-05-01.",
        ),
    ]:
        with pytest.raises(Invalid) as refused:
            await fees.bill(month)
        assert (refused.value.message, refused.value.field) == (message, ["month"])
    with clock.frozen(date(2027, 3, 31)), pytest.raises(Invalid):
        await fees.bill(date(2027, 3, 1))
    await drain_jobs()

    assert await PlatformFee.all().count() == 0
    with clock.frozen(date(2027, 4, 1)):
        assert (await fees.bill(date(2027, 3, 1))).created == 1
