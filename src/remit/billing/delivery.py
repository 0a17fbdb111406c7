"""Delivering an issued invoice: its payment options from each provider, the PDF, and one
email to the billing addresses. Runs as its own job after the invoice is committed; a
repeat of the same delivery sends the same Message-ID, so a duplicate is recognisable."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import ValidationError

from remit.billing import (
    charge_retries,
    clock,
    config,
    documents,
    einvoices,
    email_texts,
    invoice_status,
    jobs,
    ledger,
    links,
    logos,
    mail,
    organizations,
    providers,
    rendering,
    verification,
    views,
)
from remit.billing.documents import (
    Branding,
    CreditNoteDocument,
    CreditNoteLink,
    DocumentLine,
    DocumentParty,
    InvoiceDocument,
    LogoImage,
)
from remit.billing.einvoice import vat
from remit.billing.money import Money
from remit.models.contracts import Contract
from remit.models.credit_notes import CreditNote
from remit.models.invoices import ChargeAttempt, Invoice, InvoiceEvent, InvoiceLine, Reminder
from remit.models.organizations import ProviderAccount
from remit.models.settings import InvoicingSettings, Logo
from remit.plugins.api import (
    CreditTransfer,
    InvoiceView,
    PaymentOption,
    PaymentRefused,
    ProviderError,
)

logger = logging.getLogger("remit.delivery")

SYSTEM = "system"
EINVOICE_INVALID = "einvoice_invalid"


async def render_pdf(
    shown: InvoiceDocument | CreditNoteDocument, facturx: bytes | None = None
) -> bytes:
    """The PDF, a Factur-X PDF with `facturx` (an issued document's CII XML)."""
    return await rendering.pdf(documents.html_for_pdf(shown), shown.branding, shown.locale, facturx)


def mail_host() -> str:
    """The domain of our Message-IDs: the server's own."""
    return urlsplit(config.current().public_url).hostname or "remit.invalid"


def message_id(invoice: Invoice, resend_at: datetime | None = None) -> str:
    suffix = f".resend.{resend_at:%Y%m%d%H%M%S%f}" if resend_at else ""
    return f"<invoice.{invoice.id}{suffix}@{mail_host()}>"


def _stored(option: PaymentOption, offered: providers.Configured, token: str) -> dict:
    stored = asdict(option)
    stored["provider"] = offered.key
    stored["expires_at"] = option.expires_at.isoformat() if option.expires_at else None
    if offered.provider.supports_online_payment or option.payment_url:
        # Our own address, which makes a fresh page at the provider each time it is opened.
        stored["payment_url"] = links.pay_url(token, offered.key)
    return stored


async def _described(offered: providers.Configured, view: InvoiceView) -> PaymentOption:
    """The provider's option for the invoice, said without calling out (`describe`), or,
    for a provider that cannot say it so, from `payment_option`."""
    if not offered.provider.accepts(view.currency, offered.settings):
        raise PaymentRefused(f"{offered.provider.name} does not take {view.currency} payments.")
    option = offered.provider.describe(view, offered.settings)
    if option is None:
        option = await offered.provider.payment_option(view, offered.settings)
    return option


async def payment_options(invoice: Invoice, contract: Contract, locale: str) -> list[dict]:
    """Each offered provider's option for this invoice, in the customer's `locale`. A
    provider that fails here never holds the email: the failure is recorded on the invoice
    and the email goes without its option (the pay link on the hosted page still asks the
    provider when clicked)."""
    options = []
    rows = await providers.rows(invoice.tenant_id, contract.payment_providers)
    for key in contract.payment_providers:
        try:
            offered = providers.from_row(key, rows.get(key))
        except ValidationError:
            offered, failure = None, f"The settings of the payment provider {key} are incomplete."
        else:
            failure = None
        if offered is not None:
            view = await views.invoice_view(invoice, provider=key, locale=locale)
            try:
                option = await _described(offered, view)
                options.append(_stored(option, offered, invoice.public_token))
            except ProviderError as error:
                failure = str(error)
            except Exception:
                # A bug in the provider: logged for the operator; the invoice still goes out.
                logger.exception("provider %s failed to describe invoice %s", key, invoice.id)
                failure = f"{offered.provider.name} failed; the invoice was sent without it."
        if failure:
            await invoice_status.record(
                invoice, "payment_option_failed", f"provider:{key}", failure
            )
    return options


async def branding(settings: InvoicingSettings) -> Branding:
    """How the tenant's documents look, from its invoicing settings and its stored logo,
    read once for the whole document."""
    logo = await Logo.get_or_none(tenant_id=settings.tenant_id)
    return Branding(
        # A logo address set before logos were stored, with no image: pages link it as then.
        logo_url=logos.url(settings.tenant_id, logo.sha256, logo.content_type)
        if logo
        else settings.logo_url,
        brand_color=settings.brand_color,
        footer_note=settings.footer_note,
        logo=LogoImage(logo.content, logo.content_type, logo.sha256) if logo else None,
    )


def party(frozen: dict) -> DocumentParty:
    return DocumentParty(
        name=frozen.get("name") or "",
        legal_name=frozen.get("legal_name"),
        email=frozen.get("email"),
        address=frozen.get("address"),
        tax_id=frozen.get("tax_id"),
    )


def _shown_option(stored: dict, token: str) -> PaymentOption:
    # An online payment page expires (Stripe's after a day); the invoice links to our own
    # address for it, which makes a fresh one whenever the customer clicks.
    url = links.pay_url(token, stored["provider"]) if stored.get("payment_url") else None
    transfer = stored.get("credit_transfer")
    return PaymentOption(
        provider=stored["provider"],
        name=stored["name"],
        instructions=stored.get("instructions"),
        payment_url=url,
        credit_transfer=CreditTransfer(**transfer) if transfer else None,
    )


async def _settings(invoice: Invoice, given: InvoicingSettings | None) -> InvoicingSettings:
    return given or await InvoicingSettings.get(tenant_id=invoice.tenant_id)


async def document(
    invoice: Invoice,
    settings: InvoicingSettings | None = None,
    lines: Sequence[InvoiceLine] | None = None,
) -> InvoiceDocument:
    """The invoice as its page, PDF and emails show it, in its organization's locale. Its
    contract and organization are read unless the invoice was read with them; the tenant's
    settings and its lines unless given."""
    contract = await invoice.contract
    organization = await invoice.organization
    settings = await _settings(invoice, settings)
    currency = invoice.currency
    if lines is None:
        lines = await InvoiceLine.filter(invoice=invoice).order_by("position")
    return InvoiceDocument(
        number=invoice.number,
        status=str(invoice.status),
        currency=currency,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        issuer=party(invoice.provider),
        customer=party(invoice.customer),
        branding=await branding(settings),
        lines=[
            DocumentLine(
                name=line.name,
                billed=str(line.billed),
                quantity=line.quantity,
                unit_price=Money(line.unit_price, currency),
                subtotal=Money(line.subtotal, currency),
                tax_rate=line.tax_rate,
                tax=Money(line.tax, currency),
                total=Money(line.total, currency),
            )
            for line in lines
        ],
        subtotal=Money(invoice.subtotal, currency),
        tax=Money(invoice.tax, currency),
        total=Money(invoice.total, currency),
        amount_paid=Money(invoice.amount_paid, currency),
        credit_applied=Money(await ledger.credit_applied(invoice), currency),
        credited=Money(invoice.amount_credited, currency),
        amount_due=Money(ledger.amount_due(invoice), currency),
        paid_on=invoice.paid_on,
        vat_notes=vat.legal_notes(line.vat_category for line in lines),
        invoice_note=contract.invoice_note,
        # Paid or void, there is nothing left to pay: no instructions, no button.
        payment_options=[
            _shown_option(option, invoice.public_token) for option in invoice.payment_options
        ]
        if invoice_status.is_open(invoice)
        else [],
        public_url=links.invoice_url(invoice.public_token),
        pdf_url=links.pdf_url(invoice.public_token),
        credit_notes=[
            CreditNoteLink(
                number=note.number,
                issue_date=note.issue_date,
                total=Money(note.total, note.currency),
                public_url=links.credit_note_url(note.public_token),
            )
            for note in await CreditNote.filter(invoice=invoice).order_by("created_at", "number")
        ],
        locale=organizations.locale_of(organization, settings),
    )


@dataclass(frozen=True)
class Addresses:
    """Who the customer's emails about an invoice go to, and from."""

    sender: str
    to: str
    cc: list[str]
    bcc: list[str]


async def addresses(invoice: Invoice, settings: InvoicingSettings | None = None) -> Addresses:
    """Its contract and organization are read unless the invoice was read with them; the
    tenant's settings unless given."""
    contract = await invoice.contract
    organization = await invoice.organization
    settings = await _settings(invoice, settings)
    to = verification.recipients(contract, organization.billing_emails)
    return Addresses(
        sender=settings.send_invoices_from or settings.company_email,
        to=to[0],
        cc=[*to[1:], *contract.billing_emails_cc],
        bcc=settings.send_invoices_bcc,
    )


class NoLongerApplies(Exception):
    """The invoice changed while its email was being composed (a payment undone, the invoice
    voided): the email would state what is no longer true, and is not sent."""


class InvalidEInvoice(Exception):
    """The issued invoice's e-invoice breaks a rule or its schema (its payment details, known
    only now, say): it is not sent; the problems are recorded on the invoice."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


async def _email(
    invoice: Invoice,
    kind: str,
    message_id: str,
    *,
    applies: Callable[[Invoice], bool],
    settings: InvoicingSettings | None = None,
    **details,
) -> tuple[str, ...]:
    """Compose and send one email of `kind` about the invoice to its billing addresses;
    returns the recipients. Rendering takes a while: the invoice is read again just before
    sending, and unless it still `applies`, NoLongerApplies is raised and nothing is sent.
    MailUnavailable propagates (retry); MailRejected too. The tenant's settings are read
    unless given."""
    settings = await _settings(invoice, settings)
    lines = await InvoiceLine.filter(invoice=invoice).order_by("position")
    shown = await document(invoice, settings, lines)
    pdf = xml = None
    if kind not in mail.KINDS_WITHOUT_PDF:
        # The lines and the credit applied, as the document read them.
        files = await einvoices.of_invoice(invoice, (lines, shown.credit_applied.minor))
        if files is not None and files.problems and kind == "invoice":
            raise InvalidEInvoice(files.problems)
        # A reminder, receipt or void notice of an invoice issued before e-invoices were
        # checked still goes out, with a plain PDF.
        pdf = await render_pdf(shown, files.embedded if files else None)
        xml = (files.xml, files.filename) if files and kind == "invoice" else None
    to = await addresses(invoice, settings)
    outgoing = mail.invoice_message(
        shown,
        sender=to.sender,
        to=to.to,
        cc=to.cc,
        bcc=to.bcc,
        pdf=pdf,
        xml=xml,
        message_id=message_id,
        kind=kind,
        own_text=email_texts.chosen(settings.email_texts, kind, shown.locale),
        **details,
    )
    current = await Invoice.get_or_none(id=invoice.id)
    if current is None or not applies(current):
        raise NoLongerApplies
    await mail.send(outgoing.message, outgoing.recipients, config.current().mail)
    return outgoing.recipients


async def deliver(invoice_id: UUID, *, resend: bool = False) -> str:
    """Send the invoice email once (or again, on request). MailUnavailable propagates: the
    job retries later, and sends the same message. No online payment provider is called
    here."""
    invoice = await Invoice.filter(id=invoice_id).select_related("contract", "organization").first()
    if invoice is None or not invoice_status.is_sendable(invoice):
        return "not sendable"
    if invoice.sent_at is not None and not resend:
        return "already sent"
    settings = await InvoicingSettings.get(tenant_id=invoice.tenant_id)
    if not invoice.payment_options:
        locale = organizations.locale_of(await invoice.organization, settings)
        invoice.payment_options = await payment_options(invoice, await invoice.contract, locale)
        await Invoice.filter(id=invoice.id).update(payment_options=invoice.payment_options)
    try:
        recipients = await _email(
            invoice,
            "invoice",
            message_id(invoice, clock.now() if resend else None),
            settings=settings,
            applies=invoice_status.is_sendable,
        )
    except NoLongerApplies:
        return "not sendable"
    except InvalidEInvoice as invalid:
        await invoice_status.record(invoice, EINVOICE_INVALID, SYSTEM, str(invalid))
        return "invalid e-invoice"
    except mail.MailRejected as rejection:
        await invoice_status.record(invoice, "delivery_failed", SYSTEM, rejection.message)
        return "rejected"
    async with jobs.atomic():
        if invoice.sent_at is None:
            invoice.sent_at = clock.now()
            await Invoice.filter(id=invoice.id, sent_at=None).update(sent_at=invoice.sent_at)
        detail = f"{'Sent again' if resend else 'Sent'} to {', '.join(recipients)}"
        await invoice_status.record(invoice, "resent" if resend else "sent", SYSTEM, detail)
    return "sent"


async def send_notice(invoice_id: UUID, kind: str, suffix: str = "") -> str:
    """A reminder, receipt or void notice to the customer, at most once (its event is the
    record; the Message-ID is derived from invoice, kind and suffix)."""
    invoice = await Invoice.filter(id=invoice_id).select_related("contract", "organization").first()

    def applies(current: Invoice) -> bool:
        return invoice_status.notice_applies(current, kind, suffix)

    if invoice is None or not applies(invoice):
        return "no longer applies"
    event_type = f"{kind}_sent"
    detail_key = f"{kind}{':' + suffix if suffix else ''}"
    if await InvoiceEvent.exists(invoice=invoice, type=event_type, detail__startswith=detail_key):
        return "already sent"
    details = await NOTICE_DETAILS[kind](invoice, suffix) if kind in NOTICE_DETAILS else {}
    if kind == "receipt":
        details["paid_on"] = invoice.paid_on
    try:
        recipients = await _email(
            invoice,
            kind,
            f"<invoice.{invoice.id}.{detail_key.replace(':', '.')}@{mail_host()}>",
            applies=applies,
            **details,
        )
    except NoLongerApplies:
        return "no longer applies"
    except mail.MailRejected as rejection:
        await invoice_status.record(
            invoice, "delivery_failed", SYSTEM, f"{kind}: {rejection.message}"
        )
        return "rejected"
    await invoice_status.record(
        invoice, event_type, SYSTEM, f"{detail_key} to {', '.join(recipients)}"
    )
    if kind == "reminder":
        await Reminder.filter(invoice=invoice, offset_days=int(suffix)).update(sent_at=clock.now())
    return "sent"


async def _reminder_details(invoice: Invoice, offset: str) -> dict:
    """What a reminder's email says beyond the invoice: the day, and its step's tone and
    words as they were when the reminder was decided."""
    reminder = await Reminder.get_or_none(invoice=invoice, offset_days=int(offset))
    details: dict = {"today": clock.today()}
    if reminder is not None:
        details.update(tone=reminder.tone, reminder_text=reminder.text)
    return details


def _card_url(invoice: Invoice, key: str) -> str | None:
    provider = providers.installed().get(key)
    if provider is None or not providers.can_update_cards(provider):
        return None
    return links.card_url(invoice.public_token, key)


async def _decline_details(invoice: Invoice, number: str) -> dict:
    """Why the automatic charge `number` was declined, when it is tried again, and where to
    save another card."""
    attempt = await ChargeAttempt.get(invoice=invoice, number=int(number))
    return {
        "reason": attempt.detail,
        "retry_on": await charge_retries.next_retry_on(invoice, attempt),
        "card_url": _card_url(invoice, attempt.provider),
    }


async def _expiry_details(invoice: Invoice, card: str) -> dict:
    """When the saved card (`<provider>:<payment method>`) expires, and where to save
    another."""
    key = card.partition(":")[0]
    account = await ProviderAccount.get(organization_id=invoice.organization_id, provider=key)
    return {"card_expires_on": account.card_expires_on, "card_url": _card_url(invoice, key)}


NOTICE_DETAILS = {
    "reminder": _reminder_details,
    "card_declined": _decline_details,
    "card_expiring": _expiry_details,
}


async def send_tenant_notice(invoice_id: UUID, kind: str, reason: str = "") -> str:
    """An email about the invoice to the tenant itself (its company address), such as a
    failed payment; each provider event asks for it once (the job id)."""
    invoice = await Invoice.get_or_none(id=invoice_id)
    if invoice is None:
        return "no invoice"
    settings = await InvoicingSettings.get(tenant_id=invoice.tenant_id)
    if not settings.company_email:
        return "no company email"
    # Written for the tenant, in its own default language, whatever its customer reads.
    shown = replace(await document(invoice, settings), locale=settings.default_locale)
    outgoing = mail.invoice_message(
        shown,
        sender=settings.send_invoices_from or settings.company_email,
        to=settings.company_email,
        cc=[],
        bcc=[],
        pdf=None,
        message_id=f"<invoice.{invoice.id}.{kind}.{clock.now():%Y%m%d%H%M%S%f}@{mail_host()}>",
        kind=kind,
        reason=reason or None,
    )
    await mail.send(outgoing.message, outgoing.recipients, config.current().mail)
    await invoice_status.record(invoice, f"{kind}_notified", SYSTEM, f"to {settings.company_email}")
    return "sent"
