"""Provider secrets are sealed at rest, opened for use, and survive a key rotation."""

import importlib
import json

import pytest
from tortoise import connections

from remit.billing import providers
from remit.billing.sealing import Sealer
from remit.models.settings import ProviderSettings
from tests import factories

STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": "whsec_tenant000000",
}
migration = importlib.import_module("remit.models.migrations.0007_seal_provider_secrets")


async def raw_settings() -> dict:
    rows = await connections.get("default").execute_query_dict(
        "SELECT settings FROM provider_settings WHERE provider = 'stripe'"
    )
    assert len(rows) == 1
    stored = rows[0]["settings"]
    return json.loads(stored) if isinstance(stored, str) else stored


async def used_secrets(tenant) -> tuple[str, str, str]:
    used = (await providers.resolve(tenant.id, "stripe")).settings
    return (
        used.secret_key.get_secret_value(),
        used.publishable_key,
        used.webhook_secret.get_secret_value(),
    )


async def test_a_configured_secret_is_sealed_in_the_row_and_opened_for_use():
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)

    stored = await raw_settings()

    assert set(stored) == {"secret_key", "publishable_key", "webhook_secret"}
    assert stored["publishable_key"] == "pk_test_tenant000000"
    assert list(stored["secret_key"]) == ["$fernet"]
    assert stored["secret_key"]["$fernet"].startswith("gAAAA")
    assert "sk_test_tenant000000" not in json.dumps(stored)
    assert "whsec_tenant000000" not in json.dumps(stored)
    assert await used_secrets(tenant) == tuple(STRIPE.values())


async def test_a_secret_sealed_with_an_old_key_is_read_while_that_key_is_listed(configure):
    tenant, _ = await factories.ready_tenant()
    configure(secret_key="old-key")
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)

    configure(secret_key="new-key", old_secret_keys=["old-key"])
    assert await used_secrets(tenant) == tuple(STRIPE.values())

    configure(secret_key="new-key", old_secret_keys=[])
    with pytest.raises(ValueError, match="sealed with a key no longer configured"):
        await providers.resolve(tenant.id, "stripe")


async def test_saving_again_reseals_with_the_new_key(configure):
    tenant, _ = await factories.ready_tenant()
    configure(secret_key="old-key")
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    configure(secret_key="new-key", old_secret_keys=["old-key"])
    masked = {**STRIPE, "secret_key": providers.MASK, "webhook_secret": providers.MASK}
    await providers.configure(tenant, "stripe", enabled=True, settings=masked)

    configure(secret_key="new-key", old_secret_keys=[])

    assert await used_secrets(tenant) == tuple(STRIPE.values())


async def test_the_migration_seals_a_plain_row():
    tenant, _ = await factories.ready_tenant()
    await ProviderSettings.create(tenant=tenant, provider="stripe", enabled=True, settings=STRIPE)
    assert await raw_settings() == STRIPE

    changed = await migration.seal_rows(connections.get("default"), Sealer(["test-secret"]))

    stored = await raw_settings()
    assert changed == 1
    assert stored["publishable_key"] == "pk_test_tenant000000"
    assert (list(stored["secret_key"]), list(stored["webhook_secret"])) == (
        ["$fernet"],
        ["$fernet"],
    )
    assert "sk_test_tenant000000" not in json.dumps(stored)
    assert await used_secrets(tenant) == tuple(STRIPE.values())


async def test_the_migration_leaves_a_sealed_row_readable_and_a_broken_one_alone():
    tenant, _ = await factories.ready_tenant()
    other, _ = await factories.ready_tenant("Other")
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    broken = {**STRIPE, "secret_key": "not a key"}
    await ProviderSettings.create(tenant=other, provider="stripe", enabled=True, settings=broken)

    changed = await migration.seal_rows(connections.get("default"), Sealer(["test-secret"]))

    assert changed == 1
    assert await used_secrets(tenant) == tuple(STRIPE.values())
    assert (await ProviderSettings.get(tenant=other, provider="stripe")).settings == broken
