"""Real signed Stripe events posted to the running app, each with the exact resulting
status, events and emails."""

import time
from datetime import date

import pytest

from remit.billing import cycle, providers
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.organizations import ProviderAccount
from remit.models.provider_events import ProviderEvent
from tests import factories
from tests.stripe_events import event, signed

SECRET = "whsec_tenant000000"
STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": SECRET,
}


async def stripe_invoice(drain_jobs):
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    contract = await factories.live_contract(
        tenant, date(2027, 1, 1), payment_providers=["bank_transfer"]
    )
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return tenant, await Invoice.get(contract=contract)


def intent_succeeded(invoice, amount=129988, event_id="evt_paid", intent="pi_1") -> dict:
    return event(
        "payment_intent.succeeded",
        {
            "id": intent,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount,
            "currency": "eur",
            "customer": "cus_1",
            "payment_method": "pm_1",
            "setup_future_usage": "off_session",
            "status": "succeeded",
            "metadata": {
                "remit_invoice_id": str(invoice.id),
                "remit_tenant_id": str(invoice.tenant_id),
            },
        },
        event_id=event_id,
    )


def refunded(invoice, amount=129988, event_id="evt_refund") -> dict:
    return event(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "amount": 129988,
            "amount_refunded": amount,
            "currency": "eur",
            "payment_intent": "pi_1",
            "refunded": amount == 129988,
            "metadata": {
                "remit_invoice_id": str(invoice.id),
                "remit_tenant_id": str(invoice.tenant_id),
            },
        },
        event_id=event_id,
    )


async def post(api, tenant, payload, secret=SECRET, **sign):
    headers, body = signed(payload, secret, **sign)
    return await api.post(f"/webhooks/stripe/{tenant.id}", content=body, headers=headers)


async def state(invoice):
    row = await Invoice.get(id=invoice.id)
    events = (
        await InvoiceEvent.filter(invoice=invoice)
        .order_by("at", "id")
        .values_list("type", "to_status", "actor")
    )
    return row.status, row.amount_paid, events


async def test_a_payment_marks_the_invoice_paid_once(api, drain_jobs):
    tenant, invoice = await stripe_invoice(drain_jobs)

    first = await post(api, tenant, intent_succeeded(invoice))
    replay = await post(api, tenant, intent_succeeded(invoice))

    assert (first.status_code, first.json()) == (200, {"received": True, "outcomes": ["paid"]})
    assert (replay.status_code, replay.json()) == (
        200,
        {"received": True, "outcomes": ["already processed"]},
    )
    status, paid, events = await state(invoice)
    assert (status, paid) == (InvoiceStatus.PAID, 129988)
    assert events[-2:] == [
        ("payment_received", None, "provider:stripe"),
        ("status_changed", InvoiceStatus.PAID, "provider:stripe"),
    ]
    account = await ProviderAccount.get(organization_id=invoice.organization_id, provider="stripe")
    assert (account.customer_ref, account.payment_method_ref) == ("cus_1", "pm_1")
    assert await ProviderEvent.filter(event_id="evt_paid").count() == 1


@pytest.mark.parametrize(("tamper", "status"), [("bad signature", 400), ("stale", 400)])
async def test_a_callback_that_is_not_authentic_is_refused_and_changes_nothing(
    api, drain_jobs, tamper, status
):
    tenant, invoice = await stripe_invoice(drain_jobs)
    before = await state(invoice)
    secret = "whsec_forged" if tamper == "bad signature" else SECRET
    timestamp = 1_000_000_000 if tamper == "stale" else None

    response = await post(api, tenant, intent_succeeded(invoice), secret, timestamp=timestamp)

    assert response.status_code == status
    assert await state(invoice) == before
    assert await ProviderEvent.all().count() == 0


async def test_an_event_for_another_tenants_invoice_changes_nothing(api, drain_jobs):
    _, invoice = await stripe_invoice(drain_jobs)
    other, _ = await factories.ready_tenant("Other")
    await providers.configure(other, "stripe", enabled=True, settings=STRIPE)
    before = await state(invoice)

    response = await post(api, other, intent_succeeded(invoice))

    assert (response.status_code, response.json()["outcomes"]) == (200, ["other tenant"])
    assert await state(invoice) == before


