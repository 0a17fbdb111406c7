from decimal import Decimal

import strawberry

from remit.billing.money import Money as MoneyValue


@strawberry.type
class Money:
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217")
    value: strawberry.Private[MoneyValue]

    @strawberry.field(description='Formatted for people, e.g. "€1,250.00"')
    def formatted(self) -> str:
        # Only when asked for: formatting is most of the cost of an amount, and a page of
        # invoices has over a thousand of them.
        return self.value.formatted()

    @classmethod
    def from_value(cls, value: MoneyValue) -> "Money":
        return cls(amount=value.amount, currency=value.currency, value=value)

    @classmethod
    def of(cls, minor: int, currency: str) -> "Money":
        return cls.from_value(MoneyValue(minor, currency))


def plain(number: Decimal) -> Decimal:
    """Without trailing zeros, never in exponent form: 10.000000 -> 10, 2.500 -> 2.5."""
    normalized = number.normalize()
    return normalized.quantize(Decimal(1)) if normalized.as_tuple().exponent > 0 else normalized
