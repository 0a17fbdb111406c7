"""Bank transfer: the tenant's account details for the invoice's currency, printed on it.

Account numbers are checked by schwifty (IBAN and BIC, country by country) and python-stdnum
(US routing numbers), so a typo is caught when the tenant saves the settings, not when a
customer's transfer bounces."""

from typing import Self

from pydantic import BaseModel, Field, field_validator, model_validator
from schwifty import BIC, IBAN
from schwifty.exceptions import (
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as InvalidNumber
from stdnum.us import rtn

from remit import (
    BaseProvider,
    CreditTransfer,
    InvoiceView,
    PaymentOption,
    PaymentRefused,
    hookimpl,
)
from remit.catalogs import N_, translated
from remit.plugins import references

IBAN_EXAMPLE = "DE89 3704 0044 0532 0130 00"


def iban_problem(iban: str) -> str | None:
    """What is wrong with a compact IBAN, in words for the tenant; None when it is valid."""
    try:
        IBAN(iban)
    except InvalidCountryCode:
        return f"is not a valid IBAN ({iban[:2]} is not a country that has IBANs)"
    except InvalidLength:
        expected = IBAN(iban, allow_invalid=True).spec.iban_length
        return (
            f"is not a valid IBAN ({iban[:2]} IBANs have {expected} characters; "
            f"this one has {len(iban)})"
        )
    except InvalidChecksumDigits:
        return "is not a valid IBAN (its check digits do not match)"
    except SchwiftyException:
        return (
            f"is not a valid IBAN (it must be a country code, two check digits and the account "
            f"in that country's format, e.g. {IBAN_EXAMPLE})"
        )
    return None


def bic_problem(bic: str) -> str | None:
    """What is wrong with a compact BIC (ISO 9362), in words; None when it is valid."""
    try:
        BIC(bic)
    except InvalidCountryCode:
        return f"is not a valid BIC ({bic[4:6]} is not an ISO 3166 country code)"
    except SchwiftyException:
        return "must be 8 or 11 letters and digits, e.g. DEUTDEFF"
    return None


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
    def _iban(cls, value: str | None) -> str | None:
        problem = None if value is None else iban_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        problem = None if value is None else bic_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("routing_number")
    @classmethod
    def _routing_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return rtn.validate(value)
        except InvalidChecksum:
            raise ValueError(
                "is not a valid ABA routing number (its check digit does not match)"
            ) from None
        except InvalidNumber:
            raise ValueError(
                "must be the 9 digits of an ABA routing number, e.g. 021000021"
            ) from None

    @model_validator(mode="after")
    def _one_way_to_pay(self) -> Self:
        if self.iban is None and not (
            self.account_number and (self.sort_code or self.routing_number)
        ):
            raise ValueError(
                "give an IBAN, or an account number with a sort code or routing number"
            )
        return self

    def lines(self, locale: str) -> list[str]:
        details = [
            (N_("Account holder"), self.account_holder),
            (N_("Bank"), self.bank_name),
            (N_("IBAN"), IBAN(self.iban).formatted if self.iban else None),
            (N_("BIC"), self.bic),
            (N_("Account number"), self.account_number),
            (N_("Sort code"), self.sort_code),
            (N_("Routing number"), self.routing_number),
        ]
        return [
            translated("%(label)s: %(value)s", locale, label=translated(label, locale), value=value)
            for label, value in details
            if value
        ]


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
    name = N_("Bank transfer")
    Settings = BankTransferSettings

    def accepts(self, currency: str, settings: BankTransferSettings) -> bool:
        return any(account.currency == currency for account in settings.accounts)

    def describe(self, invoice: InvoiceView, settings: BankTransferSettings) -> PaymentOption:
        account = next((a for a in settings.accounts if a.currency == invoice.currency), None)
        if account is None:
            raise PaymentRefused(f"No bank account is set up for {invoice.currency} payments.")
        reference = references.payment_reference(
            invoice.number,
            qr_iban=invoice.currency == "CHF" and references.is_qr_iban(account.iban),
        )
        quoted = references.printed(reference) if reference else invoice.number or str(invoice.id)
        locale = invoice.locale
        instructions = "\n".join(
            [
                translated("Please transfer the amount due to:", locale),
                *account.lines(locale),
                translated("Reference: %(reference)s", locale, reference=quoted),
            ]
        )
        transfer = (
            CreditTransfer(account.account_holder, account.iban, account.bic, reference)
            if account.iban and reference
            else None
        )
        return PaymentOption(
            provider=self.key,
            name=translated(self.name, locale),
            instructions=instructions,
            credit_transfer=transfer,
        )

    async def payment_option(
        self, invoice: InvoiceView, settings: BankTransferSettings
    ) -> PaymentOption:
        return self.describe(invoice, settings)


@hookimpl
def remit_payment_providers():
    return [BankTransfer()]
