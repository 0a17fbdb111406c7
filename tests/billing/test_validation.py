"""Country codes are ISO 3166-1 as pycountry knows them, not every CLDR territory; text no
column can keep is refused by its path; lengths are the columns' own."""

import pytest

from remit.billing import validation
from remit.billing.errors import Invalid, RemitErrors
from remit.models.contracts import Contract
from remit.models.organizations import ProviderAccount
from remit.models.settings import InvoicingSettings

FIELD = ["input", "address", "country"]


@pytest.mark.parametrize("code", ["AC", "CP", "EA", "IC", "XK", "ZZ", "EU", "UK", "de", "DEU"])
def test_codes_that_are_not_iso_3166_countries_are_refused(code):
    with pytest.raises(Invalid) as refused:
        validation.country(code, FIELD)

    assert (refused.value.field, refused.value.message) == (
        FIELD,
        f"{code!r} is not an ISO 3166-1 alpha-2 country code, such as DE.",
    )


@pytest.mark.parametrize("code", ["DE", "US", "CH", "GB", "IE", "AQ"])
def test_iso_3166_countries_are_accepted(code):
    assert validation.country(code, FIELD) == code


def test_an_address_reports_its_country_by_path():
    checks = validation.Checks()

    cleaned = validation.address(
        {"city": "Pristina", "country": "xk"}, ["input", "address"], checks
    )

    assert cleaned["country"] is None
    assert [(error.field, error.message) for error in checks.errors] == [
        (FIELD, "'XK' is not an ISO 3166-1 alpha-2 country code, such as DE.")
    ]


def test_every_text_with_a_nul_or_a_lone_surrogate_is_refused_by_its_path():
    value = {"name": "Glo\u0000bex", "emails": ["ok@globex.com", "a\ud800@globex.com"], "n": 5}

    with pytest.raises(RemitErrors) as refused:
        validation.storable(value, ["input"])

    assert [(error.field, error.message) for error in refused.value.errors()] == [
        (["input", "name"], "Text cannot hold NUL characters or lone surrogates."),
        (["input", "emails", "1"], "Text cannot hold NUL characters or lone surrogates."),
    ]


def test_a_key_that_no_column_can_keep_is_refused_at_its_object():
    with pytest.raises(Invalid) as refused:
        validation.storable({"settings": {"\u0000": 1}}, [])

    assert refused.value.field == ["settings"]


def test_text_any_column_keeps_passes():
    assert validation.storable({"name": "Société Générale 🏦", "tab": "a\tb"}, []) is None


@pytest.mark.parametrize(
    ("model", "column", "length"),
    [
        (InvoicingSettings, "company_vat_number", 50),
        (InvoicingSettings, "logo_url", 2000),
        (ProviderAccount, "customer_ref", 255),
        (Contract, "billing_email", 254),
        (Contract, "invoice_note", validation.FREE_TEXT_LENGTH),
    ],
)
def test_a_length_is_the_columns_own_and_free_text_has_one(model, column, length):
    assert validation.length_of(model, column) == length


def test_an_email_longer_than_any_address_is_refused_before_it_is_parsed():
    with pytest.raises(Invalid) as refused:
        validation.email("a" * 1_000_000 + "@acme.com", ["email"])

    assert refused.value.message == "At most 254 characters: no email address is longer."
