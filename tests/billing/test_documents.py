import base64
import contextlib
import dataclasses
import functools
import re
import subprocess
import threading
import zlib
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from remit.billing import documents
from remit.billing.documents import (
    Branding,
    DocumentLine,
    DocumentParty,
    InvoiceDocument,
    LogoImage,
    check_pdf_engine,
    render_html,
    render_pdf,
)
from remit.billing.money import Money
from remit.plugins.api import CreditTransfer, PaymentOption

BANK_INSTRUCTIONS = (
    "Please transfer the amount due to:\n"
    "Account holder: Acme GmbH\n"
    "IBAN: DE89370400440532013000\n"
    "BIC: COBADEFFXXX\n"
    "Reference: INV-000042"
)
PAY_URL = "https://checkout.stripe.test/c/pay/cs_test_123"
# A 1x1 PNG: a stored logo, which the PDF inlines as a data: URL.
PNG_PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
LOGO_DATA_URL = "data:image/png;base64," + base64.b64encode(PNG_PIXEL).decode()
STORED_LOGO = LogoImage(PNG_PIXEL, "image/png", "ab" * 32)
SERVED_LOGO_URL = "http://127.0.0.1:8000/logos/7f0c/" + "ab" * 32 + ".png"


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR")


def line(name, billed, quantity, unit_price, subtotal, tax, total, tax_rate="19.0000"):
    return DocumentLine(
        name=name,
        billed=billed,
        quantity=Decimal(quantity),
        unit_price=eur(unit_price),
        subtotal=eur(subtotal),
        tax_rate=Decimal(tax_rate),
        tax=eur(tax),
        total=eur(total),
    )


def invoice_document(**changes) -> InvoiceDocument:
    """An issued EUR invoice: three lines at 19 % VAT, bank transfer and card payment."""
    document = InvoiceDocument(
        number="INV-000042",
        status="DUE",
        currency="EUR",
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 11, 25),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        issuer=DocumentParty(
            name="Acme GmbH",
            legal_name="Acme Software GmbH",
            email="billing@acme.example",
            address={
                "line1": "Hauptstr. 1",
                "line2": None,
                "city": "Berlin",
                "region": None,
                "postal_code": "10115",
                "country": "DE",
            },
            tax_id="DE123456789",
        ),
        customer=DocumentParty(
            name="Globex Corporation",
            legal_name=None,
            email="ap@globex.example",
            address={
                "line1": "1 Main St",
                "line2": "Suite 200",
                "city": "Springfield",
                "region": "IL",
                "postal_code": "62701",
                "country": "US",
            },
            tax_id="US-98-7654321",
        ),
        branding=Branding(
            logo_url=None, brand_color="#0F766E", footer_note="Thank you for your business."
        ),
        lines=[
            line(
                "Platform subscription",
                "MONTHLY",
                "10.0000",
                "89.90",
                "899.00",
                "170.81",
                "1069.81",
            ),
            line("Consulting hours", "ONCE", "2.5", "50.00", "125.00", "23.75", "148.75"),
            line("Storage (TB)", "QUARTERLY", "2", "34.17", "68.34", "12.98", "81.32"),
        ],
        subtotal=eur("1092.34"),
        tax=eur("207.54"),
        total=eur("1299.88"),
        amount_paid=eur("0"),
        amount_due=eur("1299.88"),
        invoice_note="PO 4711\nCost centre 12",
        payment_options=[
            PaymentOption(
                provider="bank_transfer", name="Bank transfer", instructions=BANK_INSTRUCTIONS
            ),
            PaymentOption(provider="stripe", name="Card", payment_url=PAY_URL),
        ],
        public_url="http://127.0.0.1:8000/i/tok123",
        pdf_url="http://127.0.0.1:8000/i/tok123.pdf",
    )
    return dataclasses.replace(document, **changes)


def squeeze(html: str) -> str:
    """The HTML with the whitespace between tags removed, to compare fragments exactly."""
    return re.sub(r">\s+<", "><", html)


