"""Factory functions: each makes one valid thing with defaults a test can override."""

import io

from PIL import Image as PillowImage

from remit.billing import tenants, users
from remit.billing.roles import Actor
from remit.models.organizations import Organization
from remit.models.tenants import Tenant
from remit.models.users import TokenPurpose, User, UserRole


async def tenant(name: str = "Acme Corp") -> tuple[Tenant, str]:
    """A tenant and an API key for it."""
    return await tenants.create_tenant(name)


PASSWORD = "correct horse battery"


async def user(
    owner: Tenant, email: str = "ann@acme.com", role: UserRole = UserRole.OWNER, **fields
) -> User:
    """A user who has set a password (PASSWORD unless given), as after an accepted invite."""
    link = await users.create(Actor.system(owner), email, role, fields.get("name"))
    token = link.rsplit("/", 1)[1]
    password = fields.get("password", PASSWORD)
    return await users.set_password(TokenPurpose.INVITE, token, password)


def key_actor(key: str) -> str:
    """The actor an API key is recorded as: `apikey:<prefix>` of `rk_<prefix>_<secret>`."""
    return f"apikey:{key.split('_')[1]}"


# A customer's address, as EN 16931 requires one (BR-10, BR-11).
CUSTOMER_ADDRESS = {
    "line1": "Marktplatz 5",
    "city": "Munich",
    "postal_code": "80331",
    "country": "DE",
}
SELLER_VAT_ID = "DE123456788"


async def organization(owner: Tenant, name: str = "Globex", **fields) -> Organization:
    return await Organization.create(
        tenant=owner,
        name=name,
        **{"billing_emails": ["ap@globex.com"], "address": CUSTOMER_ADDRESS, **fields},
    )


IBAN = "DE89370400440532013000"
BANK_TRANSFER = {
    "accounts": [
        {
            "currency": "EUR",
            "account_holder": "Acme GmbH",
            "bank_name": "Commerzbank",
            "iban": IBAN,
            "bic": "COBADEFFXXX",
        },
        {
            "currency": "USD",
            "account_holder": "Acme GmbH",
            "bank_name": "Acme US Bank",
            "account_number": "000123456789",
            "routing_number": "021000021",
        },
        {
            "currency": "JPY",
            "account_holder": "Acme GmbH",
            "bank_name": "Mizuho",
            "iban": "GB82WEST12345698765432",
        },
    ]
}


async def ready_tenant(name: str = "Acme Corp", **settings) -> tuple[Tenant, str]:
    """A tenant that can invoice: company details, bank transfer, a fee payment method."""
    from remit.billing import invoicing_settings, platform, providers

    owner, key = await tenant(name)
    await invoicing_settings.update(
        Actor.system(owner),
        {
            "company": {
                "legal_name": f"{name} GmbH",
                "email": "billing@acme.com",
                "vat_number": SELLER_VAT_ID,
                "address": {
                    "line1": "Hauptstr. 1",
                    "city": "Berlin",
                    "postal_code": "10115",
                    "country": "DE",
                },
            },
            "default_currency": "EUR",
            **settings,
        },
    )
    await providers.configure(owner, "bank_transfer", enabled=True, settings=BANK_TRANSFER)
    await platform.setup(Actor.system(owner), "bank_transfer", "finance@acme.com")
    await invoicing_settings.enable(Actor.system(owner))
    return owner, key


# A tenant's Stripe settings (the API is mocked with respx).
STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": "whsec_tenant000000",
}

WORKED_EXAMPLE = [
    {"name": "Seats", "price": "49.99", "quantity": "10", "billed": "MONTHLY", "tax_rate": "20"},
    {"name": "Setup", "price": "500.00", "billed": "ONCE", "tax_rate": "20"},
    {"name": "Support", "price": "1200.00", "billed": "ANNUALLY", "tax_rate": "0"},
]


async def live_contract(
    owner: Tenant,
    start,
    *,
    items=None,
    organization_name: str = "Globex",
    organization_fields=None,
    **fields,
):
    """A LIVE contract on a new organization, billed from `start`."""
    from remit.billing import contracts, line_items

    customer = await organization(owner, name=organization_name, **(organization_fields or {}))
    contract = await contracts.create(
        Actor.system(owner),
        {
            "organization_id": customer.id,
            "name": f"{organization_name} deal",
            "invoicing_start_date": start,
            **fields,
        },
    )
    for item in WORKED_EXAMPLE if items is None else items:
        await line_items.add(Actor.system(owner), contract.id, item)
    return await contracts.go_live(Actor.system(owner), contract.id)


async def provider_ledger(invoice) -> dict:
    """What providers reported for the invoice, by provider reference, as the ledger holds
    it: the cumulative amounts received and refunded of each payment."""
    from remit.models.payments import Payment

    payments = (
        await Payment.filter(
            provider_reference__isnull=False,
            tenant_id=invoice.tenant_id,
            organization_id=invoice.organization_id,
            currency=invoice.currency,
        )
        .filter(allocations__invoice_id=invoice.id)
        .prefetch_related("refunds")
        .distinct()
    )
    return {
        payment.provider_reference: {
            "received": payment.amount,
            "refunded": sum(refund.amount for refund in payment.refunds),
        }
        for payment in payments
    }


async def invoiced_customers(drain_jobs, names=("Globex", "Initech", "Hooli", "Umbrella")):
    """A ready tenant and, per name, an organization with a contract billed EUR 100.00 a
    month (untaxed, paid by bank transfer), invoiced for January and February 2027: its
    invoices by organization name, oldest first."""
    from datetime import date

    from remit.billing import clock, cycle
    from remit.models.invoices import Invoice

    owner, key = await ready_tenant()
    for name in names:
        await live_contract(
            owner,
            date(2027, 1, 1),
            items=[{"name": "Service", "price": "100.00", "billed": "MONTHLY"}],
            organization_name=name,
            payment_providers=["bank_transfer"],
        )
    for month in (1, 2):
        with clock.frozen(date(2027, month, 1)):
            await cycle.plan(date(2027, month, 1))
            await drain_jobs()
    invoices = await Invoice.filter(tenant=owner).select_related("organization").order_by("number")
    return (
        owner,
        key,
        {
            name: [invoice for invoice in invoices if invoice.organization.name == name]
            for name in names
        },
    )


# The colour of the logos tests make: rare enough in a document to be found by its pixels.
LOGO_COLOUR = (224, 17, 95)


def png(width: int = 120, height: int = 40, colour: tuple[int, int, int] = LOGO_COLOUR) -> bytes:
    """A PNG of one colour, as a tenant's logo."""
    out = io.BytesIO()
    PillowImage.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()
