"""Hosted invoice pages: `/i/{token}`, its PDF, its pay links and its links to save another
card for automatic charges, each credit note's at
`/c/{token}` and `/c/{token}.pdf`, statements of account at `/s/{token}.pdf`, and the
tenants' logos these pages and the emails show, at `/logos/{tenant_id}/{hash}.{ext}`. No login:
the token is the
key, so an unknown or malformed one gets a bare 404, and nothing of the tenant shows but
what is on the invoice. No third-party requests, not indexed."""

import hashlib
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from remit.billing import (
    credit_note_delivery,
    delivery,
    documents,
    einvoices,
    logos,
    pages,
    statements,
)
from remit.billing.errors import NotFound, NotPayable
from remit.models.enums import InvoiceStatus
from remit.plugins.api import PaymentRefused, ProviderUnavailable

HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    # Same-origin: a browser then sends the Origin of the pay button's POST (with no-referrer
    # it sends "null"), and still tells no other site the token.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
        "form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def _plain(status: int, title: str, message: str) -> HTMLResponse:
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1><p>{message}</p></main></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=HEADERS)


NOT_FOUND = ("Not found", "There is no invoice at this address.")


async def invoice_page(request: Request) -> Response:
    try:
        invoice = await pages.by_token(request.path_params["token"])
    except NotFound:
        return _plain(404, *NOT_FOUND)
    html = documents.render_html(await delivery.document(invoice))
    return HTMLResponse(html, headers={**HEADERS, "Cache-Control": "no-store"})


async def invoice_pdf(request: Request) -> Response:
    try:
        invoice = await pages.by_token(request.path_params["token"])
    except NotFound:
        return _plain(404, *NOT_FOUND)
    # The PDF changes only with the invoice row (status, payments); its update time names it.
    etag = (
        '"'
        + hashlib.sha256(f"{invoice.id}:{invoice.updated_at.isoformat()}".encode()).hexdigest()[:32]
        + '"'
    )
    cache = {**HEADERS, "ETag": etag, "Cache-Control": "private, max-age=300"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=cache)
    files = await einvoices.of_invoice(invoice)
    pdf = await delivery.render_pdf(
        await delivery.document(invoice), files.embedded if files else None
    )
    name = f"{invoice.number or 'invoice'}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**cache, "Content-Disposition": f'inline; filename="{name}"'},
    )


def _xml(files: einvoices.Files) -> Response:
    return Response(
        files.xml,
        media_type="application/xml",
        headers={
            **HEADERS,
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": f'attachment; filename="{files.filename}"',
        },
    )


async def invoice_xml(request: Request) -> Response:
    """The e-invoice, in the format of the invoice's organization."""
    try:
        invoice = await pages.by_token(request.path_params["token"])
    except NotFound:
        return _plain(404, *NOT_FOUND)
    files = await einvoices.of_invoice(invoice)
    if files is None:  # voided before it was ever issued
        return _plain(404, *NOT_FOUND)
    return _xml(files)


CREDIT_NOTE_NOT_FOUND = ("Not found", "There is no credit note at this address.")


async def credit_note_page(request: Request) -> Response:
    try:
        credit_note = await credit_note_delivery.by_token(request.path_params["token"])
    except NotFound:
        return _plain(404, *CREDIT_NOTE_NOT_FOUND)
    html = documents.render_credit_note_html(await credit_note_delivery.document(credit_note))
    return HTMLResponse(html, headers={**HEADERS, "Cache-Control": "no-store"})


async def credit_note_pdf(request: Request) -> Response:
    try:
        credit_note = await credit_note_delivery.by_token(request.path_params["token"])
    except NotFound:
        return _plain(404, *CREDIT_NOTE_NOT_FOUND)
    # A credit note never changes once issued: its id names its PDF.
    etag = f'"{credit_note.id.hex}"'
    cache = {**HEADERS, "ETag": etag, "Cache-Control": "private, max-age=300"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=cache)
    files = await einvoices.of_credit_note(credit_note)
    pdf = await delivery.render_pdf(
        await credit_note_delivery.document(credit_note), files.embedded
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**cache, "Content-Disposition": f'inline; filename="{credit_note.number}.pdf"'},
    )


