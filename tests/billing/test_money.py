from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remit.billing.errors import Invalid
from remit.billing.money import Money, check_currency, exponent, shown


@pytest.mark.parametrize(("currency", "places"), [("EUR", 2), ("JPY", 0), ("BHD", 3), ("USD", 2)])
def test_the_currency_decides_the_minor_unit(currency, places):
    assert exponent(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("49.99", "EUR", 4999), ("1250", "JPY", 1250), ("1.250", "BHD", 1250), ("-3.5", "EUR", -350)],
)
def test_parse_reads_an_exact_amount(amount, currency, minor):
    assert Money.parse(amount, currency) == Money(minor, currency)


def test_more_places_than_the_currency_has_is_an_error():
    with pytest.raises(Invalid) as caught:
        Money.parse("10.5", "JPY", field=["input", "price"])
    assert caught.value.message == "JPY amounts have at most 0 decimal places; 10.5 has more."
    assert caught.value.field == ["input", "price"]


@pytest.mark.parametrize("code", ["EURO", "eur", "ABC", ""])
def test_an_unknown_currency_is_an_error(code):
    with pytest.raises(Invalid, match="is not an ISO 4217 currency code"):
        check_currency(code)


@pytest.mark.parametrize("amount", ["ten", "NaN", "Infinity"])
def test_a_non_number_is_an_error(amount):
    with pytest.raises(Invalid, match="is not a number"):
        Money.parse(amount, "EUR")


def test_rounding_is_half_up_to_the_minor_unit():
    assert Money.rounded(Decimal("0.005"), "EUR") == Money(1, "EUR")
    assert Money.rounded(Decimal("0.0049"), "EUR") == Money(0, "EUR")
    assert Money.rounded(Decimal("-0.005"), "EUR") == Money(-1, "EUR")
    assert Money.rounded(Decimal("2.5"), "JPY") == Money(3, "JPY")


def test_amount_and_formatting():
    assert Money(125000, "EUR").amount == Decimal("1250.00")
    assert str(Money(1250, "BHD").amount) == "1.250"
    assert Money(125000, "EUR").formatted() == "€1,250.00"
    assert Money(1250, "JPY").formatted() == "¥1,250"


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (9950, "USD", "$99.50"),
        (110006, "JPY", "¥110,006"),
        (1250, "BHD", "BHD1.250"),
        (None, "EUR", "no amount EUR"),
        (9950, None, "9950"),
        (9950, "ZZZ", "9950 ZZZ"),
    ],
)
def test_an_amount_reported_from_outside_reads_as_money_when_it_is(minor, currency, text):
    assert shown(minor, currency) == text


def test_sums_stay_in_one_currency():
    assert sum([Money(1, "EUR"), Money(2, "EUR")], Money.zero("EUR")) == Money(3, "EUR")
    assert sum([Money(1, "EUR"), Money(2, "EUR")]) == Money(3, "EUR")
    with pytest.raises(TypeError):
        Money(1, "EUR") + Money(1, "USD")


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    currency=st.sampled_from(["EUR", "JPY", "BHD"]),
)
def test_parse_reads_back_what_amount_shows(minor, currency):
    money = Money(minor, currency)
    assert Money.parse(str(money.amount), currency) == money
