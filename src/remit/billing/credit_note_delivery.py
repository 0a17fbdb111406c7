"""A credit note as the customer sees it: its document (the hosted page at `/c/{token}` and
the PDF) and the one email that brings it to the invoice's recipients. The email is sent by
its own job once the credit note is committed; its event on the invoice is the record, so a
repeated job sends nothing, and a resend after a crash carries the same Message-ID."""

from uuid import UUID

from remit.billing import (
    config,
    delivery,
    einvoices,
    email_texts,
    invoice_status,
    links,
    mail,
    organizations,
)
from remit.billing.documents import CreditedLine, CreditNoteDocument
from remit.billing.einvoice import vat
from remit.billing.errors import NotFound
from remit.billing.money import Money
from remit.billing.pages import TOKEN
from remit.models.credit_notes import CreditNote, CreditNoteLine
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.settings import InvoicingSettings

SENT_EVENT = "credit_note_sent"
SYSTEM = "system"


async def by_token(token: str) -> CreditNote:
    """The credit note behind a token; anything else is answered as an unknown one."""
    found = await CreditNote.get_or_none(public_token=token) if TOKEN.fullmatch(token) else None
    if found is None:
        raise NotFound("credit note", "behind this link")
    return found


async def document(credit_note: CreditNote) -> CreditNoteDocument:
    invoice = await Invoice.get(id=credit_note.invoice_id).prefetch_related("organization")
    settings = await InvoicingSettings.get(tenant_id=credit_note.tenant_id)
    currency = credit_note.currency
    lines = await CreditNoteLine.filter(credit_note=credit_note).order_by("position")
    return CreditNoteDocument(
        number=credit_note.number,
        issue_date=credit_note.issue_date,
        currency=currency,
        reason=credit_note.reason,
        invoice_number=invoice.number or "",
        invoice_issue_date=invoice.issue_date,
        invoice_url=links.invoice_url(invoice.public_token),
        issuer=delivery.party(credit_note.provider),
        customer=delivery.party(credit_note.customer),
        branding=await delivery.branding(settings),
        lines=[
            CreditedLine(
                name=line.name,
                quantity=line.quantity,
                unit_price=Money(line.unit_price, currency),
                subtotal=Money(line.subtotal, currency),
                tax_rate=line.tax_rate,
                tax=Money(line.tax, currency),
                total=Money(line.total, currency),
            )
            for line in lines
        ],
        subtotal=Money(credit_note.subtotal, currency),
        tax=Money(credit_note.tax, currency),
        total=Money(credit_note.total, currency),
        refund=credit_note.refund,
        vat_notes=vat.legal_notes(line.vat_category for line in lines),
        public_url=links.credit_note_url(credit_note.public_token),
        pdf_url=links.credit_note_pdf_url(credit_note.public_token),
        locale=organizations.locale_of(invoice.organization, settings),
    )


def message_id(credit_note: CreditNote) -> str:
    return f"<credit_note.{credit_note.id}@{delivery.mail_host()}>"


async def deliver(credit_note_id: UUID) -> str:
    """Email the credit note with its PDF to the invoice's recipients, once.
    MailUnavailable propagates: the job retries later and sends the same message."""
    credit_note = await CreditNote.get_or_none(id=credit_note_id)
    if credit_note is None:
        return "no credit note"
    invoice = await Invoice.get(id=credit_note.invoice_id)
    sent = f"{credit_note.number} to "
    if await InvoiceEvent.exists(invoice=invoice, type=SENT_EVENT, detail__startswith=sent):
        return "already sent"
    shown = await document(credit_note)
    files = await einvoices.of_credit_note(credit_note)
    if files.problems:
        # Issued already, and owed to the customer: it goes out as a plain PDF, the
        # e-invoice's problems recorded for the tenant.
        await invoice_status.record(
            invoice,
            delivery.EINVOICE_INVALID,
            SYSTEM,
            f"{credit_note.number}: {'; '.join(files.problems)}",
        )
    pdf = await delivery.render_pdf(shown, files.embedded)
    to = await delivery.addresses(invoice)
    settings = await InvoicingSettings.get(tenant_id=credit_note.tenant_id)
    outgoing = mail.credit_note_message(
        shown,
        sender=to.sender,
        to=to.to,
        cc=to.cc,
        bcc=to.bcc,
        pdf=pdf,
        xml=None if files.problems else (files.xml, files.filename),
        message_id=message_id(credit_note),
        own_text=email_texts.chosen(settings.email_texts, "credit_note", shown.locale),
    )
    try:
        await mail.send(outgoing.message, outgoing.recipients, config.current().mail)
    except mail.MailRejected as rejection:
        await invoice_status.record(
            invoice, "delivery_failed", SYSTEM, f"{credit_note.number}: {rejection.message}"
        )
        return "rejected"
    await invoice_status.record(
        invoice, SENT_EVENT, SYSTEM, f"{sent}{', '.join(outgoing.recipients)}"
    )
    return "sent"