def test_html_shows_the_invoice():
    html = squeeze(render_html(invoice_document()))

    assert html.startswith('<!doctype html><html lang="en">')
    assert "<title>Invoice INV-000042 from Acme GmbH</title>" in html
    assert '<h1>Invoice <span class="number">INV-000042</span></h1>' in html
    assert '<span class="badge due">Due</span>' in html
    assert '<tr><th scope="row">Issue date</th><td>November 1, 2026</td></tr>' in html
    assert '<tr><th scope="row">Due date</th><td>November 25, 2026</td></tr>' in html
    assert (
        '<tr><th scope="row">Period</th><td>November 1, 2026 \N{EN DASH} November 30, 2026</td></tr>'
        in html
    )
    # The issuer and the customer, with their tax ids.
    assert (
        '<p class="issuer-name">Acme GmbH</p><address class="multiline">Acme Software GmbH\n'
        "Hauptstr. 1\n10115 Berlin\nGermany\nVAT/Tax ID: DE123456789\nbilling@acme.example"
        "</address>"
    ) in html
    assert (
        '<p><strong>Globex Corporation</strong></p><address class="multiline">1 Main St\n'
        "Suite 200\nSpringfield, IL 62701\nUnited States\nVAT/Tax ID: US-98-7654321\n"
        "ap@globex.example</address>"
    ) in html
    # Seven column headers, then one row per line.
    assert html.count('<th scope="col"') == 7
    assert (
        '<tr><td data-label="Item">Platform subscription<span class="billed">Monthly</span></td>'
        '<td data-label="Quantity" class="num">10</td>'
        '<td data-label="Unit price" class="num">€89.90</td>'
        '<td data-label="Subtotal" class="num">€899.00</td>'
        '<td data-label="Tax rate" class="num">19%</td>'
        '<td data-label="Tax" class="num">€170.81</td>'
        '<td data-label="Total" class="num">€1,069.81</td></tr>'
    ) in html
    assert (
        '<tr><td data-label="Item">Consulting hours<span class="billed">One-time</span></td>'
        '<td data-label="Quantity" class="num">2.5</td>'
        '<td data-label="Unit price" class="num">€50.00</td>'
        '<td data-label="Subtotal" class="num">€125.00</td>'
        '<td data-label="Tax rate" class="num">19%</td>'
        '<td data-label="Tax" class="num">€23.75</td>'
        '<td data-label="Total" class="num">€148.75</td></tr>'
    ) in html
    assert (
        '<tr><td data-label="Item">Storage (TB)<span class="billed">Quarterly</span></td>'
        '<td data-label="Quantity" class="num">2</td>'
        '<td data-label="Unit price" class="num">€34.17</td>'
        '<td data-label="Subtotal" class="num">€68.34</td>'
        '<td data-label="Tax rate" class="num">19%</td>'
        '<td data-label="Tax" class="num">€12.98</td>'
        '<td data-label="Total" class="num">€81.32</td></tr>'
    ) in html
    assert (
        '<tr><th scope="row">Subtotal</th><td>€1,092.34</td></tr>'
        '<tr><th scope="row">Tax</th><td>€207.54</td></tr>'
        '<tr class="grand"><th scope="row">Total</th><td>€1,299.88</td></tr>'
        '<tr class="due"><th scope="row">Amount due</th><td>€1,299.88</td></tr>'
    ) in html
    assert "Amount paid" not in html
    assert '<p class="multiline">PO 4711\nCost centre 12</p>' in html
    assert (
        '<div class="option"><h3>Bank transfer</h3><p class="instructions multiline">'
        "Please transfer the amount due to:\n"
        "Account holder: Acme GmbH\n"
        "IBAN: DE89370400440532013000\n"
        "BIC: COBADEFFXXX\n"
        "Reference: INV-000042</p></div>"
    ) in html
    assert (
        '<div class="option"><h3>Card</h3><form method="post" '
        'action="https://checkout.stripe.test/c/pay/cs_test_123"><button type="submit" '
        'class="pay" aria-label="Pay now with Card">Pay now</button></form></div>'
    ) in html
    assert "border-top: 6px solid #0F766E;" in html
    assert '<p class="multiline">Thank you for your business.</p>' in html
    assert '<a href="http://127.0.0.1:8000/i/tok123.pdf">Download PDF</a>' in html
    assert "<img" not in html  # no logo set


