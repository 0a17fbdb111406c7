"""One invoice or credit note as EN 16931 describes it, built once from the rows billing
wrote (the frozen parties, the lines and totals of the ledger) and then written in each
syntax: nothing here computes an amount anew, it groups and copies what billing computed."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from remit.billing.einvoice import vat
from remit.billing.money import Money
from remit.models.enums import EInvoiceFormat, VatCategory

INVOICE = "380"  # UNTDID 1001: commercial invoice
CREDIT_NOTE = "381"

SEPA_CREDIT_TRANSFER = "58"  # UNTDID 4461
BANK_CARD = "48"
CHEQUE = "20"
NOT_DEFINED = "1"


@dataclass(frozen=True)
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    postal_code: str | None
    region: str | None
    country: str | None  # ISO 3166-1 alpha-2 (BT-40, BT-55)


@dataclass(frozen=True)
class Party:
    name: str  # the legal name when known (BT-27, BT-44)
    trading_name: str | None  # the name it is known by, when the legal name differs
    vat_id: str | None  # BT-31, BT-48
    registration_id: str | None  # BT-30, BT-47
    email: str | None  # the electronic address (BT-34, BT-49), scheme EM
    address: Address


@dataclass(frozen=True)
class Line:
    id: str  # BT-126: its position
    name: str  # BT-153
    quantity: Decimal  # BT-129, unit C62 ("one")
    price: Money  # BT-146: for one unit
    net: Money  # BT-131
    category: VatCategory  # BT-151
    rate: Decimal  # BT-152, percent


@dataclass(frozen=True)
class VatBreakdown:
    """BG-23: one per category and rate."""

    category: VatCategory  # BT-118
    rate: Decimal  # BT-119
    taxable: Money  # BT-116: the sum of its lines' net amounts
    tax: Money  # BT-117: the sum of its lines' tax, as the ledger rounded it per line
    exemption_reason: str | None  # BT-120
    exemption_code: str | None  # BT-121


@dataclass(frozen=True)
class PaymentMeans:
    """BG-16."""

    code: str  # BT-81 (UNTDID 4461)
    text: str  # BT-82
    iban: str | None = None  # BT-84
    account_name: str | None = None  # BT-85
    bic: str | None = None  # BT-86


@dataclass(frozen=True)
class EInvoice:
    format: EInvoiceFormat
    type_code: str  # BT-3: INVOICE or CREDIT_NOTE
    number: str | None  # BT-1: None only before numbering (`rules.check`'s `before_issue`)
    issue_date: date | None  # BT-2
    due_date: date | None  # BT-9
    currency: str  # BT-5
    note: str | None  # BT-22
    buyer_reference: str | None  # BT-10
    purchase_order_reference: str | None  # BT-13
    preceding_invoice: str | None  # BT-25: the invoice a credit note corrects
    preceding_issue_date: date | None  # BT-26
    period_start: date  # BT-73
    period_end: date  # BT-74
    seller: Party
    buyer: Party
    payment_means: Sequence[PaymentMeans]
    remittance: str | None  # BT-83: the reference the payer quotes
    payment_terms: str | None  # BT-20
    lines: Sequence[Line]
    vat_breakdown: Sequence[VatBreakdown]
    line_total: Money  # BT-106
    tax_exclusive: Money  # BT-109: no document level allowances or charges here
    tax_total: Money  # BT-110
    tax_inclusive: Money  # BT-112
    prepaid: Money  # BT-113: paid from the credit balance at issue
    payable: Money  # BT-115

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == CREDIT_NOTE


def address(frozen: Mapping[str, str | None] | None) -> Address:
    frozen = frozen or {}
    return Address(
        line1=frozen.get("line1"),
        line2=frozen.get("line2"),
        city=frozen.get("city"),
        postal_code=frozen.get("postal_code"),
        region=frozen.get("region"),
        country=vat.country_of(frozen),
    )


def party(frozen: Mapping) -> Party:
    """A party as the invoice froze it (billing.issuing's customer and issuer parties)."""
    name = frozen.get("name") or ""
    legal = frozen.get("legal_name")
    return Party(
        name=legal or name,
        trading_name=name if legal and legal != name else None,
        vat_id=frozen.get("tax_id") or None,
        registration_id=frozen.get("registration_id") or None,
        email=frozen.get("email"),
        address=address(frozen.get("address")),
    )


@dataclass(frozen=True)
class LineAmounts:
    """A line's amounts as the ledger holds them, in minor units."""

    name: str
    quantity: Decimal | None  # None: credited by amount, one unit at the net amount
    unit_price: int
    subtotal: int
    tax_rate: Decimal
    tax: int
    category: VatCategory


def lines_and_breakdown(
    rows: Sequence[LineAmounts], currency: str
) -> tuple[list[Line], list[VatBreakdown]]:
    lines = [
        Line(
            id=str(position),
            name=row.name,
            quantity=row.quantity if row.quantity is not None else Decimal(1),
            price=Money(row.unit_price if row.quantity is not None else row.subtotal, currency),
            net=Money(row.subtotal, currency),
            category=VatCategory(row.category),
            rate=row.tax_rate,
        )
        for position, row in enumerate(rows, start=1)
    ]
    groups: dict[tuple[VatCategory, Decimal], list[LineAmounts]] = {}
    for row in rows:
        groups.setdefault((VatCategory(row.category), row.tax_rate.normalize()), []).append(row)
    breakdown = [
        VatBreakdown(
            category=category,
            rate=rate,
            taxable=Money(sum(row.subtotal for row in grouped), currency),
            tax=Money(sum(row.tax for row in grouped), currency),
            exemption_reason=vat.LEGAL_NOTES.get(category),
            exemption_code=vat.EXEMPTION_CODES.get(category),
        )
        for (category, rate), grouped in groups.items()
    ]
    return lines, breakdown


def payment_means(options: Sequence[Mapping]) -> tuple[list[PaymentMeans], str | None]:
    """BG-16 from the invoice's stored payment options (billing.delivery), and the transfer
    reference (BT-83)."""
    found, remittance = [], None
    for option in options:
        transfer = option.get("credit_transfer")
        if transfer:
            found.append(
                PaymentMeans(
                    SEPA_CREDIT_TRANSFER,
                    "SEPA credit transfer",
                    iban=transfer["iban"],
                    account_name=transfer["beneficiary"],
                    bic=transfer.get("bic"),
                )
            )
            remittance = remittance or transfer.get("reference")
        elif option.get("payment_url"):
            found.append(PaymentMeans(BANK_CARD, option.get("name") or "Card"))
        elif option.get("provider") == "cheque":
            found.append(PaymentMeans(CHEQUE, option.get("name") or "Cheque"))
        else:
            found.append(PaymentMeans(NOT_DEFINED, option.get("name") or "Other"))
    return found, remittance
