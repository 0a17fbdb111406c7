from datetime import timedelta

import argon2
import pytest

from remit.billing import clock, tenants, users
from remit.billing.errors import (
    Conflict,
    Forbidden,
    Invalid,
    LastOwner,
    NotFound,
    Throttled,
    Unauthenticated,
)
from remit.billing.roles import PERMISSIONS, Actor, Permission
from remit.models.users import Session, SignInFailure, TokenPurpose, User, UserRole, UserToken
from tests import factories
from tests.factories import PASSWORD


def test_the_permissions_by_role():
    assert {role: sorted(PERMISSIONS[role]) for role in UserRole} == {
        UserRole.OWNER: ["BILLING", "PLATFORM_PAYMENT", "SETTINGS", "USERS"],
        UserRole.ADMIN: ["BILLING", "SETTINGS"],
        UserRole.MEMBER: ["BILLING"],
        UserRole.VIEWER: [],
    }


async def test_an_api_key_acts_as_an_owner_named_by_its_prefix():
    tenant, key = await factories.tenant()

    actor = Actor.of_api_key(await tenants.authenticate(key))

    assert (actor.who, actor.role, actor.tenant.id, actor.user) == (
        factories.key_actor(key),
        UserRole.OWNER,
        tenant.id,
        None,
    )
    assert actor.may(Permission.USERS)


async def test_authenticate_returns_the_user_and_clears_the_emails_failures():
    tenant, _ = await factories.tenant()
    ann = await factories.user(tenant, "ann@acme.com")
    with pytest.raises(Unauthenticated):
        await users.authenticate("ann@acme.com", "not the password", "10.0.0.1")

    found = await users.authenticate(" ANN@acme.com ", PASSWORD, "10.0.0.1")

    assert (found.id, found.tenant.id) == (ann.id, tenant.id)
    assert await SignInFailure.all().values_list("key", flat=True) == ["address:10.0.0.1"]


async def test_an_unknown_email_and_a_pending_user_are_refused_and_counted():
    tenant, _ = await factories.tenant()
    await users.create(Actor.system(tenant), "bob@acme.com", UserRole.MEMBER)

    for email in ("nobody@acme.com", "bob@acme.com"):
        with pytest.raises(Unauthenticated) as refused:
            await users.authenticate(email, "", None)
        assert refused.value.message == "Wrong email or password."

    assert sorted(await SignInFailure.all().values_list("key", flat=True)) == [
        "email:bob@acme.com",
        "email:nobody@acme.com",
    ]


async def test_the_sixth_attempt_within_the_window_is_throttled():
    tenant, _ = await factories.tenant()
    await factories.user(tenant)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            await users.authenticate("ann@acme.com", "wrong password", None)

    # The oldest failure leaves the window in five minutes.
    await SignInFailure.all().update(at=clock.now() - timedelta(minutes=10))

    with pytest.raises(Throttled) as throttled:
        await users.authenticate("ann@acme.com", PASSWORD, None)

    assert throttled.value.retry_after == 300
    assert await SignInFailure.all().count() == 5  # a throttled attempt is not counted


async def test_an_invite_link_works_once_and_not_after_it_expires():
    tenant, _ = await factories.tenant()
    link = await users.create(Actor.system(tenant), "bob@acme.com", UserRole.VIEWER, "Bob")
    token = link.rsplit("/", 1)[1]
    assert link == f"http://127.0.0.1:8000/auth/invite/{token}"

    with pytest.raises(Invalid) as short:
        await users.set_password(TokenPurpose.INVITE, token, "123456789")
    with pytest.raises(NotFound):
        await users.set_password(TokenPurpose.RESET, token, PASSWORD)
    bob = await users.set_password(TokenPurpose.INVITE, token, PASSWORD)
    with pytest.raises(NotFound):
        await users.set_password(TokenPurpose.INVITE, token, PASSWORD)

    assert (short.value.message, short.value.field) == (
        "A password has at least 10 characters.",
        ["password"],
    )
    assert (bob.email, bob.name, bob.role) == ("bob@acme.com", "Bob", UserRole.VIEWER)
    late = await users.create(Actor.system(tenant), "cy@acme.com", UserRole.VIEWER)
    await UserToken.filter(used_at=None).update(expires_at=clock.now() - timedelta(seconds=1))
    with pytest.raises(NotFound):
        await users.set_password(TokenPurpose.INVITE, late.rsplit("/", 1)[1], PASSWORD)
    assert (await User.get(email="cy@acme.com")).password_hash is None


async def test_an_email_has_one_user_across_the_server():
    tenant, _ = await factories.tenant()
    other, _ = await factories.tenant("Other")
    await factories.user(tenant, "ann@acme.com")

    with pytest.raises(Conflict) as refused:
        await users.create(Actor.system(other), "ANN@acme.com", UserRole.OWNER)

    assert (refused.value.message, refused.value.field) == (
        "ann@acme.com already has a user.",
        ["email"],
    )
    assert await User.all().count() == 1


