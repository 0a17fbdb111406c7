"""The emails besides the invoice itself: reminder, receipt, void and payment_failed."""

from datetime import date
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest

from remit.billing.documents import DocumentParty
from remit.billing.email_texts import EmailText
from remit.billing.mail import (
    KINDS_WITHOUT_PDF,
    SUBJECTS,
    OutgoingMail,
    Transport,
    invoice_message,
    send,
)
from remit.billing.money import Money
from tests.billing.test_documents import invoice_document
from tests.servers import Collector, start

PDF = b"%PDF-1.7\n% a tiny stand-in for the rendered invoice\n%%EOF\n"
SENDER = "billing@acme.example"
TO = "ap@globex.example"
CC = ["controller@globex.example"]
BCC = ["archive@acme.example"]
TENANT = "accounts@acme.example"
TODAY = date(2026, 12, 2)  # 7 days after the due date, November 25, 2026
PAID_ON = date(2026, 11, 30)
REASON = "Your card was declined (insufficient funds)."
URL = "http://127.0.0.1:8000/i/tok123"


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR")


def paid_document(**changes):
    return invoice_document(
        status="PAID", amount_paid=eur("1299.88"), amount_due=eur("0"), **changes
    )


def compose(kind: str, document=None, **changes) -> OutgoingMail:
    arguments = {
        "sender": SENDER,
        "to": TENANT if kind == "payment_failed" else TO,
        "cc": [] if kind == "payment_failed" else CC,
        "bcc": BCC,
        "pdf": None if kind in KINDS_WITHOUT_PDF else PDF,
        "message_id": f"<{kind}.42@remit.test>",
        "kind": kind,
        "today": TODAY,
        "paid_on": PAID_ON,
        "reason": REASON,
        **changes,
    }
    if document is None:
        document = paid_document() if kind == "receipt" else invoice_document()
    return invoice_message(document, **arguments)


def parts(message: EmailMessage) -> tuple[str, str, list[EmailMessage]]:
    """The text body, the HTML body (line ends normalised) and the attachments."""
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    return text, html, list(message.iter_attachments())


REMINDER_TEXT = f"""\
Hello,

This is a friendly reminder that invoice INV-000042 from Acme GmbH is overdue: €1,299.88 is \
still to be paid. It was due on November 25, 2026, 7 days ago.

Amount due: €1,299.88
Due date: November 25, 2026

View and pay the invoice online:
{URL}

The invoice is attached as INV-000042.pdf. If you have already paid it, thank you, and please \
disregard this reminder.

Note:
PO 4711
Cost centre 12

How to pay

Bank transfer
Please transfer the amount due to:
Account holder: Acme GmbH
IBAN: DE89370400440532013000
BIC: COBADEFFXXX
Reference: INV-000042

Card
Pay now: https://checkout.stripe.test/c/pay/cs_test_123

--\x20
Thank you for your business.
"""

RECEIPT_TEXT = f"""\
Hello,

Thank you for your payment. Acme GmbH has received €1,299.88 for invoice INV-000042, paid on \
November 30, 2026.

Amount paid: €1,299.88
Paid on: November 30, 2026
Period: November 1, 2026 \N{EN DASH} November 30, 2026

View the invoice online:
{URL}

The paid invoice is attached as INV-000042.pdf.

--\x20
Thank you for your business.
"""

VOID_TEXT = f"""\
Hello,

Acme GmbH has voided invoice INV-000042 for €1,299.88.

Nothing is owed under this invoice: please do not pay it. It keeps its number, INV-000042, for \
your records. If you have already paid it, please get in touch with Acme GmbH.

View the void invoice online:
{URL}

--\x20
Thank you for your business.
"""

