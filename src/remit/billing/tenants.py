"""Tenants and their API keys.

A key reads `rk_<prefix>_<secret>`. The prefix finds the row; only a SHA-256 of the secret
is stored (the secret is 256 random bits, so a slow hash would add nothing) and it is
compared in constant time.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from uuid import UUID

from remit.billing import clock, jobs, validation
from remit.billing.errors import Invalid, NotFound, Unauthenticated
from remit.models.invoices import InvoiceNumberSequence
from remit.models.settings import InvoicingSettings
from remit.models.tenants import ApiKey, Tenant

logger = logging.getLogger("remit.tenants")

KEY_SCHEME = "rk"
# Recording every use would write on every request; once an hour is enough to tell a live
# key from a forgotten one.
LAST_USED_RESOLUTION = timedelta(hours=1)
TOUCH_JOB = "apikey.touch"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_DUMMY_HASH = _hash("")


def parse_tenant_id(value: str, *, field: list[str] | None = None) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Invalid(f"{value!r} is not a tenant id.", field=field) from None


async def create_tenant(name: str) -> tuple[Tenant, str]:
    """A tenant with its settings and a first API key. The key is returned once, here."""
    validation.storable(name, ["name"])
    name = name.strip()
    if not name:
        raise Invalid("A tenant needs a name.", field=["name"])
    limit = validation.length_of(Tenant, "name")
    if len(name) > limit:
        raise Invalid(f"A tenant name has at most {limit} characters.", field=["name"])
    async with jobs.atomic():
        tenant = await Tenant.create(name=name)
        await InvoicingSettings.create(tenant=tenant)
        await InvoiceNumberSequence.create(tenant=tenant)
        key = await _new_key(tenant)
    return tenant, key


async def get(tenant_id: UUID) -> Tenant:
    tenant = await Tenant.get_or_none(id=tenant_id)
    if tenant is None:
        raise NotFound("tenant", tenant_id)
    return tenant


async def create_api_key(tenant_id: UUID) -> str:
    return await _new_key(await get(tenant_id))


async def _new_key(tenant: Tenant) -> str:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    await ApiKey.create(tenant=tenant, prefix=prefix, secret_hash=_hash(secret))
    return f"{KEY_SCHEME}_{prefix}_{secret}"


async def authenticate(key: str) -> ApiKey:
    """The live API key behind `key`, with its tenant loaded; `Unauthenticated` otherwise."""
    scheme, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    api_key = None
    if scheme == KEY_SCHEME and prefix and secret:
        api_key = await _live_key(prefix)
    # Compare even when no row matched, so timing does not tell a known prefix apart.
    matches = hmac.compare_digest(_hash(secret), api_key.secret_hash if api_key else _DUMMY_HASH)
    if api_key is None or not matches:
        raise Unauthenticated("Invalid API key.")
    await _note_use(api_key)
    return api_key


# The lookup's statement, by database dialect: made once, where tortoise would make it anew for
# each request at several times the cost of running it.
_LIVE_KEY_STATEMENTS: dict[str, str] = {}


async def _live_key(prefix: str) -> ApiKey | None:
    """The unrevoked key of `prefix` with its tenant, as
    `ApiKey.get_or_none(prefix=prefix, revoked_at=None).select_related("tenant")` reads it."""
    db = ApiKey._meta.db
    dialect = db.capabilities.dialect
    if dialect not in _LIVE_KEY_STATEMENTS:
        query = ApiKey.filter(prefix="", revoked_at=None).select_related("tenant")
        _LIVE_KEY_STATEMENTS[dialect] = query.sql()
    rows = await db.execute_query_dict(_LIVE_KEY_STATEMENTS[dialect], [prefix])
    if not rows:
        return None
    # The tenant's columns are named "<join alias>.<field>", the key's plainly.
    own = {name: value for name, value in rows[0].items() if "." not in name}
    joined = {name.split(".", 1)[1]: value for name, value in rows[0].items() if "." in name}
    api_key = ApiKey._init_from_db(**own)
    api_key.tenant = Tenant._init_from_db(**joined)
    return api_key


async def _note_use(api_key: ApiKey) -> None:
    at = clock.now()
    if api_key.last_used_at and at - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    hour = at.strftime("%Y%m%d%H")
    job_id = f"apikey-touch:{api_key.id}:{hour}"
    try:
        await jobs.enqueue(TOUCH_JOB, str(api_key.id), at.isoformat(), job_id=job_id)
    except Exception:
        # Noting a key's use is bookkeeping: a queue outage must not refuse the request.
        logger.warning("could not record the use of API key %s", api_key.prefix, exc_info=True)


async def record_key_use(api_key_id: UUID, at: datetime) -> None:
    """Safe to repeat and to run out of order: the latest use wins."""
    await ApiKey.filter(id=api_key_id).filter(last_used_at__lt=at).update(last_used_at=at)
    await ApiKey.filter(id=api_key_id, last_used_at=None).update(last_used_at=at)
