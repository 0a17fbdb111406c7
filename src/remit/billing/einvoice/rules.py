"""The EN 16931 business rules on amounts and mandatory fields, as code. A document that
breaks one is not sent: its invoice is held with the rule ids as reasons. The rules on code
lists, identifiers' schemes and the national extensions are left to the official Schematron
(docs/einvoices.md lists which are here).

Each rule is a function of the document that yields what is wrong, in words for the tenant;
`check` runs them all and prefixes each finding with its rule id."""

from collections.abc import Callable, Iterator
from decimal import Decimal

from remit.billing.einvoice import vat
from remit.billing.einvoice.model import CREDIT_NOTE, INVOICE, EInvoice, Party
from remit.billing.money import Money
from remit.models.enums import EInvoiceFormat, VatCategory

Rule = Callable[[EInvoice], Iterator[str]]
RULES: dict[str, Rule] = {}
# Set when the document is issued (numbered, dated, its payment details asked of the
# providers): not checked on the prospective document of an invoice about to be issued.
AT_ISSUE = frozenset({"BR-02", "BR-03", "BR-CO-25", "BR-61"})


def rule(rule_id: str) -> Callable[[Rule], Rule]:
    def register(check: Rule) -> Rule:
        RULES[rule_id] = check
        return check

    return register


def check(document: EInvoice, *, before_issue: bool = False) -> list[str]:
    """Every rule the document breaks, as "<rule id>: <what is wrong>"."""
    found = []
    for rule_id, broken in RULES.items():
        if before_issue and rule_id in AT_ISSUE:
            continue
        found.extend(f"{rule_id}: {message}" for message in broken(document))
    return found


def _missing(value, message: str) -> Iterator[str]:
    if value is None or value == "":
        yield message


def _has_address(party: Party) -> bool:
    address = party.address
    return any((address.line1, address.city, address.postal_code))


# -- mandatory fields ----------------------------------------------------------------------


@rule("BR-02")
def _number(d: EInvoice) -> Iterator[str]:
    yield from _missing(d.number, "The invoice has no number (BT-1).")


@rule("BR-03")
def _issue_date(d: EInvoice) -> Iterator[str]:
    yield from _missing(d.issue_date, "The invoice has no issue date (BT-2).")


@rule("BR-04")
def _type_code(d: EInvoice) -> Iterator[str]:
    if d.type_code not in (INVOICE, CREDIT_NOTE):
        yield f"The document type code {d.type_code!r} is not an invoice's nor a credit note's."


@rule("BR-05")
def _currency(d: EInvoice) -> Iterator[str]:
    yield from _missing(d.currency, "The invoice has no currency (BT-5).")


@rule("BR-06")
def _seller_name(d: EInvoice) -> Iterator[str]:
    yield from _missing(d.seller.name, "The company's legal name is missing (BT-27).")


@rule("BR-07")
def _buyer_name(d: EInvoice) -> Iterator[str]:
    yield from _missing(d.buyer.name, "The customer's name is missing (BT-44).")


@rule("BR-08")
def _seller_address(d: EInvoice) -> Iterator[str]:
    if not _has_address(d.seller):
        yield "The company's postal address is missing (BG-5)."


@rule("BR-09")
def _seller_country(d: EInvoice) -> Iterator[str]:
    yield from _missing(d.seller.address.country, "The company's address has no country (BT-40).")


@rule("BR-10")
def _buyer_address(d: EInvoice) -> Iterator[str]:
    if not _has_address(d.buyer):
        yield "The customer's postal address is missing (BG-8)."


@rule("BR-11")
def _buyer_country(d: EInvoice) -> Iterator[str]:
    yield from _missing(d.buyer.address.country, "The customer's address has no country (BT-55).")


@rule("BR-16")
def _has_lines(d: EInvoice) -> Iterator[str]:
    if not d.lines:
        yield "The invoice has no line (BG-25)."


@rule("BR-21")
def _line_ids(d: EInvoice) -> Iterator[str]:
    for line in d.lines:
        yield from _missing(line.id, f"The line {line.name!r} has no identifier (BT-126).")


