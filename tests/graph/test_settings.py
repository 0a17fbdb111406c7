import pytest
import respx
from tortoise import connections

from remit.billing import logos, providers
from remit.models.settings import InvoicingSettings, ProviderSettings
from remit.models.tenants import Tenant
from tests import factories

SETTINGS_FIELDS = """
  enabled defaultCurrency defaultDueDays invoiceNumberPrefix sendInvoicesFrom sendInvoicesBcc reminderDays
  company { legalName vatNumber email phone address { line1 line2 city region postalCode country } }
  branding { logoUrl brandColor footerNote }
  providers { provider enabled settings }
  platformBilling { status method clientSecret }
"""
UPDATE = f"""
mutation($input: InvoicingSettingsInput!) {{
  invoicingSettingsUpdate(input: $input) {{ settings {{ {SETTINGS_FIELDS} }} errors {{ field message code }} }}
}}"""
CONFIGURE = """
mutation($input: PaymentProviderConfigureInput!) {
  paymentProviderConfigure(input: $input) { settings { providers { provider enabled settings } } errors { field message code } }
}"""
ENABLE = "mutation { invoicingEnable { settings { enabled } errors { field message code } } }"
DISABLE = "mutation { invoicingDisable { settings { enabled } errors { field message code } } }"
PLATFORM = """
mutation($input: PlatformPaymentMethodInput!) {
  platformPaymentMethodSetup(input: $input) { platformBilling { status method clientSecret } errors { field message code } }
}"""

IBAN = "DE89370400440532013000"
BANK = {
    "accounts": [
        {
            "currency": "EUR",
            "account_holder": "Acme GmbH",
            "bank_name": "Commerzbank",
            "iban": IBAN,
            "bic": "COBADEFFXXX",
        }
    ]
}
STRIPE = {
    "secret_key": "sk_test_secretvalue123",
    "publishable_key": "pk_test_public",
    "webhook_secret": "whsec_signing123",
}


async def snapshot(tenant) -> tuple:
    settings = await InvoicingSettings.get(tenant=tenant).values()
    settings.pop("updated_at")
    providers = (
        await ProviderSettings.filter(tenant=tenant)
        .order_by("provider")
        .values("provider", "enabled", "settings")
    )
    return settings, providers, (await Tenant.get(id=tenant.id)).invoicing_enabled


async def test_a_new_tenant_has_the_defaults(graphql):
    _, key = await factories.tenant()

    data = await graphql(key).query(f"{{ invoicingSettings {{ {SETTINGS_FIELDS} }} }}")

    assert data["invoicingSettings"] == {
        "enabled": False,
        "defaultCurrency": "USD",
        "defaultDueDays": 30,
        "invoiceNumberPrefix": "INV",
        "sendInvoicesFrom": None,
        "sendInvoicesBcc": [],
        "reminderDays": [15],
        "company": {
            "legalName": None,
            "vatNumber": None,
            "email": None,
            "phone": None,
            "address": None,
        },
        "branding": {"logoUrl": None, "brandColor": None, "footerNote": None},
        "providers": [],
        "platformBilling": {"status": "MISSING", "method": None, "clientSecret": None},
    }


@respx.mock
async def test_every_field_is_updated_and_read_back(graphql):
    respx.get("https://acme.com/logo.png").respond(200, content=factories.png())
    tenant, key = await factories.tenant()
    change = {
        "company": {
            "legalName": "Acme GmbH",
            "vatNumber": "DE123456789",
            "email": "Billing@Acme.com",
            "phone": "+49 30 1234",
            "address": {
                "line1": "Hauptstr. 1",
                "city": "Berlin",
                "postalCode": "10115",
                "country": "de",
            },
        },
        "branding": {
            "logoUrl": "https://acme.com/logo.png",
            "brandColor": "#1A73E8",
            "footerNote": "Thank you!",
        },
        "defaultCurrency": "eur",
        "defaultDueDays": 14,
        "invoiceNumberPrefix": "ACME-2027",
        "sendInvoicesFrom": "invoices@acme.com",
        "sendInvoicesBcc": ["books@acme.com"],
        "reminderDays": [7, 15, 30],
    }

    result = (await graphql(key).query(UPDATE, input=change))["invoicingSettingsUpdate"]

    assert result["errors"] == []
    settings = result["settings"]
    assert settings["company"] == {
        "legalName": "Acme GmbH",
        "vatNumber": "DE123456789",
        "email": "Billing@acme.com",
        "phone": "+49 30 1234",
        "address": {
            "line1": "Hauptstr. 1",
            "line2": None,
            "city": "Berlin",
            "region": None,
            "postalCode": "10115",
            "country": "DE",
        },
    }
    # The logo, fetched from its address, is served by Remit.
    assert settings["branding"] == {
        "logoUrl": await logos.current_url(tenant.id),
        "brandColor": "#1A73E8",
        "footerNote": "Thank you!",
    }
    assert settings["branding"]["logoUrl"].endswith(".png")
    assert (
        settings["defaultCurrency"],
        settings["defaultDueDays"],
        settings["invoiceNumberPrefix"],
    ) == ("EUR", 14, "ACME-2027")
    assert (
        settings["sendInvoicesFrom"],
        settings["sendInvoicesBcc"],
        settings["reminderDays"],
    ) == ("invoices@acme.com", ["books@acme.com"], [7, 15, 30])