def test_html_requests_nothing_from_elsewhere():
    html = render_html(invoice_document())
    assert "<link" not in html
    assert "<script" not in html
    assert "@import" not in html
    assert "@font-face" not in html
    assert "url(" not in html


def test_amount_paid_shows_when_not_zero():
    html = squeeze(
        render_html(invoice_document(amount_paid=eur("300.00"), amount_due=eur("999.88")))
    )
    assert (
        '<tr class="grand"><th scope="row">Total</th><td>€1,299.88</td></tr>'
        '<tr><th scope="row">Amount paid</th><td>€300.00</td></tr>'
        '<tr class="due"><th scope="row">Amount due</th><td>€999.88</td></tr>'
    ) in html


def test_a_paid_invoice_shows_the_day_it_was_paid():
    html = squeeze(render_html(invoice_document(status="PAID", paid_on=date(2026, 11, 20))))

    assert (
        '<tr><th scope="row">Due date</th><td>November 25, 2026</td></tr>'
        '<tr><th scope="row">Paid on</th><td>November 20, 2026</td></tr>'
    ) in html
    assert "Paid on" not in render_html(invoice_document())


def void_document() -> InvoiceDocument:
    return invoice_document(status="VOID", amount_due=eur("0"), payment_options=[])


def test_a_void_invoice_owes_nothing_and_keeps_its_total():
    html = squeeze(render_html(void_document()))

    assert (
        '<section class="amount-due" aria-labelledby="amount-due">'
        '<h2 id="amount-due">Invoice void</h2><p class="issuer-name">No amount due</p>'
        '<p class="muted">This invoice was cancelled: nothing is owed under it.</p></section>'
    ) in html
    assert (
        '<tr class="grand"><th scope="row">Total</th><td>€1,299.88</td></tr>'
        '<tr class="due"><th scope="row">Amount due</th><td>None: void</td></tr>'
    ) in html
    assert ">Amount due</h2>" not in html and "Due November 25, 2026" not in html


def test_text_from_the_database_is_escaped():
    customer = DocumentParty(
        name='Evil <script>alert("x")</script> & Co',
        legal_name=None,
        email=None,
        address=None,
        tax_id=None,
    )
    option = PaymentOption(provider="cheque", name="Cheque <b>", instructions="Pay to <i>me</i>")
    html = render_html(invoice_document(customer=customer, payment_options=[option]))
    assert "<script>" not in html
    assert "<strong>Evil &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co</strong>" in html
    assert "<h3>Cheque &lt;b&gt;</h3>" in html
    assert "Pay to &lt;i&gt;me&lt;/i&gt;" in html


def test_only_web_links_become_links():
    option = PaymentOption(provider="evil", name="Evil", payment_url="javascript:alert(1)")
    html = render_html(invoice_document(payment_options=[option]))
    assert "javascript:" not in html
    assert "Pay now" not in html


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        ("DUE", '<span class="badge due">Due</span>'),
        ("OVERDUE", '<span class="badge overdue">Overdue</span>'),
        ("PAID", '<span class="badge paid">Paid</span>'),
        ("VOID", '<span class="badge void">Void</span>'),
        ("ON_HOLD", '<span class="badge on-hold">On hold</span>'),
        ("DRAFT", '<span class="badge draft">Draft</span>'),
    ],
)
def test_status_badge(status, badge):
    assert badge in render_html(invoice_document(status=status))


