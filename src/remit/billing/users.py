"""The tenant's users: invites, passwords, sign-in, sessions, roles, sign-up.

Emails are unique across the server (stored lower case), so signing in by email names one
user of one tenant. Passwords are hashed with argon2; session cookies and one-time links are
256 random bits of which only a SHA-256 is stored (a slow hash would add nothing to them).
"""

import asyncio
import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from remit.billing import clock, config, ids, jobs, mail, tenants, validation
from remit.billing.errors import (
    Conflict,
    ErrorCode,
    Invalid,
    LastOwner,
    NotFound,
    RemitError,
    Throttled,
    Unauthenticated,
)
from remit.billing.roles import Actor, Permission, require
from remit.models.tenants import Tenant
from remit.models.users import Session, SignInFailure, TokenPurpose, User, UserRole, UserToken

MIN_PASSWORD = 10
MAX_PASSWORD = 1000
INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
LIFETIMES = {TokenPurpose.INVITE: INVITE_LIFETIME, TokenPurpose.RESET: RESET_LIFETIME}
# A session's expiry moves on when it is used, at most this often (one write per request
# would be wasted).
TOUCH_EVERY = timedelta(minutes=5)
# Failed sign-ins counted per email and per address over the window; past the limit, every
# attempt (the right password too) is refused until the oldest one leaves the window.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(minutes=15)


class SignupClosed(RemitError):
    """Only the operator creates tenants here; the sign-up page does not exist."""

    code = ErrorCode.NOT_FOUND


LINK_PATHS = {TokenPurpose.INVITE: "auth/invite", TokenPurpose.RESET: "auth/reset"}

_hasher = PasswordHasher()
# Verified against when no user has the email, so an unknown email takes as long as a known one:
# the hash of a random password nobody kept, with the hasher's parameters (a test checks they
# match). Written out rather than made at import: hashing takes 64 MB for a moment, in every
# process that imports this module (each PDF render process among them).
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$25dfL/bTj/i41iq5PJ5GxQ$f78IoB+FB8e+Cr5Zdh/sf9RXAyruwn2MGaxEp5Pymfk"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email(value: str) -> str:
    return validation.email(value, ["email"]).lower()


def _password(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise Invalid(f"A password has at least {MIN_PASSWORD} characters.", field=["password"])
    if len(value) > MAX_PASSWORD:
        raise Invalid(f"A password has at most {MAX_PASSWORD} characters.", field=["password"])
    return value


def _name(value: str | None) -> str:
    validation.storable(value, ["name"])
    name = (value or "").strip()
    limit = validation.length_of(User, "name")
    if len(name) > limit:
        raise Invalid(f"A name has at most {limit} characters.", field=["name"])
    return name


async def _hash_password(password: str) -> str:
    # argon2 is slow on purpose: off the event loop, so other requests go on meanwhile.
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def link(purpose: TokenPurpose, token: str) -> str:
    return f"{config.current().public_url.rstrip('/')}/{LINK_PATHS[purpose]}/{token}"


def listed(tenant: Tenant) -> QuerySet[User]:
    return User.filter(tenant=tenant).order_by("created_at", "email")


async def get(tenant: Tenant, user_id: str | UUID, *, field: list[str] | None = None) -> User:
    user = await User.get_or_none(tenant=tenant, id=ids.parse("user", user_id, field=field))
    if user is None:
        raise NotFound("user", user_id, field=field)
    return user


async def _new_token(user: User, purpose: TokenPurpose) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    await UserToken.create(
        token_hash=_digest(token),
        purpose=purpose,
        user=user,
        created_at=now,
        expires_at=now + LIFETIMES[purpose],
    )
    return token


async def _add(tenant: Tenant, email: str, role: UserRole, name: str | None) -> User:
    address = _email(email)
    if await User.exists(email=address):
        raise Conflict(f"{address} already has a user.", field=["email"])
    try:
        return await User.create(tenant=tenant, email=address, role=role, name=_name(name))
    except IntegrityError:  # the same email added at the same moment
        raise Conflict(f"{address} already has a user.", field=["email"]) from None


async def create(actor: Actor, email: str, role: UserRole, name: str | None = None) -> str:
    """A user without a password, and the one-time link that sets it (returned, not mailed:
    the operator hands it over)."""
    require(actor, Permission.USERS)
    async with jobs.atomic():
        user = await _add(actor.tenant, email, role, name)
        token = await _new_token(user, TokenPurpose.INVITE)
    return link(TokenPurpose.INVITE, token)


async def invite(actor: Actor, email: str, role: UserRole, name: str | None = None) -> User:
    """A user without a password, mailed a link to set one. Sent before the commit: when
    the mail cannot leave, nobody is added."""
    require(actor, Permission.USERS)
    async with jobs.atomic():
        user = await _add(actor.tenant, email, role, name)
        token = await _new_token(user, TokenPurpose.INVITE)
        await _mail(user, TokenPurpose.INVITE, token, inviter=actor.tenant.name)
    return user


SUBJECTS = {
    TokenPurpose.INVITE: "You are invited to {tenant} on {platform}",
    TokenPurpose.RESET: "Reset your {platform} password",
}
BODIES = {
    TokenPurpose.INVITE: (
        "Hello,\n\nYou are invited to {tenant}'s invoicing on {platform}. Set your password "
        "here (the link works once, for {days} days):\n\n{link}\n"
    ),
    TokenPurpose.RESET: (
        "Hello,\n\nSomeone asked to reset the password of {email} on {platform}. If it was "
        "you, choose a new one here (the link works once, for one hour):\n\n{link}\n\n"
        "If it was not you, ignore this email: your password stays as it is.\n"
    ),
}


async def _mail(user: User, purpose: TokenPurpose, token: str, *, inviter: str) -> None:
    settings = config.current()
    values = {
        "tenant": inviter,
        "platform": settings.platform_name,
        "email": user.email,
        "link": link(purpose, token),
        "days": INVITE_LIFETIME.days,
    }
    message = EmailMessage()
    message["Subject"] = SUBJECTS[purpose].format(**values)
    message["From"] = settings.platform_email
    message["To"] = user.email
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain="remit")
    message.set_content(BODIES[purpose].format(**values))
    try:
        await mail.send(message, [user.email], settings.mail)
    except mail.MailError as error:
        raise Conflict(f"The email to {user.email} could not be sent: {error}") from None


