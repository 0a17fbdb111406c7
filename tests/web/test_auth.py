import re
from datetime import timedelta

from remit.billing import clock
from remit.models.organizations import Organization
from remit.models.users import Session, SignInFailure, User
from tests import factories
from tests.factories import PASSWORD

ORGANIZATION_CREATE = """mutation($input: OrganizationInput!) {
  organizationCreate(input: $input) { organization { name } errors { code } } }"""


def who(user: User, tenant) -> dict:
    return {
        "user": {"id": str(user.id), "email": user.email, "name": user.name, "role": user.role},
        "tenant": {"id": str(tenant.id), "name": tenant.name},
    }


def cookies_set(response) -> dict[str, str]:
    """Each Set-Cookie header by its cookie's name, attributes in lower case."""
    headers = response.headers.get_list("set-cookie")
    return {header.split("=", 1)[0]: header.lower() for header in headers}


async def test_a_login_sets_the_session_and_csrf_cookies_and_the_session_answers(api):
    tenant, _ = await factories.tenant()
    user = await factories.user(tenant, "Ann@Acme.com", name="Ann")

    response = await api.post("/auth/login", json={"email": "ann@acme.com", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json() == who(user, tenant)
    cookies = cookies_set(response)
    assert sorted(cookies) == ["remit_csrf", "remit_session"]
    assert "httponly" in cookies["remit_session"] and "httponly" not in cookies["remit_csrf"]
    for header in cookies.values():
        assert "samesite=lax" in header and "path=/" in header and "secure" not in header
    session = await Session.get(user=user)
    assert session.csrf_token == api.cookies["remit_csrf"]
    assert session.expires_at - session.created_at == timedelta(days=14)
    assert (await api.get("/auth/session")).json() == who(user, tenant)


async def test_cookies_are_secure_when_the_public_url_is_https(api, configure):
    configure(public_url="https://remit.acme.com")
    tenant, _ = await factories.tenant()
    await factories.user(tenant)

    response = await api.post("/auth/login", json={"email": "ann@acme.com", "password": PASSWORD})

    assert all("; secure" in header for header in cookies_set(response).values())


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(api):
    tenant, _ = await factories.tenant()
    await factories.user(tenant)

    wrong = await api.post("/auth/login", json={"email": "ann@acme.com", "password": "x" * 12})
    unknown = await api.post("/auth/login", json={"email": "bob@acme.com", "password": PASSWORD})

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json() == {
            "error": "Wrong email or password.",
            "code": "INVALID_CREDENTIALS",
        }
        assert "set-cookie" not in response.headers
    assert await Session.all().count() == 0
    assert (await api.get("/auth/session")).status_code == 401


async def test_repeated_failures_throttle_the_email_even_with_the_right_password(api):
    tenant, _ = await factories.tenant()
    await factories.user(tenant)
    for _ in range(5):
        await api.post("/auth/login", json={"email": "ann@acme.com", "password": "wrong" * 3})
    # Failed ten minutes ago: five minutes of the window are left.
    await SignInFailure.all().update(at=clock.now() - timedelta(minutes=10))

    refused = await api.post("/auth/login", json={"email": "ann@acme.com", "password": PASSWORD})

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "300"
    assert refused.json() == {
        "error": "Too many failed sign-ins; try again in 300 seconds.",
        "code": "THROTTLED",
    }
    assert await Session.all().count() == 0
    # Once the failures leave the window, the right password works again.
    await SignInFailure.all().update(at=clock.now() - timedelta(minutes=16))
    again = await api.post("/auth/login", json={"email": "ann@acme.com", "password": PASSWORD})
    assert again.status_code == 200


async def test_repeated_failures_from_one_address_throttle_every_email(api):
    tenant, _ = await factories.tenant()
    await factories.user(tenant)
    for n in range(5):
        await api.post("/auth/login", json={"email": f"guess{n}@acme.com", "password": PASSWORD})

    refused = await api.post("/auth/login", json={"email": "ann@acme.com", "password": PASSWORD})

    assert refused.status_code == 429
    assert refused.json()["code"] == "THROTTLED"


async def test_logout_ends_the_session_and_clears_the_cookies(console):
    tenant, _ = await factories.tenant()
    user = await factories.user(tenant)
    browser = await console(user.email, PASSWORD)

    response = await browser.http.post("/auth/logout", headers={"X-CSRF-Token": browser.csrf_token})

    assert response.status_code == 204
    assert sorted(cookies_set(response)) == ["remit_csrf", "remit_session"]
    assert all("max-age=0" in header for header in cookies_set(response).values())
    assert await Session.all().count() == 0
    assert (await browser.http.get("/auth/session")).json() == {
        "error": "Not signed in.",
        "code": "UNAUTHENTICATED",
    }


async def test_logout_without_the_csrf_header_is_refused(console):
    tenant, _ = await factories.tenant()
    user = await factories.user(tenant)
    browser = await console(user.email, PASSWORD)

    response = await browser.http.post("/auth/logout")

    assert response.status_code == 403
    assert response.json()["code"] == "CSRF"
    assert await Session.all().count() == 1


async def test_an_expired_session_is_signed_out_and_deleted(console):
    tenant, _ = await factories.tenant()
    user = await factories.user(tenant)
    browser = await console(user.email, PASSWORD)
    await Session.all().update(expires_at=clock.now() - timedelta(seconds=1))

    assert (await browser.http.get("/auth/session")).status_code == 401
    assert (await browser.post("{ viewer { email } }")).status_code == 401
    assert await Session.all().count() == 0


async def test_a_used_session_lives_on(console):
    tenant, _ = await factories.tenant()
    user = await factories.user(tenant)
    browser = await console(user.email, PASSWORD)
    seen = clock.now() - timedelta(days=13)
    await Session.all().update(last_seen_at=seen, expires_at=seen + timedelta(days=14))

    assert (await browser.http.get("/auth/session")).status_code == 200

    session = await Session.get(user=user)
    assert session.expires_at - session.last_seen_at == timedelta(days=14)
    assert session.last_seen_at > seen + timedelta(days=12)


async def test_a_mutation_with_the_session_but_without_the_csrf_header_is_refused(console):
    tenant, _ = await factories.tenant()
    user = await factories.user(tenant)
    browser = await console(user.email, PASSWORD)
    body = {"query": ORGANIZATION_CREATE, "variables": {"input": {"name": "Globex"}}}

    refused = await browser.http.post("/graphql", json=body)
    forged = await browser.http.post("/graphql", json=body, headers={"X-CSRF-Token": "forged"})

    for response in (refused, forged):
        assert response.status_code == 403
        assert response.json() == {
            "errors": [
                {
                    "message": "The X-CSRF-Token header must echo the remit_csrf cookie.",
                    "extensions": {"code": "CSRF"},
                }
            ]
        }
    assert await Organization.all().count() == 0

    created = await browser.query(ORGANIZATION_CREATE, input={"name": "Globex"})

    assert created == {"organizationCreate": {"organization": {"name": "Globex"}, "errors": []}}
    assert await Organization.filter(tenant=tenant).count() == 1


def link_in(envelope, path: str) -> str:
    body = envelope.content.decode()
    [token] = re.findall(rf"https://pay\.acme\.com/auth/{path}/([\w-]+)", body)
    return token


async def test_an_invited_user_sets_a_password_and_signs_in(api, graphql, mail_server):
    tenant, key = await factories.tenant()
    invited = await graphql(key).query(
        """mutation { userInvite(input: {email: "bob@acme.com", role: MEMBER}) {
             user { email role pending } errors { code } } }"""
    )
    assert invited == {
        "userInvite": {
            "user": {"email": "bob@acme.com", "role": "MEMBER", "pending": True},
            "errors": [],
        }
    }
    [envelope] = mail_server.envelopes
    assert envelope.rcpt_tos == ["bob@acme.com"]
    token = link_in(envelope, "invite")

    opened = await api.get(f"/auth/invite/{token}")
    short = await api.post(f"/auth/invite/{token}", json={"password": "short"})
    accepted = await api.post(f"/auth/invite/{token}", json={"password": PASSWORD, "name": "Bob"})
    again = await api.post(f"/auth/invite/{token}", json={"password": PASSWORD})

    assert (opened.status_code, opened.headers["location"]) == (303, f"/app/invite/{token}")
    assert (short.status_code, short.json()) == (
        400,
        {"error": "A password has at least 10 characters.", "code": "INVALID", "field": "password"},
    )
    user = await User.get(email="bob@acme.com")
    assert accepted.status_code == 200
    assert accepted.json() == who(user, tenant)
    assert "; secure" in cookies_set(accepted)["remit_session"]
    assert user.name == "Bob"
    assert (again.status_code, again.json()["code"]) == (404, "NOT_FOUND")
    login = await api.post("/auth/login", json={"email": "bob@acme.com", "password": PASSWORD})
    assert login.status_code == 200


async def test_a_password_reset_replaces_the_password_and_ends_sessions(api, mail_server):
    tenant, _ = await factories.tenant()
    user = await factories.user(tenant)
    await api.post("/auth/login", json={"email": user.email, "password": PASSWORD})

    requested = await api.post("/auth/reset", json={"email": "ANN@acme.com"})
    unknown = await api.post("/auth/reset", json={"email": "nobody@acme.com"})

    assert (requested.status_code, unknown.status_code) == (202, 202)
    [envelope] = mail_server.envelopes
    token = link_in(envelope, "reset")
    opened = await api.get(f"/auth/reset/{token}")
    assert opened.headers["location"] == f"/app/reset/{token}"
    reset = await api.post(f"/auth/reset/{token}", json={"password": "a new password"})
    assert (reset.status_code, reset.json()) == (200, who(user, tenant))
    assert await Session.all().count() == 1  # the old one ended, the reset's own began
    old = await api.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    new = await api.post("/auth/login", json={"email": user.email, "password": "a new password"})
    assert (old.status_code, new.status_code) == (401, 200)


async def test_signup_when_open_creates_a_tenant_and_its_owner(api, configure):
    configure(signup="open")
    body = {
        "tenantName": "Initech",
        "name": "Peter",
        "email": "peter@initech.com",
        "password": PASSWORD,
    }

    options = await api.get("/auth/options")
    created = await api.post("/auth/signup", json=body)
    twice = await api.post("/auth/signup", json=body)

    assert options.json() == {"signup": True}
    user = await User.get(email="peter@initech.com").prefetch_related("tenant")
    assert (user.role, user.name, user.tenant.name) == ("OWNER", "Peter", "Initech")
    assert (created.status_code, created.json()) == (201, who(user, user.tenant))
    assert (twice.status_code, twice.json()) == (
        409,
        {"error": "peter@initech.com already has a user.", "code": "CONFLICT"},
    )
    assert await User.all().count() == 1


async def test_signup_when_closed_is_not_found(api):
    body = {
        "tenantName": "Initech",
        "name": "Peter",
        "email": "peter@initech.com",
        "password": PASSWORD,
    }

    options = await api.get("/auth/options")
    refused = await api.post("/auth/signup", json=body)

    assert options.json() == {"signup": False}
    assert (refused.status_code, refused.json()) == (
        404,
        {"error": "Sign-up is closed on this server.", "code": "NOT_FOUND"},
    )
    assert await User.all().count() == 0


async def test_bad_bodies_are_400_with_the_reason(api):
    answers = [
        await api.post("/auth/login", content=b"not json"),
        await api.post("/auth/login", json=None),
        await api.post("/auth/login", json={"email": "ann@acme.com"}),
        await api.post("/auth/login", json={"email": 42, "password": PASSWORD}),
        await api.post("/auth/reset", json=["ann@acme.com"]),
        await api.post("/auth/invite/abc", json={"password": PASSWORD, "name": 7}),
    ]

    assert [(answer.status_code, answer.json()) for answer in answers] == [
        (400, {"error": "The body must be a JSON object.", "code": "INVALID"}),
        (400, {"error": "The body must be a JSON object.", "code": "INVALID"}),
        (400, {"error": "password is required, as a string.", "code": "INVALID"}),
        (400, {"error": "email is required, as a string.", "code": "INVALID"}),
        (400, {"error": "The body must be a JSON object.", "code": "INVALID"}),
        (400, {"error": "name must be a string.", "code": "INVALID"}),
    ]


async def test_reset_requests_are_throttled_per_email(api):
    answers = [
        (await api.post("/auth/reset", json={"email": "ann@acme.com"})).status_code
        for _ in range(6)
    ]

    assert answers == [202] * 5 + [429]
    assert await SignInFailure.filter(key="reset:ann@acme.com").count() == 5