def test_a_draft_has_no_number_and_no_dates_yet():
    html = squeeze(
        render_html(invoice_document(number=None, status="DRAFT", issue_date=None, due_date=None))
    )
    assert "<title>Draft invoice from Acme GmbH</title>" in html
    assert '<h1>Invoice <span class="number">Draft</span></h1>' in html
    assert "Issue date" not in html
    assert "Due date" not in html


def test_brand_colour_falls_back_to_a_neutral_one():
    branding = Branding(logo_url=None, brand_color="red;}body{x", footer_note=None)
    html = render_html(invoice_document(branding=branding))
    assert "red;" not in html
    assert "border-top: 6px solid #334155;" in html


def test_logo():
    remote = Branding(
        logo_url="https://cdn.acme.example/logo.png", brand_color=None, footer_note=None
    )
    assert '<img class="logo" src="https://cdn.acme.example/logo.png" alt="Acme GmbH">' in (
        render_html(invoice_document(branding=remote))
    )
    # The PDF never fetches a remote logo, so its HTML leaves it out.
    assert "<img" not in render_html(invoice_document(branding=remote), for_pdf=True)
    # A stored logo: the page links Remit's address for it, the PDF inlines the image.
    stored = Branding(
        logo_url=SERVED_LOGO_URL, brand_color=None, footer_note=None, logo=STORED_LOGO
    )
    assert f'<img class="logo" src="{SERVED_LOGO_URL}" alt="Acme GmbH">' in render_html(
        invoice_document(branding=stored)
    )
    assert f'<img class="logo" src="{LOGO_DATA_URL}" alt="Acme GmbH">' in render_html(
        invoice_document(branding=stored), for_pdf=True
    )


def test_the_pdf_html_has_no_download_link():
    assert "Download PDF" not in render_html(invoice_document(), for_pdf=True)


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode()


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        with contextlib.suppress(zlib.error):  # not a compressed stream
            parts.append(zlib.decompress(match[1]))
    return b"\n".join(parts)


def test_pdf():
    pdf = render_pdf(invoice_document())
    assert pdf.startswith(b"%PDF-")
    # Fonts are subset (HarfBuzz): a one-page invoice is tens of kilobytes, not megabytes.
    assert 5_000 < len(pdf) < 150_000
    text = pdf_text(pdf)
    assert "Invoice INV-000042" in text
    assert "€1,299.88" in text
    assert "November 25, 2026" in text
    assert "IBAN: DE89370400440532013000" in text
    assert "Page 1 of 1" in text
    # The Pay now link stays clickable in the PDF.
    assert b"/URI (" + PAY_URL.encode() + b")" in pdf_objects(pdf)


def test_ten_lines_keep_the_pdf_to_one_page_with_their_amounts_in_full():
    ten = [
        line(f"Service {n}", "MONTHLY", "12", "8333.33", "99999.96", "18999.99", "118999.95")
        for n in range(1, 11)
    ]
    html = render_html(invoice_document(lines=ten), for_pdf=True)
    text = pdf_text(render_pdf(invoice_document(lines=ten)))

    assert '<table class="lines fixed">' in html
    assert "Page 1 of 1" in text
    # Each amount column as wide as its longest amount: no amount is cut or wrapped.
    assert text.count("€118,999.95") == 10 and text.count("€99,999.96") == 10


def test_the_pdf_lines_table_is_laid_out_from_widths_given_by_its_longest_amounts():
    widths = documents.amount_column_widths(invoice_document().lines, "en")
    wider = documents.amount_column_widths(
        [line("Service", "ONCE", "1", "123456.78", "123456.78", "23456.79", "146913.57")], "en"
    )

    assert widths == ["5.5rem", "6.6rem", "5.5rem", "5.5rem", "5.3rem", "6.5rem"]
    assert wider == ["5.5rem", "7.7rem", "7.7rem", "5.5rem", "7.1rem", "7.7rem"]
    assert 'style="width: 6.5rem">Total</th>' in render_html(invoice_document(), for_pdf=True)
    # The page in a browser measures its columns.
    assert "style=" not in render_html(invoice_document())


