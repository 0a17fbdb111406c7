"""Statements of account in the API: `Organization.statement(from, to)`."""

from datetime import date

import strawberry

from remit.billing import statements
from remit.graph.money import Money

StatementMovementKind = strawberry.enum(
    statements.MovementKind,
    name="StatementMovementKind",
    description="INVOICE and REFUND add to what is owed; CREDIT_NOTE, VOID and PAYMENT lower it.",
)


@strawberry.type
class StatementLine:
    date: date
    kind: StatementMovementKind
    reference: str = strawberry.field(
        description="The invoice's or credit note's number, or the payment's reference."
    )
    amount: Money = strawberry.field(
        description="What it adds to the balance: negative when it lowers it."
    )
    balance: Money = strawberry.field(description="The balance after it.")


@strawberry.type
class StatementAccount:
    """One currency's movements: Remit never converts between currencies."""

    currency: str
    opening: Money = strawberry.field(
        description="The balance brought forward from before the period."
    )
    lines: list[StatementLine]
    closing: Money = strawberry.field(
        description="Positive: owed by the organization. Negative: its credit balance."
    )


@strawberry.type
class Statement:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    made_on: date
    accounts: list[StatementAccount] = strawberry.field(
        description="One per currency with a balance brought forward or a movement in the period."
    )
    pdf_url: str = strawberry.field(
        description="The statement as a PDF at an unguessable link, for 90 days: for the tenant to send."
    )

    @classmethod
    def from_document(cls, document: statements.StatementDocument, pdf_url: str) -> "Statement":
        return cls(
            start=document.start,
            end=document.end,
            made_on=document.made_on,
            accounts=[
                StatementAccount(
                    currency=account.currency,
                    opening=Money.from_value(account.opening),
                    lines=[
                        StatementLine(
                            date=line.movement.day,
                            kind=line.movement.kind,
                            reference=line.movement.reference,
                            amount=Money.from_value(line.movement.amount),
                            balance=Money.from_value(line.balance),
                        )
                        for line in account.lines
                    ],
                    closing=Money.from_value(account.closing),
                )
                for account in document.currencies
            ],
            pdf_url=pdf_url,
        )