async def credit_note_xml(request: Request) -> Response:
    """The credit note's e-invoice (type 381), in the format of its organization."""
    try:
        credit_note = await credit_note_delivery.by_token(request.path_params["token"])
    except NotFound:
        return _plain(404, *CREDIT_NOTE_NOT_FOUND)
    return _xml(await einvoices.of_credit_note(credit_note))


def _same_origin(request: Request) -> bool:
    """A POST from a page of this site: its Origin (or, without one, its Referer) names this
    host. Another site's form, or a client naming no origin, is refused."""
    for header in ("origin", "referer"):
        source = request.headers.get(header)
        if source and source != "null":
            return urlsplit(source).netloc == request.url.netloc
    return False


async def pay(request: Request) -> Response:
    """GET (the link in an email or the PDF) shows the invoice with its pay button, or goes to
    the payment page made in the last 23 hours: it makes nothing, since mail scanners open
    every link. The button POSTs here, and that makes the payment page when none is open."""
    if request.method == "POST" and not _same_origin(request):
        return _plain(403, "Forbidden", "Pay from the invoice page.")
    try:
        invoice = await pages.by_token(request.path_params["token"])
    except NotFound:
        return _plain(404, *NOT_FOUND)
    provider = request.path_params["provider"]
    try:
        if request.method == "POST":
            url = await pages.fresh_payment_url(invoice, provider)
        else:
            url = await pages.open_payment_url(invoice, provider)
    except NotPayable as refusal:
        if refusal.status == InvoiceStatus.VOID:
            return _plain(
                410, "This invoice is void", "It was cancelled; nothing is owed under it."
            )
        return _plain(200, "This invoice is paid", "Thank you: there is nothing left to pay.")
    except NotFound:
        return _plain(404, *NOT_FOUND)
    except ProviderUnavailable:
        return _plain(
            503,
            "Payment is unavailable",
            "The payment service cannot be reached; try again shortly.",
        )
    except PaymentRefused as refusal:
        return _plain(502, "Payment is unavailable", str(refusal))
    if url is None:
        return await invoice_page(request)
    return RedirectResponse(url, status_code=303, headers=HEADERS)


def _card_form(title: str) -> HTMLResponse:
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1>"
        "<p>The card you save is charged for this invoice and your next ones.</p>"
        '<form method="post"><button type="submit">Save a card</button></form>'
        "</main></body></html>"
    )
    return HTMLResponse(body, headers=HEADERS)


async def card(request: Request) -> Response:
    """GET (the link in an email) shows a button, and makes nothing: mail scanners open every
    link. The button POSTs here, which makes the provider's page to save another card."""
    if request.method == "POST" and not _same_origin(request):
        return _plain(403, "Forbidden", "Save a card from its page.")
    try:
        invoice = await pages.by_token(request.path_params["token"])
        if request.method == "GET":
            await pages.card_updater(invoice, request.path_params["provider"])
            return _card_form("Save another card")
        url = await pages.card_setup_url(invoice, request.path_params["provider"])
    except NotFound:
        return _plain(404, *NOT_FOUND)
    except ProviderUnavailable:
        return _plain(
            503, "Unavailable", "The payment service cannot be reached; try again shortly."
        )
    except PaymentRefused as refusal:
        return _plain(502, "Unavailable", str(refusal))
    return RedirectResponse(url, status_code=303, headers=HEADERS)


async def statement_pdf(request: Request) -> Response:
    """A statement as of now: never cached, since a payment changes it."""
    found = await statements.pdf_of_link(request.path_params["token"])
    if found is None:
        return _plain(
            404, "Not found", "There is no statement at this address, or its link has expired."
        )
    document, pdf = found
    name = f"statement-{document.start.isoformat()}-{document.end.isoformat()}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            **HEADERS,
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="{name}"',
        },
    )


# A logo's address names its content: it can be kept for good. An SVG opened on its own is
# a document of this origin: it may run nothing, load nothing, and sits in a sandbox.
LOGO_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


async def logo(request: Request) -> Response:
    found = await logos.served(request.path_params["tenant_id"], request.path_params["name"])
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain", headers=HEADERS)
    headers = {**LOGO_HEADERS, "ETag": f'"{found.sha256}"'}
    if found.content_type == logos.SVG:
        headers["Content-Security-Policy"] = SVG_POLICY
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(found.content, media_type=found.content_type, headers=headers)