PAYMENT_FAILED_TEXT = f"""\
Hello,

A payment of invoice INV-000042 by Globex Corporation failed.

Invoice: INV-000042
Customer: Globex Corporation
Amount: €1,299.88
Reason: {REASON}
Payment options: Bank transfer, Card

The invoice is still unpaid. Globex Corporation still has it and can pay it with its other \
payment options.

The invoice as your customer sees it:
{URL}
"""

EXPECTED = {
    "reminder": ("Reminder: invoice INV-000042 from Acme GmbH is overdue", REMINDER_TEXT),
    "receipt": ("Receipt for invoice INV-000042 from Acme GmbH", RECEIPT_TEXT),
    "void": ("Invoice INV-000042 from Acme GmbH is void", VOID_TEXT),
    "payment_failed": (
        "Payment failed for invoice INV-000042 (Globex Corporation)",
        PAYMENT_FAILED_TEXT,
    ),
}

# Key sentences of each HTML part.
HTML_SENTENCES = {
    "reminder": [
        "This is a friendly reminder that invoice INV-000042 from Acme GmbH is overdue: "
        "€1,299.88 is still to be paid. It was due on November 25, 2026, 7 days ago.</p>",
        'font-weight:700;">€1,299.88</td>',
        'font-weight:700;">November 25, 2026</td>',
        ">View and pay the invoice</a>",
        "If you have already paid it, thank you, and please disregard this reminder.",
        '<h2 style="font-size:16px;margin:24px 0 8px;">How to pay</h2>',
        "Please transfer the amount due to:<br>\nAccount holder: Acme GmbH<br>",
        '<a href="https://checkout.stripe.test/c/pay/cs_test_123"',
        "The invoice is attached as INV-000042.pdf.",
    ],
    "receipt": [
        "Thank you for your payment. Acme GmbH has received €1,299.88 for invoice INV-000042, "
        "paid on November 30, 2026.</p>",
        'Amount paid</td><td style="padding:2px 0;font-weight:700;">€1,299.88</td>',
        'Paid on</td><td style="padding:2px 0;font-weight:700;">November 30, 2026</td>',
        ">View the invoice</a>",
        "The paid invoice is attached as INV-000042.pdf.",
    ],
    "void": [
        "Acme GmbH has voided invoice INV-000042 for €1,299.88.</p>",
        "Nothing is owed under this invoice: please do not pay it. It keeps its number, "
        "INV-000042, for your records.",
        ">View the void invoice</a>",
    ],
    "payment_failed": [
        "A payment of invoice INV-000042 by Globex Corporation failed.</p>",
        'Customer</td><td style="padding:2px 0;font-weight:700;">Globex Corporation</td>',
        'Amount</td><td style="padding:2px 0;font-weight:700;">€1,299.88</td>',
        f'<td style="padding:2px 0;">{REASON}</td>',
        "Globex Corporation still has it and can pay it with its other payment options.</p>",
        ">View the invoice</a>",
    ],
}


def check_kind(kind: str, message: EmailMessage) -> None:
    """Everything about the received or composed email of `kind` except the envelope."""
    subject, text_body = EXPECTED[kind]
    assert message["Subject"] == subject
    assert message["From"] == "Acme GmbH <billing@acme.example>"
    assert message["Message-ID"] == f"<{kind}.42@remit.test>"
    assert message["Bcc"] is None
    text, html, attachments = parts(message)
    assert text == text_body
    assert '<html lang="en">' in html
    assert f"<title>{subject}</title>" in html
    assert f'<a href="{URL}"' in html
    for sentence in HTML_SENTENCES[kind]:
        assert sentence in html
    if kind in KINDS_WITHOUT_PDF:
        assert message.get_content_type() == "multipart/alternative"
        assert attachments == []
    else:
        assert message.get_content_type() == "multipart/mixed"
        [attachment] = attachments
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == "INV-000042.pdf"
        assert attachment.get_content() == PDF