async def _use_token(purpose: TokenPurpose, token: str) -> UserToken:
    found = await UserToken.get_or_none(
        token_hash=_digest(token), purpose=purpose, used_at=None, expires_at__gt=clock.now()
    ).select_for_update()
    if found is None:
        raise NotFound("link", "given", field=["token"])
    found.used_at = clock.now()
    await found.save(update_fields=["used_at"])
    return found


async def set_password(
    purpose: TokenPurpose, token: str, password: str, name: str | None = None
) -> User:
    """Accept an invite or a reset: the link's user gets `password` and the link is spent.
    A reset also ends every session of the user."""
    _password(password)
    given_name = _name(name) if name is not None else None
    password_hash = await _hash_password(password)
    async with jobs.atomic():
        used = await _use_token(purpose, token)
        user = await User.get(id=used.user_id).select_for_update()
        user.password_hash = password_hash
        if given_name:
            user.name = given_name
        await user.save(update_fields=["password_hash", "name", "updated_at"])
        if purpose == TokenPurpose.RESET:
            await Session.filter(user=user).delete()
    return user


async def request_reset(
    email: str, tenant: Tenant | None = None, *, address: str | None = None
) -> None:
    """Mail a reset link when `email` has a user (of `tenant`, when given); say nothing
    either way, so the answer does not tell who has an account. Requests are counted like
    failed sign-ins (under their own key per email), so nobody floods a mailbox. Something
    that is no email address at all is refused (Invalid): that says nothing of accounts."""
    wanted = _email(email)
    keys = [f"reset:{wanted}"] + ([f"address:{address}"] if address else [])
    await _check_throttle(keys)
    await _count_attempt(keys)
    user = await User.get_or_none(email=wanted).select_related("tenant")
    if user is None or (tenant is not None and user.tenant_id != tenant.id):
        return
    async with jobs.atomic():
        token = await _new_token(user, TokenPurpose.RESET)
        await _mail(user, TokenPurpose.RESET, token, inviter=user.tenant.name)


async def _throttle_wait(keys: Sequence[str]) -> int:
    """Seconds until every key is under the limit again; 0 when it is already."""
    since = clock.now() - THROTTLE_WINDOW
    wait = 0
    for key in keys:
        recent = (
            await SignInFailure.filter(key=key, at__gt=since).order_by("-at").limit(THROTTLE_LIMIT)
        )
        if len(recent) >= THROTTLE_LIMIT:
            freed_at = recent[-1].at + THROTTLE_WINDOW
            wait = max(wait, math.ceil((freed_at - clock.now()).total_seconds()))
    return wait


def _throttle_keys(email: str, address: str | None) -> list[str]:
    return [f"email:{email.strip().lower()}"] + ([f"address:{address}"] if address else [])


async def _check_throttle(keys: Sequence[str]) -> None:
    """Throttled when one of `keys` (an email, an address) failed too often lately."""
    wait = await _throttle_wait(keys)
    if wait:
        raise Throttled(wait)


async def _count_attempt(keys: Sequence[str]) -> None:
    now = clock.now()
    await SignInFailure.bulk_create([SignInFailure(key=key, at=now) for key in keys])


