"""Provider callbacks: the REST shim in front of billing. A callback that is not authentic is
answered 400 and changes nothing; one that is, 200, even when it concerns nothing we know,
so the provider stops retrying."""

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from remit.billing import platform, provider_payments
from remit.billing.errors import NotFound, NotReady
from remit.plugins.api import WebhookRejected

logger = logging.getLogger("remit.webhooks")


async def provider_callback(request: Request) -> JSONResponse:
    """`POST /webhooks/{provider}/{tenant_id}`: a provider's callback for one tenant."""
    key, tenant_id = request.path_params["provider"], request.path_params["tenant_id"]
    body = await request.body()
    try:
        outcomes = await provider_payments.handle_webhook(key, tenant_id, request.headers, body)
    except NotFound:
        return JSONResponse({"error": "unknown provider or tenant"}, status_code=404)
    except WebhookRejected as error:
        logger.warning("%s webhook for tenant %s refused: %s", key, tenant_id, error)
        return JSONResponse({"error": str(error)}, status_code=400)
    logger.info("%s webhook for tenant %s: %s", key, tenant_id, ", ".join(outcomes) or "ignored")
    return JSONResponse({"received": True, "outcomes": outcomes})


async def stripe_platform(request: Request) -> JSONResponse:
    body = await request.body()
    try:
        outcome = await platform.handle_webhook(request.headers, body)
    except WebhookRejected as error:
        logger.warning("platform webhook refused: %s", error)
        return JSONResponse({"error": str(error)}, status_code=400)
    except NotReady as error:
        logger.error("platform webhook refused: %s", error.message)
        return JSONResponse({"error": error.message}, status_code=503)
    logger.info("platform webhook: %s", outcome)
    return JSONResponse({"received": True, "outcome": outcome})
