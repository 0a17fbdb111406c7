"""Webhook events reach a real HTTP endpoint: signed, in order, each once; retried after a
failure; given up after three days (the endpoint disabled, the tenant emailed); never sent
to a deleted endpoint."""

import json
import re
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

from remit.billing import clock, cycle, payments, webhook_delivery, webhooks
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from remit.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from tests import factories

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
START = date(2027, 1, 1)


def documented_verify():
    """The `verify` of docs/webhooks.md's Python snippet, run as a reader would copy it."""
    (snippet,) = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    namespace: dict = {}
    exec(snippet, namespace)
    return namespace["verify"]


async def subscribed(tenant, url: str, *events: str) -> webhooks.Created:
    return await webhooks.create(Actor.system(tenant), url, list(events), "ERP")


async def issued_invoice(tenant, drain_jobs) -> Invoice:
    with clock.frozen(START):
        await factories.live_contract(tenant, START)
        await cycle.plan(START)
        await drain_jobs()
    return await Invoice.get(tenant=tenant)


async def paid(tenant, invoice: Invoice, drain_jobs, day: date = START + timedelta(days=3)) -> None:
    with clock.frozen(day):
        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)
        await drain_jobs()


async def test_issued_and_paid_arrive_signed_in_order_once(webhook_receiver, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    created = await subscribed(tenant, webhook_receiver.url, "invoice.issued", "invoice.paid")
    invoice = await issued_invoice(tenant, drain_jobs)
    await paid(tenant, invoice, drain_jobs)
    # The jobs run again (a relay, a second worker): nothing is sent twice.
    for delivery in await WebhookDelivery.all():
        assert await webhook_delivery.deliver(delivery.endpoint_id) == 0
    await drain_jobs()

    assert webhook_receiver.types() == ["invoice.issued", "invoice.paid"]
    verify = documented_verify()
    bodies = []
    for headers, body in webhook_receiver.requests:
        assert headers["content-type"] == "application/json"
        assert verify(created.secret, headers["remit-signature"], body)
        assert not verify("whsec_another", headers["remit-signature"], body)
        assert not verify(created.secret, headers["remit-signature"], body + b" ")
        bodies.append(json.loads(body))
    events = await WebhookEvent.all().order_by("created_at")
    assert [body["id"] for body in bodies] == [str(event.id) for event in events]
    assert {body["tenantId"] for body in bodies} == {str(tenant.id)}
    issued, settled = (body["data"] for body in bodies)
    assert (issued["id"], issued["number"], issued["status"]) == (
        str(invoice.id),
        "INV-000001",
        "DUE",
    )
    assert (issued["issueDate"], issued["dueDate"], issued["paidOn"]) == (
        "2027-01-01",
        "2027-01-31",
        None,
    )
    assert issued["total"] == {"amount": "1299.88", "currency": "EUR"}
    assert issued["amountDue"] == {"amount": "1299.88", "currency": "EUR"}
    assert issued["customer"]["name"] == "Globex"
    assert (settled["status"], settled["paidOn"]) == ("PAID", "2027-01-04")
    assert settled["amountPaid"] == {"amount": "1299.88", "currency": "EUR"}
    assert settled["amountDue"] == {"amount": "0.00", "currency": "EUR"}
    attempts = await WebhookAttempt.all().order_by("at").values_list("status_code", "error")
    assert attempts == [(200, None), (200, None)]
    assert await WebhookDelivery.filter(status=WebhookDeliveryStatus.DELIVERED).count() == 2


async def test_only_the_events_an_endpoint_listens_for_are_written(webhook_receiver, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    await subscribed(tenant, webhook_receiver.url, "invoice.paid")
    await issued_invoice(tenant, drain_jobs)

    assert webhook_receiver.requests == []
    assert await WebhookEvent.all().count() == 0


async def test_an_endpoint_that_fails_gets_the_event_on_the_retry(webhook_receiver, drain_jobs):
    webhook_receiver.statuses = [500]
    tenant, _ = await factories.ready_tenant()
    endpoint = (
        await subscribed(tenant, webhook_receiver.url, "invoice.issued", "invoice.paid")
    ).endpoint
    invoice = await issued_invoice(tenant, drain_jobs)
    waiting = await WebhookDelivery.get()
    assert (waiting.status, waiting.attempts) == (WebhookDeliveryStatus.PENDING, 1)
    assert waiting.next_attempt_at - (await WebhookAttempt.get()).at == timedelta(seconds=30)

    # Paid meanwhile: invoice.paid waits behind invoice.issued, which is not due again yet.
    await paid(tenant, invoice, drain_jobs, day=START)
    assert webhook_receiver.types() == ["invoice.issued"]
    with clock.frozen(START + timedelta(days=1)):  # the retry, as its deferred job runs it
        assert await webhook_delivery.deliver(endpoint.id) == 2

    assert webhook_receiver.types() == ["invoice.issued", "invoice.issued", "invoice.paid"]
    assert (
        webhook_receiver.requests[0][1] == webhook_receiver.requests[1][1]
    )  # the same event, the same body
    log = await WebhookAttempt.all().order_by("at").values_list("status_code", "error")
    assert log == [(500, "HTTP 500"), (200, None), (200, None)]


async def test_three_days_of_failures_disable_the_endpoint_and_tell_the_tenant(
    webhook_receiver, drain_jobs, mail_server
):
    webhook_receiver.statuses = [503] * 10
    tenant, _ = await factories.ready_tenant()
    endpoint = (await subscribed(tenant, webhook_receiver.url, "invoice.issued")).endpoint
    await issued_invoice(tenant, drain_jobs)
    with clock.frozen(START + timedelta(days=2)):
        assert await webhook_delivery.deliver(endpoint.id) == 0
    assert (await WebhookEndpoint.get(id=endpoint.id)).enabled
    mail_server.envelopes.clear()  # the invoice's own email

    with clock.frozen(START + timedelta(days=3)):
        assert await webhook_delivery.deliver(endpoint.id) == 0
        await drain_jobs()

    delivery = await WebhookDelivery.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        WebhookDeliveryStatus.FAILED,
        3,
        None,
    )
    disabled = await WebhookEndpoint.get(id=endpoint.id)
    assert (disabled.enabled, disabled.disabled_reason) == (
        False,
        "Disabled after three days of failed deliveries; the last: HTTP 503",
    )
    (envelope,) = mail_server.envelopes
    message = message_from_bytes(envelope.original_content, policy=default_policy)
    assert (message["Subject"], envelope.rcpt_tos) == (
        "A webhook endpoint was disabled",
        ["billing@acme.com"],
    )
    assert webhook_receiver.url in message.get_content()
    assert len(webhook_receiver.requests) == 3
    # Disabled, it hears of nothing more.
    invoice = await Invoice.get(tenant=tenant)
    await paid(tenant, invoice, drain_jobs)
    assert len(webhook_receiver.requests) == 3


async def test_a_deleted_endpoint_receives_nothing_more(webhook_receiver, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    endpoint = (
        await subscribed(tenant, webhook_receiver.url, "invoice.issued", "invoice.paid")
    ).endpoint
    await factories.live_contract(tenant, START)
    with clock.frozen(START):
        await cycle.plan(START)
        await drain_jobs()
    assert webhook_receiver.types() == ["invoice.issued"]

    await webhooks.delete(Actor.system(tenant), str(endpoint.id))
    await paid(tenant, await Invoice.get(tenant=tenant), drain_jobs)

    assert webhook_receiver.types() == ["invoice.issued"]
    assert await WebhookDelivery.all().count() == 0


async def test_waiting_deliveries_of_a_deleted_endpoint_are_not_sent(webhook_receiver, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    endpoint = (await subscribed(tenant, webhook_receiver.url, "contract.live")).endpoint
    await factories.live_contract(tenant, START)  # its delivery job is queued, not run
    await webhooks.delete(Actor.system(tenant), str(endpoint.id))
    await drain_jobs()

    assert webhook_receiver.requests == []


async def test_a_private_address_is_refused_again_at_delivery(
    webhook_receiver, drain_jobs, configure
):
    tenant, _ = await factories.ready_tenant()
    await subscribed(tenant, webhook_receiver.url, "contract.live")
    configure(webhooks_allow_private=False)
    await factories.live_contract(tenant, START)
    await drain_jobs()

    assert webhook_receiver.requests == []
    (attempt,) = await WebhookAttempt.all()
    assert (attempt.status_code, attempt.error) == (
        None,
        "The URL points at a private or loopback address (127.0.0.1).",
    )


async def test_enabled_again_an_endpoint_gets_what_waited_in_order(webhook_receiver, drain_jobs):
    webhook_receiver.statuses = [503, 503]
    tenant, _ = await factories.ready_tenant()
    endpoint = (
        await subscribed(tenant, webhook_receiver.url, "contract.live", "invoice.issued")
    ).endpoint
    await issued_invoice(tenant, drain_jobs)  # contract.live fails; invoice.issued waits
    with clock.frozen(START + timedelta(days=3)):
        await webhook_delivery.deliver(endpoint.id)  # given up: disabled
        await drain_jobs()
    assert webhook_receiver.types() == ["contract.live", "contract.live"]

    with clock.frozen(START + timedelta(days=4)):
        await webhooks.update(Actor.system(tenant), str(endpoint.id), {"enabled": True})
        await drain_jobs()

    assert webhook_receiver.types() == ["contract.live", "contract.live", "invoice.issued"]
    statuses = await WebhookDelivery.all().order_by("created_at").values_list("status", flat=True)
    assert statuses == [WebhookDeliveryStatus.FAILED, WebhookDeliveryStatus.DELIVERED]
    enabled = await WebhookEndpoint.get(id=endpoint.id)
    assert (enabled.enabled, enabled.disabled_reason) == (True, None)


async def test_a_delivery_whose_job_was_lost_is_asked_for_again(
    webhook_receiver, drain_jobs, runtime
):
    tenant, _ = await factories.ready_tenant()
    await subscribed(tenant, webhook_receiver.url, "contract.live")
    with clock.frozen(START):
        await factories.live_contract(tenant, START)
    await runtime.pool.flushdb()  # Redis lost the queue

    with clock.frozen(START):
        assert await webhook_delivery.plan_late() == 0  # not late yet: its job may be coming
    with clock.frozen(START + timedelta(days=1)):
        assert await webhook_delivery.plan_late() == 1
        await drain_jobs()
        assert await webhook_delivery.plan_late() == 0

    assert webhook_receiver.types() == ["contract.live"]


async def test_events_over_for_thirty_days_are_deleted_with_their_log(
    webhook_receiver, drain_jobs, configure
):
    """Delivered or given up: gone after REMIT_WEBHOOK_LOG_DAYS with their deliveries and
    attempts. Still being retried, or younger: kept."""
    configure(webhook_log_days=30)
    tenant, _ = await factories.ready_tenant()
    await subscribed(tenant, webhook_receiver.url, "invoice.issued", "invoice.paid")
    invoice = await issued_invoice(tenant, drain_jobs)  # delivered at once
    webhook_receiver.statuses = [500]
    await paid(tenant, invoice, drain_jobs)  # refused: waits for its retry
    delivered = await WebhookDelivery.get(status=WebhookDeliveryStatus.DELIVERED)
    retried = await WebhookDelivery.get(status=WebhookDeliveryStatus.PENDING)

    with clock.frozen(START + timedelta(days=29)):
        assert await webhook_delivery.forget_old() == 0  # not older than 30 days yet
    with clock.frozen(START + timedelta(days=45)):
        assert await webhook_delivery.forget_old() == 1

    assert await WebhookEvent.all().values_list("id", flat=True) == [retried.event_id]
    assert await WebhookDelivery.all().values_list("id", flat=True) == [retried.id]
    assert await WebhookAttempt.all().values_list("delivery_id", flat=True) == [retried.id]
    assert not await WebhookEvent.exists(id=delivered.event_id)

    # Given up on, it is over too.
    await WebhookDelivery.filter(id=retried.id).update(status=WebhookDeliveryStatus.FAILED)
    with clock.frozen(START + timedelta(days=45)):
        assert await webhook_delivery.forget_old() == 1
    assert await WebhookEvent.all().count() == await WebhookAttempt.all().count() == 0