async def test_unknown_tenant_or_provider_is_404(api, drain_jobs):
    tenant, invoice = await stripe_invoice(drain_jobs)
    headers, body = signed(intent_succeeded(invoice), SECRET)

    unknown_tenant = await api.post(
        "/webhooks/stripe/00000000-0000-0000-0000-000000000000", content=body, headers=headers
    )
    malformed = await api.post("/webhooks/stripe/not-a-tenant", content=body, headers=headers)
    unknown_provider = await api.post(
        f"/webhooks/paypal/{tenant.id}", content=body, headers=headers
    )

    assert (unknown_tenant.status_code, malformed.status_code, unknown_provider.status_code) == (
        404,
        404,
        404,
    )


async def test_a_refund_returns_the_invoice_to_due_and_order_does_not_matter(api, drain_jobs):
    tenant, invoice = await stripe_invoice(drain_jobs)

    refund_first = await post(api, tenant, refunded(invoice))
    payment_after = await post(api, tenant, intent_succeeded(invoice))

    assert refund_first.json()["outcomes"] == ["recorded"]
    assert payment_after.json()["outcomes"] == ["recorded"]
    status, paid, _ = await state(invoice)
    assert (status, paid) == (InvoiceStatus.DUE, 0)


async def test_a_full_refund_after_payment(api, drain_jobs):
    tenant, invoice = await stripe_invoice(drain_jobs)
    await post(api, tenant, intent_succeeded(invoice))

    partial = await post(api, tenant, refunded(invoice, amount=29988, event_id="evt_r1"))
    full = await post(api, tenant, refunded(invoice, amount=129988, event_id="evt_r2"))

    assert (partial.json()["outcomes"], full.json()["outcomes"]) == (["refunded"], ["recorded"])
    status, paid, events = await state(invoice)
    assert (status, paid) == (InvoiceStatus.DUE, 0)
    assert [e[0] for e in events].count("refunded") == 2
    # Amounts in the history read as money, not as minor units.
    details = await InvoiceEvent.filter(
        invoice=invoice, type__in=["payment_received", "refunded"]
    ).values_list("type", "detail")
    assert sorted(details) == [
        ("payment_received", "€1,299.88 (pi_1)"),
        ("refunded", "€1,299.88 (pi_1)"),
        ("refunded", "€299.88 (pi_1)"),
    ]


async def test_a_payment_through_a_provider_switched_off_since_is_recorded(api, drain_jobs):
    tenant, invoice = await stripe_invoice(drain_jobs)
    await providers.configure(tenant, "stripe", enabled=False, settings={})

    response = await post(api, tenant, intent_succeeded(invoice))

    assert (response.status_code, response.json()["outcomes"]) == (200, ["paid"])
    status, paid, events = await state(invoice)
    assert (status, paid) == (InvoiceStatus.PAID, 129988)
    assert events[-1] == ("status_changed", InvoiceStatus.PAID, "provider:stripe")


async def test_a_payment_for_a_void_invoice_is_flagged_not_counted(api, drain_jobs):
    from remit.billing import payments

    tenant, invoice = await stripe_invoice(drain_jobs)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)

    response = await post(api, tenant, intent_succeeded(invoice))

    assert response.json()["outcomes"] == ["flagged"]
    status, paid, _events = await state(invoice)
    assert (status, paid) == (InvoiceStatus.VOID, 0)
    flagged = await InvoiceEvent.get(invoice=invoice, type="payment_flagged")
    assert flagged.detail == "€1,299.88 (pi_1) for a VOID invoice: refund it"


async def test_a_failed_payment_is_recorded_and_the_tenant_told(api, drain_jobs, runtime):
    tenant, invoice = await stripe_invoice(drain_jobs)
    failed = event(
        "payment_intent.payment_failed",
        {
            "id": "pi_2",
            "object": "payment_intent",
            "amount": 129988,
            "currency": "eur",
            "status": "requires_payment_method",
            "last_payment_error": {"message": "Your card has insufficient funds."},
            "metadata": {"remit_invoice_id": str(invoice.id), "remit_tenant_id": str(tenant.id)},
        },
        event_id="evt_failed",
    )

    response = await post(api, tenant, failed)
    await drain_jobs()

    assert response.json()["outcomes"] == ["payment failure recorded"]
    status, _, events = await state(invoice)
    assert status == InvoiceStatus.DUE
    assert ("payment_failed", None, "provider:stripe") in events
    assert ("payment_failed_notified", None, "system") in events