async def test_fields_left_out_are_kept_and_null_clears(graphql):
    _, key = await factories.tenant()
    client = graphql(key)
    await client.query(
        UPDATE,
        input={"company": {"legalName": "Acme GmbH", "phone": "+1 555"}, "defaultDueDays": 10},
    )

    result = (await client.query(UPDATE, input={"company": {"phone": None}}))[
        "invoicingSettingsUpdate"
    ]

    assert result["settings"]["company"]["legalName"] == "Acme GmbH"
    assert result["settings"]["company"]["phone"] is None
    assert result["settings"]["defaultDueDays"] == 10


@pytest.mark.parametrize(
    ("change", "field", "code", "message"),
    [
        (
            {"defaultCurrency": "EURO"},
            ["input", "defaultCurrency"],
            "INVALID",
            "'EURO' is not an ISO 4217 currency code.",
        ),
        (
            {"defaultCurrency": None},
            ["input", "defaultCurrency"],
            "INVALID",
            "This cannot be empty.",
        ),
        (
            {"company": {"email": "billing@"}},
            ["input", "company", "email"],
            "INVALID",
            "'billing@' is not an email address: There must be something after the @-sign.",
        ),
        (
            {"sendInvoicesFrom": "nobody"},
            ["input", "sendInvoicesFrom"],
            "INVALID",
            "'nobody' is not an email address: An email address must have an @-sign.",
        ),
        (
            {"sendInvoicesBcc": ["ok@acme.com", "bad"]},
            ["input", "sendInvoicesBcc", "1"],
            "INVALID",
            "'bad' is not an email address: An email address must have an @-sign.",
        ),
        (
            {"sendInvoicesBcc": [f"copy{n}@acme.com" for n in range(11)]},
            ["input", "sendInvoicesBcc"],
            "INVALID",
            "At most 10 addresses; 11 given.",
        ),
        (
            {"invoiceNumberPrefix": "INV/2027"},
            ["input", "invoiceNumberPrefix"],
            "INVALID",
            "'INV/2027' is not a prefix: use 1 to 20 letters, digits and dashes.",
        ),
        (
            {"defaultDueDays": 366},
            ["input", "defaultDueDays"],
            "INVALID",
            "Must be from 0 to 365; 366 is not.",
        ),
        (
            {"defaultDueDays": -1},
            ["input", "defaultDueDays"],
            "INVALID",
            "Must be from 0 to 365; -1 is not.",
        ),
        (
            {"reminderDays": [15, 7]},
            ["input", "reminderDays"],
            "INVALID",
            "Reminder days must be in ascending order, each once.",
        ),
        (
            {"reminderDays": [15, 15]},
            ["input", "reminderDays"],
            "INVALID",
            "Reminder days must be in ascending order, each once.",
        ),
        (
            {"reminderDays": [-91]},
            ["input", "reminderDays", "0"],
            "INVALID",
            "Must be from -90 to 365; -91 is not.",
        ),
        (
            {"dunningSteps": [{"offsetDays": 7}, {"offsetDays": 3}]},
            ["input", "dunningSteps"],
            "INVALID",
            "Reminder days must be in ascending order, each once.",
        ),
        (
            {
                "dunningSteps": [
                    {
                        "offsetDays": 7,
                        "lateFee": {"percent": "2", "fixed": {"amount": "5", "currency": "EUR"}},
                    }
                ]
            },
            ["input", "dunningSteps", "0", "lateFee"],
            "INVALID",
            "Give either a percent or a fixed amount.",
        ),
        (
            {"dunningSteps": [{"offsetDays": 7, "lateFee": {"percent": "0"}}]},
            ["input", "dunningSteps", "0", "lateFee", "percent"],
            "INVALID",
            "Must be above 0 and at most 100.",
        ),
        (
            {
                "dunningSteps": [
                    {"offsetDays": 7, "lateFee": {"fixed": {"amount": "5.001", "currency": "EUR"}}}
                ]
            },
            ["input", "dunningSteps", "0", "lateFee", "fixed"],
            "INVALID",
            "EUR amounts have at most 2 decimal places; 5.001 has more.",
        ),
        (
            {"cardRetryDays": [0, 3]},
            ["input", "cardRetryDays", "0"],
            "INVALID",
            "Must be from 1 to 60; 0 is not.",
        ),
        (
            {"cardRetryDays": [5, 3]},
            ["input", "cardRetryDays"],
            "INVALID",
            "At most 10 retry days, in ascending order, each once.",
        ),
        (
            {"reminderDays": [7], "dunningSteps": [{"offsetDays": 8}]},
            ["input", "reminderDays"],
            "INVALID",
            "Give the reminder days or the steps, or both with the same days.",
        ),
        (
            {"branding": {"brandColor": "blue"}},
            ["input", "branding", "brandColor"],
            "INVALID",
            "'blue' is not a colour such as #1A73E8.",
        ),
        (
            {"branding": {"logoUrl": "javascript:alert(1)"}},
            ["input", "branding", "logoUrl"],
            "INVALID",
            "'javascript:alert(1)' is not an http(s) URL.",
        ),
        (
            {"company": {"address": {"country": "XX"}}},
            ["input", "company", "address", "country"],
            "INVALID",
            "'XX' is not an ISO 3166-1 alpha-2 country code, such as DE.",
        ),
        (
            {"company": {"legalName": "x" * 201}},
            ["input", "company", "legalName"],
            "INVALID",
            "At most 200 characters.",
        ),
    ],
)
async def test_each_invalid_input_is_refused_with_its_field_and_nothing_changes(
    graphql, change, field, code, message
):
    tenant, key = await factories.tenant()
    before = await snapshot(tenant)

    result = (await graphql(key).query(UPDATE, input={"invoiceNumberPrefix": "NEW", **change}))[
        "invoicingSettingsUpdate"
    ]

    assert result == {
        "settings": None,
        "errors": [{"field": field, "code": code, "message": message}],
    }
    assert await snapshot(tenant) == before


