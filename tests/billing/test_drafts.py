import dataclasses
import math
from datetime import date
from decimal import Decimal
from fractions import Fraction
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remit.billing.drafts import (
    ContractTerms,
    InvoiceDraft,
    ItemTerms,
    LineDraft,
    draft_invoice,
    period_factor,
)
from remit.billing.money import Money, exponent
from remit.billing.periods import Period
from remit.models.enums import BilledType, BillingCycle, VatCategory

SEATS = UUID(int=1)
SETUP = UUID(int=2)
SUPPORT = UUID(int=3)


def contract(
    currency: str = "EUR",
    cycle: BillingCycle = BillingCycle.MONTHLY,
    start: date = date(2027, 1, 1),
    end: date | None = None,
    due_days: int = 30,
) -> ContractTerms:
    return ContractTerms(
        currency=currency,
        billing_cycle=cycle,
        invoicing_start_date=start,
        end_date=end,
        due_days=due_days,
    )


def item(
    unit_price: int,
    quantity: str = "1",
    billed: BilledType = BilledType.MONTHLY,
    tax_rate: str = "0",
    currency: str = "EUR",
    start: date | None = None,
    end: date | None = None,
    id: UUID | None = None,
    name: str = "Service",
) -> ItemTerms:
    return ItemTerms(
        id=id or uuid4(),
        name=name,
        unit_price=unit_price,
        currency=currency,
        quantity=Decimal(quantity),
        billed=billed,
        tax_rate=Decimal(tax_rate),
        start_date=start,
        end_date=end,
    )


def eur(amount: str) -> Money:
    return Money.parse(amount, "EUR")


WORKED_EXAMPLE = [
    item(4999, "10", BilledType.MONTHLY, "20", id=SEATS, name="Seats"),
    item(50000, "1", BilledType.ONCE, "20", id=SETUP, name="Setup"),
    item(120000, "1", BilledType.ANNUALLY, "0", id=SUPPORT, name="Support"),
]
SEATS_LINE = LineDraft(
    item_id=SEATS,
    name="Seats",
    billed=BilledType.MONTHLY,
    quantity=Decimal("10"),
    unit_price=eur("49.99"),
    subtotal=eur("499.90"),
    tax_rate=Decimal("20"),
    tax=eur("99.98"),
    total=eur("599.88"),
)
SETUP_LINE = LineDraft(
    item_id=SETUP,
    name="Setup",
    billed=BilledType.ONCE,
    quantity=Decimal("1"),
    unit_price=eur("500.00"),
    subtotal=eur("500.00"),
    tax_rate=Decimal("20"),
    tax=eur("100.00"),
    total=eur("600.00"),
)
SUPPORT_LINE = LineDraft(
    item_id=SUPPORT,
    name="Support",
    billed=BilledType.ANNUALLY,
    quantity=Decimal("1"),
    unit_price=eur("100.00"),
    subtotal=eur("100.00"),
    tax_rate=Decimal("0"),
    tax=eur("0.00"),
    total=eur("100.00"),
    vat_category=VatCategory.ZERO,
)


def test_the_worked_example_first_period():
    draft = draft_invoice(contract(), WORKED_EXAMPLE, 0, set())
    assert draft == InvoiceDraft(
        period=Period(0, date(2027, 1, 1), date(2027, 1, 31)),
        issue_date=date(2027, 1, 1),
        due_date=date(2027, 1, 31),
        lines=[SEATS_LINE, SETUP_LINE, SUPPORT_LINE],
        subtotal=eur("1099.90"),
        tax=eur("199.98"),
        total=eur("1299.88"),
    )


def test_under_the_reverse_charge_every_line_is_ae_at_0_percent():
    terms = dataclasses.replace(contract(), reverse_charge=True)

    draft = draft_invoice(terms, WORKED_EXAMPLE, 0, set())

    assert [(line.vat_category, line.tax_rate, line.tax) for line in draft.lines] == [
        (VatCategory.REVERSE_CHARGE, Decimal(0), eur("0.00")),
    ] * 3
    assert (draft.subtotal, draft.tax, draft.total) == (eur("1099.90"), eur("0.00"), eur("1099.90"))


def test_a_category_chosen_on_the_item_wins_and_only_s_is_taxed():
    exempt = dataclasses.replace(WORKED_EXAMPLE[0], vat_category=VatCategory.EXEMPT)
    taxed = dataclasses.replace(WORKED_EXAMPLE[1], vat_category=VatCategory.STANDARD)
    terms = dataclasses.replace(contract(), reverse_charge=True)

    draft = draft_invoice(terms, [exempt, taxed], 0, set())

    assert [(line.vat_category, line.tax_rate, line.tax) for line in draft.lines] == [
        (VatCategory.EXEMPT, Decimal(0), eur("0.00")),
        (VatCategory.STANDARD, Decimal("20"), eur("100.00")),
    ]