async def test_an_event_for_an_unknown_invoice_is_answered_200(api, drain_jobs):
    import uuid

    tenant, invoice = await stripe_invoice(drain_jobs)
    payload = intent_succeeded(invoice)
    payload["data"]["object"]["metadata"]["remit_invoice_id"] = str(uuid.uuid4())

    response = await post(api, tenant, payload)

    assert (response.status_code, response.json()["outcomes"]) == (200, ["unknown invoice"])


async def test_a_payment_is_announced_to_plugins_once_with_its_running_total(
    api, drain_jobs, hook_calls
):
    tenant, invoice = await stripe_invoice(drain_jobs)

    await post(api, tenant, intent_succeeded(invoice, amount=50000, event_id="evt_part"))
    await post(api, tenant, intent_succeeded(invoice, event_id="evt_rest"))
    await post(api, tenant, intent_succeeded(invoice, event_id="evt_rest"))

    calls = [
        (view.status, view.amount_due, event.event_id, event.reference, event.amount, actor)
        for view, event, actor in hook_calls.payments
    ]
    assert calls == [
        ("DUE", 79988, "evt_part", "pi_1", 50000, "provider:stripe"),
        ("PAID", 0, "evt_rest", "pi_1", 129988, "provider:stripe"),
    ]


async def flagged(invoice) -> list:
    return await InvoiceEvent.filter(invoice=invoice, type="payment_flagged").values_list(
        "actor", "detail"
    )


async def test_a_payment_in_another_currency_is_flagged_not_counted(api, drain_jobs):
    tenant, invoice = await stripe_invoice(drain_jobs)
    yen = intent_succeeded(invoice, amount=110006)
    yen["data"]["object"]["currency"] = "jpy"
    before = await state(invoice)

    response = await post(api, tenant, yen)

    assert (response.status_code, response.json()["outcomes"]) == (200, ["flagged"])
    status, paid, events = await state(invoice)
    assert (status, paid, events) == (
        InvoiceStatus.DUE,
        0,
        [*before[2], ("payment_flagged", None, "provider:stripe")],
    )
    assert await factories.provider_ledger(invoice) == {}
    assert await flagged(invoice) == [
        (
            "provider:stripe",
            "¥110,006 (pi_1) for a EUR invoice: a payment in another currency is not "
            "counted. Check it with the provider.",
        )
    ]


async def test_a_payment_intent_without_amount_received_is_flagged_not_counted(api, drain_jobs):
    tenant, invoice = await stripe_invoice(drain_jobs)
    no_amount = intent_succeeded(invoice)
    del no_amount["data"]["object"]["amount_received"]

    response = await post(api, tenant, no_amount)

    assert (response.status_code, response.json()["outcomes"]) == (200, ["flagged"])
    status, paid, _ = await state(invoice)
    assert (status, paid) == (InvoiceStatus.DUE, 0)
    assert await flagged(invoice) == [
        (
            "provider:stripe",
            "A payment (pi_1) was reported without an amount: not counted. Check it with the "
            "provider.",
        )
    ]
    assert not await InvoiceEvent.filter(invoice=invoice, detail__contains="None").exists()


async def test_a_refund_without_metadata_is_matched_through_the_ledger(api, drain_jobs):
    tenant, invoice = await stripe_invoice(drain_jobs)
    other, _ = await stripe_invoice(drain_jobs)
    await post(api, tenant, intent_succeeded(invoice))
    bare = refunded(invoice)
    bare["data"]["object"]["metadata"] = {}

    response = await post(api, tenant, bare)

    assert (response.status_code, response.json()["outcomes"]) == (200, ["refunded"])
    status, paid, events = await state(invoice)
    assert (status, paid) == (InvoiceStatus.DUE, 0)
    assert events[-2:] == [
        ("refunded", None, "provider:stripe"),
        ("status_changed", InvoiceStatus.DUE, "provider:stripe"),
    ]
    assert await factories.provider_ledger(invoice) == {
        "pi_1": {"received": 129988, "refunded": 129988}
    }
    # The other tenant has no payment pi_1: nothing of it is found.
    unknown = await post(api, other, bare | {"id": "evt_refund_2"})
    assert unknown.json()["outcomes"] == ["unknown invoice"]


def without_id(invoice) -> dict:
    payload = intent_succeeded(invoice)
    del payload["id"]
    return payload


