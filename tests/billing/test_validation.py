"""Country codes are ISO 3166-1 as pycountry knows them, not every CLDR territory."""

import pytest

from remit.billing import validation
from remit.billing.errors import Invalid

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
