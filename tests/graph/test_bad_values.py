"""The bad values a probe from outside found answered with "Internal error": each now a
clear error naming its field, and nothing changed. (The sweep in tests/sweeps tries such
values on every field; these pin down the exact answers.)"""

import logging

import pytest

from remit.billing import clock
from tests.sweeps.test_bad_input import call, snapshot
from tests.sweeps.valid_calls import TODAY, build_world

SETTINGS = "mutation($input: InvoicingSettingsInput!) { invoicingSettingsUpdate(input: $input) { errors { field message code } } }"
ORGANIZATION = "mutation($input: OrganizationInput!) { organizationCreate(input: $input) { errors { field message code } } }"
LINK = """mutation($id: ID!, $input: ProviderAccountInput!) {
  organizationProviderAccountLink(organizationId: $id, input: $input) { errors { field message code } } }"""
STATUS = "mutation($id: ID!, $input: InvoiceStatusUpdateInput!) { invoiceStatusUpdate(id: $id, input: $input) { errors { field message code } } }"
CONFIGURE = "mutation($input: PaymentProviderConfigureInput!) { paymentProviderConfigure(input: $input) { errors { field message code } } }"
STORABLE = "Text cannot hold NUL characters or lone surrogates."


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def invalid(field: list[str], message: str) -> dict:
    return {"field": field, "message": message, "code": "INVALID"}


@pytest.mark.parametrize(
    ("query", "variables", "errors"),
    [
        (
            SETTINGS,
            {"input": {"company": {"vatNumber": "DE" + "1" * 51, "phone": "+" + "4" * 52}}},
            [
                invalid(["input", "company", "vatNumber"], "At most 50 characters."),
                invalid(["input", "company", "phone"], "At most 50 characters."),
            ],
        ),
        (
            SETTINGS,
            {"input": {"branding": {"logoUrl": "https://acme.example/" + "a" * 1980}}},
            [invalid(["input", "branding", "logoUrl"], "At most 2000 characters.")],
        ),
        (
            SETTINGS,
            {"input": {"sendInvoicesFrom": "a" * 250 + "@acme.com"}},
            [
                invalid(
                    ["input", "sendInvoicesFrom"],
                    "At most 254 characters: no email address is longer.",
                )
            ],
        ),
        (
            ORGANIZATION,
            {"input": {"name": "Glo\u0000bex", "address": {"line1": "Main \ud800 St"}}},
            [
                invalid(["input", "name"], STORABLE),
                invalid(["input", "address", "line1"], STORABLE),
            ],
        ),
        (
            LINK,
            {"input": {"provider": "stripe", "customerRef": "cus_" + "1" * 252}},
            [invalid(["input", "customerRef"], "At most 255 characters.")],
        ),
        (
            STATUS,
            {"input": {"status": "PAID", "note": "n" * 2001}},
            [invalid(["input", "note"], "At most 2000 characters.")],
        ),
        (
            CONFIGURE,
            {"input": {"provider": "bank_transfer", "enabled": True, "settings": {"a\u0000": 1}}},
            [invalid(["input", "settings"], STORABLE)],
        ),
    ],
    ids=["company", "logo", "email", "organization", "link", "note", "settings"],
)
async def test_a_value_no_column_can_keep_is_a_user_error_on_its_field(
    api, query, variables, errors
):
    world = await build_world()
    ids = {"id": world.organization if "organizationId" in query else world.due_invoice}
    before = await snapshot()

    response = await call(api, world.key, query, {**ids, **variables})

    [payload] = response.json()["data"].values()
    assert payload["errors"] == errors
    assert await snapshot() == before


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            CONFIGURE,
            {"input": {"provider": "bank_transfer", "enabled": True, "settings": None}},
            "Variable '$input' has invalid value at .settings: "
            "Expected value of non-null type 'JSON!' not to be None.",
        ),
        (
            "query($filter: InvoiceFilter) { invoices(filter: $filter) { totalCount } }",
            {"filter": {"contractId": "x"}},
            "No contract with id x.",
        ),
        (
            "query($number: String!) { invoiceByNumber(number: $number) { id } }",
            {"number": "INV-\u0000"},
            STORABLE,
        ),
        (
            "query($search: String) { organizations(search: $search) { totalCount } }",
            {"search": "Glo\ud800"},
            STORABLE,
        ),
        (
            "query($search: String) { organizations(search: $search) { totalCount } }",
            {"search": "G" * 201},
            "At most 200 characters.",
        ),
    ],
    ids=["settings-null", "filter-id", "number", "search", "long-search"],
)
async def test_a_bad_argument_is_a_graphql_error_with_its_message_logged_at_info(
    api, caplog, query, variables, message
):
    world = await build_world()
    caplog.set_level(logging.INFO, logger="remit.graph")
    before = await snapshot()

    response = await call(api, world.key, query, variables)

    assert response.status_code == 200
    assert [error["message"] for error in response.json()["errors"]] == [message]
    assert [
        (record.levelname, record.getMessage().split(": ", 1)[1])
        for record in caplog.records
        if record.name == "remit.graph"
    ] == [("INFO", message)]
    assert await snapshot() == before


async def test_an_invoice_number_longer_than_any_is_no_match(api):
    world = await build_world()

    response = await call(
        api, world.key, "query($n: String!) { invoiceByNumber(number: $n) { id } }", {"n": "I" * 41}
    )

    assert response.json() == {"data": {"invoiceByNumber": None}}


@pytest.mark.parametrize(
    ("query", "variables", "error"),
    [
        (
            "query($filter: InvoiceFilter) { invoices(filter: $filter) { totalCount } }",
            {"filter": {"contractId": "x"}},
            {
                "message": "No contract with id x.",
                "locations": [{"line": 1, "column": 33}],
                "path": ["invoices"],
                "extensions": {"code": "NOT_FOUND", "field": ["filter", "contractId"]},
            },
        ),
        (
            "query($search: String) { organizations(search: $search) { totalCount } }",
            {"search": "G" * 201},
            {
                "message": "At most 200 characters.",
                "locations": [{"line": 1, "column": 26}],
                "path": ["organizations"],
                "extensions": {"code": "INVALID", "field": ["search"]},
            },
        ),
    ],
    ids=["filter-id", "long-search"],
)
async def test_an_expected_failure_in_a_query_carries_its_code_and_field(
    api, query, variables, error
):
    world = await build_world()
    before = await snapshot()

    response = await call(api, world.key, query, variables)

    assert response.json() == {"data": None, "errors": [error]}
    assert await snapshot() == before
