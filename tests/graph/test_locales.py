"""Locales over GraphQL: an organization's, the tenant's default, and the tenant's own email
texts per language."""

from remit.models.organizations import Organization
from tests import factories
from tests.graph.test_settings import snapshot

ORGANIZATION = "organization { name locale } errors { field message code }"
CREATE = f"mutation($input: OrganizationInput!) {{ organizationCreate(input: $input) {{ {ORGANIZATION} }} }}"
UPDATE = f"mutation($id: ID!, $input: OrganizationInput!) {{ organizationUpdate(id: $id, input: $input) {{ {ORGANIZATION} }} }}"
SETTINGS = """
mutation($input: InvoicingSettingsInput!) {
  invoicingSettingsUpdate(input: $input) {
    settings { defaultLocale emailTexts { kind language subject intro } }
    errors { field message code }
  }
}"""
GERMAN_INVOICE = {
    "kind": "invoice",
    "language": "de",
    "subject": "Ihre Rechnung {number}",
    "intro": None,
}


async def test_an_organizations_locale_is_kept_as_bcp_47_and_cleared_to_the_default(graphql):
    _, key = await factories.tenant()
    client = graphql(key)

    created = (await client.query(CREATE, input={"name": "Globex", "locale": "de_de"}))[
        "organizationCreate"
    ]
    cleared = (
        await client.query(
            UPDATE,
            id=str((await Organization.get(name="Globex")).id),
            input={"name": "Globex", "locale": None},
        )
    )["organizationUpdate"]

    assert created == {"organization": {"name": "Globex", "locale": "de-DE"}, "errors": []}
    assert cleared == {"organization": {"name": "Globex", "locale": None}, "errors": []}


async def test_a_bad_locale_is_refused_with_its_field_and_nothing_changes(graphql):
    tenant, key = await factories.tenant()
    organization = await factories.organization(tenant, locale="fr-FR")
    before = await Organization.get(id=organization.id).values()

    result = (
        await graphql(key).query(
            UPDATE, id=str(organization.id), input={"name": "Renamed", "locale": "pt-BR"}
        )
    )["organizationUpdate"]

    assert result == {
        "organization": None,
        "errors": [
            {
                "field": ["input", "locale"],
                "code": "INVALID",
                "message": "Documents are not written in Portuguese (Brazil): use one of en, de, fr, es, nl, it.",
            }
        ],
    }
    assert await Organization.get(id=organization.id).values() == before


async def test_the_default_locale_and_email_texts_are_set_and_read_back(graphql):
    _, key = await factories.tenant()
    client = graphql(key)

    default = await client.query("{ invoicingSettings { defaultLocale emailTexts { kind } } }")
    result = (
        await client.query(
            SETTINGS,
            input={
                "defaultLocale": "fr-fr",
                "emailTexts": [
                    GERMAN_INVOICE,
                    {"kind": "receipt", "language": "fr", "intro": "Bonjour,\n\nMerci !"},
                ],
            },
        )
    )["invoicingSettingsUpdate"]

    assert default == {"invoicingSettings": {"defaultLocale": "en", "emailTexts": []}}
    assert result == {
        "settings": {
            "defaultLocale": "fr-FR",
            "emailTexts": [
                GERMAN_INVOICE,
                {
                    "kind": "receipt",
                    "language": "fr",
                    "subject": None,
                    "intro": "Bonjour,\n\nMerci !",
                },
            ],
        },
        "errors": [],
    }


async def test_bad_email_texts_are_refused_each_with_its_field_and_nothing_changes(graphql):
    tenant, key = await factories.tenant()
    before = await snapshot(tenant)

    result = (
        await graphql(key).query(
            SETTINGS,
            input={
                "defaultLocale": "de-DE",
                "emailTexts": [
                    GERMAN_INVOICE,
                    {**GERMAN_INVOICE, "subject": "Noch einmal"},
                    {"kind": "payment_failed", "language": "pt", "subject": "Lembrete"},
                    {"kind": "void", "language": "fr", "subject": "Facture {numero} annulée"},
                    {"kind": "void", "language": "it", "subject": "Fattura\nannullata"},
                    {"kind": "receipt", "language": "es"},
                ],
            },
        )
    )["invoicingSettingsUpdate"]

    assert result["settings"] is None
    assert result["errors"] == [
        {
            "field": ["input", "emailTexts", "1"],
            "code": "INVALID",
            "message": "The invoice email in de is worded twice.",
        },
        {
            "field": ["input", "emailTexts", "2", "kind"],
            "code": "INVALID",
            "message": "'payment_failed' is not one of invoice, reminder, receipt, void, "
            "credit_note, card_declined, card_expiring.",
        },
        {
            "field": ["input", "emailTexts", "2", "language"],
            "code": "INVALID",
            "message": "'pt' is not one of en, de, fr, es, nl, it.",
        },
        {
            "field": ["input", "emailTexts", "3", "subject"],
            "code": "INVALID",
            "message": "Unknown placeholder {numero}: use {number}, {issuer}, {customer}, "
            "{total}, {amount_due}, {due_date}.",
        },
        {
            "field": ["input", "emailTexts", "4", "subject"],
            "code": "INVALID",
            "message": "A subject is one line.",
        },
        {
            "field": ["input", "emailTexts", "5"],
            "code": "INVALID",
            "message": "Give a subject, an intro or both.",
        },
    ]
    assert await snapshot(tenant) == before