def test_the_worked_example_second_period_without_the_setup_fee():
    draft = draft_invoice(contract(), WORKED_EXAMPLE, 1, {SETUP})
    assert draft == InvoiceDraft(
        period=Period(1, date(2027, 2, 1), date(2027, 2, 28)),
        issue_date=date(2027, 2, 1),
        due_date=date(2027, 3, 3),
        lines=[SEATS_LINE, SUPPORT_LINE],
        subtotal=eur("599.90"),
        tax=eur("99.98"),
        total=eur("699.88"),
    )


def test_a_once_item_not_yet_billed_still_comes_on_a_later_invoice():
    # Once: the first invoice that has not had it, even when that is not the first period.
    draft = draft_invoice(contract(), WORKED_EXAMPLE, 5, set())
    assert draft is not None
    assert draft.lines == [SEATS_LINE, SETUP_LINE, SUPPORT_LINE]


def test_yen_round_to_whole_yen():
    items = [item(1999, "3", tax_rate="10", currency="JPY")]
    draft = draft_invoice(contract("JPY"), items, 0, set())
    assert draft is not None
    [line] = draft.lines
    assert line.unit_price == Money(1999, "JPY")
    assert line.subtotal == Money(5997, "JPY")
    assert line.tax == Money(600, "JPY")  # 599.7 rounds up
    assert line.total == Money(6597, "JPY")
    assert (draft.subtotal, draft.tax, draft.total) == (
        Money(5997, "JPY"),
        Money(600, "JPY"),
        Money(6597, "JPY"),
    )


def test_bahraini_dinars_round_to_three_places():
    items = [item(1333, "2.5", tax_rate="5", currency="BHD")]
    draft = draft_invoice(contract("BHD"), items, 0, set())
    assert draft is not None
    [line] = draft.lines
    assert line.unit_price == Money.parse("1.333", "BHD")
    assert line.subtotal == Money.parse("3.333", "BHD")  # 3.3325 half-up
    assert line.tax == Money.parse("0.167", "BHD")  # 0.16665 half-up
    assert line.total == Money.parse("3.500", "BHD")
    assert draft.total == Money.parse("3.500", "BHD")


def test_a_monthly_price_on_a_quarterly_contract_is_three_times_it():
    items = [item(4999, "10", BilledType.MONTHLY, "20")]
    draft = draft_invoice(contract(cycle=BillingCycle.QUARTERLY), items, 1, set())
    assert draft is not None
    assert draft.period == Period(1, date(2027, 4, 1), date(2027, 6, 30))
    [line] = draft.lines
    assert line.unit_price == eur("149.97")
    assert line.subtotal == eur("1499.70")
    assert line.tax == eur("299.94")
    assert line.total == eur("1799.64")


def test_an_annual_price_on_a_monthly_contract_is_a_twelfth_rounded_once_per_line():
    items = [
        item(100000, "1", BilledType.ANNUALLY),
        item(100000, "3", BilledType.ANNUALLY),
    ]
    draft = draft_invoice(contract(), items, 0, set())
    assert draft is not None
    one, three = draft.lines
    assert (one.unit_price, one.subtotal) == (eur("83.33"), eur("83.33"))
    # 3 x 1000 / 12 = 250.00 exactly, not 3 x 83.33 = 249.99.
    assert (three.unit_price, three.subtotal) == (eur("83.33"), eur("250.00"))
    assert draft.total == eur("333.33")


def test_a_quarterly_price_on_a_monthly_contract_is_a_third():
    items = [item(10000, "2", BilledType.QUARTERLY, "20")]
    draft = draft_invoice(contract(), items, 0, set())
    assert draft is not None
    [line] = draft.lines
    assert line.unit_price == eur("33.33")
    assert line.subtotal == eur("66.67")  # 200 / 3 = 66.666...
    assert line.tax == eur("13.33")  # 13.334
    assert line.total == eur("80.00")


def test_a_monthly_price_on_an_annual_contract_is_twelve_times_it():
    items = [item(4999, "1.5", BilledType.MONTHLY)]
    draft = draft_invoice(contract(cycle=BillingCycle.ANNUALLY), items, 2, set())
    assert draft is not None
    assert draft.period == Period(2, date(2029, 1, 1), date(2029, 12, 31))
    assert draft.lines[0].unit_price == eur("599.88")
    assert draft.lines[0].subtotal == eur("899.82")