def with_intent(invoice, **changes) -> dict:
    payload = intent_succeeded(invoice)
    payload["data"]["object"].update(changes)
    return payload


@pytest.mark.parametrize(
    ("malformed", "error", "logged"),
    [
        (
            without_id,
            "unreadable event: no id",
            "stripe webhook for tenant {tenant} refused: unreadable event: no id",
        ),
        (
            lambda invoice: intent_succeeded(invoice, event_id="evt_" + "x" * 300),
            "unreadable event evt_" + "x" * 76 + "...: its id is over 255 characters",
            "stripe webhook for tenant {tenant} refused: unreadable event evt_"
            + "x" * 76
            + "...: its id is over 255 characters",
        ),
        (
            lambda invoice: with_intent(invoice, amount_received="129988"),
            "unreadable event evt_paid: amount '129988' is not a whole number",
            "stripe webhook for tenant {tenant} refused: unreadable event evt_paid: "
            "amount '129988' is not a whole number",
        ),
        (
            lambda invoice: with_intent(invoice, amount_received=10**30),
            f"unreadable event evt_paid: amount {10**30} is beyond any payment",
            f"stripe webhook for tenant {{tenant}} refused: unreadable event evt_paid: "
            f"amount {10**30} is beyond any payment",
        ),
        (
            lambda invoice: with_intent(invoice, metadata="remit"),
            "unreadable event evt_paid: metadata is not an object",
            "stripe webhook for tenant {tenant} refused: unreadable event evt_paid: "
            "metadata is not an object",
        ),
    ],
    ids=["no id", "id of 304 characters", "amount as a string", "amount of 10^30", "metadata"],
)
async def test_a_signed_event_that_cannot_be_read_is_400_logged_once_and_changes_nothing(
    api, drain_jobs, caplog, malformed, error, logged
):
    tenant, invoice = await stripe_invoice(drain_jobs)
    before = await state(invoice)
    caplog.set_level("INFO", logger="remit.webhooks")

    response = await post(api, tenant, malformed(invoice))

    assert (response.status_code, response.json()) == (400, {"error": error})
    assert [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "remit.webhooks"
    ] == [("WARNING", logged.format(tenant=tenant.id))]
    assert await state(invoice) == before
    assert await ProviderEvent.all().count() == 0


@pytest.mark.parametrize(
    ("offset", "status"), [(-301, 400), (-290, 200), (290, 200), (301, 400), (365 * 86400, 400)]
)
async def test_the_signature_time_is_checked_in_both_directions(api, drain_jobs, offset, status):
    tenant, invoice = await stripe_invoice(drain_jobs)
    before = await state(invoice)

    response = await post(
        api, tenant, intent_succeeded(invoice), timestamp=int(time.time()) + offset
    )

    assert response.status_code == status
    if status == 400:
        assert await state(invoice) == before
        assert await ProviderEvent.all().count() == 0
    else:
        assert response.json()["outcomes"] == ["paid"]


CHUNK = 64 * 1024


def fifty_megabytes(pulled: list[int]):
    """A 50 MB body that fails the test if it is read past the 1 MB limit."""

    async def chunks():
        for _ in range(50 * 1024 * 1024 // CHUNK):
            if sum(pulled) > 1024 * 1024:
                raise AssertionError("the body was read past the limit")
            pulled.append(CHUNK)
            yield b"x" * CHUNK

    return chunks()


@pytest.mark.parametrize("route", ["webhook", "platform webhook", "graphql"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
async def test_a_body_over_1_mb_is_refused_with_413_without_being_read(
    api, drain_jobs, route, declared
):
    tenant, invoice = await stripe_invoice(drain_jobs)
    before = await state(invoice)
    path = {
        "webhook": f"/webhooks/stripe/{tenant.id}",
        "platform webhook": "/webhooks/stripe/platform",
        "graphql": "/graphql",
    }[route]
    pulled: list[int] = []
    headers, _ = signed(intent_succeeded(invoice), SECRET)
    if route == "graphql":
        _, key = await factories.ready_tenant("Other")
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(50 * 1024 * 1024)

    response = await api.post(path, content=fifty_megabytes(pulled), headers=headers)

    assert (response.status_code, response.text) == (413, "Request body over 1 MB.")
    assert sum(pulled) == (0 if declared else 1024 * 1024 + CHUNK)
    assert await state(invoice) == before
    assert await ProviderEvent.all().count() == 0
