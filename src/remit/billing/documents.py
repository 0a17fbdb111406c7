"""Invoice documents: one jinja2 template family rendered to HTML, and to PDF by WeasyPrint.

The caller fills the plain dataclasses below from the database; nothing here touches the ORM.
The same templates (`billing/templates/`) serve the PDF, the hosted invoice page and the
emails (`billing/mail.py`), so an invoice reads the same wherever the customer sees it.
"""

import base64
import ctypes
import ctypes.util
import io
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache, partial
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import qrbill
import segno
import segno.helpers
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from remit import catalogs
from remit.billing.money import Money
from remit.catalogs import N_, babel_locale, translated
from remit.plugins.api import PaymentOption

if TYPE_CHECKING:  # WeasyPrint loads its native libraries when imported: only to render
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

NEUTRAL_COLOR = "#334155"  # slate: the accent when the tenant has no valid brand colour
HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


STATUS_LABELS = {
    "DRAFT": N_("Draft"),
    "ON_HOLD": N_("On hold"),
    "DUE": N_("Due"),
    "OVERDUE": N_("Overdue"),
    "PAID": N_("Paid"),
    "VOID": N_("Void"),
}
BILLED_LABELS = {
    "ONCE": N_("One-time"),
    "MONTHLY": N_("Monthly"),
    "QUARTERLY": N_("Quarterly"),
    "ANNUALLY": N_("Annually"),
}


@dataclass(frozen=True)
class DocumentParty:
    name: str
    legal_name: str | None
    email: str | None
    address: Mapping[str, str | None] | None  # line1 line2 city region postal_code country
    tax_id: str | None


@dataclass(frozen=True)
class DocumentLine:
    name: str
    billed: str
    quantity: Decimal
    unit_price: Money
    subtotal: Money
    tax_rate: Decimal  # percent: Decimal("19") is 19 %
    tax: Money
    total: Money


@dataclass(frozen=True)
class LogoImage:
    """The tenant's stored logo (billing.logos), as documents carry it."""

    content: bytes
    content_type: str
    sha256: str

    @property
    def data_url(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.content).decode()}"


@dataclass(frozen=True)
class Branding:
    logo_url: str | None  # where pages show the logo from: Remit's own address for it
    brand_color: str | None
    footer_note: str | None
    logo: LogoImage | None = None  # the image itself, for the PDF and emails


@dataclass(frozen=True)
class InvoiceDocument:
    number: str | None
    status: str
    currency: str
    issue_date: date | None
    due_date: date | None
    period_start: date
    period_end: date
    issuer: DocumentParty
    customer: DocumentParty
    branding: Branding
    lines: Sequence[DocumentLine]
    subtotal: Money
    tax: Money
    total: Money
    amount_paid: Money
    amount_due: Money
    invoice_note: str | None
    payment_options: Sequence[PaymentOption]
    public_url: str
    pdf_url: str
    paid_on: date | None = None  # the day the money arrived, when PAID
    credit_notes: Sequence["CreditNoteLink"] = ()
    # The part of `amount_paid` paid at issue from the customer's credit balance.
    credit_applied: Money | None = None
    # What its credit notes took off the total.
    credited: Money | None = None
    locale: str = catalogs.DEFAULT  # BCP 47: the customer's language and formats
    # The VAT exemption notes the law wants on it ("Reverse charge"), billing.einvoice.vat.
    vat_notes: Sequence[str] = ()


@dataclass(frozen=True)
class CreditNoteLink:
    """A credit note as its invoice's page lists it."""

    number: str
    issue_date: date
    total: Money
    public_url: str


@dataclass(frozen=True)
class CreditedLine:
    name: str
    quantity: Decimal | None  # None: credited by amount
    unit_price: Money
    subtotal: Money
    tax_rate: Decimal
    tax: Money
    total: Money


@dataclass(frozen=True)
class CreditNoteDocument:
    number: str
    issue_date: date
    currency: str
    reason: str
    invoice_number: str
    invoice_issue_date: date | None
    invoice_url: str
    issuer: DocumentParty
    customer: DocumentParty
    branding: Branding
    lines: Sequence[CreditedLine]
    subtotal: Money
    tax: Money
    total: Money
    refund: bool
    public_url: str
    pdf_url: str
    locale: str = catalogs.DEFAULT
    vat_notes: Sequence[str] = ()