def test_the_kinds():
    assert set(SUBJECTS) == {
        "invoice",
        "reminder",
        "receipt",
        "void",
        "payment_failed",
        "fee_invoice",
        "fee_payment_failed",
        "card_declined",
        "card_expiring",
    }
    assert set(KINDS_WITHOUT_PDF) == {
        "void",
        "payment_failed",
        "fee_payment_failed",
        "card_declined",
        "card_expiring",
    }


@pytest.mark.parametrize("kind", ["reminder", "receipt", "void", "payment_failed"])
def test_each_kind(kind):
    mail = compose(kind)
    check_kind(kind, mail.message)
    assert "archive@acme.example" in mail.recipients
    assert "archive@acme.example" not in mail.message.as_string()


def test_the_customer_gets_reminder_receipt_and_void():
    for kind in ("reminder", "receipt", "void"):
        mail = compose(kind)
        assert mail.message["To"] == "ap@globex.example"
        assert mail.message["Cc"] == "controller@globex.example"
        assert mail.recipients == (
            "ap@globex.example",
            "controller@globex.example",
            "archive@acme.example",
        )


def test_payment_failed_goes_to_the_tenant_without_its_footer():
    mail = compose("payment_failed", bcc=[])
    assert mail.message["To"] == "accounts@acme.example"
    assert mail.message["Cc"] is None
    assert mail.recipients == ("accounts@acme.example",)
    text, html, _ = parts(mail.message)
    # The tenant's footer note is written for its customers.
    assert "Thank you for your business." not in text
    assert "Thank you for your business." not in html


def test_amounts_are_formatted_money():
    partly_paid = invoice_document(amount_paid=eur("299.88"), amount_due=eur("1000"))
    due = eur("1000").formatted()
    text, html, _ = parts(compose("reminder", partly_paid).message)
    assert f"is overdue: {due} is still to be paid." in text
    assert f"Amount due: {due}\n" in text
    assert f'font-weight:700;">{due}</td>' in html
    text, html, _ = parts(compose("payment_failed", partly_paid).message)
    assert f"Amount: {due}\n" in text

    yen = invoice_document(
        currency="JPY",
        total=Money.parse("150000", "JPY"),
        amount_paid=Money.parse("150000", "JPY"),
        amount_due=Money.parse("0", "JPY"),
    )
    paid = Money.parse("150000", "JPY").formatted()
    text, _, _ = parts(compose("receipt", yen).message)
    assert f"Acme GmbH has received {paid} for invoice INV-000042" in text
    assert f"Amount paid: {paid}\n" in text


@pytest.mark.parametrize(
    ("today", "sentence"),
    [
        (date(2026, 12, 25), "It was due on November 25, 2026, 30 days ago."),
        (date(2026, 11, 26), "It was due on November 25, 2026, 1 day ago."),
        (date(2026, 11, 25), "Please pay it today."),
        (date(2026, 11, 22), "Please pay it by then."),
    ],
)
def test_how_long_a_reminder_is_overdue(today, sentence):
    text, html, _ = parts(compose("reminder", today=today).message)
    assert f"still to be paid. {sentence}\n" in text
    assert f"still to be paid. {sentence}</p>" in html


@pytest.mark.parametrize(
    ("tone", "today", "subject", "opening"),
    [
        (
            "friendly",
            date(2026, 11, 22),
            "Reminder: invoice INV-000042 from Acme GmbH is due on November 25, 2026",
            "This is a friendly reminder that invoice INV-000042 from Acme GmbH is due on "
            "November 25, 2026: €1,299.88 is still to be paid.",
        ),
        (
            "firm",
            date(2026, 11, 25),
            "Payment due: invoice INV-000042 from Acme GmbH is due today",
            "Invoice INV-000042 from Acme GmbH is due today: €1,299.88 is still to be paid.",
        ),
        (
            "final",
            date(2026, 12, 25),
            "Final notice: invoice INV-000042 from Acme GmbH is overdue",
            "This is our final notice: invoice INV-000042 from Acme GmbH is overdue: "
            "€1,299.88 is still to be paid.",
        ),
    ],
)
def test_a_reminder_speaks_in_its_steps_tone_and_words(tone, today, subject, opening):
    message = compose(
        "reminder", today=today, tone=tone, reminder_text="Call us on 030 1234 567."
    ).message
    text, html, _ = parts(message)
    assert message["Subject"] == subject
    assert f"\n{opening}" in text
    assert "\n\nCall us on 030 1234 567.\n\nAmount due" in text
    assert '<p style="margin:0 0 16px;">Call us on 030 1234 567.</p>' in html