async def test_every_problem_is_reported_at_once(graphql):
    _, key = await factories.tenant()

    result = (
        await graphql(key).query(UPDATE, input={"defaultCurrency": "XYZ", "defaultDueDays": 400})
    )["invoicingSettingsUpdate"]

    assert [error["field"] for error in result["errors"]] == [
        ["input", "defaultCurrency"],
        ["input", "defaultDueDays"],
    ]


async def test_the_installed_providers_are_listed_with_their_settings_schema(graphql):
    _, key = await factories.tenant()

    data = await graphql(key).query(
        "{ paymentProviders { key name supportsOnlinePayment supportsAutoCharge supportsRefunds"
        " settingsSchema } }"
    )

    listed = {p["key"]: p for p in data["paymentProviders"]}
    assert [listed[k]["name"] for k in ("bank_transfer", "cheque", "stripe")] == [
        "Bank transfer",
        "Cheque",
        "Card (Stripe)",
    ]
    flags = ("supportsOnlinePayment", "supportsAutoCharge", "supportsRefunds")
    assert {key: [listed[key][flag] for flag in flags] for key in listed} == {
        "bank_transfer": [False, False, False],
        "cheque": [False, False, False],
        "stripe": [True, True, True],
    }
    assert listed["stripe"]["settingsSchema"]["properties"]["secret_key"]["writeOnly"] is True
    assert "accounts" in listed["bank_transfer"]["settingsSchema"]["required"]