def test_amounts_too_long_for_given_widths_leave_the_pdf_lines_table_measured():
    huge = line(
        "Service",
        "ONCE",
        "1000000",
        "99999999999.99",
        "99999999999990.00",
        "0",
        "99999999999990.00",
        tax_rate="0",
    )
    assert documents.amount_column_widths([huge], "en") is None
    html = render_html(invoice_document(lines=[huge]), for_pdf=True)
    assert '<table class="lines">' in html and "style=" not in html
    assert "€99,999,999,999,990.00" in pdf_text(render_pdf(invoice_document(lines=[huge])))


def test_a_void_pdf_says_so_and_owes_nothing():
    text = pdf_text(render_pdf(void_document()))

    # Laid out in columns: the headline beside the customer, the totals at the right.
    assert re.search(r"Bill to +Invoice void\n.* +No amount due\n", text)
    assert "This invoice was cancelled: nothing is owed under it." in text
    assert re.search(r"\n +Total +€1,299\.88\n +Amount due +None: void\n", text)
    assert "€0.00" not in text and "Due November 25, 2026" not in text


def test_pdf_fetches_no_remote_logo():
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG_PIXEL)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/logo.png"
        branding = Branding(logo_url=url, brand_color=None, footer_note=None)
        pdf = render_pdf(invoice_document(branding=branding))
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF-")
    assert requests == []


TRANSFER = CreditTransfer("Acme GmbH", "DE89370400440532013000", "COBADEFFXXX", "RF34000042")


def with_transfer(**changes) -> InvoiceDocument:
    bank = PaymentOption(
        provider="bank_transfer",
        name="Bank transfer",
        instructions=BANK_INSTRUCTIONS,
        credit_transfer=TRANSFER,
    )
    return invoice_document(payment_options=[bank], **changes)


def scanned(pdf: bytes, folder) -> list[str]:
    """The payload of the QR code a phone would read off the printed PDF, line by line."""
    page = folder / "page"
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", "-", page], input=pdf, check=True
    )
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", f"{page}.png"],
        capture_output=True,
        check=True,
    )
    return result.stdout.decode().rstrip("\n").split("\n")


def test_the_pdf_carries_a_sepa_transfer_qr_code_of_the_amount_due(tmp_path):
    partly_paid = with_transfer(amount_paid=eur("299.88"), amount_due=eur("1000.00"))

    # EPC069-12: service tag, version 002, character set, SCT, BIC, beneficiary, IBAN, amount,
    # purpose (none) and the structured creditor reference.
    assert scanned(render_pdf(partly_paid), tmp_path) == [
        "BCD",
        "002",
        "2",
        "SCT",
        "COBADEFFXXX",
        "Acme GmbH",
        "DE89370400440532013000",
        "EUR1000",
        "",
        "RF34000042",
    ]
    assert 'alt="Payment QR code: scan it' in render_html(partly_paid)


def test_no_payment_qr_code_without_an_amount_due_in_euros():
    assert documents.payment_qr(with_transfer().payment_options[0], eur("0")) is None
    assert documents.payment_qr(with_transfer().payment_options[0], Money.parse("5", "CHF")) is None
    assert documents.payment_qr(invoice_document().payment_options[0], eur("5")) is None
    assert '<img class="qr"' not in render_html(with_transfer(amount_due=eur("0")), for_pdf=True)