async def authenticate(email: str, password: str, address: str | None) -> User:
    """The user whose email and password these are, with its tenant; Unauthenticated
    (the same for an unknown email and a wrong password) or Throttled otherwise."""
    keys = _throttle_keys(email, address)
    await _check_throttle(keys)
    user = await User.get_or_none(email=email.strip().lower()).select_related("tenant")
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    matches = await _verify(stored, password)
    if user is None or user.password_hash is None or not matches:
        await _count_attempt(keys)
        raise Unauthenticated("Wrong email or password.")
    await SignInFailure.filter(key=keys[0]).delete()
    return user


@dataclass(frozen=True)
class Started:
    """A new session: its cookie value and CSRF token, given to the browser once."""

    session: Session
    token: str
    csrf_token: str


async def start_session(user: User) -> Started:
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    now = clock.now()
    async with jobs.atomic():
        session = await Session.create(
            token_hash=_digest(token),
            user=user,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=now + config.current().session_lifetime,
        )
        await User.filter(id=user.id).update(last_sign_in_at=now)
    return Started(session, token, csrf_token)


async def resolve_session(token: str) -> Session | None:
    """The live session behind a cookie, its user and tenant loaded; None when there is
    none or it expired (an expired one is deleted). Use moves its expiry on."""
    session = await Session.get_or_none(token_hash=_digest(token)).select_related("user__tenant")
    if session is None:
        return None
    now = clock.now()
    if session.expires_at <= now:
        await session.delete()
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
        session.expires_at = now + config.current().session_lifetime
        await session.save(update_fields=["last_seen_at", "expires_at"])
    return session


async def end_session(token: str) -> None:
    await Session.filter(token_hash=_digest(token)).delete()


async def forget_expired() -> int:
    """Delete what can no longer be used: expired sessions, spent or expired links, and
    failed sign-ins older than the throttling window. Returns how many rows went."""
    now = clock.now()
    return (
        await Session.filter(expires_at__lte=now).delete()
        + await UserToken.filter(expires_at__lte=now).delete()
        + await UserToken.filter(used_at__not_isnull=True).delete()
        + await SignInFailure.filter(at__lte=now - THROTTLE_WINDOW).delete()
    )


async def signup(tenant_name: str, name: str, email: str, password: str) -> User:
    """A new tenant and its OWNER, when this server lets anyone sign up."""
    if not config.current().signup_open:
        raise SignupClosed("Sign-up is closed on this server.")
    _password(password)
    address = _email(email)
    password_hash = await _hash_password(password)
    async with jobs.atomic():
        try:
            tenant, _ = await tenants.create_tenant(tenant_name)
        except Invalid as invalid:
            raise Invalid(invalid.message, field=["tenant_name"]) from None
        user = await _add(tenant, address, UserRole.OWNER, name)
        user.password_hash = password_hash
        await user.save(update_fields=["password_hash"])
    user.tenant = tenant
    return user


async def _other_owners(user: User) -> int:
    """The tenant's other owners, their rows locked: two owners demoting each other at once
    cannot both see the other one still there."""
    owners = (
        await User.filter(tenant_id=user.tenant_id, role=UserRole.OWNER)
        .select_for_update()
        .values_list("id", flat=True)
    )
    return len([id for id in owners if id != user.id])


async def change_role(actor: Actor, user_id: str, role: UserRole) -> User:
    require(actor, Permission.USERS)
    async with jobs.atomic():
        user = await get(actor.tenant, user_id, field=["id"])
        demoted = user.role == UserRole.OWNER and role != UserRole.OWNER
        if demoted and not await _other_owners(user):
            raise LastOwner("The last OWNER cannot be given another role.", field=["role"])
        user.role = role
        await user.save(update_fields=["role", "updated_at"])
    return user


async def remove(actor: Actor, user_id: str) -> UUID:
    require(actor, Permission.USERS)
    async with jobs.atomic():
        user = await get(actor.tenant, user_id, field=["id"])
        if user.role == UserRole.OWNER and not await _other_owners(user):
            raise LastOwner("The last OWNER cannot be removed.", field=["id"])
        await user.delete()
    return user.id


async def reset_demo_owner(tenant: Tenant, email: str) -> str:
    """The operator's demo sign-in: `email` becomes (or stays) the tenant's OWNER with a
    fresh generated password, which is returned."""
    password = secrets.token_urlsafe(12)
    password_hash = await _hash_password(password)
    async with jobs.atomic():
        user = await User.get_or_none(email=email.lower())
        if user is None:
            user = await _add(tenant, email, UserRole.OWNER, "Demo owner")
        elif user.tenant_id != tenant.id:
            raise Conflict(f"{email} is a user of another tenant.", field=["email"])
        user.role = UserRole.OWNER
        user.password_hash = password_hash
        await user.save(update_fields=["role", "password_hash", "updated_at"])
        await Session.filter(user=user).delete()
    return password