async def test_a_provider_is_configured_and_its_secrets_never_come_back(graphql, caplog):
    tenant, key = await factories.tenant()

    result = (
        await graphql(key).query(
            CONFIGURE, input={"provider": "stripe", "enabled": True, "settings": STRIPE}
        )
    )["paymentProviderConfigure"]

    assert result["errors"] == []
    assert result["settings"]["providers"] == [
        {
            "provider": "stripe",
            "enabled": True,
            "settings": {
                "secret_key": "**********",
                "publishable_key": "pk_test_public",
                "webhook_secret": "**********",
            },
        }
    ]
    raw = await connections.get("default").execute_query_dict(
        "SELECT settings FROM provider_settings"
    )
    assert len(raw) == 1 and "pk_test_public" in str(raw[0]["settings"])
    assert "sk_test_secretvalue123" not in str(raw) and "whsec_signing123" not in str(raw)
    used = (await providers.resolve(tenant.id, "stripe")).settings
    assert (used.secret_key.get_secret_value(), used.webhook_secret.get_secret_value()) == (
        "sk_test_secretvalue123",
        "whsec_signing123",
    )
    read = await graphql(key).query(f"{{ invoicingSettings {{ {SETTINGS_FIELDS} }} }}")
    assert "sk_test_secretvalue123" not in str(read) and "whsec_signing123" not in str(read)
    assert "sk_test_secretvalue123" not in caplog.text


async def test_sending_the_mask_back_keeps_the_stored_secret(graphql):
    tenant, key = await factories.tenant()
    client = graphql(key)
    await client.query(CONFIGURE, input={"provider": "stripe", "enabled": True, "settings": STRIPE})

    masked = {
        **STRIPE,
        "secret_key": "**********",
        "webhook_secret": "**********",
        "publishable_key": "pk_test_other",
    }
    result = (
        await client.query(
            CONFIGURE, input={"provider": "stripe", "enabled": True, "settings": masked}
        )
    )["paymentProviderConfigure"]

    assert result["errors"] == []
    used = (await providers.resolve(tenant.id, "stripe")).settings
    assert (
        used.secret_key.get_secret_value(),
        used.webhook_secret.get_secret_value(),
        used.publishable_key,
    ) == (STRIPE["secret_key"], STRIPE["webhook_secret"], "pk_test_other")


async def test_disabling_keeps_the_settings(graphql):
    tenant, key = await factories.tenant()
    client = graphql(key)
    await client.query(
        CONFIGURE, input={"provider": "bank_transfer", "enabled": True, "settings": BANK}
    )

    result = (
        await client.query(
            CONFIGURE, input={"provider": "bank_transfer", "enabled": False, "settings": {}}
        )
    )["paymentProviderConfigure"]

    assert result["errors"] == []
    stored = await ProviderSettings.get(tenant=tenant, provider="bank_transfer")
    assert (stored.enabled, stored.settings["accounts"][0]["iban"]) == (False, IBAN)


@pytest.mark.parametrize(
    ("provider", "values", "errors"),
    [
        (
            "paypal",
            {},
            [
                {
                    "field": ["input", "provider"],
                    "code": "NOT_FOUND",
                    "message": "No payment provider with id paypal.",
                }
            ],
        ),
        (
            "bank_transfer",
            {"accounts": [{**BANK["accounts"][0], "iban": "DE89370400440532013001"}]},
            [
                {
                    "field": ["input", "settings", "accounts", "0", "iban"],
                    "code": "INVALID",
                    "message": "is not a valid IBAN (its check digits do not match)",
                }
            ],
        ),
        (
            "stripe",
            {**STRIPE, "secret_key": "pk_test_wrong"},
            [{"field": ["input", "settings", "secret_key"], "code": "INVALID", "message": None}],
        ),
        (
            "cheque",
            {},
            [
                {
                    "field": ["input", "settings", "payee_name"],
                    "code": "INVALID",
                    "message": "Field required",
                },
                {
                    "field": ["input", "settings", "mailing_address"],
                    "code": "INVALID",
                    "message": "Field required",
                },
            ],
        ),
        (
            "cheque",
            [1, 2],
            [
                {
                    "field": ["input", "settings"],
                    "code": "INVALID",
                    "message": "Settings must be a JSON object.",
                }
            ],
        ),
    ],
)
async def test_provider_settings_are_checked_against_the_providers_model_and_nothing_changes(
    graphql, provider, values, errors
):
    tenant, key = await factories.tenant()
    before = await snapshot(tenant)

    result = (
        await graphql(key).query(
            CONFIGURE, input={"provider": provider, "enabled": True, "settings": values}
        )
    )["paymentProviderConfigure"]

    assert result["settings"] is None
    got = [
        {**error, "message": error["message"] if expected["message"] else None}
        for error, expected in zip(result["errors"], errors, strict=True)
    ]
    assert got == errors
    assert await snapshot(tenant) == before