@pytest.mark.parametrize(
    ("cycle", "billed", "factor"),
    [
        (BillingCycle.MONTHLY, BilledType.ONCE, Fraction(1)),
        (BillingCycle.ANNUALLY, BilledType.ONCE, Fraction(1)),
        (BillingCycle.MONTHLY, BilledType.MONTHLY, Fraction(1)),
        (BillingCycle.MONTHLY, BilledType.QUARTERLY, Fraction(1, 3)),
        (BillingCycle.MONTHLY, BilledType.ANNUALLY, Fraction(1, 12)),
        (BillingCycle.QUARTERLY, BilledType.MONTHLY, Fraction(3)),
        (BillingCycle.QUARTERLY, BilledType.ANNUALLY, Fraction(1, 4)),
        (BillingCycle.ANNUALLY, BilledType.QUARTERLY, Fraction(4)),
    ],
)
def test_period_factor(cycle, billed, factor):
    assert period_factor(cycle, billed) == factor


def test_a_once_item_is_not_converted_to_the_cycle():
    items = [item(120000, "2", BilledType.ONCE)]
    draft = draft_invoice(contract(cycle=BillingCycle.QUARTERLY), items, 0, set())
    assert draft is not None
    assert draft.lines[0].unit_price == eur("1200.00")
    assert draft.lines[0].subtotal == eur("2400.00")


def test_items_start_and_end_with_the_periods_they_are_active_at_the_start_of():
    late = item(1000, start=date(2027, 3, 1), name="Late")  # starts with the third period
    mid = item(2000, start=date(2027, 2, 15), name="Mid")  # active from the third period on
    ending = item(4000, end=date(2027, 2, 1), name="Ending")  # last billed in the second
    items = [late, mid, ending]

    def names(index: int) -> list[str]:
        draft = draft_invoice(contract(), items, index, set())
        return [] if draft is None else [line.name for line in draft.lines]

    assert names(0) == ["Ending"]
    assert names(1) == ["Ending"]
    assert names(2) == ["Late", "Mid"]
    assert names(3) == ["Late", "Mid"]


def test_an_item_ending_before_the_first_period_leaves_nothing_to_issue():
    items = [item(1000, start=date(2026, 1, 1), end=date(2026, 12, 31))]
    assert draft_invoice(contract(), items, 0, set()) is None


def test_a_once_item_starting_in_the_third_period_comes_on_the_third_invoice():
    fee = item(50000, billed=BilledType.ONCE, start=date(2027, 3, 20), name="Training")
    seats = item(4999, "10", name="Seats")
    items = [fee, seats]
    billed: set[UUID] = set()
    seen: list[list[str]] = []
    for index in range(5):
        draft = draft_invoice(contract(), items, index, billed)
        assert draft is not None
        seen.append([line.name for line in draft.lines])
        billed |= {line.item_id for line in draft.lines if line.billed == BilledType.ONCE}
    assert seen == [["Seats"], ["Seats"], ["Training", "Seats"], ["Seats"], ["Seats"]]


def test_a_once_item_starting_before_the_first_period_comes_on_the_first_invoice():
    fee = item(50000, billed=BilledType.ONCE, start=date(2026, 6, 1))
    draft = draft_invoice(contract(), [fee], 0, set())
    assert draft is not None
    assert draft.total == eur("500.00")


def test_nothing_after_the_contract_has_ended():
    terms = contract(end=date(2027, 2, 28))
    assert draft_invoice(terms, WORKED_EXAMPLE, 1, {SETUP}) is not None
    assert draft_invoice(terms, WORKED_EXAMPLE, 2, {SETUP}) is None
    # Even a one-time item never billed is not billed after the end.
    assert draft_invoice(terms, WORKED_EXAMPLE, 2, set()) is None


def test_a_contract_ending_on_a_period_start_still_has_that_invoice():
    terms = contract(end=date(2027, 3, 1))
    draft = draft_invoice(terms, WORKED_EXAMPLE, 2, {SETUP})
    assert draft is not None
    assert draft.total == eur("699.88")


def test_an_item_in_another_currency_is_a_programming_error():
    items = [item(4999), item(4999, currency="USD")]
    with pytest.raises(ValueError, match="priced in USD, its contract in EUR"):
        draft_invoice(contract(), items, 0, set())


def test_no_items_nothing_to_issue():
    assert draft_invoice(contract(), [], 0, set()) is None


