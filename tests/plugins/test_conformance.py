"""The conformance kit, run against the built-in providers, a broken one and the documented
example plugin."""

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Annotated

import pytest
import respx
from pydantic import BaseModel, SecretStr, WithJsonSchema

import remit.plugins.stripe as stripe_plugin
from remit import BaseProvider, InvoiceView, PaymentEvent, PaymentOption, hookimpl
from remit.plugins import bank_transfer, cheque
from remit.testing import ProviderConformance, sample_invoice
from tests.plugins.test_manager import documented_files, install_documented_example

EUR_ACCOUNT = {
    "currency": "EUR",
    "account_holder": "Acme GmbH",
    "bank_name": "Deutsche Bank",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "DEUTDEFF",
}


class TestBankTransfer(ProviderConformance):
    provider = bank_transfer.BankTransfer()
    settings = {"accounts": [EUR_ACCOUNT]}
    plugin = bank_transfer


class TestCheque(ProviderConformance):
    provider = cheque.Cheque()
    settings = {
        "payee_name": "Acme Inc.",
        "mailing_address": {
            "line1": "100 Main Street",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US",
        },
    }
    plugin = cheque


# -- the kit can fail ------------------------------------------------------------------------


class LeakySettings(BaseModel):
    api_key: Annotated[SecretStr, WithJsonSchema({"type": "string"})]


class Broken:
    """Wrong in every way the kit looks at."""

    key = "Broken Pay"
    name = ""
    supports_online_payment = "yes"
    supports_auto_charge = True
    Settings = LeakySettings

    async def payment_option(self, invoice: InvoiceView, settings) -> PaymentOption:
        invoice.customer.address["line1"] = "changed"  # the frozen copy's dict is mutable
        return PaymentOption(provider="broken", name="Broken")

    async def charge(self, invoice: InvoiceView, settings):
        return invoice.customer_account.customer_ref  # AttributeError without an account

    async def describe(self, invoice: InvoiceView, settings) -> PaymentOption:
        return PaymentOption(provider="broken", name="Broken")  # calls out: async

    def accepts(self, currency: str, settings) -> str:
        return currency

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, settings) -> list:
        return [PaymentEvent(**json.loads(body))]


@hookimpl
def remit_payment_providers():
    return []


@hookimpl
def remit_invoice_paid(invoice):
    """Not a Remit hook."""


class BrokenConformance(ProviderConformance):  # not named Test*: run by hand below
    provider = Broken()
    settings = {"api_key": "sk_1"}
    plugin = sys.modules[__name__]


@pytest.mark.parametrize(
    ("test", "message"),
    [
        ("test_key_is_a_lowercase_identifier", "provider key 'Broken Pay' must be a lowercase"),
        ("test_name_is_a_non_empty_string", "provider name '' must be a non-empty string"),
        ("test_capability_flags_are_bools", "supports_online_payment must be True or False"),
        ("test_secret_fields_are_write_only", "secret field LeakySettings.api_key must be"),
        ("test_payment_option", "PaymentOption.provider must be the provider key"),
        ("test_payment_option_leaves_the_invoice_alone", "payment_option changed the invoice"),
        ("test_charge_without_customer_account_is_refused", "not AttributeError"),
        ("test_describe", "describe must be a plain `def` that calls out to nothing"),
        ("test_accepts_the_sample_invoice_currency", "must be True (a bool)"),
        ("test_offered_through_the_hook", "must return a provider with key 'Broken Pay'"),
        ("test_implements_only_remit_hooks", "hooks Remit does not have: remit_invoice_paid"),
    ],
)
def test_the_kit_fails_a_broken_provider(test, message):
    with pytest.raises(AssertionError) as failure:
        getattr(BrokenConformance(), test)()

    assert message in str(failure.value)


@pytest.mark.parametrize("body", [b"not json", b""])
def test_the_kit_fails_a_provider_that_lets_garbage_webhooks_through(body):
    with pytest.raises(AssertionError, match=r"must raise remit\.WebhookRejected"):
        BrokenConformance().test_garbage_webhook_is_rejected(body)


