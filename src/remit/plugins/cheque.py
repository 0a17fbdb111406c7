"""Cheque: whom to make the cheque payable to and where to mail it."""

import pycountry
from pydantic import BaseModel, Field, field_validator

from remit import BaseProvider, InvoiceView, PaymentOption, hookimpl
from remit.catalogs import N_, translated


class MailingAddress(BaseModel):
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if pycountry.countries.get(alpha_2=value) is None:
            raise ValueError(f"{value} is not an ISO 3166-1 country code, such as DE")
        return value

    def lines(self) -> list[str]:
        locality = " ".join(part for part in (self.city, self.region, self.postal_code) if part)
        return [line for line in (self.line1, self.line2, locality, self.country) if line]


class ChequeSettings(BaseModel):
    payee_name: str = Field(min_length=1, max_length=200)
    mailing_address: MailingAddress


class Cheque(BaseProvider):
    key = "cheque"
    name = N_("Cheque")
    Settings = ChequeSettings

    def describe(self, invoice: InvoiceView, settings: ChequeSettings) -> PaymentOption:
        reference = invoice.number or str(invoice.id)
        instructions = "\n".join(
            [
                translated(
                    "Make the cheque payable to %(payee)s\nand write %(reference)s on its back. "
                    "Mail it to:",
                    invoice.locale,
                    payee=settings.payee_name,
                    reference=reference,
                ),
                *settings.mailing_address.lines(),
            ]
        )
        return PaymentOption(
            provider=self.key,
            name=translated(self.name, invoice.locale),
            instructions=instructions,
        )

    async def payment_option(self, invoice: InvoiceView, settings: ChequeSettings) -> PaymentOption:
        return self.describe(invoice, settings)


@hookimpl
def remit_payment_providers():
    return [Cheque()]
