"""The invoice for one period of a contract, computed from its terms alone.

Pure: the upcoming-invoice dry run and the daily invoicing cycle map their rows to these
dataclasses and call `draft_invoice`, so both compute every amount the same way.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import MAX_PREC, Decimal, localcontext
from fractions import Fraction
from uuid import UUID

from remit.billing.einvoice import vat
from remit.billing.money import Money, exponent
from remit.billing.periods import BILLED_MONTHS, CYCLE_MONTHS, Period, period
from remit.models.enums import BilledType, BillingCycle, VatCategory


@dataclass(frozen=True)
class ItemTerms:
    id: UUID
    name: str
    unit_price: int  # minor units
    currency: str
    quantity: Decimal
    billed: BilledType
    tax_rate: Decimal  # percent: Decimal("20") is 20 %
    start_date: date | None
    end_date: date | None
    vat_category: VatCategory | None = None  # None: decided by billing.einvoice.vat


@dataclass(frozen=True)
class ContractTerms:
    currency: str
    billing_cycle: BillingCycle
    invoicing_start_date: date
    end_date: date | None
    due_days: int
    # The seller and the buyer are in two EU countries (billing.einvoice.vat).
    reverse_charge: bool = False


@dataclass(frozen=True)
class LineDraft:
    item_id: UUID
    name: str
    billed: BilledType
    quantity: Decimal
    unit_price: Money  # for one unit and one period of the contract's cycle
    subtotal: Money
    tax_rate: Decimal
    tax: Money
    total: Money
    vat_category: VatCategory = VatCategory.STANDARD


@dataclass(frozen=True)
class InvoiceDraft:
    period: Period
    issue_date: date
    due_date: date
    lines: list[LineDraft]
    subtotal: Money
    tax: Money
    total: Money


def period_factor(cycle: BillingCycle, billed: BilledType) -> Fraction:
    """How many of an item's billing units one contract period holds (ONCE: one)."""
    if billed == BilledType.ONCE:
        return Fraction(1)
    return Fraction(CYCLE_MONTHS[cycle], BILLED_MONTHS[billed])


def _rounded(currency: str, factor: Fraction, *values: Decimal) -> Money:
    """The product of `values` and `factor`, rounded half-up to the minor unit exactly once.

    A factor such as 1/12 has no exact Decimal, and the default 28 digits can already round
    a price times an 18-digit quantity. So multiply exactly, then divide carrying `spare`
    digits past the finer of the numerator's last digit and the minor unit: enough for every
    place of a quotient that terminates (at most log2(denominator) more), and enough that one
    that does not is computed closer than its distance from the nearest half. Half-up then
    rounds the quotient as it would round the exact fraction.
    """
    with localcontext(prec=MAX_PREC):
        numerator = Decimal(factor.numerator)
        for value in values:
            numerator *= value  # exact: nothing is rounded at this precision
    finest = min(numerator.as_tuple().exponent, -exponent(currency))
    spare = 4 * len(str(factor.denominator))
    with localcontext(prec=max(28, numerator.adjusted() + 1 - finest + spare)):
        return Money.rounded(numerator / factor.denominator, currency)


def part_of(amount: Money, factor: Fraction) -> Money:
    """`amount` x `factor`, rounded half-up to the minor unit once."""
    return _rounded(amount.currency, factor, amount.amount)


def taxed(subtotal: Money, tax_rate: Decimal) -> tuple[Money, Money]:
    """A line's tax at `tax_rate` percent of its `subtotal`, rounded half-up, and its total."""
    tax = _rounded(subtotal.currency, Fraction(1, 100), subtotal.amount, tax_rate)
    return tax, subtotal + tax


def draft_line(item: ItemTerms, cycle: BillingCycle, reverse_charge: bool = False) -> LineDraft:
    """One item's line for one period of a contract billed every `cycle`, taxed at the rate
    of its VAT category."""
    factor = period_factor(cycle, item.billed)
    price = Money(item.unit_price, item.currency).amount
    subtotal = _rounded(item.currency, factor, price, item.quantity)
    category = vat.line_category(item.vat_category, item.tax_rate, reverse_charge)
    rate = vat.charged_rate(category, item.tax_rate)
    tax, _ = taxed(subtotal, rate)
    return LineDraft(
        item_id=item.id,
        name=item.name,
        billed=item.billed,
        quantity=item.quantity,
        unit_price=_rounded(item.currency, factor, price),
        subtotal=subtotal,
        tax_rate=rate,
        tax=tax,
        total=subtotal + tax,
        vat_category=category,
    )


def _billed_in(item: ItemTerms, current: Period, once_items_billed: Collection[UUID]) -> bool:
    if item.billed == BilledType.ONCE:
        # The first invoice whose period has reached the item's start, and never again.
        return item.id not in once_items_billed and (
            item.start_date is None or item.start_date <= current.end
        )
    # A recurring item is billed for the periods in which it is active when they start.
    return (item.start_date is None or item.start_date <= current.start) and (
        item.end_date is None or item.end_date >= current.start
    )


def draft_invoice(
    contract: ContractTerms,
    items: Sequence[ItemTerms],
    period_index: int,
    once_items_billed: Collection[UUID],
) -> InvoiceDraft | None:
    """The invoice for period `period_index`, or None when there is nothing to issue.

    `once_items_billed` holds the ids of one-time items already on an earlier invoice.
    """
    for item in items:
        # The API refuses such items, so one here is a bug in the caller, not a user error.
        if item.currency != contract.currency:
            raise ValueError(
                f"item {item.id} is priced in {item.currency}, its contract in {contract.currency}"
            )
    current = period(
        contract.invoicing_start_date, CYCLE_MONTHS[contract.billing_cycle], period_index
    )
    if contract.end_date is not None and contract.end_date < current.start:
        return None
    lines = [
        draft_line(item, contract.billing_cycle, contract.reverse_charge)
        for item in items
        if _billed_in(item, current, once_items_billed)
    ]
    if not lines:
        return None
    zero = Money.zero(contract.currency)
    return InvoiceDraft(
        period=current,
        issue_date=current.start,
        due_date=current.start + timedelta(days=contract.due_days),
        lines=lines,
        # Sums of the rounded lines, so the lines always add up to the invoice.
        subtotal=sum((line.subtotal for line in lines), zero),
        tax=sum((line.tax for line in lines), zero),
        total=sum((line.total for line in lines), zero),
    )
