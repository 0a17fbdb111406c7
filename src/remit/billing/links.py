"""Where a customer finds an invoice or a credit note: its hosted page and PDF, at an
unguessable token."""

from remit.billing import config


def invoice_url(token: str) -> str:
    return f"{config.current().public_url.rstrip('/')}/i/{token}"


def pdf_url(token: str) -> str:
    return f"{invoice_url(token)}.pdf"


def einvoice_url(token: str) -> str:
    """The e-invoice XML, in the format of the invoice's organization."""
    return f"{invoice_url(token)}.xml"


def pay_url(token: str, provider: str) -> str:
    """Shows the invoice with its pay button (which POSTs here to make the payment page of
    `provider`), or goes to the one made in the last 23 hours."""
    return f"{invoice_url(token)}/pay/{provider}"


def credit_note_url(token: str) -> str:
    return f"{config.current().public_url.rstrip('/')}/c/{token}"


def credit_note_pdf_url(token: str) -> str:
    return f"{credit_note_url(token)}.pdf"


def credit_note_einvoice_url(token: str) -> str:
    return f"{credit_note_url(token)}.xml"


def statement_url(token: str) -> str:
    """An organization's statement of account as a PDF (billing.statements.link)."""
    return f"{config.current().public_url.rstrip('/')}/s/{token}.pdf"


def card_url(token: str, provider: str) -> str:
    """Shows a button (which POSTs here) to save another card with `provider` for the
    invoice's organization, on a page the provider makes."""
    return f"{invoice_url(token)}/card/{provider}"
