"""Tenants' webhook endpoints: where each wants its events sent, and which. Managing them is
a settings matter (OWNER, ADMIN). An endpoint's signing secret is made here, shown to the
tenant once, and stored sealed like provider secrets, to sign every delivery.

An endpoint must be an http(s) URL on a public address, unless the operator allows private
ones (REMIT_WEBHOOKS_ALLOW_PRIVATE): otherwise a tenant could make Remit call into the network
it runs in. Every address the host resolves to is checked, here and again before each
delivery, since what a name resolves to can change."""

import asyncio
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import httpx
from cryptography.fernet import MultiFernet
from tortoise.queryset import QuerySet

from remit.billing import config, ids, jobs, sealing, validation
from remit.billing.errors import Invalid, NotFound, RemitErrors, Required
from remit.billing.roles import Actor, Permission, require
from remit.billing.webhook_events import DELIVER_JOB, EVENT_TYPES
from remit.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)

_SEALING = b"remit webhook secrets"


class UnsafeUrl(Invalid):
    """An endpoint URL that is not http(s), or whose host is (or resolves to) a private,
    loopback or otherwise non-public address."""


@dataclass(frozen=True)
class Created:
    endpoint: WebhookEndpoint
    secret: str  # shown once, never again


def _sealer() -> MultiFernet:
    return sealing.fernet(config.current().secret_keys, _SEALING)


def signing_secret(endpoint: WebhookEndpoint) -> str:
    return _sealer().decrypt(endpoint.secret[sealing.MARK].encode()).decode()


# IPv6 addresses that carry an IPv4 one a router would reach: NAT64's well-known prefix.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone is not the address
    if isinstance(ip, ipaddress.IPv6Address):
        # The IPv4 address inside counts too: ::ffff:10.0.0.7 is 10.0.0.7.
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None and not inner.is_global:
            return False
    return ip.is_global


def _host_and_port(url: str, field: list[str]) -> tuple[str, int]:
    try:
        parsed = httpx.URL(url)
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except (httpx.InvalidURL, ValueError):
        raise UnsafeUrl("The URL is not a valid address.", field=field) from None
    if parsed.scheme not in ("http", "https") or not host:
        raise UnsafeUrl("The URL must be an http:// or https:// address.", field=field)
    return host, port or (443 if parsed.scheme == "https" else 80)


async def check_url(url: str, field: list[str]) -> None:
    """Raise UnsafeUrl unless `url` is http(s) and, unless the operator allows private
    addresses, every address its host resolves to is public."""
    host, port = _host_and_port(url, field)
    if config.current().webhooks_allow_private:
        return
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeUrl(f"The host {host} cannot be resolved.", field=field) from None
    for *_, address in found:
        if not _public(address[0]):
            raise UnsafeUrl(
                f"The URL points at a private or loopback address ({address[0]}).", field=field
            )


def _cleaned_events(events: list[str]) -> list[str]:
    if not events:
        raise Required("Choose at least one event.", field=["events"])
    unknown = [
        Invalid(f"{event} is not an event type.", field=["events", str(index)])
        for index, event in enumerate(events)
        if event not in EVENT_TYPES
    ]
    if unknown:
        raise RemitErrors.of(unknown)
    return sorted(set(events), key=EVENT_TYPES.index)


async def _cleaned(data: dict[str, Any]) -> dict[str, Any]:
    validation.storable(data, [])
    cleaned = dict(data)
    if "url" in data:
        url = (data["url"] or "").strip()
        if len(url) > validation.length_of(WebhookEndpoint, "url"):
            raise Invalid("The URL is too long.", field=["url"])
        await check_url(url, ["url"])
        cleaned["url"] = url
    if "events" in data:
        cleaned["events"] = _cleaned_events(data["events"] or [])
    if "description" in data:
        cleaned["description"] = validation.text(
            data["description"] or "",
            ["description"],
            max_length=validation.length_of(WebhookEndpoint, "description"),
        )
    if "enabled" in data and data["enabled"] is None:
        raise Required("Say whether the endpoint is enabled.", field=["enabled"])
    return cleaned