async def test_invoicing_cannot_be_enabled_until_everything_is_there(graphql):
    tenant, key = await factories.tenant()
    before = await snapshot(tenant)

    result = (await graphql(key).query(ENABLE))["invoicingEnable"]

    assert result == {
        "settings": None,
        "errors": [
            {
                "field": ["platformBilling"],
                "code": "NOT_READY",
                "message": "Set up a payment method for the invoicing processing fee.",
            },
            {
                "field": ["company", "legalName"],
                "code": "NOT_READY",
                "message": "Give the company's legal name.",
            },
            {
                "field": ["company", "address"],
                "code": "NOT_READY",
                "message": "Give the company's address: street, city, postal code and country.",
            },
            {
                "field": ["company", "email"],
                "code": "NOT_READY",
                "message": "Give the email address invoices are sent from.",
            },
            {
                "field": ["providers"],
                "code": "NOT_READY",
                "message": "Enable at least one payment provider.",
            },
        ],
    }
    assert await snapshot(tenant) == before


async def make_ready(client) -> None:
    await client.query(
        UPDATE,
        input={
            "company": {
                "legalName": "Acme GmbH",
                "email": "billing@acme.com",
                "address": {
                    "line1": "Hauptstr. 1",
                    "city": "Berlin",
                    "postalCode": "10115",
                    "country": "DE",
                },
            }
        },
    )
    await client.query(
        CONFIGURE, input={"provider": "bank_transfer", "enabled": True, "settings": BANK}
    )
    await client.query(
        PLATFORM, input={"kind": "bank_transfer", "billingEmail": "finance@acme.com"}
    )


async def test_invoicing_is_enabled_once_ready_and_can_be_disabled(graphql):
    tenant, key = await factories.tenant()
    client = graphql(key)
    await make_ready(client)

    enabled = (await client.query(ENABLE))["invoicingEnable"]
    assert enabled == {"settings": {"enabled": True}, "errors": []}
    assert (await Tenant.get(id=tenant.id)).invoicing_enabled is True
    assert (await client.query("{ tenant { invoicingEnabled } }"))["tenant"][
        "invoicingEnabled"
    ] is True

    disabled = (await client.query(DISABLE))["invoicingDisable"]
    assert disabled == {"settings": {"enabled": False}, "errors": []}
    assert (await Tenant.get(id=tenant.id)).invoicing_enabled is False


async def test_a_disabled_provider_does_not_count_for_enabling(graphql):
    _, key = await factories.tenant()
    client = graphql(key)
    await make_ready(client)
    await client.query(
        CONFIGURE, input={"provider": "bank_transfer", "enabled": False, "settings": {}}
    )

    result = (await client.query(ENABLE))["invoicingEnable"]

    assert result["errors"] == [
        {
            "field": ["providers"],
            "code": "NOT_READY",
            "message": "Enable at least one payment provider.",
        }
    ]