# -- formatting ----------------------------------------------------------------------------
# Every text a document shows of a date, number or amount is made here, for the locale the
# caller gives (a BCP 47 tag, see remit.catalogs).


def format_day(day: date | None, locale: str) -> str:
    """A calendar day in the locale's long format ("1. März 2027", "March 1, 2027"), the one
    date format of every document and email."""
    return "" if day is None else format_date(day, "long", locale=babel_locale(locale))


def format_month(day: date, locale: str) -> str:
    """The month a day is in, "März 2027"."""
    return format_skeleton("yMMMM", day, locale=babel_locale(locale))


def format_period(invoice: InvoiceDocument, locale: str) -> str:
    """The days an invoice is for, first to last; the one day of a one-off invoice."""
    start, end = format_day(invoice.period_start, locale), format_day(invoice.period_end, locale)
    return start if start == end else f"{start} \N{EN DASH} {end}"


def format_quantity(quantity: Decimal, locale: str) -> str:
    """10, 2.5, 1,000 (2,5 and 1.000 in German): no trailing zeros, no rounding."""
    return format_decimal(
        quantity.normalize(), locale=babel_locale(locale), decimal_quantization=False
    )


def format_percent(rate: Decimal, locale: str) -> str:
    """A percentage rate as the locale writes it: 19%, 19 %."""
    return babel_percent(
        rate.normalize().scaleb(-2), locale=babel_locale(locale), decimal_quantization=False
    )


def format_money(amount: Money, locale: str) -> str:
    """€1,299.88, 1.299,88 €, 1 299,88 €."""
    return amount.formatted(locale)


def status_label(status: str, locale: str) -> str:
    label = STATUS_LABELS.get(str(status))
    if label is None:
        return str(status).replace("_", " ").capitalize()
    return translated(label, locale)


def billed_label(billed: str, locale: str) -> str:
    label = BILLED_LABELS.get(str(billed))
    if label is None:
        return str(billed).replace("_", " ").capitalize()
    return translated(label, locale)


def brand_color(value: str | None) -> str:
    """The tenant's colour when it is a #RRGGBB hex colour, else a neutral one."""
    return value.upper() if value and HEX_COLOR.fullmatch(value) else NEUTRAL_COLOR


def text_on(background: str) -> str:
    """Black or white, whichever contrasts more with `background` (WCAG relative luminance)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(background[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # Contrast with white is 1.05 / (L + 0.05), with black (L + 0.05) / 0.05.
    return "#FFFFFF" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#111111"


def web_link(url: str | None) -> str | None:
    """`url` when it is an http(s) URL, so a plugin's javascript: URL never becomes a link."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def image_source(branding: Branding, *, for_pdf: bool) -> str | None:
    """The logo's src. The PDF inlines the stored image as a data: URL: WeasyPrint fetches
    nothing from the network (see `render_pdf`). A page links it."""
    if for_pdf:
        return branding.logo.data_url if branding.logo else None
    return web_link(branding.logo_url)


def country_name(code: str | None, locale: str) -> str | None:
    """The country in the reader's language."""
    if not code:
        return None
    return babel_locale(locale).territories.get(code.upper(), code)


def address_lines(address: Mapping[str, str | None] | None, locale: str) -> list[str]:
    """A postal address as printed, one line per item, the country spelled out."""
    if not address:
        return []

    def part(key: str) -> str:
        return (address.get(key) or "").strip()

    country = part("country").upper()
    if country in ("US", "CA", "AU"):  # Springfield, IL 62701
        city = ", ".join(p for p in (part("city"), part("region")) if p)
        city_line = " ".join(p for p in (city, part("postal_code")) if p)
        region_line = ""
    else:  # 10115 Berlin
        city_line = " ".join(p for p in (part("postal_code"), part("city")) if p)
        region_line = part("region")
    lines = [
        part("line1"),
        part("line2"),
        city_line,
        region_line,
        country_name(country, locale) or "",
    ]
    return [line for line in lines if line]