def swiss_invoice(**changes) -> InvoiceDocument:
    """A CHF invoice of an issuer in Zurich, payable by bank transfer to a QR-IBAN."""
    chf = functools.partial(Money.parse, currency="CHF")
    zurich = {"line1": "Bahnhofstrasse 1", "line2": None, "city": "Zürich", "region": None}
    bank = PaymentOption(
        provider="bank_transfer",
        name="Bank transfer",
        instructions="Please transfer the amount due to:\nIBAN: CH44 3199 9123 0008 8901 2",
        credit_transfer=CreditTransfer(
            "Acme AG", "CH4431999123000889012", None, "000000000000000000000000420"
        ),
    )
    return invoice_document(
        currency="CHF",
        issuer=DocumentParty(
            "Acme AG", None, None, {**zurich, "postal_code": "8001", "country": "CH"}, None
        ),
        lines=[],
        subtotal=chf("100.00"),
        tax=chf("0"),
        total=chf("100.00"),
        **{
            "amount_paid": chf("0"),
            "amount_due": chf("100.00"),
            "payment_options": [bank],
            **changes,
        },
    )


def test_a_chf_invoice_to_a_swiss_account_ends_with_a_qr_bill_page():
    pdf = render_pdf(swiss_invoice())
    pages = pdf_text(pdf).split("\f")

    assert len([page for page in pages if page.strip()]) == 2
    slip = " ".join(pages[1].split())
    for shown in (
        "Receipt",
        "Payment part",
        "Account / Payable to CH44 3199 9123 0008 8901 2",
        "Bahnhofstrasse 1 CH-8001 Zürich",
        "Reference 00 00000 00000 00000 00000 00420",
        "Additional information",
        "Invoice INV-000042",
        "Globex Corporation 1 Main St US-62701 Springfield",
        "CHF 100.00",
    ):
        assert shown in slip, shown
    # Its QR code holds the Swiss payment code (qrbill's own, checked by that library).
    assert documents.qr_bill(swiss_invoice()).startswith("data:image/svg+xml;base64,")


def test_no_qr_bill_when_nothing_is_due_or_the_account_is_not_swiss():
    chf = functools.partial(Money.parse, currency="CHF")
    assert documents.qr_bill(swiss_invoice(amount_due=chf("0"))) is None
    assert documents.qr_bill(with_transfer()) is None
    assert 'class="qr-bill"' not in render_html(invoice_document())


def test_pdf_embeds_an_inline_logo():
    branding = Branding(
        logo_url=SERVED_LOGO_URL, brand_color=None, footer_note=None, logo=STORED_LOGO
    )
    with_logo = render_pdf(invoice_document(branding=branding))
    assert b"/Subtype /Image" in pdf_objects(with_logo)
    assert b"/Subtype /Image" not in pdf_objects(render_pdf(invoice_document()))


def page_images(pdf: bytes, folder) -> list[bytes]:
    """Each page of `pdf` as a PNG, at 100 dpi."""
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-", folder / "page"], input=pdf, check=True)
    return [page.read_bytes() for page in sorted(folder.glob("page-*.png"))]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            lambda: invoice_document(
                branding=Branding(None, "#0F766E", "Thank you.", logo=STORED_LOGO),
                payment_options=[
                    with_transfer().payment_options[0],
                    invoice_document().payment_options[1],
                ],
            ),
            id="logo, QR code and card link",
        ),
        pytest.param(void_document, id="void"),
        pytest.param(swiss_invoice, id="QR-bill page"),
    ],
)
def test_the_documents_user_agent_stylesheet_draws_what_weasyprints_own_does(
    document, monkeypatch, tmp_path
):
    from weasyprint import HTML

    ours = page_images(render_pdf(document()), tmp_path / "ours")
    monkeypatch.setattr(documents, "_document_html", lambda: HTML)
    weasyprints = page_images(render_pdf(document()), tmp_path / "weasyprint")

    assert len(ours) == len(weasyprints) > 0
    assert ours == weasyprints


def test_the_pdf_engine_is_complete_here():
    check_pdf_engine()


def test_a_missing_subsetting_library_is_reported(monkeypatch):
    def no_library(name):
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(documents.ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(documents.ctypes, "CDLL", no_library)
    with pytest.raises(RuntimeError) as caught:
        check_pdf_engine()
    assert str(caught.value) == (
        "HarfBuzz's subsetting library (libharfbuzz-subset0) is missing: PDFs would embed "
        "whole fonts and render several times slower; install it."
    )