async def test_bank_transfer_for_fees_is_active_at_once(graphql):
    tenant, key = await factories.tenant()

    result = (
        await graphql(key).query(
            PLATFORM, input={"kind": "bank_transfer", "billingEmail": "finance@acme.com"}
        )
    )["platformPaymentMethodSetup"]

    assert result == {
        "platformBilling": {"status": "ACTIVE", "method": "Bank transfer", "clientSecret": None},
        "errors": [],
    }
    assert (await InvoicingSettings.get(tenant=tenant)).platform_billing_email == "finance@acme.com"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (
            {"kind": "bank_transfer"},
            {
                "field": ["input", "billingEmail"],
                "code": "REQUIRED",
                "message": "Give the email address fee invoices are sent to.",
            },
        ),
        (
            {"kind": "bank_transfer", "billingEmail": "x@"},
            {
                "field": ["input", "billingEmail"],
                "code": "INVALID",
                "message": "'x@' is not an email address: There must be something after the @-sign.",
            },
        ),
        (
            {"kind": "paypal"},
            {
                "field": ["input", "kind"],
                "code": "INVALID",
                "message": "'paypal' is not a payment method kind: use card or bank_transfer.",
            },
        ),
    ],
)
async def test_a_bad_platform_payment_method_is_refused_and_nothing_changes(
    graphql, payload, error
):
    tenant, key = await factories.tenant()
    before = await snapshot(tenant)

    result = (await graphql(key).query(PLATFORM, input=payload))["platformPaymentMethodSetup"]

    assert result == {"platformBilling": None, "errors": [error]}
    assert await snapshot(tenant) == before


async def test_settings_are_per_tenant(graphql):
    _, acme_key = await factories.tenant("Acme")
    _, globex_key = await factories.tenant("Globex")
    await graphql(acme_key).query(UPDATE, input={"defaultCurrency": "EUR"})

    globex = await graphql(globex_key).query("{ invoicingSettings { defaultCurrency } }")

    assert globex["invoicingSettings"]["defaultCurrency"] == "USD"


STEPS = """
mutation ($input: InvoicingSettingsInput!) {
  invoicingSettingsUpdate(input: $input) {
    settings {
      reminderDays
      dunningSteps {
        offsetDays tone text
        lateFee { percent fixed { amount currency } }
      }
    }
    errors { field code message }
  }
}
"""


async def test_dunning_steps_set_the_reminder_days_and_days_alone_keep_the_steps(graphql):
    _, key = await factories.tenant()
    client = graphql(key)
    steps = [
        {"offsetDays": -3, "tone": "FRIENDLY", "text": "Due soon."},
        {"offsetDays": 7, "tone": "FIRM", "lateFee": {"fixed": {"amount": "5", "currency": "eur"}}},
        {"offsetDays": 30, "tone": "FINAL", "lateFee": {"percent": "2.50"}},
    ]

    result = (await client.query(STEPS, input={"dunningSteps": steps}))["invoicingSettingsUpdate"]

    assert result["errors"] == []
    assert result["settings"] == {
        "reminderDays": [-3, 7, 30],
        "dunningSteps": [
            {"offsetDays": -3, "tone": "FRIENDLY", "text": "Due soon.", "lateFee": None},
            {
                "offsetDays": 7,
                "tone": "FIRM",
                "text": None,
                "lateFee": {"percent": None, "fixed": {"amount": "5.00", "currency": "EUR"}},
            },
            {
                "offsetDays": 30,
                "tone": "FINAL",
                "text": None,
                "lateFee": {"percent": "2.5", "fixed": None},
            },
        ],
    }

    kept = (await client.query(STEPS, input={"reminderDays": [0, 7]}))["invoicingSettingsUpdate"]

    assert kept["settings"]["reminderDays"] == [0, 7]
    assert [step["tone"] for step in kept["settings"]["dunningSteps"]] == ["FRIENDLY", "FIRM"]
    assert kept["settings"]["dunningSteps"][1]["lateFee"]["fixed"]["amount"] == "5.00"

    reset = (await client.query(STEPS, input={"dunningSteps": None}))["invoicingSettingsUpdate"]

    assert reset["settings"]["dunningSteps"] == [
        {"offsetDays": day, "tone": "FRIENDLY", "text": None, "lateFee": None} for day in (0, 7)
    ]


RETRIES = """
mutation ($input: InvoicingSettingsInput!) {
  invoicingSettingsUpdate(input: $input) { settings { cardRetryDays } errors { field } }
}
"""


async def test_card_retry_days_default_to_3_5_and_7_and_can_be_changed(graphql):
    _, key = await factories.tenant()
    client = graphql(key)

    changed = await client.query(RETRIES, input={"cardRetryDays": [2, 4]})
    never = await client.query(RETRIES, input={"cardRetryDays": []})
    default = await client.query(RETRIES, input={"cardRetryDays": None})

    assert [
        result["invoicingSettingsUpdate"]["settings"]["cardRetryDays"]
        for result in (changed, never, default)
    ] == [[2, 4], [], [3, 5, 7]]