async def create(actor: Actor, url: str, events: list[str], description: str | None) -> Created:
    require(actor, Permission.SETTINGS)
    cleaned = await _cleaned({"url": url, "events": events, "description": description})
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = await WebhookEndpoint.create(
        id=uuid4(),
        tenant=actor.tenant,
        secret={sealing.MARK: _sealer().encrypt(secret.encode()).decode()},
        **cleaned,
    )
    return Created(endpoint, secret)


async def _locked(actor: Actor, endpoint_id: str) -> WebhookEndpoint:
    parsed = ids.parse("webhook endpoint", endpoint_id, field=["id"])
    endpoint = (
        await WebhookEndpoint.filter(tenant=actor.tenant).select_for_update().get_or_none(id=parsed)
    )
    if endpoint is None:
        raise NotFound("webhook endpoint", endpoint_id, field=["id"])
    return endpoint


async def update(actor: Actor, endpoint_id: str, data: dict[str, Any]) -> WebhookEndpoint:
    """Change what `data` holds of url, events, description and enabled. Enabled again, an
    endpoint gets what waited for it, in order."""
    require(actor, Permission.SETTINGS)
    cleaned = await _cleaned(data)
    async with jobs.atomic():
        endpoint = await _locked(actor, endpoint_id)
        resumed = cleaned.get("enabled") is True and not endpoint.enabled
        if "enabled" in cleaned:
            cleaned["disabled_reason"] = None
        endpoint.update_from_dict(cleaned)
        await endpoint.save()
        if resumed:
            await jobs.enqueue(
                DELIVER_JOB,
                str(endpoint.id),
                job_id=f"webhook:resume:{endpoint.id}:{endpoint.updated_at.isoformat()}",
            )
    return endpoint


async def delete(actor: Actor, endpoint_id: str) -> UUID:
    """The endpoint and its deliveries go: nothing more is sent to it."""
    require(actor, Permission.SETTINGS)
    async with jobs.atomic():
        endpoint = await _locked(actor, endpoint_id)
        await endpoint.delete()
    return endpoint.id


def endpoints(actor: Actor) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.filter(tenant=actor.tenant)


def deliveries(actor: Actor, endpoint_id: str) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries (with their events), for the caller to page through; none
    for an id that names none of the tenant's endpoints."""
    try:
        parsed = UUID(str(endpoint_id))
    except ValueError:
        parsed = None  # a malformed id names nothing, like another tenant's
    return WebhookDelivery.filter(endpoint__tenant=actor.tenant, endpoint_id=parsed).select_related(
        "event"
    )


async def attempts_of(delivery_ids: list[UUID]) -> list[WebhookAttempt]:
    """The attempts of the deliveries, oldest first (the caller read the deliveries for its
    tenant)."""
    return await WebhookAttempt.filter(delivery_id__in=delivery_ids).order_by("at", "id")


async def retry(actor: Actor, delivery_id: str) -> WebhookDelivery:
    """Send the delivery again at once (failed, waiting for its next attempt, or even
    delivered); it is sent in its turn among the endpoint's deliveries."""
    require(actor, Permission.SETTINGS)
    parsed = ids.parse("webhook delivery", delivery_id, field=["id"])
    async with jobs.atomic():
        delivery = (
            await WebhookDelivery.filter(endpoint__tenant=actor.tenant, id=parsed)
            .select_for_update(of=(WebhookDelivery._meta.db_table,))
            .select_related("event")
            .get_or_none()
        )
        if delivery is None:
            raise NotFound("webhook delivery", delivery_id, field=["id"])
        delivery.status = WebhookDeliveryStatus.PENDING
        delivery.next_attempt_at = None
        await delivery.save(update_fields=["status", "next_attempt_at"])
        await jobs.enqueue(
            DELIVER_JOB,
            str(delivery.endpoint_id),
            job_id=f"webhook:{delivery.id}:retry:{delivery.attempts}",
        )
    return delivery