@rule("BR-22")
def _line_quantities(d: EInvoice) -> Iterator[str]:
    for line in d.lines:
        yield from _missing(line.quantity, f"The line {line.name!r} has no quantity (BT-129).")


@rule("BR-25")
def _item_names(d: EInvoice) -> Iterator[str]:
    for line in d.lines:
        yield from _missing(line.name, f"The line {line.id} has no item name (BT-153).")


@rule("BR-27")
def _prices_not_negative(d: EInvoice) -> Iterator[str]:
    for line in d.lines:
        if line.price.minor < 0:
            yield f"The line {line.name!r} has a negative price (BT-146)."


@rule("BR-CO-25")
def _due_date(d: EInvoice) -> Iterator[str]:
    if d.payable.minor > 0 and d.due_date is None and not d.payment_terms:
        yield "An amount is due but the invoice has no due date (BT-9) nor payment terms (BT-20)."


@rule("BR-61")
def _transfer_account(d: EInvoice) -> Iterator[str]:
    for means in d.payment_means:
        if means.code in ("30", "58") and not means.iban:
            yield "A credit transfer is offered without the account to pay to (BT-84)."


@rule("BR-CO-09")
def _vat_id_prefixes(d: EInvoice) -> Iterator[str]:
    for who, party in (("company's", d.seller), ("customer's", d.buyer)):
        vat_id = party.vat_id
        if vat_id and not (vat_id[:2].isalpha() and vat_id[:2].isupper()):
            yield f"The {who} VAT identifier {vat_id!r} does not start with its country code."


# -- amounts ---------------------------------------------------------------------------------


def _sum(amounts, d: EInvoice) -> Money:
    return sum(amounts, Money.zero(d.line_total.currency))


@rule("BR-CO-10")
def _line_total(d: EInvoice) -> Iterator[str]:
    if _sum((line.net for line in d.lines), d) != d.line_total:
        yield "The sum of the line net amounts is not the invoice's (BT-106)."


@rule("BR-CO-13")
def _tax_exclusive(d: EInvoice) -> Iterator[str]:
    if d.tax_exclusive != d.line_total:  # no document level allowances or charges
        yield "The total without VAT (BT-109) is not the sum of the lines (BT-106)."


@rule("BR-CO-14")
def _tax_total(d: EInvoice) -> Iterator[str]:
    if _sum((b.tax for b in d.vat_breakdown), d) != d.tax_total:
        yield "The VAT total (BT-110) is not the sum of the VAT breakdown (BT-117)."


@rule("BR-CO-15")
def _tax_inclusive(d: EInvoice) -> Iterator[str]:
    if d.tax_exclusive + d.tax_total != d.tax_inclusive:
        yield "The total with VAT (BT-112) is not the total without VAT plus the VAT."


@rule("BR-CO-16")
def _payable(d: EInvoice) -> Iterator[str]:
    if d.tax_inclusive - d.prepaid != d.payable:
        yield "The amount due (BT-115) is not the total less what was paid (BT-113)."


# The official Schematron accepts a category's VAT within one currency unit of its taxable
# amount times its rate: VAT rounded per line, as Remit's ledger does, may differ from VAT
# rounded once per category by a few minor units.
TOLERANCE = Decimal(1)


@rule("BR-CO-17")
def _breakdown_tax(d: EInvoice) -> Iterator[str]:
    for b in d.vat_breakdown:
        expected = b.taxable.amount * b.rate / 100
        if abs(b.tax.amount - expected) >= TOLERANCE:
            yield f"The VAT of category {b.category} at {b.rate}% is not its taxable amount times its rate."


@rule("BR-CO-18")
def _has_breakdown(d: EInvoice) -> Iterator[str]:
    if not d.vat_breakdown:
        yield "The invoice has no VAT breakdown (BG-23)."


@rule("BR-45")
def _breakdown_taxable(d: EInvoice) -> Iterator[str]:
    lines_by_group: dict = {}
    for line in d.lines:
        key = (line.category, line.rate.normalize())
        lines_by_group[key] = lines_by_group.get(key, Money.zero(d.line_total.currency)) + line.net
    for b in d.vat_breakdown:
        if lines_by_group.get((b.category, b.rate.normalize())) != b.taxable:
            yield f"The taxable amount of category {b.category} is not the sum of its lines."


