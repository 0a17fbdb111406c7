"""Webhook endpoints through the API: the secret shown once, private and non-http URLs
refused with nothing stored, managing them an OWNER's or ADMIN's, deliveries paged."""

from datetime import date

import pytest

from remit.billing import clock, cycle
from remit.models.users import UserRole
from remit.models.webhooks import WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.servers import WebhookReceiver, serving

CREATE = """
mutation ($input: WebhookEndpointInput!) {
  webhookEndpointCreate(input: $input) {
    endpoint { id url events description enabled disabledReason }
    secret
    errors { field message code }
  }
}"""
UPDATE = """
mutation ($id: ID!, $input: WebhookEndpointUpdateInput!) {
  webhookEndpointUpdate(id: $id, input: $input) {
    endpoint { id url events description enabled }
    errors { field message code }
  }
}"""
DELETE = """
mutation ($id: ID!) {
  webhookEndpointDelete(id: $id) { deletedWebhookEndpointId errors { field message code } }
}"""
ENDPOINTS = "{ webhookEndpoints { id url events description enabled } }"
DELIVERIES = """
query ($endpointId: ID!, $first: Int!, $after: String) {
  webhookDeliveries(endpointId: $endpointId, first: $first, after: $after) {
    edges { node { id eventType status attempts payload attemptLog { statusCode error } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
RETRY = """
mutation ($id: ID!) {
  webhookDeliveryRetry(id: $id) { delivery { id status } errors { field message code } }
}"""

PUBLIC = "https://93.184.215.14/remit-events"


def endpoint_input(url: str = PUBLIC, events=("invoice.issued", "invoice.paid")) -> dict:
    return {"url": url, "events": list(events), "description": "ERP sync"}


async def test_created_endpoint_shows_its_secret_once(graphql):
    _, key = await factories.tenant()
    api = graphql(key)

    created = (await api.query(CREATE, input=endpoint_input()))["webhookEndpointCreate"]
    listed = await api.query(ENDPOINTS)

    endpoint = created["endpoint"]
    assert created["errors"] == []
    assert created["secret"].startswith("whsec_") and len(created["secret"]) == 49
    assert endpoint == {
        "id": endpoint["id"],
        "url": PUBLIC,
        "events": ["invoice.issued", "invoice.paid"],
        "description": "ERP sync",
        "enabled": True,
        "disabledReason": None,
    }
    assert listed == {
        "webhookEndpoints": [{k: v for k, v in endpoint.items() if k != "disabledReason"}]
    }
    stored = await WebhookEndpoint.get(id=endpoint["id"])
    assert created["secret"] not in str(stored.secret)  # sealed at rest


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://127.0.0.1:8080/hooks",
            "The URL points at a private or loopback address (127.0.0.1).",
        ),
        ("http://[::1]/hooks", "The URL points at a private or loopback address (::1)."),
        (
            "http://[::ffff:10.0.0.7]/hooks",
            "The URL points at a private or loopback address (::ffff:10.0.0.7).",
        ),
        ("http://10.1.2.3/hooks", "The URL points at a private or loopback address (10.1.2.3)."),
        (
            "http://[64:ff9b::7f00:1]/hooks",
            "The URL points at a private or loopback address (64:ff9b::7f00:1).",
        ),
        (
            "http://[2002:a00:1::1]/hooks",
            "The URL points at a private or loopback address (2002:a00:1::1).",
        ),
        (
            "http://169.254.169.254/latest",
            "The URL points at a private or loopback address (169.254.169.254).",
        ),
        ("http://[fd00::5]/hooks", "The URL points at a private or loopback address (fd00::5)."),
        (
            "http://localhost:9000/hooks",
            "The URL points at a private or loopback address (127.0.0.1).",
        ),
        ("ftp://93.184.215.14/hooks", "The URL must be an http:// or https:// address."),
        ("https:///hooks", "The URL must be an http:// or https:// address."),
        ("http://[::1/hooks", "The URL is not a valid address."),
        ("http://93.184.215.14:99999/", "The URL is not a valid address."),
        ("http://exa mple.com/", "The host exa mple.com cannot be resolved."),
        ("https://no-such-host.invalid/hooks", "The host no-such-host.invalid cannot be resolved."),
    ],
)
async def test_unsafe_urls_are_refused_and_nothing_is_stored(graphql, url, message):
    _, key = await factories.tenant()

    result = await graphql(key).query(CREATE, input=endpoint_input(url))

    assert result["webhookEndpointCreate"] == {
        "endpoint": None,
        "secret": None,
        "errors": [{"field": ["input", "url"], "message": message, "code": "INVALID"}],
    }
    assert await WebhookEndpoint.all().count() == 0


async def test_the_operator_may_allow_private_addresses(graphql, configure):
    configure(webhooks_allow_private=True)
    _, key = await factories.tenant()

    result = await graphql(key).query(CREATE, input=endpoint_input("http://10.1.2.3/hooks"))

    assert result["webhookEndpointCreate"]["errors"] == []
    assert await WebhookEndpoint.all().values_list("url", flat=True) == ["http://10.1.2.3/hooks"]


async def test_unknown_or_no_events_are_refused(graphql):
    _, key = await factories.tenant()
    api = graphql(key)

    unknown = await api.query(
        CREATE, input=endpoint_input(events=["invoice.paid", "invoice.eaten"])
    )
    none = await api.query(CREATE, input=endpoint_input(events=[]))

    assert unknown["webhookEndpointCreate"]["errors"] == [
        {
            "field": ["input", "events", "1"],
            "message": "invoice.eaten is not an event type.",
            "code": "INVALID",
        }
    ]
    assert none["webhookEndpointCreate"]["errors"] == [
        {"field": ["input", "events"], "message": "Choose at least one event.", "code": "REQUIRED"}
    ]
    assert await WebhookEndpoint.all().count() == 0


async def test_owners_and_admins_manage_endpoints_members_may_not(graphql, console):
    tenant, _ = await factories.tenant()
    await factories.user(tenant, "ann@acme.com", UserRole.ADMIN)
    await factories.user(tenant, "max@acme.com", UserRole.MEMBER)
    admin = await console("ann@acme.com", factories.PASSWORD)
    member = await console("max@acme.com", factories.PASSWORD)

    made = (await admin.query(CREATE, input=endpoint_input()))["webhookEndpointCreate"]
    refused = (await member.query(CREATE, input=endpoint_input()))["webhookEndpointCreate"]
    id = made["endpoint"]["id"]
    not_deleted = (await member.query(DELETE, id=id))["webhookEndpointDelete"]

    assert made["errors"] == []
    forbidden = [
        {
            "field": None,
            "code": "FORBIDDEN",
            "message": "A MEMBER may not change the invoicing settings or payment methods.",
        }
    ]
    assert refused == {"endpoint": None, "secret": None, "errors": forbidden}
    assert not_deleted == {"deletedWebhookEndpointId": None, "errors": forbidden}
    assert [str(i) for i in await WebhookEndpoint.all().values_list("id", flat=True)] == [id]
    assert (await member.query(ENDPOINTS))["webhookEndpoints"][0]["id"] == id  # read: anyone


async def test_update_and_delete(graphql):
    _, key = await factories.tenant()
    _, other_key = await factories.tenant("Globex")
    api = graphql(key)
    id = (await api.query(CREATE, input=endpoint_input()))["webhookEndpointCreate"]["endpoint"][
        "id"
    ]

    updated = await api.query(
        UPDATE, id=id, input={"events": ["contract.live"], "description": None}
    )
    private = await api.query(UPDATE, id=id, input={"url": "http://127.0.0.1/x"})
    unsaid = await api.query(UPDATE, id=id, input={"enabled": None})
    refused = await WebhookEndpoint.get(id=id)
    foreign = await graphql(other_key).query(DELETE, id=id)
    deleted = await api.query(DELETE, id=id)

    assert updated["webhookEndpointUpdate"] == {
        "endpoint": {
            "id": id,
            "url": PUBLIC,
            "events": ["contract.live"],
            "description": None,
            "enabled": True,
        },
        "errors": [],
    }
    assert private["webhookEndpointUpdate"]["errors"] == [
        {
            "field": ["input", "url"],
            "message": "The URL points at a private or loopback address (127.0.0.1).",
            "code": "INVALID",
        }
    ]
    assert unsaid["webhookEndpointUpdate"]["errors"] == [
        {
            "field": ["input", "enabled"],
            "message": "Say whether the endpoint is enabled.",
            "code": "REQUIRED",
        }
    ]
    assert (refused.url, refused.events, refused.enabled) == (PUBLIC, ["contract.live"], True)
    assert foreign["webhookEndpointDelete"] == {
        "deletedWebhookEndpointId": None,
        "errors": [
            {"field": ["id"], "message": f"No webhook endpoint with id {id}.", "code": "NOT_FOUND"}
        ],
    }
    assert deleted["webhookEndpointDelete"] == {"deletedWebhookEndpointId": id, "errors": []}
    assert await WebhookEndpoint.all().count() == 0


async def test_deliveries_are_paged_newest_first_and_can_be_retried(graphql, configure, drain_jobs):
    configure(webhooks_allow_private=True)
    receiver = WebhookReceiver(500)
    tenant, key = await factories.ready_tenant()
    api = graphql(key)
    async with serving(receiver) as base:
        made = await api.query(
            CREATE, input=endpoint_input(f"{base}/hooks", ["contract.live", "invoice.issued"])
        )
        id = made["webhookEndpointCreate"]["endpoint"]["id"]
        with clock.frozen(date(2027, 1, 1)):
            await factories.live_contract(tenant, date(2027, 1, 1))
            await drain_jobs()  # contract.live fails once and waits 30 s for its retry
            await cycle.plan(date(2027, 1, 1))
            await drain_jobs()  # invoice.issued waits behind it

        first = (await api.query(DELIVERIES, endpointId=id, first=1))["webhookDeliveries"]
        rest = (
            await api.query(
                DELIVERIES, endpointId=id, first=5, after=first["pageInfo"]["endCursor"]
            )
        )["webhookDeliveries"]
        live = rest["edges"][0]["node"]
        retried = await api.query(RETRY, id=live["id"])
        await drain_jobs()

    assert [edge["node"]["eventType"] for edge in first["edges"] + rest["edges"]] == [
        "invoice.issued",
        "contract.live",
    ]
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    assert (live["status"], live["attempts"], live["attemptLog"]) == (
        "PENDING",
        1,
        [{"statusCode": 500, "error": "HTTP 500"}],
    )
    assert live["payload"]["type"] == "contract.live"
    assert live["payload"]["data"]["status"] == "LIVE"
    assert retried["webhookDeliveryRetry"] == {
        "delivery": {"id": live["id"], "status": "PENDING"},
        "errors": [],
    }
    assert receiver.types() == ["contract.live", "contract.live", "invoice.issued"]
    assert await WebhookDelivery.filter(status="DELIVERED").count() == 2


async def test_another_tenants_deliveries_are_not_listed(graphql):
    _, key = await factories.tenant()
    _, other_key = await factories.tenant("Globex")
    id = (await graphql(key).query(CREATE, input=endpoint_input()))["webhookEndpointCreate"][
        "endpoint"
    ]["id"]

    for endpoint_id in (id, "not-an-id"):
        listed = await graphql(other_key).query(DELIVERIES, endpointId=endpoint_id, first=5)
        assert listed["webhookDeliveries"]["edges"] == []
