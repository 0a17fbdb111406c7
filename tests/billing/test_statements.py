import json
import time
from datetime import date
from uuid import UUID

from remit.billing import config, sealing, statements
from remit.billing.documents import Branding, DocumentParty
from remit.billing.money import Money
from remit.billing.statements import Movement, MovementKind, StatementRequest, summarize
from tests.billing.test_documents import pdf_text

INVOICE, CREDIT, VOID, PAYMENT, REFUND = (
    MovementKind.INVOICE,
    MovementKind.CREDIT_NOTE,
    MovementKind.VOID,
    MovementKind.PAYMENT,
    MovementKind.REFUND,
)
START, END = date(2027, 3, 1), date(2027, 3, 31)


def moved(day: int, month: int, kind: MovementKind, reference: str, minor: int, currency="EUR"):
    return Movement(date(2027, month, day), kind, reference, Money(minor, currency))


def test_the_balance_is_brought_forward_then_follows_each_movement_in_date_order():
    movements = [
        moved(20, 3, PAYMENT, "pay-2", -50_000),
        moved(15, 2, INVOICE, "INV-000001", 119_000),
        moved(5, 3, INVOICE, "INV-000002", 119_000),
        moved(20, 2, PAYMENT, "pay-1", -100_000),
        moved(5, 3, PAYMENT, "pay-3", -19_000),  # the same day as an invoice: after it
        moved(1, 4, INVOICE, "INV-000003", 119_000),  # after the period
    ]

    [eur] = summarize(movements, START, END)

    assert eur.currency == "EUR"
    assert eur.opening == Money(19_000, "EUR")
    assert [(line.movement.reference, line.balance.minor) for line in eur.lines] == [
        ("INV-000002", 138_000),
        ("pay-3", 119_000),
        ("pay-2", 69_000),
    ]
    assert eur.closing == Money(69_000, "EUR")
    assert (eur.total(INVOICE), eur.total(PAYMENT), eur.total(REFUND)) == (
        Money(119_000, "EUR"),
        Money(-69_000, "EUR"),
        Money(0, "EUR"),
    )


def test_credit_notes_voids_and_refunds_move_the_balance_their_way():
    movements = [
        moved(2, 3, INVOICE, "INV-000001", 10_000),
        moved(3, 3, PAYMENT, "pay-1", -10_000),
        moved(4, 3, CREDIT, "INV-CN-000001", -2_500),  # paid money credited: the customer's
        moved(6, 3, REFUND, "re-1", 2_500),  # ... until it is given back
        moved(7, 3, INVOICE, "INV-000002", 4_000),
        moved(8, 3, VOID, "INV-000002", -4_000),
    ]

    [eur] = summarize(movements, START, END)

    assert [line.balance.minor for line in eur.lines] == [10_000, 0, -2_500, 0, 4_000, 0]
    assert eur.closing == Money(0, "EUR")


def test_each_currency_is_a_statement_of_its_own_and_an_idle_one_has_none():
    movements = [
        moved(10, 3, INVOICE, "INV-000001", 1_000, "JPY"),
        moved(11, 3, INVOICE, "INV-000002", 12_345, "BHD"),
        moved(1, 1, INVOICE, "INV-000000", 500, "USD"),
        moved(2, 1, PAYMENT, "pay-0", -500, "USD"),  # settled before: nothing to say
    ]

    statements = summarize(movements, START, END)

    assert [(s.currency, s.opening.minor, s.closing.minor) for s in statements] == [
        ("BHD", 0, 12_345),
        ("JPY", 0, 1_000),
    ]


def test_a_balance_brought_forward_makes_a_statement_without_movements():
    [eur] = summarize([moved(1, 2, INVOICE, "INV-000001", 7_500)], START, END)

    assert (eur.opening.minor, eur.lines, eur.closing.minor) == (7_500, [], 7_500)


REQUEST = StatementRequest(UUID("5b0c6a52-3f0e-4d4e-9b7a-1d2c3e4f5a6b"), START, END)


def token_of(url: str) -> str:
    assert url.startswith(f"{config.current().public_url.rstrip('/')}/s/") and url.endswith(".pdf")
    return url.rsplit("/", 1)[1].removesuffix(".pdf")


async def test_a_statement_link_names_its_organization_and_days_and_nothing_else_opens(runtime):
    token = token_of(statements.link(REQUEST))
    made_elsewhere = sealing.fernet(["another server's key"], b"remit statement links")
    plain = json.dumps([str(REQUEST.organization_id), START.isoformat(), END.isoformat()])
    old = int(time.time() - statements.LINK_LIFETIME.total_seconds() - 60)
    keys = config.current().secret_keys

    assert statements.opened(token) == REQUEST
    assert str(REQUEST.organization_id) not in token
    assert statements.opened(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert statements.opened(made_elsewhere.encrypt(plain.encode()).decode()) is None
    expired = sealing.fernet(keys, b"remit statement links").encrypt_at_time(plain.encode(), old)
    assert statements.opened(expired.decode()) is None
    # Sealed provider secrets use their own key: one of those is no statement link.
    assert statements.opened(sealing.Sealer(keys).seal(plain)["$fernet"]) is None


def statement_document(movements: list[Movement]) -> statements.StatementDocument:
    return statements.StatementDocument(
        issuer=DocumentParty("Acme GmbH", "Acme Software GmbH", "billing@acme.example", None, None),
        customer=DocumentParty("Globex", None, "ap@globex.example", {"city": "Springfield"}, None),
        branding=Branding(logo_url=None, brand_color="#0E7490", footer_note="Thank you."),
        start=START,
        end=END,
        made_on=date(2027, 4, 2),
        currencies=summarize(movements, START, END),
    )


def test_the_statement_pdf_lists_each_movement_with_its_balance():
    document = statement_document(
        [
            moved(15, 2, INVOICE, "INV-000001", 119_000),
            moved(5, 3, INVOICE, "INV-000002", 59_500),
            moved(9, 3, PAYMENT, "Bank transfer 0815", -119_000),
            moved(12, 3, CREDIT, "INV-CN-000001", -9_500),
            moved(20, 3, PAYMENT, "Bank transfer 0816", -60_000, "EUR"),
            moved(21, 3, INVOICE, "INV-000003", 12_345, "BHD"),
        ]
    )

    text = " ".join(pdf_text(statements.render_pdf(document)).split())

    assert "Statement of account" in text
    assert "From March 1, 2027 To March 31, 2027 Made on April 2, 2027" in text
    assert "€100.00 in your favour" in text and "BHD12.345 owed" in text
    assert "March 1, 2027 Balance brought forward €1,190.00" in text
    assert "March 5, 2027 Invoice INV-000002 €595.00 €1,785.00" in text
    assert "March 9, 2027 Payment Bank transfer 0815 -€1,190.00 €595.00" in text
    assert "March 12, 2027 Credit note INV-CN-000001 -€95.00 €500.00" in text
    assert "March 20, 2027 Payment Bank transfer 0816 -€600.00 -€100.00" in text
    assert "Invoiced €595.00 Credited -€95.00 Paid -€1,790.00 Balance -€100.00" in text


def test_a_statement_with_nothing_to_show_says_so():
    html = statements.render_html(statement_document([]))

    assert "No invoices, credit notes or payments up to March 31, 2027." in html
    assert "Nothing owed" in html