# -- VAT categories ------------------------------------------------------------------------

ZERO_RATED = (
    VatCategory.REVERSE_CHARGE,
    VatCategory.EXEMPT,
    VatCategory.ZERO,
    VatCategory.INTRA_COMMUNITY,
    VatCategory.OUTSIDE_SCOPE,
)
NEEDS_REASON = (
    VatCategory.REVERSE_CHARGE,
    VatCategory.EXEMPT,
    VatCategory.INTRA_COMMUNITY,
    VatCategory.OUTSIDE_SCOPE,
)
PREFIX = {
    VatCategory.STANDARD: "BR-S",
    VatCategory.ZERO: "BR-Z",
    VatCategory.EXEMPT: "BR-E",
    VatCategory.REVERSE_CHARGE: "BR-AE",
    VatCategory.INTRA_COMMUNITY: "BR-IC",
    VatCategory.OUTSIDE_SCOPE: "BR-O",
}


def _categories_rules(category: VatCategory) -> None:
    prefix = PREFIX[category]

    @rule(f"{prefix}-01")
    def _breakdown_present(d: EInvoice) -> Iterator[str]:
        if any(line.category == category for line in d.lines) and not any(
            b.category == category for b in d.vat_breakdown
        ):
            yield f"Lines of category {category} have no VAT breakdown of that category."

    if category != VatCategory.OUTSIDE_SCOPE:

        @rule(f"{prefix}-02")
        def _seller_vat_id(d: EInvoice) -> Iterator[str]:
            if any(line.category == category for line in d.lines) and not d.seller.vat_id:
                yield "The company's VAT number is missing (BT-31)."

    @rule(f"{prefix}-05")
    def _line_rates(d: EInvoice) -> Iterator[str]:
        for line in d.lines:
            if line.category != category:
                continue
            if category == VatCategory.STANDARD and line.rate <= 0:
                yield f"The standard rated line {line.name!r} has no VAT rate."
            elif category in ZERO_RATED and line.rate != 0:
                yield f"The line {line.name!r} of category {category} is taxed."

    if category in ZERO_RATED:

        @rule(f"{prefix}-09")
        def _no_tax(d: EInvoice) -> Iterator[str]:
            for b in d.vat_breakdown:
                if b.category == category and b.tax.minor != 0:
                    yield f"The VAT of category {category} is not 0."

    @rule(f"{prefix}-10")
    def _reason(d: EInvoice) -> Iterator[str]:
        for b in d.vat_breakdown:
            if b.category != category:
                continue
            if category in NEEDS_REASON and not (b.exemption_reason or b.exemption_code):
                yield f"The VAT breakdown of category {category} lacks its exemption reason."
            elif category in (VatCategory.STANDARD, VatCategory.ZERO) and b.exemption_reason:
                yield f"The VAT breakdown of category {category} carries an exemption reason."


for _category in VatCategory:
    _categories_rules(_category)


@rule("BR-AE-02")
def _reverse_charge_ids(d: EInvoice) -> Iterator[str]:
    """Under the reverse charge the buyer accounts for the VAT: both VAT identifiers are on
    the invoice, the buyer's a valid EU VAT identifier (its format, by python-stdnum)."""
    if not any(line.category == VatCategory.REVERSE_CHARGE for line in d.lines):
        return
    if not d.seller.vat_id:
        yield "The reverse charge needs the company's VAT number (BT-31)."
    buyer = d.buyer.vat_id
    if not buyer:
        yield "The reverse charge needs the customer's VAT identifier (BT-48)."
    elif vat.country_of({"country": buyer[:2]}) in vat.EU_COUNTRIES | {"EL"}:
        problem = vat.vat_id_problem(buyer)
        if problem:
            yield problem


@rule("BR-DE-15")
def _leitweg_id(d: EInvoice) -> Iterator[str]:
    """XRechnung only: the buyer reference (a Leitweg-ID) is mandatory."""
    if d.format in (EInvoiceFormat.XRECHNUNG_CII, EInvoiceFormat.XRECHNUNG_UBL):
        yield from _missing(
            d.buyer_reference, "XRechnung needs the buyer reference (Leitweg-ID, BT-10)."
        )