def test_the_reminder_counts_from_the_clock_by_default():
    from remit.billing import clock

    with clock.frozen(date(2026, 12, 5)):
        text, _, _ = parts(compose("reminder", today=None).message)
    assert "It was due on November 25, 2026, 10 days ago." in text


def test_only_the_reminder_uses_today():
    for kind in ("invoice", "receipt", "void", "payment_failed"):
        early = compose(kind, today=date(2026, 11, 26)).message
        late = compose(kind, today=date(2027, 1, 1)).message
        assert parts(early)[:2] == parts(late)[:2]
        assert "days ago" not in parts(late)[0]


def test_optional_details_can_be_left_out():
    text, html, _ = parts(compose("receipt", paid_on=None).message)
    assert "Acme GmbH has received €1,299.88 for invoice INV-000042.\n" in text
    assert "Paid on" not in text
    assert "Paid on" not in html
    text, html, _ = parts(compose("payment_failed", reason=None).message)
    assert "Reason: none given\n" in text
    assert ">none given</td>" in html
    # The details of one kind do not show in another.
    text, _, _ = parts(compose("invoice").message)
    assert REASON not in text
    assert "November 30, 2026" not in text.split("Period:")[0]


def test_void_and_payment_failed_offer_no_payment():
    for kind in ("void", "payment_failed"):
        text, html, _ = parts(compose(kind).message)
        assert "How to pay" not in text
        assert "Pay now" not in text
        assert "checkout.stripe.test" not in text
        assert "IBAN" not in text
        assert "How to pay" not in html
        assert "checkout.stripe.test" not in html
        assert "IBAN" not in html


def test_a_pdf_is_not_attached_to_void_or_payment_failed():
    for kind in ("void", "payment_failed"):
        mail = compose(kind, pdf=PDF)  # given anyway: still not attached
        assert list(mail.message.iter_attachments()) == []


@pytest.mark.parametrize("kind", ["invoice", "reminder", "receipt"])
def test_a_missing_pdf_is_an_error(kind):
    with pytest.raises(ValueError, match=f"the {kind} email needs the invoice's PDF"):
        compose(kind, pdf=None)


def test_unknown_kinds_are_an_error():
    with pytest.raises(ValueError, match="unknown email kind 'dunning'"):
        compose("dunning", pdf=PDF)


def test_the_customer_name_is_escaped_in_html():
    hostile = '<b onmouseover="alert(1)">Globex & Sons</b>'
    document = invoice_document(
        customer=DocumentParty(name=hostile, legal_name=None, email=None, address=None, tax_id=None)
    )
    mail = compose("payment_failed", document, reason="<script>alert(2)</script>")
    assert mail.message["Subject"] == f"Payment failed for invoice INV-000042 ({hostile})"
    text, html, _ = parts(mail.message)
    assert f"by {hostile} failed." in text  # plain text is not escaped
    assert "Reason: <script>alert(2)</script>\n" in text
    escaped = "&lt;b onmouseover=&#34;alert(1)&#34;&gt;Globex &amp; Sons&lt;/b&gt;"
    assert f"A payment of invoice INV-000042 by {escaped} failed.</p>" in html
    assert f"<title>Payment failed for invoice INV-000042 ({escaped})</title>" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<b " not in html
    assert "<script>" not in html


