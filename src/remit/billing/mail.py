"""Emails about an invoice: composed from the templates in billing/templates, sent by SMTP or,
with no SMTP server configured (the embedded mode), written to the outbox folder.

The kinds (`SUBJECTS`): to the customer the invoice itself, a reminder (before, on or after
the due date), a receipt once it is paid, a notice when it is voided, card_declined when its
automatic charge failed and card_expiring when the card saved for it is about to expire; to
the tenant, payment_failed when an automatic charge or an online payment of the invoice
failed. A credit note that corrects
an invoice goes to the customer by `credit_note_message`. From the operator to the tenant,
about the monthly processing fee: fee_invoice (the fee to pay by bank transfer) and
fee_payment_failed (the tenant's card was not charged for it).

Bcc recipients never appear in a message's headers: `invoice_message` returns them only in
the envelope recipients that `send` delivers to.
"""

import asyncio
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib

from remit.billing import clock
from remit.billing.documents import (
    N_,
    CreditNoteDocument,
    InvoiceDocument,
    LogoImage,
    credit_note_context,
    document_context,
    environment,
    format_day,
    format_money,
    format_month,
    translated,
)
from remit.billing.email_texts import EmailText

logger = logging.getLogger("remit.mail")

SMTP_TIMEOUT = 30.0  # seconds, for connecting and for each SMTP command
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


# One subject per kind of email; each kind has templates email_<kind>.txt and .html. The
# second form is for an invoice without a number yet. A fee document's period is the month
# the fee is for.
SUBJECTS = {
    "invoice": (N_("Invoice %(number)s from %(issuer)s"), N_("Invoice from %(issuer)s")),
    # Its opening follows the tone of its dunning step, its state the day (REMINDER_*).
    "reminder": (
        N_("%(opening)s: invoice %(number)s from %(issuer)s %(state)s"),
        N_("%(opening)s: invoice from %(issuer)s %(state)s"),
    ),
    "receipt": (
        N_("Receipt for invoice %(number)s from %(issuer)s"),
        N_("Receipt for invoice from %(issuer)s"),
    ),
    "void": (
        N_("Invoice %(number)s from %(issuer)s is void"),
        N_("Invoice from %(issuer)s is void"),
    ),
    "payment_failed": (
        N_("Payment failed for invoice %(number)s (%(customer)s)"),
        N_("Payment failed for invoice (%(customer)s)"),
    ),
    "card_declined": (
        N_("Your card was not charged for invoice %(number)s from %(issuer)s"),
        N_("Your card was not charged for an invoice from %(issuer)s"),
    ),
    "card_expiring": (N_("Your card for invoices from %(issuer)s expires soon"),) * 2,
    "fee_invoice": (
        N_("Invoice %(number)s from %(issuer)s: invoice processing fee for %(month)s"),
        N_("Invoice from %(issuer)s: invoice processing fee for %(month)s"),
    ),
    "fee_payment_failed": (
        N_(
            "Action needed: your card was not charged for the %(issuer)s invoice processing "
            "fee for %(month)s"
        ),
    )
    * 2,
}
# How a reminder's subject opens, by the tone of its dunning step.
REMINDER_OPENINGS = {
    "friendly": N_("Reminder"),
    "firm": N_("Payment due"),
    "final": N_("Final notice"),
}


def reminder_state(document: InvoiceDocument, days_overdue: int | None) -> str:
    """Where the invoice stands on the reminder's day: due on a day, due today, overdue."""
    locale = document.locale
    if days_overdue is None or days_overdue > 0:
        return translated(N_("is overdue"), locale)
    if days_overdue == 0:
        return translated(N_("is due today"), locale)
    return translated(
        N_("is due on %(due_date)s"), locale, due_date=format_day(document.due_date, locale)
    )


# Kinds sent without the invoice's PDF (a PDF passed for them is not attached).
KINDS_WITHOUT_PDF = frozenset(
    {"void", "payment_failed", "fee_payment_failed", "card_declined", "card_expiring"}
)
# Kinds that say why a payment failed (`reason`).
FAILURE_KINDS = frozenset({"payment_failed", "fee_payment_failed", "card_declined"})
# Kinds that say when a failed charge is tried again (`retry_on`).
RETRY_KINDS = frozenset({"fee_payment_failed", "card_declined"})
# Kinds that link to a page for saving another card (`card_url`).
CARD_KINDS = frozenset({"card_declined", "card_expiring"})


