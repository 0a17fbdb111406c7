"""Provider callbacks: the REST shim in front of billing. A callback that is not authentic is
answered 400 and changes nothing; one that is, 200, even when it concerns nothing we know,
so the provider stops retrying."""

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from billing import platform
from billing.errors import NotReady
from plugins.api import WebhookRejected

logger = logging.getLogger("remit.webhooks")


async def stripe_platform(request: Request) -> JSONResponse:
    body = await request.body()
    try:
        outcome = await platform.handle_webhook(request.headers, body)
    except WebhookRejected as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    except NotReady as error:
        logger.error("platform webhook refused: %s", error.message)
        return JSONResponse({"error": error.message}, status_code=503)
    logger.info("platform webhook: %s", outcome)
    return JSONResponse({"received": True, "outcome": outcome})
