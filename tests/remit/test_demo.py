from remit import demo
from remit.billing import tenants
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import ContractStatus
from remit.models.settings import InvoicingSettings, ProviderSettings
from remit.models.tenants import ApiKey, Tenant


async def test_the_demo_tenant_is_ready_to_invoice_and_a_rerun_reuses_it():
    tenant, first_key = await demo.seed()
    again, second_key = await demo.seed()

    assert again.id == tenant.id
    assert await Tenant.all().count() == 1
    assert first_key != second_key and await ApiKey.all().count() == 2
    assert (await tenants.authenticate(second_key)).tenant.id == tenant.id
    assert (await Tenant.get(id=tenant.id)).invoicing_enabled is True
    settings = await InvoicingSettings.get(tenant=tenant)
    assert (
        settings.default_currency,
        settings.invoice_number_prefix,
        settings.platform_billing_status,
    ) == ("EUR", "DEMO", "ACTIVE")
    providers = (
        await ProviderSettings.filter(tenant=tenant)
        .order_by("provider")
        .values_list("provider", "enabled")
    )
    assert providers == [("bank_transfer", True), ("cheque", True)]
    live = (
        await Contract.filter(tenant=tenant, status=ContractStatus.LIVE)
        .order_by("name")
        .values_list("name", "billing_cycle")
    )
    assert live == [
        ("Globex platform", "MONTHLY"),
        ("Initech analytics", "QUARTERLY"),
        ("Umbrella annual", "ANNUALLY"),
    ]
    assert await ServiceLineItem.filter(contract__tenant=tenant).count() == 6