def test_the_kit_fails_a_description_that_says_nothing():
    class Silent(BaseProvider):
        key = "silent"
        name = "Silent"
        Settings = LeakySettings

        def describe(self, invoice: InvoiceView, settings) -> PaymentOption:
            return PaymentOption(provider="silent", name="Silent")

    class SilentConformance(BrokenConformance):
        provider = Silent()

    with pytest.raises(AssertionError, match="must give instructions"):
        SilentConformance().test_describe()


def test_the_kit_passes_the_default_description_of_a_base_provider():
    class Online(BaseProvider):
        key = "online"
        name = "Online"
        supports_online_payment = True
        Settings = LeakySettings

    class Offline(Online):
        supports_online_payment = False

    for provider in (Online(), Offline()):
        kit = type("Kit", (BrokenConformance,), {"provider": provider})()
        kit.test_describe()
        kit.test_accepts_the_sample_invoice_currency()
    settings = LeakySettings(api_key="sk_1")
    assert Online().describe(sample_invoice(), settings) == PaymentOption(
        provider="online", name="Online", instructions="Pay online."
    )
    assert Offline().describe(sample_invoice(), settings) is None


def test_the_kit_fails_settings_that_do_not_validate():
    class Invalid(BrokenConformance):
        settings = {"api_key": 42}

    with pytest.raises(AssertionError, match="the test's `settings` must be valid LeakySettings"):
        Invalid().test_settings_validate()


def test_the_kit_fails_settings_that_accept_nothing():
    class Lenient(BaseModel):
        api_key: str = ""

        def model_post_init(self, context):
            if not self.api_key:
                raise KeyError("api_key")

    class LenientConformance(BrokenConformance):
        provider = type("LenientProvider", (Broken,), {"Settings": Lenient})()

    with pytest.raises(AssertionError, match="must refuse bad settings with pydantic's"):
        LenientConformance().test_empty_settings_are_refused()


def test_the_kit_skips_the_hook_tests_without_a_plugin():
    class NoPlugin(BrokenConformance):
        plugin = None

    with pytest.raises(pytest.skip.Exception, match="set `plugin` on the test class"):
        NoPlugin().test_offered_through_the_hook()


# -- the documented example ------------------------------------------------------------------


WITHOUT_PLUGINS = ["-p", "no:asyncio", "-p", "no:cacheprovider", "-p", "no:xdist"]


def test_the_documented_example_passes_its_documented_tests(tmp_path):
    """docs/plugins.md's plugin and its tests, run as an author would: plain pytest, outside
    Remit's suite and without pytest-asyncio."""
    install_documented_example(tmp_path)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_example_pay.py").write_text(
        documented_files()["tests/test_example_pay.py"]
    )

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-W", "error", "tests", *WITHOUT_PLUGINS],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("25 passed, 2 skipped in"), result.stdout


class TestStripeConformance(ProviderConformance):
    """Stripe's HTTP is mocked: the kit checks the provider's answers, not Stripe."""

    provider = stripe_plugin.StripeProvider()
    plugin = stripe_plugin
    settings = {
        "secret_key": "sk_test_conformance000",
        "publishable_key": "pk_test_conformance000",
        "webhook_secret": "whsec_conformance000",
    }

    @pytest.fixture(autouse=True)
    def provider_environment(self, monkeypatch):
        monkeypatch.delenv("REMIT_STRIPE_API_BASE", raising=False)
        with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as mock:
            mock.post("/v1/checkout/sessions").respond(
                200,
                json={
                    "id": "cs_test_1",
                    "object": "checkout.session",
                    "url": "https://checkout.stripe.com/c/pay/cs_test_1",
                    "expires_at": 1893456000,
                },
            )
            mock.post("/v1/checkout/sessions/cs_test_1/expire").respond(
                200, json={"id": "cs_test_1", "object": "checkout.session", "status": "expired"}
            )
            mock.post("/v1/refunds").respond(
                200, json={"id": "re_test_1", "object": "refund", "status": "succeeded"}
            )
            yield
