"""`POST /bank/{tenant_id}/statements`: a CAMT.053 or CAMT.054 statement pushed by a bank or
an aggregator, the file itself as the body, with one of the tenant's API keys. Answered with
what the import did; a file that is no such statement is a 400 and stores nothing."""

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import JSONResponse

from remit.billing import bank
from remit.billing.errors import RemitError, Unauthenticated
from remit.web.graphql import authenticate


async def statement_import(request: Request) -> JSONResponse:
    try:
        actor = await authenticate(request.headers.get("authorization", ""))
    except Unauthenticated as error:
        return JSONResponse(
            {"error": error.message},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="remit"'},
        )
    # Another tenant's id is not found, as everywhere: the key says nothing of it.
    if request.path_params["tenant_id"] != str(actor.tenant.id):
        return JSONResponse({"error": "unknown tenant"}, status_code=404)
    try:
        result = await bank.import_statement(actor, await request.body())
    except RemitError as error:
        return JSONResponse({"error": error.message, "code": error.code}, status_code=400)
    return JSONResponse(asdict(result))
