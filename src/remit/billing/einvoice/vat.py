"""VAT categories (EN 16931 BT-151, UNTDID 5305): which one a line is in, the note the law
wants on the document for it, and the format of a VAT identifier."""

import json
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import quote

import httpx
from stdnum.eu import vat as eu_vat

from remit.catalogs import N_
from remit.models.enums import VatCategory

# The VAT area of the EU, by ISO 3166-1 code (Greece is EL in VAT numbers, GR here; XI is
# Northern Ireland for goods).
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

# The exemption reason (BT-120) printed on the document in the customer's language and
# written into the e-invoice in English (its VATEX code says the same to any reader); the
# categories without one carry VAT or need no reason.
LEGAL_NOTES: Mapping[VatCategory, str] = {
    VatCategory.REVERSE_CHARGE: N_("Reverse charge"),
    VatCategory.INTRA_COMMUNITY: N_("Intra-community supply"),
    VatCategory.EXEMPT: N_("Exempt from VAT"),
    VatCategory.OUTSIDE_SCOPE: N_("Not subject to VAT"),
}
# VATEX codes (CEF) for the same reasons.
EXEMPTION_CODES: Mapping[VatCategory, str] = {
    VatCategory.REVERSE_CHARGE: "VATEX-EU-AE",
    VatCategory.INTRA_COMMUNITY: "VATEX-EU-IC",
    VatCategory.OUTSIDE_SCOPE: "VATEX-EU-O",
}


def legal_notes(categories) -> list[str]:
    """The notes a document with lines of these categories must carry, each once."""
    notes = (LEGAL_NOTES.get(VatCategory(category)) for category in categories)
    return list(dict.fromkeys(note for note in notes if note))


def country_of(address: Mapping[str, str | None] | None) -> str | None:
    code = (address or {}).get("country")
    return code.strip().upper() if code else None


def reverse_charge(
    seller_address: Mapping[str, str | None] | None,
    buyer_address: Mapping[str, str | None] | None,
) -> bool:
    """A supply from one EU country to a business in another: the buyer accounts for the
    VAT (Art. 196 of Directive 2006/112/EC). Decided on the countries alone, so that a buyer
    without a VAT identifier is not charged VAT silently: its invoice is held by BR-AE-02
    until the tenant gives the identifier or sets the items' category."""
    seller, buyer = country_of(seller_address), country_of(buyer_address)
    return seller in EU_COUNTRIES and buyer in EU_COUNTRIES and seller != buyer


def line_category(chosen: VatCategory | None, tax_rate: Decimal, reverse: bool) -> VatCategory:
    """The category of an item's line: the one chosen on the item, else AE under the
    reverse charge, S when the item is taxed, Z when its rate is 0."""
    if chosen is not None:
        return VatCategory(chosen)
    if reverse:
        return VatCategory.REVERSE_CHARGE
    return VatCategory.STANDARD if tax_rate > 0 else VatCategory.ZERO


def charged_rate(category: VatCategory, tax_rate: Decimal) -> Decimal:
    """The rate a line is taxed at: the item's own in the standard category, 0 in all the
    others (BR-AE-05, BR-E-05, BR-Z-05, BR-IC-05, BR-O-05)."""
    return tax_rate if category == VatCategory.STANDARD else Decimal(0)


def vat_id_problem(vat_id: str) -> str | None:
    """Why `vat_id` is not an EU VAT identifier (country prefix and check digits, by
    python-stdnum), or None."""
    try:
        eu_vat.validate(vat_id)
    except Exception as error:  # stdnum's ValidationError family, one per kind of fault
        return f"{vat_id!r} is not a valid EU VAT identifier ({error})."
    return None


def compact(vat_id: str) -> str:
    return eu_vat.compact(vat_id)


async def vies_problem(base_url: str, vat_id: str) -> str | None:
    """Why the VIES service at `base_url` (its REST API: GET /ms/{country}/vat/{number})
    does not confirm `vat_id` as registered, or None. Off unless REMIT_VIES_URL is set."""
    number = compact(vat_id)
    country, rest = number[:2], number[2:]
    url = f"{base_url.rstrip('/')}/ms/{quote(country)}/vat/{quote(rest)}"
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(url)
        valid = answer.status_code == 200 and json.loads(answer.content).get("isValid") is True
    except (httpx.HTTPError, ValueError, AttributeError):
        return "The VIES service could not be reached to confirm the VAT identifier; try again."
    return None if valid else f"VIES does not know {number} as a registered VAT identifier."
