"""Frozen copies of an invoice for payment providers and plugins: what they may read,
nothing they could change."""

from types import MappingProxyType

from remit.billing import invoice_status, links
from remit.models.invoices import Invoice
from remit.models.organizations import ProviderAccount
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


async def invoice_view(invoice: Invoice, provider: str | None = None) -> InvoiceView:
    """`provider` adds the organization's saved account with that provider, if any."""
    contract = await invoice.contract
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
        amount_due=invoice_status.amount_due(invoice),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        customer=party(invoice.customer),
        issuer=party(invoice.provider),
        public_url=links.invoice_url(invoice.public_token),
        auto_charge=contract.auto_charge,
        customer_account=account,
    )
