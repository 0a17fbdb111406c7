"""Cheque: whom to pay and where to mail it, printed on the invoice."""

import pytest
from pydantic import ValidationError

from remit import PaymentOption, PaymentRefused, WebhookRejected
from remit.plugins.cheque import Cheque, ChequeSettings
from remit.testing import sample_invoice

ADDRESS = {
    "line1": "100 Main Street",
    "line2": "Suite 400",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
provider = Cheque()


def settings(**address) -> ChequeSettings:
    return ChequeSettings.model_validate(
        {"payee_name": "Acme Inc.", "mailing_address": {**ADDRESS, **address}}
    )


def problems(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[tuple, str]]:
    return [(problem["loc"], problem["msg"]) for problem in error.value.errors()]


async def test_instructions_name_the_payee_the_reference_and_the_address():
    option = await provider.payment_option(sample_invoice(currency="USD"), settings())

    assert option == PaymentOption(
        provider="cheque",
        name="Cheque",
        instructions=(
            "Make the cheque payable to Acme Inc.\n"
            "and write INV-000042 on its back. Mail it to:\n"
            "100 Main Street\n"
            "Suite 400\n"
            "Springfield IL 62701\n"
            "US"
        ),
    )


async def test_optional_address_lines_are_left_out():
    invoice = sample_invoice(number=None)

    option = await provider.payment_option(invoice, settings(line2=None, region=None))

    assert option.instructions == (
        "Make the cheque payable to Acme Inc.\n"
        f"and write {invoice.id} on its back. Mail it to:\n"
        "100 Main Street\n"
        "Springfield 62701\n"
        "US"
    )


async def test_no_automatic_charge_and_no_callbacks():
    with pytest.raises(PaymentRefused) as refused:
        await provider.charge(sample_invoice(), settings())
    assert str(refused.value) == "Cheque cannot charge automatically."

    with pytest.raises(WebhookRejected) as rejected:
        provider.parse_webhook({}, b"{}", settings())
    assert str(rejected.value) == "Cheque sends no callbacks."


@pytest.mark.parametrize("country", ["us", "USA", "U", "U1", ""])
def test_country_is_an_iso_3166_code(country):
    with pytest.raises(ValidationError) as error:
        settings(country=country)

    assert problems(error) == [
        (("mailing_address", "country"), "String should match pattern '^[A-Z]{2}$'")
    ]


@pytest.mark.parametrize("country", ["AC", "CP", "EA", "IC", "XK", "ZZ"])
def test_country_is_one_iso_3166_knows(country):
    with pytest.raises(ValidationError) as error:
        settings(country=country)

    assert problems(error) == [
        (
            ("mailing_address", "country"),
            f"Value error, {country} is not an ISO 3166-1 country code, such as DE",
        )
    ]


@pytest.mark.parametrize("country", ["DE", "US", "CH"])
def test_countries_are_accepted(country):
    assert settings(country=country).mailing_address.country == country


@pytest.mark.parametrize("field", ["line1", "city", "postal_code"])
def test_address_parts_are_required(field):
    with pytest.raises(ValidationError) as error:
        settings(**{field: ""})

    assert problems(error) == [
        (("mailing_address", field), "String should have at least 1 character")
    ]


def test_payee_is_required():
    with pytest.raises(ValidationError) as error:
        ChequeSettings.model_validate({"mailing_address": ADDRESS})

    assert problems(error) == [(("payee_name",), "Field required")]