class MailError(Exception):
    """Base of the failures to send an email. Not a RemitError: mail is sent by jobs, which
    retry or record the failure on the invoice; no API request ever reports one."""

    code: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MailUnavailable(MailError):
    """A technical failure (server unreachable, timeout, temporary 4xx reply, login refused):
    the message was not sent; try again later."""

    code = "MAIL_UNAVAILABLE"


class MailRejected(MailError):
    """The server refused the message for good (a 5xx reply: unknown recipients, a refused
    sender or content): sending it again will not help."""

    code = "MAIL_REJECTED"


@dataclass(frozen=True)
class OutgoingMail:
    """A message and its envelope recipients (To, Cc and Bcc; Bcc only here)."""

    message: EmailMessage
    recipients: tuple[str, ...]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def pdf_filename(document: InvoiceDocument) -> str:
    return f"{document.number}.pdf" if document.number else "invoice.pdf"


def invoice_message(
    document: InvoiceDocument,
    *,
    sender: str,
    to: str,
    cc: Sequence[str],
    bcc: Sequence[str],
    pdf: bytes | None,
    message_id: str,
    kind: str = "invoice",
    xml: tuple[bytes, str] | None = None,
    today: date | None = None,
    paid_on: date | None = None,
    reason: str | None = None,
    retry_on: date | None = None,
    tone: str = "friendly",
    reminder_text: str | None = None,
    card_url: str | None = None,
    card_expires_on: date | None = None,
    own_text: EmailText | None = None,
) -> OutgoingMail:
    """The email of `kind` about `document`: multipart/alternative text and HTML, with the
    invoice's PDF attached unless the kind is in KINDS_WITHOUT_PDF (then `pdf` may be None;
    any other kind without a PDF is a ValueError), and `xml` (the e-invoice's bytes and file
    name) when given.

    From is `sender` shown as the issuer's name; `message_id` is the Message-ID header as
    given, so a repeated send of the same email is recognisable. Only some kinds use the
    optional details: `today` (default: clock.today()) how many days a reminder's invoice is
    overdue, `paid_on` the day a receipt's payment was made, `reason` why a payment failed,
    `retry_on` when a failed charge is tried again (None: it will not be), `tone`
    (friendly, firm, final) and `reminder_text` (the tenant's own words) of a reminder,
    `card_url` where the customer saves another card (None: the provider cannot) and
    `card_expires_on` the last day of an expiring card. `own_text` is the tenant's wording
    of the email in the document's language (billing.email_texts). Everything is written in
    the document's locale.
    """
    if kind not in SUBJECTS:
        raise ValueError(f"unknown email kind {kind!r}")
    attach = kind not in KINDS_WITHOUT_PDF
    if attach and pdf is None:
        raise ValueError(f"the {kind} email needs the invoice's PDF")
    days_overdue = None
    if kind == "reminder" and document.due_date is not None:
        days_overdue = ((today or clock.today()) - document.due_date).days
    locale = document.locale
    own = own_text.filled(_placeholders(document)) if own_text else None
    state = reminder_state(document, days_overdue)
    numbered, unnumbered = SUBJECTS[kind]
    subject = translated(
        numbered if document.number else unnumbered,
        locale,
        number=document.number,
        issuer=document.issuer.name,
        customer=document.customer.name,
        month=format_month(document.period_start, locale),
        opening=translated(REMINDER_OPENINGS[tone], locale),
        state=state,
    )
    context = {
        **document_context(document),
        "subject": _one_line(own.subject if own and own.subject else subject),
        "intro": own.intro if own else None,
        "kind": kind,
        "pdf_filename": pdf_filename(document),
        "days_overdue": days_overdue,
        "paid_on": paid_on if kind == "receipt" else None,
        "reason": (reason or "").strip() or None if kind in FAILURE_KINDS else None,
        "retry_on": retry_on if kind in RETRY_KINDS else None,
        "card_url": card_url if kind in CARD_KINDS else None,
        "card_expires_on": card_expires_on if kind == "card_expiring" else None,
        "tone": tone,
        "reminder_state": state,
        "reminder_text": reminder_text if kind == "reminder" else None,
    }
    return _composed(
        kind,
        context,
        locale=locale,
        issuer=document.issuer.name,
        sender=sender,
        to=to,
        cc=cc,
        bcc=bcc,
        pdf=(pdf, pdf_filename(document)) if attach else None,
        xml=xml,
        logo=document.branding.logo,
        message_id=message_id,
    )


