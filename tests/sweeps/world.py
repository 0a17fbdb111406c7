"""A tenant with one of everything the API can name, for the sweeps: settings, providers with
an auto-charge account, organizations, a DRAFT and LIVE contracts with line items, issued
invoices in several statuses (with their hosted-page tokens), a credit note, the day's
invoicing runs, a platform fee, a bank transaction waiting to be matched, and a webhook
endpoint with a delivery."""

from dataclasses import dataclass
from datetime import date

from remit.billing import (
    bank,
    charging,
    contracts,
    credit_notes,
    cycle,
    line_items,
    payments,
    providers,
    users,
    webhooks,
)
from remit.billing.roles import Actor
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.fees import PlatformFee
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.tenants import Tenant
from remit.models.users import UserRole
from tests import factories
from tests.camt_files import Credit, statement

WEBHOOK_URL = "https://93.184.215.14/remit-events"


@dataclass
class World:
    tenant: Tenant
    key: str


async def everything(drain_jobs, name: str, customer: str, prefix: str) -> World:
    """`name`'s tenant, its customers named after `customer`, its invoices numbered `prefix`-…
    (the sweeps tell two tenants apart by their names and numbers)."""
    tenant, key = await factories.ready_tenant(name, invoice_number_prefix=prefix)
    actor = Actor.system(tenant)
    await users.create(actor, f"member@{prefix.lower()}.example", UserRole.MEMBER, f"{name} member")
    await providers.configure(tenant, "stripe", enabled=True, settings=factories.STRIPE)
    paying = await factories.live_contract(tenant, date(2027, 1, 1), organization_name=customer)
    held = await factories.live_contract(
        tenant, date(2027, 3, 1), organization_name=f"{customer} Holdings"
    )
    # An address that cannot be mailed holds the contract's invoices ON_HOLD.
    await Contract.filter(id=held.id).update(billing_email="nobody")
    await charging.link_account(actor, paying.organization_id, "stripe", "cus_sweep", "pm_sweep")
    draft = await contracts.create(
        actor,
        {
            "organization_id": paying.organization_id,
            "name": f"{customer} renewal",
            "invoicing_start_date": date(2028, 1, 1),
        },
    )
    await line_items.add(actor, draft.id, factories.WORKED_EXAMPLE[0])
    for month in (1, 2, 3):
        await cycle.plan(date(2027, month, 1), tenant_id=tenant.id)
        await drain_jobs()
    january, february, march = await Invoice.filter(contract=paying).order_by("period_start")
    # Told of the payment below, then disabled: its delivery stays, and a later drain (the
    # next tenant's world) sends nothing out of the machine.
    endpoint = await webhooks.create(actor, WEBHOOK_URL, ["invoice.paid"], "Sweep")
    await payments.change_status(actor, str(january.id), InvoiceStatus.PAID)
    await webhooks.update(actor, str(endpoint.endpoint.id), {"enabled": False})
    await payments.change_status(actor, str(february.id), InvoiceStatus.VOID)
    seats = await InvoiceLine.get(invoice=march, name="Seats")
    await credit_notes.create(
        actor, march.id, "One seat less", [{"invoice_line_id": seats.id, "quantity": "1"}]
    )
    await PlatformFee.create(
        tenant=tenant, month=date(2027, 1, 1), invoices_processed=3, currency="EUR", amount=75
    )
    unknown = Credit("12.00", debtor_name=f"{customer} Subsidiary", text=f"{prefix} deposit")
    await bank.import_statement(actor, statement([unknown]))
    return World(tenant, key)
