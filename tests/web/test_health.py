from dataclasses import replace

import httpx
from arq.connections import ArqRedis

from remit.app import create_app


async def test_healthz(api):
    response = await api.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_when_the_database_and_queue_answer(api):
    response = await api.get("/readyz")

    assert (response.status_code, response.json()) == (
        200,
        {"status": "ready", "database": "ok", "redis": "ok"},
    )


async def test_readyz_is_503_when_redis_does_not_answer(settings, runtime):
    nowhere = ArqRedis(host="127.0.0.1", port=1)  # nothing listens on port 1
    app = create_app(settings, runtime=replace(runtime, pool=nowhere))

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://remit.test"
    ) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "database": "ok",
        "redis": "unreachable: ConnectionError",
    }


async def test_every_response_carries_a_request_id(api):
    mine = await api.get("/healthz", headers={"X-Request-ID": "client-chosen-id-1"})
    generated = await api.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})

    assert mine.headers["x-request-id"] == "client-chosen-id-1"
    assert len(generated.headers["x-request-id"]) == 32
    assert generated.headers["x-request-id"] != "bad id with spaces"


async def test_cors_allows_only_the_configured_origins(settings, runtime):
    app = create_app(
        settings.model_copy(update={"cors_origins": ["https://app.example"]}), runtime=runtime
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://remit.test"
    ) as client:
        allowed = await client.options(
            "/graphql",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
        refused = await client.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert refused.status_code == 400


def metrics_client(settings, runtime, token: str | None) -> httpx.AsyncClient:
    app = create_app(settings.model_copy(update={"metrics_token": token}), runtime=runtime)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test")


async def test_metrics_count_requests_by_route_template_and_status(settings, runtime):
    async with metrics_client(settings, runtime, "metrics-token") as api:
        await api.get("/healthz")
        await api.post("/graphql", json={"query": "{ tenant { id } }"})

        response = await api.get("/metrics", headers={"Authorization": "Bearer metrics-token"})

    text = response.text
    assert response.status_code == 200
    assert 'remit_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'remit_http_requests_total{method="POST",route="/graphql",status="401"}' in text
    assert 'remit_http_request_seconds_bucket{le="0.005",method="GET",route="/healthz"}' in text


async def test_metrics_refuse_a_missing_or_wrong_token(settings, runtime):
    async with metrics_client(settings, runtime, "metrics-token") as api:
        missing = await api.get("/metrics")
        wrong = await api.get("/metrics", headers={"Authorization": "Bearer other-token"})

    for response in (missing, wrong):
        assert (response.status_code, response.text) == (401, "Unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


async def test_metrics_are_not_served_without_a_token_configured(settings, runtime):
    async with metrics_client(settings, runtime, None) as api:
        response = await api.get("/metrics", headers={"Authorization": "Bearer None"})

    assert (response.status_code, response.text) == (404, "Not Found")
