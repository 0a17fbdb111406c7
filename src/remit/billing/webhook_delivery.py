"""Delivering webhook events: signed, in order per endpoint, each once, retried for three days.

One run at a time per endpoint (it holds the endpoint's `busy_until`, renewed before each
request), so an endpoint receives its events in the order they happened: the oldest waiting
delivery first, and none after one that failed until that one succeeds. A failed delivery is
tried again later, backing off, by a deferred job; after three days of failures it is given
up, the endpoint is disabled and the tenant told by email. No row is locked during a request.

A job that runs twice delivers nothing twice: the second finds the endpoint busy or the
delivery done. A run that dies mid-request frees the endpoint when its lease ends; the
delivery was not marked done, so it is sent again (receivers tell repeats by the event id).
"""

import functools
import hashlib
import hmac
import json
import ssl
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from uuid import UUID, uuid4

import httpx
from tortoise.expressions import Subquery

from remit.billing import clock, config, jobs, mail
from remit.billing.errors import RemitError
from remit.billing.webhook_events import DELIVER_JOB
from remit.billing.webhooks import check_url, signing_secret
from remit.models.settings import InvoicingSettings
from remit.models.users import User, UserRole
from remit.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)

TIMEOUT = 10.0
# Longer than a request may take, so a live run is never taken over.
LEASE = timedelta(seconds=60)
GIVE_UP_AFTER = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
# A delivery due this long ago and still waiting lost its job (Redis lost its data, say).
LATE = timedelta(minutes=5)
DISABLED_NOTICE_JOB = "webhooks.disabled_notice"
SIGNATURE_HEADER = "Remit-Signature"


@functools.cache
def _tls() -> ssl.SSLContext:
    # httpx's own, made once per process: building it is most of the cost of a client (20 ms).
    return httpx.create_ssl_context()


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 30 s, 1 min, 2 min ... 6 h at most."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the Remit-Signature header."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


async def plan_late() -> int:
    """Ask again for the runs of the endpoints whose next delivery is overdue; returns how
    many. The job id is the endpoint's and the minute's: many workers planning at once ask
    once."""
    now = clock.now()
    candidates = (
        await WebhookDelivery.filter(
            status=WebhookDeliveryStatus.PENDING,
            endpoint__enabled=True,
            created_at__lte=now - LATE,
        )
        .distinct()
        .values_list("endpoint_id", flat=True)
    )
    late = []
    for endpoint_id in candidates:
        # Only its head counts: the deliveries behind one waiting for its retry wait too.
        head = await _head(endpoint_id)
        if head is not None and (head.next_attempt_at or head.created_at) <= now - LATE:
            late.append(endpoint_id)
            await jobs.enqueue(
                DELIVER_JOB, str(endpoint_id), job_id=f"webhook:late:{endpoint_id}:{now:%Y%m%d%H%M}"
            )
    return len(late)


# Events deleted per statement: a year of them at once would hold one long transaction.
FORGET_BATCH = 1000


async def forget_old() -> int:
    """Delete the events older than REMIT_WEBHOOK_LOG_DAYS none of whose deliveries waits
    any more, with their deliveries and attempts; returns how many events went. An event
    still being retried stays, however old: it is kept until it is over."""
    before = clock.now() - timedelta(days=config.current().webhook_log_days)
    gone = 0
    while True:
        batch = (
            await WebhookEvent.filter(created_at__lt=before)
            .exclude(id__in=Subquery(_waiting_event_ids()))
            .limit(FORGET_BATCH)
            .values_list("id", flat=True)
        )
        if not batch:
            return gone
        # The events' count, not delete()'s: SQLite counts the cascaded rows in it too.
        await WebhookEvent.filter(id__in=batch).delete()
        gone += len(batch)


def _waiting_event_ids():
    return WebhookDelivery.filter(status=WebhookDeliveryStatus.PENDING).values("event_id")


async def _head(endpoint_id: UUID) -> WebhookDelivery | None:
    """The endpoint's oldest delivery still to make: the next to send."""
    return (
        await WebhookDelivery.filter(endpoint_id=endpoint_id, status=WebhookDeliveryStatus.PENDING)
        .order_by("created_at", "id")
        .select_related("event", "endpoint")
        .first()
    )


async def _take_turn(endpoint_id: UUID, *, holding: bool) -> WebhookDelivery | None:
    """The endpoint's next delivery due now, with the endpoint held for this run; None (and
    the endpoint free again, if this run held it) when there is none, when the endpoint is
    disabled or gone, or, unless `holding`, when another run holds it."""
    async with jobs.atomic():
        endpoint = await WebhookEndpoint.select_for_update().get_or_none(id=endpoint_id)
        if endpoint is None:
            return None
        now = clock.now()
        if not holding and endpoint.busy_until is not None and endpoint.busy_until > now:
            return None
        head = await _head(endpoint_id) if endpoint.enabled else None
        if head is not None and (head.next_attempt_at is None or head.next_attempt_at <= now):
            endpoint.busy_until = now + LEASE
            await endpoint.save(update_fields=["busy_until"])
            return head
        if holding:
            endpoint.busy_until = None
            await endpoint.save(update_fields=["busy_until"])
        return None