def _placeholders(document: InvoiceDocument | CreditNoteDocument) -> dict[str, str]:
    """What a tenant's own email text may name (billing.email_texts), as the customer reads
    it; a credit note has no amount due nor due date (empty)."""
    locale = document.locale
    invoice = document if isinstance(document, InvoiceDocument) else None
    return {
        "number": document.number or "",
        "issuer": document.issuer.name,
        "customer": document.customer.name,
        "total": format_money(document.total, locale),
        "amount_due": format_money(invoice.amount_due, locale) if invoice else "",
        "due_date": format_day(invoice.due_date if invoice else None, locale),
    }


def credit_note_message(
    document: CreditNoteDocument,
    *,
    sender: str,
    to: str,
    cc: Sequence[str],
    bcc: Sequence[str],
    pdf: bytes,
    message_id: str,
    own_text: EmailText | None = None,
    xml: tuple[bytes, str] | None = None,
) -> OutgoingMail:
    """The email of a credit note to the customer, its PDF and its e-invoice XML (`xml`: its
    bytes and file name) attached; composed as the invoice emails are (From shows the
    issuer's name, `message_id` as given, the tenant's own wording when given, in the
    document's locale)."""
    filename = f"{document.number}.pdf"
    own = own_text.filled(_placeholders(document)) if own_text else None
    subject = translated(
        "Credit note %(number)s from %(issuer)s",
        document.locale,
        number=document.number,
        issuer=document.issuer.name,
    )
    context = {
        **credit_note_context(document),
        "subject": _one_line(own.subject if own and own.subject else subject),
        "intro": own.intro if own else None,
        "kind": "credit_note",
        "pdf_filename": filename,
    }
    return _composed(
        "credit_note",
        context,
        locale=document.locale,
        issuer=document.issuer.name,
        sender=sender,
        to=to,
        cc=cc,
        bcc=bcc,
        pdf=(pdf, filename),
        xml=xml,
        logo=document.branding.logo,
        message_id=message_id,
    )


def _composed(
    kind: str,
    context: dict,
    *,
    locale: str,
    issuer: str,
    sender: str,
    to: str,
    cc: Sequence[str],
    bcc: Sequence[str],
    pdf: tuple[bytes, str] | None,
    logo: LogoImage | None,
    message_id: str,
    xml: tuple[bytes, str] | None = None,
) -> OutgoingMail:
    """The message from the templates email_<kind>.txt and .html, with `pdf` (its bytes and
    file name) attached when given, and the tenant's logo, when it has one, shown in the
    HTML from an inline part (cid:): mail clients block images fetched from elsewhere."""
    env = environment(locale)
    content_id = logo_content_id(logo) if logo else None
    context = {
        **context,
        "logo_src": f"cid:{content_id}" if content_id else None,
        "issuer_name": issuer,
    }
    text = env.get_template(f"email_{kind}.txt").render(context)
    html = env.get_template(f"email_{kind}.html").render(context)

    message = EmailMessage()
    message["From"] = Address(display_name=_one_line(issuer), addr_spec=sender)
    message["To"] = to
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = context["subject"]
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if logo is not None:
        maintype, _, subtype = logo.content_type.partition("/")
        html_part = message.get_payload()[1]
        html_part.add_related(
            logo.content, maintype=maintype, subtype=subtype, cid=f"<{content_id}>"
        )
    if pdf is not None:
        content, filename = pdf
        message.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    if xml is not None:
        content, filename = xml
        message.add_attachment(content, maintype="application", subtype="xml", filename=filename)
    recipients = tuple(dict.fromkeys([to, *cc, *bcc]))  # in order, each address once
    return OutgoingMail(message=message, recipients=recipients)


def logo_content_id(logo: LogoImage) -> str:
    """The Content-ID of the logo's inline part (without its angle brackets): the same image
    has the same one."""
    return f"logo.{logo.sha256[:32]}@remit.invalid"


def outbox_name(message_id: str) -> str:
    """A file name for a Message-ID: the same id always gives the same name, two ids never
    share one (a hash is added whenever characters had to be replaced)."""
    bare = message_id.strip().strip("<>")
    safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", bare).lstrip(".")[:150]
    if safe != bare or not safe:
        safe = f"{safe}-{hashlib.sha256(message_id.encode()).hexdigest()[:12]}"
    return f"{safe}.eml"


