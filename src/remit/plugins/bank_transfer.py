"""Bank transfer: the tenant's account details for the invoice's currency, printed on it."""

from typing import Self

from pydantic import BaseModel, Field, field_validator, model_validator

from remit import BaseProvider, InvoiceView, PaymentOption, PaymentRefused, hookimpl


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: two letters, two check digits, up to 30 letters and digits; mod 97 == 1."""
    if not (
        iban.isascii()
        and 15 <= len(iban) <= 34
        and iban[:2].isalpha()
        and iban[2:4].isdigit()
        and iban.isalnum()
    ):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def compact(value: str | None) -> str | None:
    return value.replace(" ", "").upper() if value else value


class BankAccount(BaseModel):
    currency: str = Field(description="ISO 4217 code of the payments this account receives")
    account_holder: str = Field(min_length=1, max_length=200)
    bank_name: str = Field(min_length=1, max_length=200)
    iban: str | None = Field(default=None, description="For IBAN countries")
    bic: str | None = Field(default=None, description="SWIFT/BIC of the bank")
    account_number: str | None = Field(default=None, description="Where IBAN is not used")
    sort_code: str | None = Field(default=None, description="UK")
    routing_number: str | None = Field(default=None, description="US ABA routing number")

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not (len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()):
            raise ValueError("must be an ISO 4217 code such as EUR")
        return value

    @field_validator("iban", "bic", mode="after")
    @classmethod
    def _compact(cls, value: str | None) -> str | None:
        return compact(value)

    @field_validator("iban")
    @classmethod
    def _iban_checksum(cls, value: str | None) -> str | None:
        if value is not None and not iban_is_valid(value):
            raise ValueError("is not a valid IBAN (its check digits do not match)")
        return value

    @field_validator("bic")
    @classmethod
    def _bic_shape(cls, value: str | None) -> str | None:
        if value is not None and not (
            value.isascii() and len(value) in (8, 11) and value[:6].isalpha() and value.isalnum()
        ):
            raise ValueError("must be 8 or 11 letters and digits, e.g. DEUTDEFF")
        return value

    @model_validator(mode="after")
    def _one_way_to_pay(self) -> Self:
        if self.iban is None and not (
            self.account_number and (self.sort_code or self.routing_number)
        ):
            raise ValueError(
                "give an IBAN, or an account number with a sort code or routing number"
            )
        return self

    def lines(self) -> list[str]:
        details = [
            ("Account holder", self.account_holder),
            ("Bank", self.bank_name),
            ("IBAN", self.iban),
            ("BIC", self.bic),
            ("Account number", self.account_number),
            ("Sort code", self.sort_code),
            ("Routing number", self.routing_number),
        ]
        return [f"{label}: {value}" for label, value in details if value]


class BankTransferSettings(BaseModel):
    accounts: list[BankAccount] = Field(min_length=1, description="One account per currency")

    @field_validator("accounts")
    @classmethod
    def _one_per_currency(cls, accounts: list[BankAccount]) -> list[BankAccount]:
        currencies = [account.currency for account in accounts]
        repeated = sorted({c for c in currencies if currencies.count(c) > 1})
        if repeated:
            raise ValueError(f"one account per currency; more than one for {', '.join(repeated)}")
        return accounts


class BankTransfer(BaseProvider):
    key = "bank_transfer"
    name = "Bank transfer"
    Settings = BankTransferSettings

    async def payment_option(
        self, invoice: InvoiceView, settings: BankTransferSettings
    ) -> PaymentOption:
        account = next((a for a in settings.accounts if a.currency == invoice.currency), None)
        if account is None:
            raise PaymentRefused(f"No bank account is set up for {invoice.currency} payments.")
        reference = invoice.number or str(invoice.id)
        instructions = "\n".join(
            ["Please transfer the amount due to:", *account.lines(), f"Reference: {reference}"]
        )
        return PaymentOption(provider=self.key, name=self.name, instructions=instructions)


@hookimpl
def remit_payment_providers():
    return [BankTransfer()]