def test_the_due_date_counts_days_from_the_issue_date():
    draft = draft_invoice(contract(start=date(2027, 1, 31), due_days=14), WORKED_EXAMPLE, 1, set())
    assert draft is not None
    assert (draft.issue_date, draft.due_date) == (date(2027, 2, 28), date(2027, 3, 14))


def test_more_digits_than_decimal_s_default_28_are_still_rounded_exactly_once():
    # 0.01 x this / 12 is 10**19 + 0.00499999916..., half-up 10**19. At 28 digits the
    # product is first rounded to ...0.06, a twelfth of which is exactly a half: rounded up.
    quantity = "12000000000000000000005.999999"
    items = [item(1, quantity, BilledType.ANNUALLY, "20")]
    draft = draft_invoice(contract(), items, 0, set())
    assert draft is not None
    [line] = draft.lines
    assert line.subtotal == Money(10**21, "EUR")
    assert line.subtotal.minor == half_up(Fraction(1) * Fraction(quantity) / 12)
    assert line.tax == Money(2 * 10**20, "EUR")


def half_up(value: Fraction) -> int:
    """The exact rule, away from zero at a half, for rationals."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


CURRENCIES = ["EUR", "JPY", "BHD"]
item_dates = st.none() | st.dates(min_value=date(2026, 6, 1), max_value=date(2030, 12, 31))


@st.composite
def invoices(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    terms = contract(
        currency=currency,
        cycle=draw(st.sampled_from(list(BillingCycle))),
        start=draw(st.dates(min_value=date(2027, 1, 1), max_value=date(2028, 12, 31))),
        end=draw(st.none() | st.dates(min_value=date(2027, 1, 1), max_value=date(2035, 12, 31))),
        due_days=draw(st.integers(0, 90)),
    )
    items = draw(
        st.lists(
            st.builds(
                ItemTerms,
                id=st.uuids(),
                name=st.just("Item"),
                unit_price=st.integers(0, 10**9),
                currency=st.just(currency),
                quantity=st.decimals(0, 1000, places=4),
                billed=st.sampled_from(list(BilledType)),
                tax_rate=st.decimals(0, 30, places=2),
                start_date=item_dates,
                end_date=item_dates,
            ),
            max_size=8,
            unique_by=lambda terms: terms.id,
        )
    )
    billed = draw(st.sets(st.sampled_from([i.id for i in items]))) if items else set()
    return terms, items, draw(st.integers(0, 30)), billed


@given(invoices())
def test_lines_add_up_to_the_invoice_in_the_currency_s_own_minor_unit(case):
    terms, items, index, billed = case
    draft = draft_invoice(terms, items, index, billed)
    if draft is None:
        return
    currency = terms.currency
    amounts = [draft.subtotal, draft.tax, draft.total]
    for line in draft.lines:
        amounts += [line.unit_price, line.subtotal, line.tax, line.total]
        assert line.total == line.subtotal + line.tax
    for amount in amounts:
        assert amount.currency == currency
        assert Money.parse(str(amount.amount), currency) == amount
    assert draft.subtotal == sum((line.subtotal for line in draft.lines), Money.zero(currency))
    assert draft.tax == sum((line.tax for line in draft.lines), Money.zero(currency))
    assert draft.total == sum((line.total for line in draft.lines), Money.zero(currency))
    assert draft.total == draft.subtotal + draft.tax
    assert draft.issue_date == draft.period.start


@given(invoices())
def test_each_line_is_the_exact_amount_rounded_half_up_once(case):
    terms, items, index, billed = case
    draft = draft_invoice(terms, items, index, billed)
    if draft is None:
        return
    by_id = {i.id: i for i in items}
    scale = 10 ** exponent(terms.currency)
    for line in draft.lines:
        terms_of = by_id[line.item_id]
        factor = period_factor(terms.billing_cycle, line.billed)
        price = Fraction(terms_of.unit_price, scale)
        assert line.unit_price.minor == half_up(price * factor * scale)
        assert line.subtotal.minor == half_up(price * factor * Fraction(line.quantity) * scale)
        assert line.tax.minor == half_up(
            Fraction(line.subtotal.minor) * Fraction(line.tax_rate) / 100
        )


@given(invoices())
def test_a_once_item_is_billed_exactly_once_over_the_contract(case):
    terms, items, _, _ = case
    billed: set[UUID] = set()
    counts: dict[UUID, int] = {}
    for index in range(40):
        draft = draft_invoice(terms, items, index, billed)
        if draft is None:
            continue
        for line in draft.lines:
            if line.billed == BilledType.ONCE:
                counts[line.item_id] = counts.get(line.item_id, 0) + 1
                billed.add(line.item_id)
    assert all(count == 1 for count in counts.values())
