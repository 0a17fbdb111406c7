"""Frozen copies of an invoice for payment providers and plugins: what they may read,
nothing they could change."""

from types import MappingProxyType

from remit.billing import ledger, links, organizations
from remit.models.invoices import Invoice
from remit.models.organizations import Organization, ProviderAccount
from remit.models.settings import InvoicingSettings
from remit.plugins.api import CustomerAccount, InvoiceView, Party


def party(frozen: dict) -> Party:
    address = frozen.get("address")
    return Party(
        name=frozen.get("name") or "",
        legal_name=frozen.get("legal_name"),
        email=frozen.get("email"),
        address=MappingProxyType(dict(address)) if address else None,
        tax_id=frozen.get("tax_id"),
    )


async def invoice_view(
    invoice: Invoice, provider: str | None = None, locale: str | None = None
) -> InvoiceView:
    """`provider` adds the organization's saved account with that provider, if any. `locale`
    is the customer's when the caller has it at hand; read otherwise."""
    contract = await invoice.contract
    if locale is None:
        locale = await customer_locale(invoice)
    account = None
    if provider is not None:
        row = await ProviderAccount.get_or_none(
            organization_id=invoice.organization_id, provider=provider
        )
        if row is not None:
            account = CustomerAccount(
                customer_ref=row.customer_ref, payment_method_ref=row.payment_method_ref
            )
    return InvoiceView(
        id=invoice.id,
        tenant_id=invoice.tenant_id,
        number=invoice.number,
        status=str(invoice.status),
        currency=invoice.currency,
        total=invoice.total,
        amount_due=ledger.amount_due(invoice),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        customer=party(invoice.customer),
        issuer=party(invoice.provider),
        public_url=links.invoice_url(invoice.public_token),
        auto_charge=contract.auto_charge,
        customer_account=account,
        locale=locale,
    )


async def customer_locale(invoice: Invoice) -> str:
    organization = await Organization.get(id=invoice.organization_id)
    settings = await InvoicingSettings.get(tenant_id=invoice.tenant_id)
    return organizations.locale_of(organization, settings)