def nl2br(text: str | None) -> Markup:
    """Escaped text with its line breaks kept as <br>, for instructions and notes in emails
    (whose clients do not all honour `white-space`)."""
    if not text:
        return Markup("")
    return Markup("<br>\n").join(escape(line) for line in text.strip().splitlines())


def line_breaks(text: str | None) -> Markup:
    """Escaped text, its lines joined by line feeds, for an element of class `multiline`
    (`white-space: pre-line`) in a document. WeasyPrint lays out one text of six lines in
    about half the time of six texts joined by <br>, and a browser shows both alike."""
    if not text:
        return Markup("")
    return Markup("\n").join(escape(line) for line in text.strip().splitlines())


@cache
def environment(locale: str) -> Environment:
    """The jinja2 environment of documents and emails in one locale (a BCP 47 tag): templates
    from the package, HTML autoescaped (plain-text and CSS templates are not), undefined
    names an error, texts from the locale's catalog and every date, number and amount
    formatted for it. Made once per locale and process, never changed afterwards: renders in
    different locales may run at the same time."""
    env = Environment(
        loader=PackageLoader("remit.billing", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html", "xml"),
            disabled_extensions=("txt", "css"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # {% trans %} blocks are looked up with their whitespace collapsed, as babel.cfg
    # extracts them.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(catalogs.translations(locale), newstyle=True)
    env.filters.update(
        money=partial(format_money, locale=locale),
        day=partial(format_day, locale=locale),
        month=partial(format_month, locale=locale),
        period=partial(format_period, locale=locale),
        quantity=partial(format_quantity, locale=locale),
        percent=partial(format_percent, locale=locale),
        status_label=partial(status_label, locale=locale),
        billed_label=partial(billed_label, locale=locale),
        address_lines=partial(address_lines, locale=locale),
        nl2br=nl2br,
        line_breaks=line_breaks,
        web_link=web_link,
    )
    env.globals["lang"] = locale
    env.globals["amount_columns"] = amount_columns(locale)
    return env


def branded(branding: Branding, *, for_pdf: bool) -> dict[str, Any]:
    """What every document and email template receives of the tenant's branding."""
    color = brand_color(branding.brand_color)
    return {
        "for_pdf": for_pdf,
        "branding": branding,
        "brand_color": color,
        "brand_text": text_on(color),
        "logo_src": image_source(branding, for_pdf=for_pdf),
    }


# The lines table's amount columns, as _lines_head.html names them.
AMOUNT_COLUMNS = (
    N_("Quantity"),
    N_("Unit price"),
    N_("Subtotal"),
    N_("Tax rate"),
    N_("Tax"),
    N_("Total"),
)


def amount_columns(locale: str) -> tuple[str, ...]:
    return tuple(translated(label, locale) for label in AMOUNT_COLUMNS)


# Widths in rem per character: a digit of the fonts the stylesheet names is 0.56 (Liberation
# Sans) to 0.64 (DejaVu Sans) wide, the cell padding taking up the difference; the headers are
# set at 0.875rem.
REM_PER_CHARACTER = Decimal("0.6")
REM_PER_HEADER_CHARACTER = Decimal("0.55")
CELL_PADDING_REM = Decimal("1.1")
# Beyond this the item names would be squeezed: the columns are then measured instead.
MOST_AMOUNT_COLUMNS_REM = Decimal("44")


def amount_column_widths(
    lines: Sequence["DocumentLine | CreditedLine"], locale: str
) -> list[str] | None:
    """The widths (CSS, in rem) of the PDF lines table's amount columns, from the longest
    text each shows, so that the table is laid out from its header alone (`table-layout:
    fixed`) rather than by measuring every cell: the dearest part of the PDF's layout. The
    item column takes what is left. None when the amounts are too long for that."""
    columns = list(zip(*(_amount_texts(line, locale) for line in lines), strict=True)) or [()] * 6
    widths = [
        max(
            len(label) * REM_PER_HEADER_CHARACTER,
            max((len(text) for text in texts), default=0) * REM_PER_CHARACTER,
        )
        + CELL_PADDING_REM
        for label, texts in zip(amount_columns(locale), columns, strict=True)
    ]
    if sum(widths) > MOST_AMOUNT_COLUMNS_REM:
        return None
    return [f"{width.quantize(Decimal('0.1'))}rem" for width in widths]


def _amount_texts(line: "DocumentLine | CreditedLine", locale: str) -> tuple[str, ...]:
    quantity = "" if line.quantity is None else format_quantity(line.quantity, locale)
    return (
        quantity,
        format_money(line.unit_price, locale),
        format_money(line.subtotal, locale),
        format_percent(line.tax_rate, locale),
        format_money(line.tax, locale),
        format_money(line.total, locale),
    )


# EPC069-12: the SEPA credit transfer code carries euro amounts up to this.
LARGEST_QR_AMOUNT = Decimal("999999999.99")


def payment_qr(option: PaymentOption, amount_due: Money) -> str | None:
    """The option's payment QR code for the amount due, as a PNG data: URL: the EPC069-12
    SEPA credit transfer code ("GiroCode") for a euro transfer, which a banking app scans to
    fill in the beneficiary, IBAN, BIC, amount and structured reference. None when the
    option is not a bank transfer, nothing is due, or the amount is not in euros."""
    transfer = option.credit_transfer
    amount = amount_due.amount
    if transfer is None or amount_due.currency != "EUR" or not 0 < amount <= LARGEST_QR_AMOUNT:
        return None
    payload = segno.helpers._make_epc_qr_data(
        transfer.beneficiary[:70],
        transfer.iban,
        amount,
        None,
        transfer.reference,
        transfer.bic,
        None,
        None,
    )
    # As segno's make_epc_qr makes it (level M, never raised), but with one mask rather than
    # the best of eight: any mask reads the same, and choosing one took most of the 6 ms.
    code = segno.make_qr(payload, error="m", boost_error=False, mask=0)
    # One pixel a module: the stylesheet scales it up without smoothing.
    return code.png_data_uri(scale=1, border=0)


# The languages the QR-bill's own headings come in.
QR_BILL_LANGUAGES = ("en", "de", "fr", "it")


def qr_bill(document: InvoiceDocument) -> str | None:
    """The Swiss QR-bill's receipt and payment part (210 x 105 mm, by qrbill) of a CHF
    invoice's bank transfer option to a Swiss or Liechtenstein account, for the amount due,
    with the QR or creditor reference and both parties' structured addresses; as an SVG
    data: URL. None when nothing is due or the invoice offers no such transfer."""
    transfer = next(
        (o.credit_transfer for o in document.payment_options if o.credit_transfer), None
    )
    due = document.amount_due
    if transfer is None or due.currency != "CHF" or due.minor <= 0:
        return None
    if transfer.iban[:2] not in ("CH", "LI"):
        return None
    bill = qrbill.QRBill(
        account=transfer.iban,
        creditor=_qr_bill_party(transfer.beneficiary, document.issuer.address),
        debtor=_qr_bill_party(
            document.customer.legal_name or document.customer.name, document.customer.address
        ),
        amount=str(due.amount),
        currency="CHF",
        reference_number=transfer.reference,
        additional_information=translated(
            "Invoice %(number)s", document.locale, number=document.number
        )
        if document.number
        else "",
        language=lang
        if (lang := catalogs.language(document.locale)) in QR_BILL_LANGUAGES
        else "en",
    )
    svg = io.StringIO()
    bill.as_svg(svg)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue().encode()).decode()


def _qr_bill_party(name: str, address: Mapping[str, str | None] | None) -> dict[str, str]:
    """A party as the QR-bill's structured address: the first address line as the street
    (numbers included), the postal code and town, the country code."""
    address = address or {}
    return {
        "name": name[:70],
        "street": (address.get("line1") or "")[:70],
        "pcode": (address.get("postal_code") or "")[:16],
        "city": (address.get("city") or "")[:35],
        "country": address.get("country") or "CH",
    }


def document_context(document: InvoiceDocument, *, for_pdf: bool = False) -> dict[str, Any]:
    """What every invoice template, page or email, receives."""
    credit = document.credit_applied or Money.zero(document.currency)
    paid_besides_credit = document.amount_paid - credit
    locale, issuer = document.locale, document.issuer.name
    if document.number:
        title = translated(
            "Invoice %(number)s from %(issuer)s", locale, number=document.number, issuer=issuer
        )
    else:
        title = translated("Draft invoice from %(issuer)s", locale, issuer=issuer)
    return {
        **branded(document.branding, for_pdf=for_pdf),
        "invoice": document,
        "title": title,
        "heading": document.number or translated("Draft", locale),
        "show_amount_paid": paid_besides_credit.minor != 0,
        "paid_besides_credit": paid_besides_credit,
        "show_credit_applied": credit.minor != 0,
        "status_class": str(document.status).lower().replace("_", "-"),
        "void": str(document.status) == "VOID",
        "column_widths": amount_column_widths(document.lines, locale) if for_pdf else None,
    }


def page_context(document: InvoiceDocument, *, for_pdf: bool = False) -> dict[str, Any]:
    """What the invoice's page and PDF receive: the document's context and its payment QR
    codes, which emails do without (drawing them is a tenth of a delivery's own time)."""
    return {
        **document_context(document, for_pdf=for_pdf),
        "qr_bill": qr_bill(document),
        "payment_qrs": {
            option.provider: payment_qr(option, document.amount_due)
            for option in document.payment_options
        },
    }


def render_html(document: InvoiceDocument, *, for_pdf: bool = False) -> str:
    """The invoice as a standalone HTML page: no external fonts, styles or scripts."""
    template = environment(document.locale).get_template("invoice.html")
    return template.render(page_context(document, for_pdf=for_pdf))


def credit_note_context(document: CreditNoteDocument, *, for_pdf: bool = False) -> dict[str, Any]:
    """What every credit note template receives."""
    return {
        **branded(document.branding, for_pdf=for_pdf),
        "credit_note": document,
        "title": translated(
            "Credit note %(number)s from %(issuer)s",
            document.locale,
            number=document.number,
            issuer=document.issuer.name,
        ),
        "column_widths": amount_column_widths(document.lines, document.locale) if for_pdf else None,
    }


def render_credit_note_html(document: CreditNoteDocument, *, for_pdf: bool = False) -> str:
    """The credit note as a standalone HTML page, styled as the invoices are."""
    template = environment(document.locale).get_template("credit_note.html")
    return template.render(credit_note_context(document, for_pdf=for_pdf))


def render_pdf(
    document: InvoiceDocument | CreditNoteDocument, facturx: bytes | None = None
) -> bytes:
    """The invoice or credit note as a PDF, from the same template as its HTML page."""
    return pdf(html_for_pdf(document), document.branding, document.locale, facturx)


def html_for_pdf(document: InvoiceDocument | CreditNoteDocument) -> str:
    """The invoice's or credit note's page as its PDF shows it."""
    if isinstance(document, CreditNoteDocument):
        return render_credit_note_html(document, for_pdf=True)
    return render_html(document, for_pdf=True)


def pdf(html: str, branding: Branding, locale: str, facturx: bytes | None = None) -> bytes:
    """A document rendered for the PDF (`for_pdf`, which leaves the stylesheet out of the
    page), as a PDF in the tenant's colours, its page numbers in the locale's language. With
    `facturx`, the document's CII XML, a Factur-X / ZUGFeRD PDF: PDF/A-3b with the XML
    embedded as factur-x.xml and described in the XMP metadata, all written by WeasyPrint in
    the one pass."""
    from weasyprint import URLFetcher

    # Only data: URLs are fetched. Rendering never makes a network request (a slow or hostile
    # logo host cannot stall the invoicing cycle, and tests stay offline); a template
    # rendered for_pdf inlines the stored logo as a data: URL.
    fetcher = URLFetcher(allowed_protocols=("data",))
    fonts = _fonts()
    hybrid = {} if facturx is None else _facturx_options(facturx, fetcher)
    return _document_html()(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[_print_stylesheet(brand_color(branding.brand_color), locale, fonts)],
        font_config=fonts,
        **hybrid,
    )


# The name Factur-X and ZUGFeRD give the CII XML embedded in the PDF.
FACTURX_NAME = "factur-x.xml"
# The XMP properties Factur-X 1.0 asks for, with the PDF/A extension schema that declares
# them (PDF/A-3 refuses undeclared properties).
FACTURX_XMP = (
    """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
<fx:DocumentType>INVOICE</fx:DocumentType>
<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>
<fx:Version>1.0</fx:Version>
<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>fx</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>
"""
    + "".join(
        f"""<rdf:li rdf:parseType="Resource"><pdfaProperty:name>{name}</pdfaProperty:name>
<pdfaProperty:valueType>Text</pdfaProperty:valueType>
<pdfaProperty:category>external</pdfaProperty:category>
<pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>
"""
        for name, description in (
            ("DocumentFileName", "The name of the embedded XML document"),
            ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE"),
            ("Version", "The version of the standard applying to the embedded XML document"),
            ("ConformanceLevel", "The conformance level of the embedded XML document"),
        )
    )
    + """</rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>"""
)


def _data_url(content: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"


def _facturx_options(facturx: bytes, fetcher) -> dict[str, Any]:
    from weasyprint import Attachment

    # "Alternative": the XML is an equivalent rendition of the invoice (ZUGFeRD 2 and
    # Factur-X from the EN 16931 profile up). Its text/xml type comes from the data: URL.
    attachment = Attachment(
        url=_data_url(facturx, "text/xml"),
        url_fetcher=fetcher,
        name=FACTURX_NAME,
        description="Factur-X / ZUGFeRD invoice (EN 16931)",
        relationship="Alternative",
    )
    return {
        "pdf_variant": "pdf/a-3b",
        "attachments": [attachment],
        "xmp_metadata": [_data_url(FACTURX_XMP.encode(), "application/rdf+xml")],
    }


# Per thread: WeasyPrint's font configuration holds a Pango font map, not for sharing.
_thread = threading.local()


def _fonts() -> "FontConfiguration":
    """The fonts, looked up once per thread rather than for every PDF."""
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(_thread, "fonts"):
        _thread.fonts = FontConfiguration()
    return _thread.fonts


@cache
def _document_html() -> type:
    """WeasyPrint's HTML with the documents' user-agent stylesheet (templates/document_ua.css)
    in place of its own: about 2.5 ms less of a PDF's 50. `_ua_stylesheets` is the one method
    WeasyPrint's own tests override to the same end."""
    from weasyprint import CSS, HTML
    from weasyprint.html import UA_COUNTER_STYLE

    text = (files("remit.billing") / "templates" / "document_ua.css").read_text("utf-8")
    stylesheet = CSS(string=text, counter_style=UA_COUNTER_STYLE)

    class DocumentHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [stylesheet]

    return DocumentHTML


@lru_cache(maxsize=64)
def _print_stylesheet(color: str, locale: str, fonts: "FontConfiguration") -> "CSS":
    """The documents' stylesheet in `color` and `locale`, parsed once (per thread's fonts)
    rather than for every PDF."""
    from weasyprint import CSS

    text = (
        environment(locale)
        .get_template("invoice.css")
        .render(brand_color=color, brand_text=text_on(color), for_pdf=True)
    )
    return CSS(string=text, font_config=fonts)


def check_pdf_engine() -> None:
    """Raise RuntimeError (one line) unless WeasyPrint and HarfBuzz's subsetter load.

    Without libharfbuzz-subset, WeasyPrint falls back to subsetting fonts with fontTools:
    several times slower per PDF. The Debian packages are in scripts/debian-packages.txt.
    """
    try:
        import weasyprint  # noqa: F401  (loads Pango, HarfBuzz, fontconfig through cffi)
    except (OSError, ImportError) as error:
        detail = " ".join(str(error).split())
        raise RuntimeError(
            "WeasyPrint cannot load its native libraries (install libpango-1.0-0 and "
            f"libpangoft2-1.0-0, see scripts/debian-packages.txt): {detail}"
        ) from None
    name = ctypes.util.find_library("harfbuzz-subset") or "libharfbuzz-subset.so.0"
    try:
        ctypes.CDLL(name)
    except OSError:
        raise RuntimeError(
            "HarfBuzz's subsetting library (libharfbuzz-subset0) is missing: PDFs would embed "
            "whole fonts and render several times slower; install it."
        ) from None
