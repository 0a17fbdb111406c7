"""/auth: the console's sign-in, sign-out, invites, password resets and sign-up, JSON in and
JSON out. A signed-in browser holds two cookies: `remit_session` (HttpOnly, the session) and
`remit_csrf` (readable by the console, echoed in `X-CSRF-Token` on every POST: another site
can make the browser send the cookies, not read them)."""

import hmac
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from strawberry.utils.str_converters import to_camel_case

from remit.billing import config, users
from remit.billing.errors import RemitError, Throttled, Unauthenticated
from remit.models.users import Session, TokenPurpose, User

SESSION_COOKIE = "remit_session"
CSRF_COOKIE = "remit_csrf"
CSRF_HEADER = "x-csrf-token"


def error(status: int, code: str, message: str, field: str | None = None, **headers) -> Response:
    body = {"error": message, "code": code} | ({"field": field} if field else {})
    return JSONResponse(body, status_code=status, headers=headers or None)


def _failure(failure: RemitError) -> Response:
    """A billing refusal: the first problem, its field named as the console's form names it."""
    first = failure.errors()[0]
    status = 404 if first.code == "NOT_FOUND" else 409 if first.code == "CONFLICT" else 400
    field = to_camel_case(first.field[-1]) if first.field else None
    return error(status, str(first.code), first.message, field if status == 400 else None)


class BadBody(Exception):
    pass


async def _body(request: Request, required: tuple[str, ...], optional: tuple[str, ...] = ()):
    """The JSON object's string fields, `required` ones present; BadBody otherwise."""
    try:
        body: Any = json.loads(await request.body())
    except ValueError:
        raise BadBody("The body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise BadBody("The body must be a JSON object.")
    for name in required:
        if not isinstance(body.get(name), str):
            raise BadBody(f"{name} is required, as a string.")
    for name in optional:
        if body.get(name) is not None and not isinstance(body[name], str):
            raise BadBody(f"{name} must be a string.")
    return body


def _secure() -> bool:
    return config.current().public_url.startswith("https://")


def signed_in(user: User, started: users.Started, status: int = 200) -> Response:
    response = JSONResponse(_who(user), status_code=status)
    max_age = int(config.current().session_lifetime.total_seconds())
    for name, value, http_only in (
        (SESSION_COOKIE, started.token, True),
        (CSRF_COOKIE, started.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=_secure(),
            httponly=http_only,
            samesite="lax",
        )
    return response


def _signed_out(response: Response) -> Response:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=_secure(), samesite="lax")
    return response


def _who(user: User) -> dict:
    return {
        "user": {"id": str(user.id), "email": user.email, "name": user.name, "role": user.role},
        "tenant": {"id": str(user.tenant.id), "name": user.tenant.name},
    }


async def session_of(request: Request) -> Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    return await users.resolve_session(token) if token else None


def csrf_ok(request: Request, session: Session) -> bool:
    """The header echoes the session's own token (the cookie carries the same value)."""
    given = request.headers.get(CSRF_HEADER, "")
    return bool(given) and hmac.compare_digest(given, session.csrf_token)


def _throttled(throttled: Throttled) -> Response:
    retry_after = {"Retry-After": str(throttled.retry_after)}
    return error(429, "THROTTLED", throttled.message, **retry_after)


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def options(request: Request) -> Response:
    return JSONResponse({"signup": config.current().signup_open})


async def current_session(request: Request) -> Response:
    session = await session_of(request)
    if session is None:
        return error(401, "UNAUTHENTICATED", "Not signed in.")
    return JSONResponse(_who(session.user))


async def login(request: Request) -> Response:
    try:
        body = await _body(request, ("email", "password"))
        user = await users.authenticate(body["email"], body["password"], _address(request))
    except BadBody as bad:
        return error(400, "INVALID", str(bad))
    except Throttled as throttled:
        return _throttled(throttled)
    except Unauthenticated as refused:
        return error(401, "INVALID_CREDENTIALS", refused.message)
    return signed_in(user, await users.start_session(user))


async def logout(request: Request) -> Response:
    session = await session_of(request)
    if session is not None:
        if not csrf_ok(request, session):
            return error(403, "CSRF", "The X-CSRF-Token header must echo the remit_csrf cookie.")
        await users.end_session(request.cookies[SESSION_COOKIE])
    return _signed_out(Response(status_code=204))


def to_console(screen: str):
    async def redirect(request: Request) -> Response:
        return RedirectResponse(f"/app/{screen}/{request.path_params['token']}", status_code=303)

    return redirect


def set_password(purpose: TokenPurpose):
    """Accept an invite or a reset, then sign in."""

    async def accept(request: Request) -> Response:
        try:
            body = await _body(request, ("password",), ("name",))
            user = await users.set_password(
                purpose, request.path_params["token"], body["password"], body.get("name")
            )
        except BadBody as bad:
            return error(400, "INVALID", str(bad))
        except RemitError as failure:
            return _failure(failure)
        user = await User.get(id=user.id).select_related("tenant")
        return signed_in(user, await users.start_session(user))

    return accept


async def reset_request(request: Request) -> Response:
    try:
        body = await _body(request, ("email",))
        await users.request_reset(body["email"], address=_address(request))
    except BadBody as bad:
        return error(400, "INVALID", str(bad))
    except Throttled as throttled:
        return _throttled(throttled)
    return Response(status_code=202)


async def signup(request: Request) -> Response:
    try:
        body = await _body(request, ("tenantName", "name", "email", "password"))
        user = await users.signup(body["tenantName"], body["name"], body["email"], body["password"])
    except BadBody as bad:
        return error(400, "INVALID", str(bad))
    except RemitError as failure:
        return _failure(failure)
    return signed_in(user, await users.start_session(user), status=201)
