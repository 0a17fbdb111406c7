"""Stripe answering 500, then timing out, then 429, then 200, during a cycle of invoices that
offer Stripe and are charged automatically: delivery never calls Stripe; each charge is
retried with the same idempotency key until Stripe answers, and counted once when its
payment is reported (twice, as Stripe may); the pay link answers each failure cleanly, then
redirects to a session. In-process (respx mocks Stripe in this process only)."""

import time
from collections import Counter, defaultdict
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from arq.utils import timestamp_ms

from remit.billing import charge_retries, clock, cycle, providers
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.organizations import ProviderAccount
from tests import factories
from tests.faults.audit import audit, due_today
from tests.stripe_events import event, signed

TENANTS = {"Acme Corp": 12, "Initech": 8}  # 20 contracts in all
ERROR = {"error": {"type": "api_error", "message": "An error occurred with our API."}}
RATE_LIMITED = {"error": {"type": "rate_limit_error", "message": "Too many requests."}}


def outage_then(ok, *, per_key: bool = True):
    """A side effect answering with 500, then a timeout, then 429, then `ok(request)`: the
    calls with one idempotency key (a retried charge), or all calls (a new session each
    click)."""
    calls: Counter[str] = Counter()

    def respond(request: httpx.Request):
        key = request.headers.get("Idempotency-Key", "") if per_key else ""
        calls[key] += 1
        match calls[key]:
            case 1:
                return httpx.Response(500, json=ERROR)
            case 2:
                raise httpx.ReadTimeout("timed out", request=request)
            case 3:
                return httpx.Response(429, json=RATE_LIMITED)
        return ok(request)

    return respond


def intent(request: httpx.Request) -> httpx.Response:
    invoice_id = parse_qs(request.content.decode())["metadata[remit_invoice_id]"][0]
    return httpx.Response(
        200, json={"id": f"pi_{invoice_id}", "object": "payment_intent", "status": "succeeded"}
    )


def session(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "cs_1",
            "object": "checkout.session",
            "url": "https://checkout.stripe.com/c/pay/cs_1",
            "expires_at": 1893456000,
        },
    )


async def run_retries_now(runtime, drain_jobs, rounds: int = 6) -> int:
    """Drain the queue; then run each deferred retry at once (what the wait would do), until
    none is left. Returns the rounds it took."""
    queue = runtime.pool.default_queue_name
    for done in range(1, rounds + 1):
        await drain_jobs()
        waiting = await runtime.pool.zrange(queue, 0, -1, withscores=True)
        if not waiting:
            return done
        await runtime.pool.zadd(queue, {job_id: timestamp_ms() for job_id, _ in waiting})
    pytest.fail(f"jobs still waiting after {rounds} rounds: {await runtime.pool.queued_jobs()}")


async def test_a_stripe_outage_holds_no_email_charges_once_and_the_pay_link_recovers(
    api, runtime, drain_jobs, mail_server, monkeypatch
):
    monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
    started_at = time.monotonic()

    async def stripe_enabled(tenant):
        await providers.configure(tenant, "stripe", enabled=True, settings=factories.STRIPE)

    cycle_ = await due_today(
        TENANTS,
        set_up=stripe_enabled,
        payment_providers=["stripe", "bank_transfer"],
        auto_charge=True,
    )
    for contract_id in cycle_.contracts:
        contract = await Contract.get(id=contract_id)
        await ProviderAccount.create(
            organization_id=contract.organization_id,
            provider="stripe",
            customer_ref=f"cus_{contract_id}",
            payment_method_ref=f"pm_{contract_id}",
        )

    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as stripe:
        intents = stripe.post("/v1/payment_intents").mock(side_effect=outage_then(intent))
        sessions = stripe.post("/v1/checkout/sessions").mock(
            side_effect=outage_then(session, per_key=False)
        )
        anything_else = stripe.route().mock(
            side_effect=outage_then(lambda r: httpx.Response(200), per_key=False)
        )

        await cycle.plan(clock.today())
        rounds = await run_retries_now(runtime, drain_jobs)
        calls_at_delivery = sessions.call_count + anything_else.call_count

        invoice = await Invoice.filter(number="INV-000001").first()
        pay = [
            await api.post(
                f"/i/{invoice.public_token}/pay/stripe", headers={"Origin": "http://remit.test"}
            )
            for _ in range(4)
        ]

    # Delivery: every invoice emailed on the first try, Stripe never called.
    assert calls_at_delivery == 0
    assert await InvoiceEvent.filter(type="sent").count() == len(cycle_.contracts)

    # Charging: four calls per invoice (500, timeout, 429, 200), one idempotency key each,
    # one charge requested.
    invoices = await Invoice.all()
    keys = Counter(call.request.headers["Idempotency-Key"] for call in intents.calls)
    assert keys == Counter({f"invoice:{i.id}:charge": 4 for i in invoices})
    requested = await InvoiceEvent.filter(type="charge_requested").values_list(
        "invoice_id", "detail"
    )
    assert sorted(requested) == sorted((i.id, f"succeeded: pi_{i.id}") for i in invoices)
    assert not await InvoiceEvent.filter(type=charge_retries.FAILED).exists()

    # The pay link: three clean refusals (503, the page says to try again), then a session.
    assert [r.status_code for r in pay] == [503, 503, 503, 303]
    assert all("try again shortly" in r.text for r in pay[:3])
    assert pay[3].headers["location"] == "https://checkout.stripe.com/c/pay/cs_1"

    # Each payment reported twice (Stripe delivers an event at least once): counted once.
    answers = defaultdict(list)
    for invoice in invoices:
        payload = event(
            "payment_intent.succeeded",
            {
                "id": f"pi_{invoice.id}",
                "object": "payment_intent",
                "amount_received": 129988,
                "currency": "eur",
                "metadata": {
                    "remit_invoice_id": str(invoice.id),
                    "remit_tenant_id": str(invoice.tenant_id),
                },
            },
            event_id=f"evt_{invoice.id}",
        )
        for _ in range(2):
            headers, body = signed(payload, factories.STRIPE["webhook_secret"])
            response = await api.post(
                f"/webhooks/stripe/{invoice.tenant_id}", content=body, headers=headers
            )
            answers[response.status_code].append(invoice.number)
    await drain_jobs()  # the receipts
    assert set(answers) == {200}

    outcome = await audit(cycle_, mail_server)
    assert outcome.duplicates == {}
    for invoice in await Invoice.all():
        assert invoice.status == InvoiceStatus.PAID
        assert await factories.provider_ledger(invoice) == {
            f"pi_{invoice.id}": {"received": 129988, "refunded": 0}
        }
    print(
        f"\nStripe 500, timeout, 429, then 200: {outcome}; {intents.call_count} charge calls "
        f"for {len(invoices)} charges in {rounds} rounds; pay link {[r.status_code for r in pay]}; "
        f"{2 * len(invoices)} payment events for {len(invoices)} payments; "
        f"{time.monotonic() - started_at:.1f} s in all"
    )