@dataclass(frozen=True)
class Transport:
    """How mail leaves: through the SMTP server at `smtp_url` or, without one, as files in
    `outbox_dir`."""

    smtp_url: str | None
    outbox_dir: Path


async def send(message: EmailMessage, recipients: Sequence[str], transport: Transport) -> None:
    """Deliver `message` to exactly `recipients` (the envelope: To, Cc and Bcc).

    Without `transport.smtp_url` the message is written to the outbox folder instead, one file
    per Message-ID: sending the same message again overwrites its file.
    Raises MailUnavailable (retry later) or MailRejected (permanent).
    """
    if not recipients:
        raise ValueError("a message needs at least one recipient")
    if message["Message-ID"] is None:
        raise ValueError("a message needs a Message-ID")
    if transport.smtp_url is None:
        await asyncio.to_thread(_write_outbox, message, transport.outbox_dir)
    else:
        await _send_smtp(message, list(recipients), transport.smtp_url)


def _write_outbox(message: EmailMessage, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / outbox_name(str(message["Message-ID"]))
    # Written whole then renamed: a reader never sees half a message, a repeat replaces it.
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(message.as_bytes())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None

    @property
    def where(self) -> str:
        return f"{self.hostname}:{self.port}"


def smtp_server(url: str) -> SmtpServer:
    """`smtp://user:pass@host:port` (STARTTLS when offered, port 25 by default) or
    `smtps://...` (TLS from the start, port 465). Credentials are URL-decoded. Raises
    ValueError, without the password, on anything else; call it at start-up to check."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if scheme not in DEFAULT_PORTS or not parts.hostname or port == -1:
        raise ValueError(
            f"REMIT_SMTP_URL must look like smtp://user:password@host:587 or smtps://..., "
            f"not {scheme or '(no scheme)'}://{parts.hostname or ''}"
        )
    return SmtpServer(
        hostname=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        use_tls=scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


async def _send_smtp(message: EmailMessage, recipients: list[str], url: str) -> None:
    server = smtp_server(url)
    sender = getaddresses([str(message["From"])])[0][1]
    try:
        refused, _ = await aiosmtplib.send(
            message,
            sender=sender,
            recipients=recipients,
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            start_tls=False if server.use_tls else None,  # None: STARTTLS when offered
            timeout=SMTP_TIMEOUT,
        )
    except (aiosmtplib.SMTPException, OSError) as error:  # OSError: refused, TLS, timeouts
        raise _mail_error(error, server) from None
    if refused:
        # Some recipients took the message: sending it again would duplicate it for them.
        logger.warning(
            "Message %s refused for %s",
            message["Message-ID"],
            ", ".join(f"{address} ({response.code})" for address, response in refused.items()),
        )


def _mail_error(error: aiosmtplib.SMTPException | OSError, server: SmtpServer) -> MailError:
    """The exception for a failed send, one line, with the password scrubbed out."""

    def clean(text: str) -> str:
        text = _one_line(text)
        if server.password:
            text = text.replace(server.password, "***")
        return text

    where = server.where
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in error.recipients]
        detail = "; ".join(
            f"{refusal.recipient}: {refusal.code} {clean(refusal.message)}"
            for refusal in error.recipients
        )
        if all(code >= 500 for code in codes):
            return MailRejected(f"The mail server {where} refused every recipient: {detail}")
        return MailUnavailable(f"The mail server {where} refused the recipients for now: {detail}")
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return MailUnavailable(
            f"The mail server {where} refused the login for {server.username!r}: "
            f"{error.code} {clean(error.message)}"
        )
    if isinstance(error, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPServerDisconnected):
        return MailUnavailable(f"Cannot reach the mail server {where}: {clean(str(error))}")
    if isinstance(error, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return MailUnavailable(f"The mail server {where} did not answer in time.")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        reply = f"{error.code} {clean(error.message)}"
        if error.code >= 500:
            return MailRejected(f"The mail server {where} rejected the message: {reply}")
        return MailUnavailable(f"The mail server {where} deferred the message: {reply}")
    return MailUnavailable(f"Sending through {where} failed: {clean(str(error))}")
