import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from remit.billing import jobs, tenants
from remit.billing.errors import Invalid, NotFound, Unauthenticated
from remit.models.settings import InvoicingSettings
from remit.models.tenants import ApiKey, Tenant
from remit.workers import queue
from tests import factories


async def test_a_new_tenant_gets_default_settings_and_a_key_stored_hashed():
    tenant, key = await tenants.create_tenant("  Acme Corp ")

    assert tenant.name == "Acme Corp"
    assert tenant.invoicing_enabled is False
    settings = await InvoicingSettings.get(tenant=tenant)
    assert (
        settings.default_currency,
        settings.default_due_days,
        settings.invoice_number_prefix,
    ) == ("USD", 30, "INV")
    assert settings.reminder_days == [15]
    scheme, prefix, secret = key.split("_", 2)
    assert scheme == "rk" and len(prefix) == 12 and len(secret) >= 43
    stored = await ApiKey.get(tenant=tenant)
    assert stored.prefix == prefix
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in stored.secret_hash


@pytest.mark.parametrize(
    ("name", "message"),
    [("  ", "A tenant needs a name."), ("x" * 201, "A tenant name has at most 200 characters.")],
)
async def test_a_bad_tenant_name_is_refused_and_nothing_is_saved(name, message):
    with pytest.raises(Invalid) as caught:
        await tenants.create_tenant(name)

    assert (caught.value.message, caught.value.field) == (message, ["name"])
    assert await Tenant.all().count() == 0
    assert await ApiKey.all().count() == 0


async def test_a_key_identifies_its_tenant():
    acme, acme_key = await factories.tenant("Acme")
    globex, globex_key = await factories.tenant("Globex")

    assert (await tenants.authenticate(acme_key)).tenant.id == acme.id
    assert (await tenants.authenticate(globex_key)).tenant.id == globex.id


async def test_another_key_for_a_tenant_works_beside_the_first():
    tenant, first = await factories.tenant()

    second = await tenants.create_api_key(tenant.id)

    assert second != first
    assert (await tenants.authenticate(second)).tenant.id == tenant.id
    assert (await tenants.authenticate(first)).tenant.id == tenant.id


async def test_a_key_for_an_unknown_tenant_is_not_found_and_nothing_is_saved():
    missing = uuid.uuid4()

    with pytest.raises(NotFound) as caught:
        await tenants.create_api_key(missing)

    assert caught.value.message == f"No tenant with id {missing}."
    assert await ApiKey.all().count() == 0


async def test_a_tenant_id_must_be_a_uuid():
    with pytest.raises(Invalid) as caught:
        tenants.parse_tenant_id("acme", field=["tenant_id"])
    assert (caught.value.message, caught.value.field) == (
        "'acme' is not a tenant id.",
        ["tenant_id"],
    )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # wrong secret, right prefix
        lambda key: "rk_000000000000_" + key.split("_", 2)[2],  # unknown prefix
        lambda key: key.replace("rk_", "sk_", 1),
        lambda key: "rk_",
        lambda key: "",
        lambda key: key + "_",
    ],
)
async def test_anything_but_the_exact_key_is_refused(mangle):
    _, key = await factories.tenant()

    with pytest.raises(Unauthenticated, match=r"^Invalid API key\.$"):
        await tenants.authenticate(mangle(key))


async def test_a_revoked_key_is_refused():
    tenant, key = await factories.tenant()
    await ApiKey.filter(tenant=tenant).update(revoked_at=datetime.now(UTC))

    with pytest.raises(Unauthenticated):
        await tenants.authenticate(key)


async def test_using_a_key_records_its_last_use_once_an_hour(runtime, drain_jobs):
    _, key = await factories.tenant()

    await tenants.authenticate(key)
    await tenants.authenticate(key)  # same hour: the same job id, queued once
    assert len(await runtime.pool.queued_jobs()) == 1
    assert await drain_jobs() == 1

    stored = await ApiKey.get()
    assert stored.last_used_at is not None
    await tenants.authenticate(key)
    assert await runtime.pool.queued_jobs() == []


async def test_recording_a_use_is_safe_to_repeat_and_to_reorder():
    await factories.tenant()
    stored = await ApiKey.get()
    later = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    earlier = later - timedelta(hours=2)

    await tenants.record_key_use(stored.id, later)
    await tenants.record_key_use(stored.id, later)
    await tenants.record_key_use(stored.id, earlier)

    assert (await ApiKey.get(id=stored.id)).last_used_at == later


async def test_a_queue_outage_does_not_refuse_a_good_key(runtime, caplog):
    tenant, key = await factories.tenant()

    async def broken(job):
        raise ConnectionError("queue down")

    jobs.use_sender(broken)
    try:
        api_key = await tenants.authenticate(key)
    finally:
        jobs.use_sender(queue.sender(runtime.pool))

    assert api_key.tenant.id == tenant.id
    assert "could not record the use of API key" in caplog.text
    assert (await ApiKey.get()).last_used_at is None
