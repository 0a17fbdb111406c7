"""Finding a provider as a tenant set it up."""

import pytest
from pydantic import ValidationError

from remit.billing import providers
from remit.models.settings import ProviderSettings
from tests import factories

STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": "whsec_tenant000000",
}


async def test_resolve_gives_the_enabled_provider_with_the_tenants_parsed_settings():
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)

    found = await providers.resolve(tenant.id, "stripe")

    assert (found.key, found.provider is providers.installed()["stripe"]) == ("stripe", True)
    assert (
        found.settings.secret_key.get_secret_value(),
        found.settings.publishable_key,
        found.settings.webhook_secret.get_secret_value(),
    ) == (STRIPE["secret_key"], STRIPE["publishable_key"], STRIPE["webhook_secret"])


async def test_a_switched_off_provider_is_found_only_when_asked_for():
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    await providers.configure(tenant, "stripe", enabled=False, settings={})

    assert await providers.resolve(tenant.id, "stripe") is None
    found = await providers.resolve(tenant.id, "stripe", disabled_too=True)
    assert (found.key, found.settings.publishable_key) == ("stripe", STRIPE["publishable_key"])


async def test_nothing_is_found_for_a_provider_not_installed_or_not_set_up():
    tenant, _ = await factories.ready_tenant()
    other, _ = await factories.ready_tenant("Other")
    await providers.configure(other, "stripe", enabled=True, settings=STRIPE)
    await ProviderSettings.create(tenant=tenant, provider="paypal", enabled=True, settings={})

    assert await providers.resolve(tenant.id, "stripe", disabled_too=True) is None
    assert await providers.resolve(tenant.id, "paypal", disabled_too=True) is None


async def test_settings_that_no_longer_validate_are_an_error():
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    await ProviderSettings.filter(tenant=tenant, provider="stripe").update(
        settings={**STRIPE, "secret_key": "not a key"}
    )

    with pytest.raises(ValidationError, match="must be a Stripe secret key"):
        await providers.resolve(tenant.id, "stripe")
