"""One case per rule: the worked invoice's e-invoice with one thing broken breaks that rule
alone."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from remit.billing.einvoice import model, rules
from remit.billing.einvoice.model import EInvoice, LineAmounts
from remit.billing.money import Money
from remit.models.enums import EInvoiceFormat, VatCategory

SELLER = model.party(
    {
        "name": "Acme Corp",
        "legal_name": "Acme Corp GmbH",
        "email": "billing@acme.com",
        "tax_id": "DE123456788",
        "address": {
            "line1": "Hauptstr. 1",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
    }
)
BUYER = model.party(
    {
        "name": "Globex",
        "email": "ap@globex.com",
        "tax_id": "NL004495445B01",
        "address": {
            "line1": "Damrak 1",
            "city": "Amsterdam",
            "postal_code": "1012",
            "country": "NL",
        },
    }
)
WORKED = [
    LineAmounts("Seats", Decimal(10), 4999, 49990, Decimal(20), 9998, VatCategory.STANDARD),
    LineAmounts("Setup", Decimal(1), 50000, 50000, Decimal(20), 10000, VatCategory.STANDARD),
    LineAmounts("Support", Decimal(1), 10000, 10000, Decimal(0), 0, VatCategory.ZERO),
]


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def document(rows=WORKED, **changes) -> EInvoice:
    lines, breakdown = model.lines_and_breakdown(rows, "EUR")
    subtotal = sum(row.subtotal for row in rows)
    tax = sum(row.tax for row in rows)
    built = EInvoice(
        format=EInvoiceFormat.FACTURX,
        type_code=model.INVOICE,
        number="INV-000001",
        issue_date=date(2027, 1, 1),
        due_date=date(2027, 1, 31),
        currency="EUR",
        note=None,
        buyer_reference=None,
        purchase_order_reference=None,
        preceding_invoice=None,
        preceding_issue_date=None,
        period_start=date(2027, 1, 1),
        period_end=date(2027, 1, 31),
        seller=SELLER,
        buyer=BUYER,
        payment_means=[
            model.PaymentMeans("58", "SEPA credit transfer", iban="DE89370400440532013000")
        ],
        remittance=None,
        payment_terms=None,
        lines=lines,
        vat_breakdown=breakdown,
        line_total=eur(subtotal),
        tax_exclusive=eur(subtotal),
        tax_total=eur(tax),
        tax_inclusive=eur(subtotal + tax),
        prepaid=eur(0),
        payable=eur(subtotal + tax),
    )
    return dataclasses.replace(built, **changes)


def party(base, **changes):
    return dataclasses.replace(base, **changes)


def address(base, **changes):
    return dataclasses.replace(base, address=dataclasses.replace(base.address, **changes))


def all_in(category: VatCategory, **changes) -> EInvoice:
    """The worked invoice with every line in `category`, untaxed."""
    rows = [
        dataclasses.replace(row, tax_rate=Decimal(0), tax=0, category=category) for row in WORKED
    ]
    return document(
        rows, tax_total=eur(0), tax_inclusive=eur(109990), payable=eur(109990), **changes
    )


def reverse_charge(**changes):
    return all_in(VatCategory.REVERSE_CHARGE, **changes)


def exempt():
    return all_in(VatCategory.EXEMPT)


def without_breakdown(d: EInvoice) -> EInvoice:
    return dataclasses.replace(d, vat_breakdown=[])


def with_breakdown(d: EInvoice, index: int, **changes) -> EInvoice:
    breakdown = list(d.vat_breakdown)
    breakdown[index] = dataclasses.replace(breakdown[index], **changes)
    return dataclasses.replace(d, vat_breakdown=breakdown)


def with_line(d: EInvoice, index: int, **changes) -> EInvoice:
    lines = list(d.lines)
    lines[index] = dataclasses.replace(lines[index], **changes)
    return dataclasses.replace(d, lines=lines)


BROKEN = {
    "BR-02": lambda: document(number=None),
    "BR-03": lambda: document(issue_date=None),
    "BR-04": lambda: document(type_code="326"),
    "BR-05": lambda: document(currency=""),
    "BR-06": lambda: document(seller=party(SELLER, name="")),
    "BR-07": lambda: document(buyer=party(BUYER, name="")),
    "BR-08": lambda: document(seller=address(SELLER, line1=None, city=None, postal_code=None)),
    "BR-09": lambda: document(seller=address(SELLER, country=None)),
    "BR-10": lambda: document(buyer=address(BUYER, line1=None, city=None, postal_code=None)),
    "BR-11": lambda: document(buyer=address(BUYER, country=None)),
    "BR-16": lambda: document(
        [],
        line_total=eur(0),
        tax_exclusive=eur(0),
        tax_total=eur(0),
        tax_inclusive=eur(0),
        payable=eur(0),
    ),
    "BR-21": lambda: with_line(document(), 0, id=""),
    "BR-22": lambda: with_line(document(), 0, quantity=None),
    "BR-25": lambda: with_line(document(), 0, name=""),
    "BR-27": lambda: with_line(document(), 2, price=eur(-1)),
    "BR-CO-25": lambda: document(due_date=None),
    "BR-61": lambda: document(payment_means=[model.PaymentMeans("58", "SEPA credit transfer")]),
    "BR-CO-09": lambda: document(buyer=party(BUYER, vat_id="004495445B01")),
    "BR-CO-10": lambda: with_line(document(), 2, net=eur(10001)),
    "BR-CO-13": lambda: document(
        tax_exclusive=eur(109991), tax_inclusive=eur(129989), payable=eur(129989)
    ),
    "BR-CO-14": lambda: document(
        tax_total=eur(19999), tax_inclusive=eur(129989), payable=eur(129989)
    ),
    "BR-CO-15": lambda: document(tax_inclusive=eur(129989), payable=eur(129989)),
    "BR-CO-16": lambda: document(payable=eur(129987)),
    "BR-CO-17": lambda: document(
        vat_breakdown=with_breakdown(document(), 0, tax=eur(19898)).vat_breakdown,
        tax_total=eur(19898),
        tax_inclusive=eur(129788),
        payable=eur(129788),
    ),
    "BR-CO-18": lambda: document(
        vat_breakdown=[], tax_total=eur(0), tax_inclusive=eur(109990), payable=eur(109990)
    ),
    "BR-45": lambda: with_breakdown(document(), 1, taxable=eur(10001)),
    "BR-S-01": lambda: document(
        vat_breakdown=[document().vat_breakdown[1]],
        tax_total=eur(0),
        tax_inclusive=eur(109990),
        payable=eur(109990),
    ),
    "BR-S-02": lambda: document(seller=party(SELLER, vat_id=None)),
    "BR-S-05": lambda: with_line(document(), 0, rate=Decimal(0)),
    "BR-S-10": lambda: with_breakdown(document(), 0, exemption_reason="Why not"),
    "BR-Z-02": lambda: document(
        seller=party(SELLER, vat_id=None),
        lines=document().lines[2:],
        vat_breakdown=document().vat_breakdown[1:],
        line_total=eur(10000),
        tax_exclusive=eur(10000),
        tax_total=eur(0),
        tax_inclusive=eur(10000),
        payable=eur(10000),
    ),
    "BR-Z-05": lambda: with_line(document(), 2, rate=Decimal(7)),
    "BR-Z-09": lambda: with_breakdown(document(), 1, tax=eur(1)),
    "BR-Z-10": lambda: with_breakdown(document(), 1, exemption_reason="Why not"),
    "BR-AE-02": lambda: reverse_charge(buyer=party(BUYER, vat_id=None)),
    "BR-AE-05": lambda: with_line(reverse_charge(), 0, rate=Decimal(20)),
    "BR-AE-09": lambda: with_breakdown(reverse_charge(), 0, tax=eur(1)),
    "BR-AE-10": lambda: with_breakdown(
        reverse_charge(), 0, exemption_reason=None, exemption_code=None
    ),
    "BR-E-10": lambda: with_breakdown(exempt(), 0, exemption_reason=None),
    "BR-E-09": lambda: with_breakdown(exempt(), 0, tax=eur(1)),
    "BR-DE-15": lambda: document(format=EInvoiceFormat.XRECHNUNG_CII),
    "BR-Z-01": lambda: document(vat_breakdown=document().vat_breakdown[:1]),
    "BR-AE-01": lambda: without_breakdown(reverse_charge()),
    "BR-E-01": lambda: without_breakdown(exempt()),
    "BR-E-02": lambda: all_in(VatCategory.EXEMPT, seller=party(SELLER, vat_id=None)),
    "BR-E-05": lambda: with_line(exempt(), 0, rate=Decimal(20)),
    "BR-IC-01": lambda: without_breakdown(all_in(VatCategory.INTRA_COMMUNITY)),
    "BR-IC-02": lambda: all_in(VatCategory.INTRA_COMMUNITY, seller=party(SELLER, vat_id=None)),
    "BR-IC-05": lambda: with_line(all_in(VatCategory.INTRA_COMMUNITY), 0, rate=Decimal(20)),
    "BR-IC-09": lambda: with_breakdown(all_in(VatCategory.INTRA_COMMUNITY), 0, tax=eur(1)),
    "BR-IC-10": lambda: with_breakdown(
        all_in(VatCategory.INTRA_COMMUNITY), 0, exemption_reason=None, exemption_code=None
    ),
    "BR-O-01": lambda: without_breakdown(all_in(VatCategory.OUTSIDE_SCOPE)),
    "BR-O-05": lambda: with_line(all_in(VatCategory.OUTSIDE_SCOPE), 0, rate=Decimal(20)),
    "BR-O-09": lambda: with_breakdown(all_in(VatCategory.OUTSIDE_SCOPE), 0, tax=eur(1)),
    "BR-O-10": lambda: with_breakdown(
        all_in(VatCategory.OUTSIDE_SCOPE), 0, exemption_reason=None, exemption_code=None
    ),
}


@pytest.mark.parametrize("category", list(VatCategory))
def test_the_worked_invoice_breaks_no_rule_in_any_category(category):
    valid = document() if category == VatCategory.STANDARD else all_in(category)

    assert rules.check(valid) == []


def test_every_rule_has_its_case():
    assert sorted(BROKEN) == sorted(rules.RULES)


@pytest.mark.parametrize("rule_id", list(BROKEN))
def test_each_rule(rule_id):
    found = {problem.split(":")[0] for problem in rules.check(BROKEN[rule_id]())}

    assert rule_id in found


def test_before_issue_the_numbering_and_payment_rules_wait():
    held = document(
        number=None,
        issue_date=None,
        due_date=None,
        payment_means=[model.PaymentMeans("58", "SEPA")],
    )

    assert rules.check(held, before_issue=True) == []
