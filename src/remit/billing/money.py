"""Money: an integer of minor units and an ISO 4217 currency. Never a float.

The currency's own exponent decides the minor unit (JPY 0, EUR 2, BHD 3). Decimals appear
only at the edges, when an amount is read from or shown to a person.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, is_currency

from remit.billing.errors import Invalid
from remit.catalogs import babel_locale

# ISO 4217 gives X-codes to things that are not money to invoice in: precious metals (XAU,
# XAG, XPD, XPT), bond-market and accounting units (XBA-XBD, XDR, XSU, XUA...), the testing
# code XTS and XXX, "no currency". Of the X-codes only these are currencies people pay in.
X_CURRENCIES = frozenset({"XAF", "XCD", "XCG", "XOF", "XPF"})

# No amount this large fits a 64-bit column in minor units, whatever the currency: refused
# before it is scaled, where a Decimal's exponent would overflow (1e999999).
MAX_AMOUNT = Decimal(10) ** 19


def check_currency(code: str, *, field: list[str] | None = None) -> str:
    if not (len(code) == 3 and code.isupper() and is_currency(code)):
        raise Invalid(f"{code!r} is not an ISO 4217 currency code.", field=field)
    if code.startswith("X") and code not in X_CURRENCIES:
        raise Invalid(
            f"{code!r} is an ISO 4217 code but not a currency invoices can be paid in.",
            field=field,
        )
    return code


def exponent(currency: str) -> int:
    return get_currency_precision(currency)


def shown(minor: int | None, currency: str | None) -> str:
    """An amount reported from outside, as a person reads it in a record: "$99.50",
    "¥110,006". One that is not money Remit knows (no amount, no or an unknown currency) is
    shown as it came."""
    if minor is None or currency is None or not is_currency(currency):
        return f"{'no amount' if minor is None else minor} {currency or ''}".strip()
    return Money(minor, currency).formatted()


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: str

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(0, currency)

    @classmethod
    def parse(
        cls, amount: str | Decimal, currency: str, *, field: list[str] | None = None
    ) -> "Money":
        """An exact amount as a person writes it; more places than the currency has is an error."""
        check_currency(currency, field=field)
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise Invalid(f"{amount!r} is not a number.", field=field) from None
        if not value.is_finite():
            raise Invalid(f"{amount!r} is not a number.", field=field)
        if abs(value) >= MAX_AMOUNT:
            raise Invalid(f"{amount} is too large an amount.", field=field)
        places = exponent(currency)
        minor = value.scaleb(places)
        if minor != minor.to_integral_value():
            raise Invalid(
                f"{currency} amounts have at most {places} decimal places; {amount} has more.",
                field=field,
            )
        return cls(int(minor), currency)

    @classmethod
    def rounded(cls, value: Decimal, currency: str) -> "Money":
        """An amount computed at higher precision, rounded half-up to the minor unit."""
        minor = value.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(minor), currency)

    @property
    def amount(self) -> Decimal:
        places = exponent(self.currency)
        return Decimal(self.minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))

    def formatted(self, locale: str = "en") -> str:
        """As a reader of `locale` (a BCP 47 tag) writes it: "€1,299.88", "1.299,88 €"."""
        return format_currency(self.amount, self.currency, locale=babel_locale(locale))

    def __add__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __radd__(self, other: object) -> "Money":
        if other == 0:  # lets sum() start from its default 0
            return self
        return NotImplemented

    def __sub__(self, other: "Money") -> "Money":
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def _same_currency(self, other: "Money") -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise TypeError(f"cannot combine {self.currency} with {other!r}")
