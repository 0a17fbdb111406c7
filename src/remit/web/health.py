"""Liveness and readiness. Ready means the database and the job queue both answer."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    checks = {"database": "ok", "redis": "ok"}
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as error:  # any failure means not ready; the reason goes to the body
        checks["database"] = f"unreachable: {type(error).__name__}"
    try:
        await request.app.state.runtime.pool.ping()
    except Exception as error:
        checks["redis"] = f"unreachable: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", **checks}, status_code=200 if ready else 503
    )
