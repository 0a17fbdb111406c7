from decimal import Decimal

import strawberry

from billing.money import Money as MoneyValue


@strawberry.type
class Money:
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217")
    formatted: str = strawberry.field(description='Formatted for people, e.g. "€1,250.00"')

    @classmethod
    def from_value(cls, value: MoneyValue) -> "Money":
        return cls(amount=value.amount, currency=value.currency, formatted=value.formatted())

    @classmethod
    def of(cls, minor: int, currency: str) -> "Money":
        return cls.from_value(MoneyValue(minor, currency))
