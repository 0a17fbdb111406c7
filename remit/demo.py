"""`remit demo`: a demo tenant to try Remit with, set up the way a real tenant would set
itself up through the API. Running it again reuses the tenant, re-applies the setup and
prints a fresh key, since a key is shown only once."""

from billing import invoicing_settings, platform, providers, tenants
from models.tenants import Tenant

DEMO_TENANT_NAME = "Demo Company Ltd"

COMPANY = {
    "company": {
        "legal_name": "Demo Company Ltd",
        "address": {
            "line1": "1 Market Street",
            "city": "Dublin",
            "postal_code": "D01 XY12",
            "country": "IE",
        },
        "vat_number": "IE1234567T",
        "email": "billing@demo-company.com",
        "phone": "+353 1 555 0100",
    },
    "branding": {"brand_color": "#0F766E", "footer_note": "Thank you for your business."},
    "default_currency": "EUR",
    "default_due_days": 30,
    "invoice_number_prefix": "DEMO",
    "send_invoices_from": "invoices@demo-company.com",
    "reminder_days": [15],
}
BANK_TRANSFER = {
    "accounts": [
        {
            "currency": "EUR",
            "account_holder": "Demo Company Ltd",
            "bank_name": "Bank of Ireland",
            "iban": "IE29 AIBK 9311 5212 3456 78",
            "bic": "AIBKIE2D",
        },
        {
            "currency": "USD",
            "account_holder": "Demo Company Ltd",
            "bank_name": "First Demo Bank",
            "account_number": "000123456789",
            "routing_number": "021000021",
        },
    ]
}
CHEQUE = {
    "payee_name": "Demo Company Ltd",
    "mailing_address": {
        "line1": "1 Market Street",
        "city": "Dublin",
        "postal_code": "D01 XY12",
        "country": "IE",
    },
}


async def seed() -> tuple[Tenant, str]:
    tenant = await Tenant.filter(name=DEMO_TENANT_NAME).order_by("created_at").first()
    if tenant is None:
        tenant, key = await tenants.create_tenant(DEMO_TENANT_NAME)
    else:
        key = await tenants.create_api_key(tenant.id)
    await invoicing_settings.update(tenant, COMPANY)
    await providers.configure(tenant, "bank_transfer", enabled=True, settings=BANK_TRANSFER)
    await providers.configure(tenant, "cheque", enabled=True, settings=CHEQUE)
    await platform.setup(tenant, "bank_transfer", "finance@demo-company.com")
    await invoicing_settings.enable(tenant)
    return tenant, key