async def deliver(endpoint_id: UUID) -> int:
    """Send the endpoint's deliveries that are due, oldest first, until one fails; returns
    how many were delivered."""
    delivered = 0
    head = await _take_turn(endpoint_id, holding=False)
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, verify=_tls()) as client:
        while head is not None:
            status_code, error, took = await _send(client, head)
            if not await _record(head, status_code, error, took):
                await _take_turn(endpoint_id, holding=True)  # frees the endpoint
                return delivered
            delivered += 1
            head = await _take_turn(endpoint_id, holding=True)
    return delivered


async def _send(
    client: httpx.AsyncClient, delivery: WebhookDelivery
) -> tuple[int | None, str | None, timedelta]:
    endpoint = delivery.endpoint
    body = json.dumps(delivery.event.body, separators=(",", ":")).encode()
    started = time.perf_counter()
    try:
        await check_url(endpoint.url, ["url"])
        response = await client.post(
            endpoint.url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Remit-Webhooks/1",
                SIGNATURE_HEADER: signature(signing_secret(endpoint), int(time.time()), body),
            },
        )
    except RemitError as refused:
        return None, refused.message, timedelta(seconds=time.perf_counter() - started)
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}".rstrip(": ")[:500]
        return None, error, timedelta(seconds=time.perf_counter() - started)
    took = timedelta(seconds=time.perf_counter() - started)
    if response.is_success:
        return response.status_code, None, took
    return response.status_code, f"HTTP {response.status_code}", took


async def _record(
    delivery: WebhookDelivery, status_code: int | None, error: str | None, took: timedelta
) -> bool:
    """Log the attempt and what follows from it; True when it was delivered."""
    async with jobs.atomic():
        current = await WebhookDelivery.select_for_update().get_or_none(id=delivery.id)
        if current is None:  # the endpoint was deleted meanwhile
            return False
        now = clock.now()
        await WebhookAttempt.create(
            id=uuid4(),
            delivery=current,
            at=now,
            status_code=status_code,
            duration_ms=int(took.total_seconds() * 1000),
            error=error,
        )
        current.attempts += 1
        if error is None:
            current.status = WebhookDeliveryStatus.DELIVERED
            current.delivered_at = now
            current.next_attempt_at = None
        elif now - current.created_at >= GIVE_UP_AFTER:
            current.status = WebhookDeliveryStatus.FAILED
            current.next_attempt_at = None
            await _disable(current, error)
        else:
            wait = backoff(current.attempts)
            current.next_attempt_at = now + wait
            await jobs.enqueue(
                DELIVER_JOB,
                str(current.endpoint_id),
                job_id=f"webhook:{current.id}:{current.attempts}",
                _defer_by=wait,
            )
        await current.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])
    return error is None


async def _disable(delivery: WebhookDelivery, error: str) -> None:
    reason = f"Disabled after three days of failed deliveries; the last: {error}"
    endpoint_id = delivery.endpoint_id
    await WebhookEndpoint.filter(id=endpoint_id).update(enabled=False, disabled_reason=reason)
    await jobs.enqueue(
        DISABLED_NOTICE_JOB, str(endpoint_id), job_id=f"webhook:disabled:{delivery.id}"
    )


async def disabled_notice(endpoint_id: UUID) -> str:
    """Tell the tenant (its company address, else its owners) that the endpoint was
    disabled, should it still be."""
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if endpoint is None or endpoint.enabled:
        return "no longer applies"
    settings = await InvoicingSettings.get_or_none(tenant_id=endpoint.tenant_id)
    recipients = [settings.company_email] if settings and settings.company_email else []
    if not recipients:
        recipients = await User.filter(
            tenant_id=endpoint.tenant_id, role=UserRole.OWNER
        ).values_list("email", flat=True)
    if not recipients:
        return "nobody to tell"
    operator = config.current()
    message = EmailMessage()
    message["Subject"] = "A webhook endpoint was disabled"
    message["From"] = operator.platform_email
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain="remit")
    message.set_content(
        f"Remit could not deliver events to your webhook endpoint\n\n    {endpoint.url}\n\n"
        f"for three days, and has disabled it.\n{endpoint.disabled_reason}\n\n"
        "Events that happen while it is disabled are not sent to it. Once it answers again,"
        " enable it in your settings: the events that were waiting are then delivered, in"
        " order.\n"
    )
    await mail.send(message, list(recipients), operator.mail)
    return "sent"
