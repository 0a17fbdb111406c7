"""`remit demo`: a demo tenant to try Remit with, set up the way a real tenant would set
itself up through the API, with an owner who signs in to the console. Running it again
reuses the tenant, re-applies the setup and prints a fresh key and a fresh owner password,
since neither is stored in a form that can be shown again."""

from remit.billing import (
    clock,
    contracts,
    invoicing_settings,
    line_items,
    organizations,
    platform,
    providers,
    tenants,
    users,
)
from remit.billing.roles import Actor
from remit.models.contracts import Contract
from remit.models.organizations import Organization
from remit.models.tenants import Tenant

DEMO_TENANT_NAME = "Demo Company Ltd"
DEMO_OWNER = "demo@remit.example"

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
    await invoicing_settings.update(Actor.system(tenant), COMPANY)
    await providers.configure(tenant, "bank_transfer", enabled=True, settings=BANK_TRANSFER)
    await providers.configure(tenant, "cheque", enabled=True, settings=CHEQUE)
    await platform.setup(Actor.system(tenant), "bank_transfer", "finance@demo-company.com")
    await invoicing_settings.enable(Actor.system(tenant))
    if not await Organization.filter(tenant=tenant).exists():
        await _customers(tenant)
    return tenant, key


async def owner_password(tenant: Tenant) -> str:
    """The demo owner's sign-in: a fresh password each run."""
    return await users.reset_demo_owner(tenant, DEMO_OWNER)


# Customers with a mix of cycles and items; their contracts start today, so they are due in
# today's invoicing cycle.
CUSTOMERS = [
    (
        {
            "name": "Globex",
            "legal_name": "Globex Corporation",
            "billing_emails": ["ap@globex.example.com"],
            "address": {
                "line1": "1 Globex Way",
                "city": "Cypress Creek",
                "postal_code": "97000",
                "country": "US",
            },
        },
        {"name": "Globex platform", "currency": "EUR", "billing_cycle": "MONTHLY"},
        [
            {
                "name": "Seats",
                "price": "49.99",
                "quantity": "10",
                "billed": "MONTHLY",
                "tax_rate": "20",
            },
            {"name": "Onboarding", "price": "500.00", "billed": "ONCE", "tax_rate": "20"},
            {"name": "Premium support", "price": "1200.00", "billed": "ANNUALLY", "tax_rate": "0"},
        ],
    ),
    (
        {
            "name": "Initech",
            "legal_name": "Initech LLC",
            "billing_emails": ["accounts@initech.example.com"],
            "address": {
                "line1": "4120 Freidrich Lane",
                "city": "Austin",
                "region": "TX",
                "postal_code": "78744",
                "country": "US",
            },
        },
        {
            "name": "Initech analytics",
            "currency": "USD",
            "billing_cycle": "QUARTERLY",
            "due_days": 45,
        },
        [
            {
                "name": "Analytics licence",
                "price": "900.00",
                "billed": "QUARTERLY",
                "tax_rate": "0",
            },
            {
                "name": "Data connector",
                "price": "75.00",
                "quantity": "2",
                "billed": "MONTHLY",
                "tax_rate": "0",
            },
        ],
    ),
    (
        {
            "name": "Umbrella",
            "legal_name": "Umbrella Ltd",
            "billing_emails": ["finance@umbrella.example.com"],
            "address": {
                "line1": "1 Raccoon Road",
                "city": "Cork",
                "postal_code": "T12 AB34",
                "country": "IE",
            },
        },
        {"name": "Umbrella annual", "currency": "EUR", "billing_cycle": "ANNUALLY"},
        [{"name": "Enterprise plan", "price": "12000.00", "billed": "ANNUALLY", "tax_rate": "23"}],
    ),
]


async def _customers(tenant: Tenant) -> None:
    for organization_data, contract_data, items in CUSTOMERS:
        organization = await organizations.create(Actor.system(tenant), organization_data)
        contract: Contract = await contracts.create(
            Actor.system(tenant),
            {
                **contract_data,
                "organization_id": organization.id,
                "invoicing_start_date": clock.today(),
            },
        )
        for item in items:
            await line_items.add(Actor.system(tenant), contract.id, item)
        await contracts.go_live(Actor.system(tenant), contract.id)