def test_the_issuer_name_is_escaped_in_the_reminders_opening():
    hostile = "Acme <b>&</b> Sons"
    issuer = DocumentParty(name=hostile, legal_name=None, email=None, address=None, tax_id=None)
    mail = compose("reminder", invoice_document(issuer=issuer), tone="firm")
    text, html, _ = parts(mail.message)
    assert f"Invoice INV-000042 from {hostile} is overdue: " in text
    escaped = "Acme &lt;b&gt;&amp;&lt;/b&gt; Sons"
    assert f'16px;">Invoice INV-000042 from {escaped} is overdue: €1,299.88 is still' in html
    assert "<b>" not in html


@pytest.mark.parametrize(
    ("kind", "replaced"),
    [
        ("reminder", "This is a friendly reminder"),
        ("card_declined", "We could not charge your saved card"),
        ("card_expiring", "The card you saved"),
    ],
)
def test_the_tenants_own_words_open_the_reminder_and_card_emails(kind, replaced):
    own = EmailText(subject="About {number}", intro="Dear Globex,\n\n{amount_due} by {due_date}.")
    mail = compose(
        kind,
        own_text=own,
        reminder_text="Call us.",
        card_url="https://pay.acme.example/card",
        card_expires_on=date(2026, 12, 31),
    )
    text, html, _ = parts(mail.message)
    assert mail.message["Subject"] == "About INV-000042"
    assert text.startswith("Dear Globex,\n\n€1,299.88 by November 25, 2026.\n")
    assert '16px;">Dear Globex,<br>\n<br>\n€1,299.88 by November 25, 2026.</p>' in html
    assert "Hello," not in text and "Hello," not in html
    assert replaced not in text and replaced not in html
    assert ("\n\nCall us.\n" in text) == (kind == "reminder")


def test_a_subject_is_one_line():
    document = invoice_document(
        customer=DocumentParty(
            name="Globex\r\nBcc: victim@example.com",
            legal_name=None,
            email=None,
            address=None,
            tax_id=None,
        )
    )
    mail = compose("payment_failed", document)
    assert mail.message["Subject"] == (
        "Payment failed for invoice INV-000042 (Globex Bcc: victim@example.com)"
    )
    assert mail.message["Bcc"] is None


def test_without_a_number():
    draft_like = invoice_document(number=None)
    assert compose("reminder", draft_like).message["Subject"] == (
        "Reminder: invoice from Acme GmbH is overdue"
    )
    assert compose("void", draft_like).message["Subject"] == "Invoice from Acme GmbH is void"
    text, _, attachments = parts(compose("receipt", paid_document(number=None)).message)
    assert "Acme GmbH has received €1,299.88 for your invoice, paid on November 30, 2026." in text
    assert attachments[0].get_filename() == "invoice.pdf"
    text, _, _ = parts(compose("void", draft_like).message)
    assert "It keeps its number" not in text


async def test_each_kind_arrives_intact_over_smtp(tmp_path):
    handler = Collector()
    controller = start(handler)
    try:
        transport = Transport(
            smtp_url=f"smtp://127.0.0.1:{controller.port}", outbox_dir=tmp_path / "outbox"
        )
        kinds = ["reminder", "receipt", "void", "payment_failed"]
        sent = [compose(kind) for kind in kinds]
        for mail in sent:
            await send(mail.message, mail.recipients, transport)
    finally:
        controller.stop()

    assert len(handler.envelopes) == 4
    for kind, mail, envelope in zip(kinds, sent, handler.envelopes, strict=True):
        assert envelope.mail_from == "billing@acme.example"
        assert envelope.rcpt_tos == list(mail.recipients)
        assert envelope.rcpt_tos[-1] == "archive@acme.example"
        assert b"archive@acme.example" not in envelope.original_content
        check_kind(kind, message_from_bytes(envelope.original_content, policy=default_policy))
    assert not (tmp_path / "outbox").exists()