async def test_a_refused_role_changes_nothing():
    tenant, _ = await factories.tenant()
    ann = await factories.user(tenant, "ann@acme.com", UserRole.OWNER)
    member = Actor.of_user(await factories.user(tenant, "mel@acme.com", UserRole.MEMBER), tenant)

    with pytest.raises(Forbidden) as refused:
        await users.change_role(member, str(ann.id), UserRole.VIEWER)
    with pytest.raises(Forbidden):
        await users.remove(member, str(ann.id))
    with pytest.raises(Forbidden):
        await users.create(member, "bob@acme.com", UserRole.OWNER)

    assert refused.value.message == "A MEMBER may not manage users."
    assert sorted(await User.all().values_list("email", "role")) == [
        ("ann@acme.com", UserRole.OWNER),
        ("mel@acme.com", UserRole.MEMBER),
    ]


async def test_the_last_owner_stays():
    tenant, _ = await factories.tenant()
    ann = await factories.user(tenant, "ann@acme.com", UserRole.OWNER)

    with pytest.raises(LastOwner):
        await users.change_role(Actor.system(tenant), str(ann.id), UserRole.ADMIN)
    with pytest.raises(LastOwner):
        await users.remove(Actor.system(tenant), str(ann.id))

    assert (await User.get(id=ann.id)).role == UserRole.OWNER


async def test_sessions_start_resolve_and_end():
    tenant, _ = await factories.tenant()
    ann = await factories.user(tenant)

    started = await users.start_session(ann)
    resolved = await users.resolve_session(started.token)

    assert (resolved.id, resolved.user.email, resolved.user.tenant.id) == (
        started.session.id,
        "ann@acme.com",
        tenant.id,
    )
    assert resolved.csrf_token == started.csrf_token != started.token
    assert (await User.get(id=ann.id)).last_sign_in_at == started.session.created_at
    assert await users.resolve_session("not a token") is None
    await users.end_session(started.token)
    assert await users.resolve_session(started.token) is None


async def test_what_can_no_longer_be_used_is_forgotten():
    tenant, _ = await factories.tenant()
    ann = await factories.user(tenant)  # its invite link is spent
    await users.create(Actor.system(tenant), "bob@acme.com", UserRole.VIEWER)
    old = await users.start_session(ann)
    live = await users.start_session(ann)
    await Session.filter(id=old.session.id).update(expires_at=clock.now())
    with pytest.raises(Unauthenticated):
        await users.authenticate("ann@acme.com", "wrong password", None)
    recent = await SignInFailure.get()
    await SignInFailure.create(key="email:ann@acme.com", at=clock.now() - timedelta(minutes=16))

    assert await users.forget_expired() == 3
    assert await Session.all().values_list("id", flat=True) == [live.session.id]
    [token] = await UserToken.all()
    bob = await User.get(email="bob@acme.com")
    assert (token.user_id, token.purpose, token.used_at) == (bob.id, TokenPurpose.INVITE, None)
    assert await SignInFailure.all().values_list("id", flat=True) == [recent.id]


async def test_signup_needs_it_open_and_checks_every_field(configure):
    body = ("Initech", "Peter", "peter@initech.com", PASSWORD)
    with pytest.raises(users.SignupClosed) as closed:
        await users.signup(*body)
    assert (closed.value.code, closed.value.message) == (
        "NOT_FOUND",
        "Sign-up is closed on this server.",
    )
    configure(signup="open")

    with pytest.raises(Invalid) as unnamed:
        await users.signup(" ", "Peter", "peter@initech.com", PASSWORD)
    peter = await users.signup(*body)

    assert (unnamed.value.message, unnamed.value.field) == (
        "A tenant needs a name.",
        ["tenant_name"],
    )
    assert (peter.role, peter.tenant.name) == (UserRole.OWNER, "Initech")
    assert await User.all().count() == 1


async def test_the_demo_owners_password_is_new_each_time():
    tenant, _ = await factories.tenant()

    first = await users.reset_demo_owner(tenant, "demo@remit.example")
    started = await users.start_session(await User.get(email="demo@remit.example"))
    second = await users.reset_demo_owner(tenant, "demo@remit.example")

    assert first != second
    with pytest.raises(Unauthenticated):
        await users.authenticate("demo@remit.example", first, None)
    owner = await users.authenticate("demo@remit.example", second, None)
    assert owner.role == UserRole.OWNER
    assert await users.resolve_session(started.token) is None


def test_an_unknown_email_is_checked_against_a_hash_as_costly_as_a_real_one():
    # The written-out hash of the unknown-email path has the hasher's own parameters: the
    # hasher would rehash it otherwise, and a real user's check would take another time.
    assert not users._hasher.check_needs_rehash(users._DUMMY_HASH)
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        users._hasher.verify(users._DUMMY_HASH, "")
