"""The hosted invoice page: what a customer opening the link in an email may see and do."""

import re
from datetime import UTC, datetime, timedelta

from remit.billing import invoice_status, ledger, providers, views
from remit.billing.errors import NotFound, NotPayable
from remit.models.contracts import Contract
from remit.models.invoices import Invoice, InvoiceEvent
from remit.plugins.api import PaymentOption, PaymentRefused

# Tokens are 24 random bytes in URL-safe base64 (32 characters). Anything else is not a
# token, answered exactly like an unknown one.
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


async def by_token(token: str) -> Invoice:
    """The issued invoice behind a token; drafts and held invoices have no public page."""
    invoice = await Invoice.get_or_none(public_token=token) if TOKEN.fullmatch(token) else None
    if invoice is None or invoice.status not in invoice_status.VISIBLE:
        raise NotFound("invoice", "behind this link")
    return invoice


# A payment page made for an invoice is offered again for this long (Stripe keeps a Checkout
# Session open 24 hours), so opening the link again, or clicking pay twice, makes nothing new.
REUSE_FOR = timedelta(hours=23)


async def _offered(invoice: Invoice, key: str) -> providers.Configured:
    """The provider `key` taking this invoice's money online. Raises NotPayable when the
    invoice owes nothing (paid, void), NotFound when the provider is not offered online."""
    if not invoice_status.is_open(invoice):
        raise NotPayable(invoice.status)
    contract = await Contract.get(id=invoice.contract_id)
    offered = (
        await providers.resolve(invoice.tenant_id, key)
        if key in contract.payment_providers
        else None
    )
    if offered is None or not offered.provider.supports_online_payment:
        raise NotFound("payment provider", key)
    return offered


async def open_payment_url(invoice: Invoice, key: str) -> str | None:
    """The payment page of `key` made for this invoice in the last 23 hours, still open and
    for the amount due now, or None. Makes nothing: this is what opening a pay link does.
    Raises like `fresh_payment_url`."""
    await _offered(invoice, key)
    return await _recent_page(invoice, key)


async def _recent_page(invoice: Invoice, key: str) -> str | None:
    now = datetime.now(UTC)  # the provider's clock and the events' times, never a frozen day
    opened = await InvoiceEvent.filter(
        invoice=invoice, type=PAGE_OPENED, actor=f"provider:{key}", at__gte=now - REUSE_FOR
    ).order_by("-at")
    for event in opened:
        _, url, expires_at, amount_due = [*event.detail.split("\n"), "", "", ""][:4]
        if (
            url
            and expires_at
            and datetime.fromisoformat(expires_at) > now
            and amount_due == str(ledger.amount_due(invoice))
        ):
            return url
    return None


async def fresh_payment_url(invoice: Invoice, key: str) -> str:
    """A payment page at the provider (a Stripe Checkout Session, say) for the amount due now:
    the one made in the last 23 hours if it is still open, else a new one. Raises NotPayable
    when the invoice owes nothing (paid, void), NotFound when the provider is not offered
    online for it."""
    offered = await _offered(invoice, key)
    recent = await _recent_page(invoice, key)
    if recent:
        return recent
    view = await views.invoice_view(invoice, provider=key)
    option = await offered.provider.payment_option(view, offered.settings)
    if not option.payment_url:
        raise NotFound("payment page", key)
    await remember_page(invoice, key, option)
    return option.payment_url


async def card_updater(invoice: Invoice, key: str) -> providers.Configured:
    """The provider `key` through which the invoice's customer saves another card; NotFound
    when it is not set up for the tenant or cannot."""
    updater = await providers.resolve(invoice.tenant_id, key)
    if updater is None or not providers.can_update_cards(updater.provider):
        raise NotFound("payment provider", key)
    return updater


async def card_setup_url(invoice: Invoice, key: str) -> str:
    """A fresh page at the provider (a Stripe Checkout Session in setup mode) where the
    customer saves another card; once saved, the provider's webhook makes it the
    organization's default for automatic charges. Raises like `card_updater`."""
    updater = await card_updater(invoice, key)
    view = await views.invoice_view(invoice, provider=key)
    option = await updater.provider.card_setup_option(view, updater.settings)
    if not option.payment_url:
        raise NotFound("card set-up page", key)
    return option.payment_url


PAGE_OPENED = "payment_page_opened"
PAGE_NOT_CLOSED = "payment_page_not_closed"
CLOSE_JOB = "invoice.close_payment_pages"


async def remember_page(invoice: Invoice, key: str, option: PaymentOption) -> None:
    """Every payment page made for an invoice is remembered, so voiding can close them all
    and it is offered again while open. The detail holds one value a line: the reference,
    then the URL, when it expires and the amount due it was made for."""
    if not option.reference:
        return
    lines = [option.reference]
    if option.payment_url and option.expires_at:
        amount_due = ledger.amount_due(invoice)
        lines += [option.payment_url, option.expires_at.isoformat(), str(amount_due)]
    await invoice_status.record(invoice, PAGE_OPENED, f"provider:{key}", "\n".join(lines))


async def close_payment_pages(invoice_id) -> int:
    """Close every payment page still open for a voided invoice. Safe to repeat: closing a
    closed page is a no-op for the provider. A provider's refusal is recorded on the invoice
    and the other pages are closed all the same."""
    invoice = await Invoice.get_or_none(id=invoice_id)
    if invoice is None:
        return 0
    pages_by_key: dict[str, set[str]] = {}
    # Pages are made when the customer clicks pay (remembered as events); a stored option
    # has a reference only from an invoice delivered before that, or from a provider whose
    # payment_option stands in for describe.
    for option in invoice.payment_options:
        if option.get("reference"):
            pages_by_key.setdefault(option["provider"], set()).add(option["reference"])
    opened = await InvoiceEvent.filter(invoice=invoice, type=PAGE_OPENED).values_list(
        "actor", "detail"
    )
    for actor, detail in opened:
        reference = detail.split("\n")[0]
        pages_by_key.setdefault(actor.removeprefix("provider:"), set()).add(reference)
    closed = 0
    for key, references in pages_by_key.items():
        # A page made before the provider was switched off can still take money.
        maker = await providers.resolve(invoice.tenant_id, key, disabled_too=True)
        if maker is None:
            continue
        for reference in sorted(references):
            try:
                await maker.provider.close_payment_option(reference, maker.settings)
            except PaymentRefused as refusal:
                await invoice_status.record(
                    invoice, PAGE_NOT_CLOSED, f"provider:{key}", f"{reference}: {refusal}"
                )
                continue
            closed += 1
    return closed
