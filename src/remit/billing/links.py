"""Where a customer finds an invoice: its hosted page and PDF, at an unguessable token."""

from remit.billing import config


def invoice_url(token: str) -> str:
    return f"{config.current().public_url.rstrip('/')}/i/{token}"


def pdf_url(token: str) -> str:
    return f"{invoice_url(token)}.pdf"


def pay_url(token: str, provider: str) -> str:
    """Redirects to a fresh payment page of `provider` each time it is opened."""
    return f"{invoice_url(token)}/pay/{provider}"
