"""The hosted invoice page: what a customer opening the link in an email may see and do."""

import re

from billing import providers, views
from billing.errors import NotFound
from models.contracts import Contract
from models.enums import InvoiceStatus
from models.invoices import Invoice
from models.settings import ProviderSettings

# Tokens are 24 random bytes in URL-safe base64 (32 characters). Anything else is not a
# token, answered exactly like an unknown one.
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
PAYABLE = {InvoiceStatus.DUE, InvoiceStatus.OVERDUE}
VISIBLE = {InvoiceStatus.DUE, InvoiceStatus.OVERDUE, InvoiceStatus.PAID, InvoiceStatus.VOID}


async def by_token(token: str) -> Invoice:
    """The issued invoice behind a token; drafts and held invoices have no public page."""
    invoice = await Invoice.get_or_none(public_token=token) if TOKEN.fullmatch(token) else None
    if invoice is None or invoice.status not in VISIBLE:
        raise NotFound("invoice", "behind this link")
    return invoice


async def fresh_payment_url(invoice: Invoice, key: str) -> str:
    """A new payment page at the provider (a Stripe Checkout Session, say) for the amount
    due now. Raises NotFound when the provider is not offered online for this invoice."""
    contract = await Contract.get(id=invoice.contract_id)
    provider = providers.installed().get(key)
    row = await ProviderSettings.get_or_none(
        tenant_id=invoice.tenant_id, provider=key, enabled=True
    )
    if (
        key not in contract.payment_providers
        or provider is None
        or row is None
        or not provider.supports_online_payment
    ):
        raise NotFound("payment provider", key)
    view = await views.invoice_view(invoice, provider=key)
    option = await provider.payment_option(view, providers.parsed(provider, row.settings))
    if not option.payment_url:
        raise NotFound("payment page", key)
    return option.payment_url
