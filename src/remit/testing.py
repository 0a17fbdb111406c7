"""The conformance kit: check a payment provider against Remit's contract in your own tests.

    from remit.testing import ProviderConformance

    import my_package.remit_plugin as plugin


    class TestMyProvider(ProviderConformance):
        provider = plugin.MyProvider()
        settings = {"api_key": "sk_test_123"}
        plugin = plugin

Plain pytest: the tests call coroutines with ``asyncio.run``, so pytest-asyncio is not
needed. A provider that calls out over HTTP mocks it by overriding the
``provider_environment`` fixture (with respx, for instance); one that cannot pay the sample
invoice overrides ``invoice()``. The contract itself is described in the docstring of
``remit_payment_providers`` in plugins/hookspecs.py, and in docs/plugins.md.
"""

import asyncio
import copy
import dataclasses
import inspect
import json
import typing
from datetime import date
from uuid import UUID

import pluggy
import pytest
from pydantic import BaseModel, SecretBytes, SecretStr, ValidationError
from pydantic_core import to_jsonable_python

from remit import (
    CustomerAccount,
    InvoiceView,
    Party,
    PaymentOption,
    PaymentProvider,
    PaymentRefused,
    RefundingProvider,
    RefundResult,
    WebhookRejected,
)
from remit.plugins import manager

__all__ = ["ProviderConformance", "sample_invoice"]

SECRET_TYPES = (SecretStr, SecretBytes)


def sample_invoice(**changes) -> InvoiceView:
    """A due invoice of 1,299.88 EUR to a customer with an email address. Keyword arguments
    replace fields: ``sample_invoice(currency="USD", number=None)``."""
    invoice = InvoiceView(
        id=UUID("5b7c1f0e-3c1a-4f2e-9d7a-0c2b8e4f6a10"),
        tenant_id=UUID("0e9d6c1a-7b2f-4c3d-8e5f-1a2b3c4d5e6f"),
        number="INV-000042",
        status="DUE",
        currency="EUR",
        total=129988,
        amount_due=129988,
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 31),
        issue_date=date(2025, 4, 1),
        due_date=date(2025, 4, 15),
        customer=Party(
            name="Globex",
            legal_name="Globex Corporation Ltd",
            email="billing@globex.example",
            address={
                "line1": "1 Infinite Loop",
                "line2": None,
                "city": "Dublin",
                "region": None,
                "postal_code": "D02 XY45",
                "country": "IE",
            },
            tax_id="IE6388047V",
        ),
        issuer=Party(
            name="Acme",
            legal_name="Acme GmbH",
            email="invoices@acme.example",
            address={
                "line1": "Hauptstrasse 1",
                "line2": None,
                "city": "Berlin",
                "region": None,
                "postal_code": "10115",
                "country": "DE",
            },
            tax_id="DE123456789",
        ),
        public_url="https://remit.example/i/5b7c1f0e-3c1a-4f2e-9d7a-0c2b8e4f6a10",
    )
    return dataclasses.replace(invoice, **changes)


def _run(awaitable):
    if not inspect.isawaitable(awaitable):
        raise AssertionError(
            f"expected a coroutine but got {awaitable!r}: payment_option and charge must be "
            "`async def`"
        )
    return asyncio.run(awaitable)


def _types_in(annotation) -> typing.Iterator[object]:
    """The annotation and every type argument nested in it (list[X | None] -> X, None...)."""
    yield annotation
    for argument in typing.get_args(annotation):
        yield from _types_in(argument)


def _secret_fields(model: type[BaseModel], seen=None) -> typing.Iterator[tuple[type, str]]:
    """(model, schema property name) of every SecretStr/SecretBytes field, nested models too."""
    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    for name, field in model.model_fields.items():
        for kind in _types_in(field.annotation):
            if isinstance(kind, type) and issubclass(kind, SECRET_TYPES):
                yield model, field.alias or name
                break
        for kind in _types_in(field.annotation):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                yield from _secret_fields(kind, seen)


def _has_write_only(schema) -> bool:
    if isinstance(schema, dict):
        return schema.get("writeOnly") is True or any(
            _has_write_only(value) for value in schema.values()
        )
    if isinstance(schema, list):
        return any(_has_write_only(item) for item in schema)
    return False


def _revealed(value):
    """Settings as Remit stores them: secrets in clear (the database column is private)."""
    if isinstance(value, SECRET_TYPES):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _revealed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_revealed(item) for item in value]
    return value


class ProviderConformance:
    """Subclass in your tests::

        class TestMyProvider(ProviderConformance):
            provider = MyProvider()
            settings = {...valid settings...}
            plugin = my_plugin_module  # optional: the module (or object) with the hookimpl

    Override ``invoice()`` for a sample invoice your provider can pay, and the
    ``provider_environment`` fixture to mock the HTTP calls your provider makes.
    """

    provider: PaymentProvider
    settings: dict
    plugin: object = None

    # -- what a subclass may override ----------------------------------------------------

    def invoice(self) -> InvoiceView:
        """The invoice the tests pay: EUR, amount due 129988, number INV-000042."""
        return sample_invoice()

    @pytest.fixture(autouse=True)
    def provider_environment(self):
        """Override to mock HTTP (with respx, for instance) for providers that call out."""
        yield

    # -- helpers -------------------------------------------------------------------------

    def validated_settings(self) -> BaseModel:
        return self.provider.Settings.model_validate(self.settings)

    def _settings_model(self) -> type[BaseModel]:
        model = getattr(self.provider, "Settings", None)
        assert isinstance(model, type) and issubclass(model, BaseModel), (
            f"{type(self.provider).__name__}.Settings must be a pydantic BaseModel subclass, "
            f"not {model!r}"
        )
        return model

    # -- identity ------------------------------------------------------------------------

    def test_is_a_payment_provider(self):
        assert isinstance(self.provider, PaymentProvider), (
            f"{self.provider!r} lacks parts of the PaymentProvider protocol: it needs key, "
            "name, supports_online_payment, supports_auto_charge, Settings, describe, "
            "accepts, payment_option, charge, parse_webhook and close_payment_option "
            "(subclass remit.BaseProvider for the defaults)"
        )

    def test_key_is_a_lowercase_identifier(self):
        key = getattr(self.provider, "key", None)
        assert isinstance(key, str) and manager.KEY_PATTERN.fullmatch(key), (
            f"provider key {key!r} must be a lowercase identifier matching "
            f"{manager.KEY_PATTERN.pattern} (2 to 50 characters: a-z, 0-9 and _, starting "
            "with a letter); it is stored on contracts, so choose it once"
        )

    def test_name_is_a_non_empty_string(self):
        name = getattr(self.provider, "name", None)
        assert isinstance(name, str) and name.strip(), (
            f"provider name {name!r} must be a non-empty string: tenants and customers see it"
        )

    def test_capability_flags_are_bools(self):
        for flag in ("supports_online_payment", "supports_auto_charge"):
            value = getattr(self.provider, flag, None)
            assert type(value) is bool, f"{flag} must be True or False, not {value!r}"

    # -- settings ------------------------------------------------------------------------

    def test_settings_is_a_pydantic_model(self):
        self._settings_model()

    def test_settings_schema_is_json(self):
        model = self._settings_model()
        try:
            json.dumps(model.model_json_schema())
        except Exception as error:
            raise AssertionError(
                f"{model.__name__}.model_json_schema() must be JSON-serialisable (front ends "
                f"render it), but it fails: {type(error).__name__}: {error}"
            ) from error

    def test_secret_fields_are_write_only(self):
        model = self._settings_model()
        for owner, field in _secret_fields(model):
            schema = owner.model_json_schema()["properties"][field]
            assert _has_write_only(schema), (
                f"secret field {owner.__name__}.{field} must be marked writeOnly in the JSON "
                f"schema (as plain SecretStr is), but its schema is {schema!r}"
            )

    def test_settings_validate(self):
        model = self._settings_model()
        try:
            model.model_validate(self.settings)
        except ValidationError as error:
            raise AssertionError(
                f"the test's `settings` must be valid {model.__name__}, but: {error}"
            ) from error

    def test_empty_settings_are_refused(self):
        model = self._settings_model()
        required = [name for name, field in model.model_fields.items() if field.is_required()]
        try:
            model.model_validate({})
        except ValidationError:
            return
        except Exception as error:
            raise AssertionError(
                f"{model.__name__} must refuse bad settings with pydantic's ValidationError "
                f"(raise ValueError in validators), not {type(error).__name__}: {error}"
            ) from error
        assert not required, (
            f"{model.__name__} accepted {{}} although {', '.join(required)} are required"
        )

    def test_settings_survive_storage(self):
        model = self._settings_model()
        settings = model.model_validate(self.settings)
        stored = json.loads(json.dumps(to_jsonable_python(_revealed(settings.model_dump()))))
        try:
            again = model.model_validate(stored)
        except ValidationError as error:
            raise AssertionError(
                f"{model.__name__} must accept what it dumps (Remit stores settings as JSON "
                f"and validates them again when used), but: {error}"
            ) from error
        assert again == settings, (
            f"{model.__name__} changes through Remit's JSON storage: {settings!r} came back "
            f"as {again!r}"
        )

    # -- describe and accepts ------------------------------------------------------------

    def test_describe(self):
        invoice = self.invoice()
        before = copy.deepcopy(invoice)
        option = self.provider.describe(invoice, self.validated_settings())
        if inspect.isawaitable(option):
            if inspect.iscoroutine(option):
                option.close()
            raise AssertionError(
                "describe must be a plain `def` that calls out to nothing: it runs when the "
                "invoice is emailed, and a provider that is down must not hold the email"
            )
        assert invoice == before, (
            "describe changed the invoice it was given: treat it as read-only "
            f"(before: {before!r}, after: {invoice!r})"
        )
        if option is None:
            return  # Remit asks payment_option instead
        assert isinstance(option, PaymentOption), (
            f"describe must return remit.PaymentOption or None, not {option!r}"
        )
        assert option.provider == self.provider.key, (
            f"PaymentOption.provider must be the provider key {self.provider.key!r}, "
            f"not {option.provider!r}"
        )
        assert option.instructions is None or isinstance(option.instructions, str), (
            f"PaymentOption.instructions must be a string or None, not {option.instructions!r}"
        )
        assert option.instructions or self.provider.supports_online_payment, (
            "describe of a provider without online payment must give instructions: they "
            "are all the invoice tells the customer about paying this way"
        )

    def test_accepts_the_sample_invoice_currency(self):
        invoice = self.invoice()
        answer = self.provider.accepts(invoice.currency, self.validated_settings())
        if inspect.isawaitable(answer):
            if inspect.iscoroutine(answer):
                answer.close()
            raise AssertionError("accepts must be a plain `def`, not `async def`")
        assert answer is True, (
            f"accepts({invoice.currency!r}, settings) must be True (a bool) for the test's "
            f"settings and invoice(), not {answer!r}"
        )

    # -- payment_option ------------------------------------------------------------------

    def test_payment_option(self):
        option = _run(self.provider.payment_option(self.invoice(), self.validated_settings()))
        assert isinstance(option, PaymentOption), (
            f"payment_option must return remit.PaymentOption, not {option!r}"
        )
        assert option.provider == self.provider.key, (
            f"PaymentOption.provider must be the provider key {self.provider.key!r}, "
            f"not {option.provider!r}"
        )
        assert option.instructions or option.payment_url, (
            "PaymentOption needs instructions, a payment_url or both: the customer must "
            "learn how to pay"
        )
        for attribute in ("instructions", "payment_url", "reference"):
            value = getattr(option, attribute)
            assert value is None or isinstance(value, str), (
                f"PaymentOption.{attribute} must be a string or None, not {value!r}"
            )
        if self.provider.supports_online_payment:
            assert option.payment_url, (
                "supports_online_payment is True, so payment_option must return a payment_url"
            )

    def test_payment_option_leaves_the_invoice_alone(self):
        invoice = self.invoice()
        before = copy.deepcopy(invoice)
        _run(self.provider.payment_option(invoice, self.validated_settings()))
        assert invoice == before, (
            "payment_option changed the invoice it was given: treat it as read-only "
            f"(before: {before!r}, after: {invoice!r})"
        )

    # -- charge --------------------------------------------------------------------------

    def test_charge_without_auto_charge_is_refused(self):
        if self.provider.supports_auto_charge:
            pytest.skip("the provider supports automatic charges")
        invoice = dataclasses.replace(
            self.invoice(),
            auto_charge=True,
            customer_account=CustomerAccount(customer_ref="cus_1", payment_method_ref="pm_1"),
        )
        try:
            result = _run(self.provider.charge(invoice, self.validated_settings()))
        except PaymentRefused:
            return
        except Exception as error:
            raise AssertionError(
                "supports_auto_charge is False, so charge must raise remit.PaymentRefused, "
                f"not {type(error).__name__}: {error}"
            ) from error
        raise AssertionError(
            f"supports_auto_charge is False, so charge must raise remit.PaymentRefused, but it "
            f"returned {result!r}"
        )

    def test_charge_without_customer_account_is_refused(self):
        if not self.provider.supports_auto_charge:
            pytest.skip("the provider does not charge automatically")
        invoice = dataclasses.replace(self.invoice(), auto_charge=True, customer_account=None)
        try:
            result = _run(self.provider.charge(invoice, self.validated_settings()))
        except PaymentRefused:
            return
        except Exception as error:
            raise AssertionError(
                "charge of an invoice without customer_account must raise "
                f"remit.PaymentRefused (shown to the tenant), not {type(error).__name__}: "
                f"{error}"
            ) from error
        raise AssertionError(
            "charge of an invoice without customer_account must raise remit.PaymentRefused, "
            f"but it returned {result!r}"
        )

    # -- close_payment_option ------------------------------------------------------------

    def test_closing_a_payment_page_is_safe_to_repeat(self):
        settings = self.validated_settings()
        option = _run(self.provider.payment_option(self.invoice(), settings))
        if not option.reference:
            pytest.skip("payment_option gives no reference, so Remit never closes its page")
        for attempt in ("first", "second"):
            try:
                result = _run(self.provider.close_payment_option(option.reference, settings))
            except Exception as error:
                raise AssertionError(
                    f"close_payment_option({option.reference!r}) failed the {attempt} time: "
                    "Remit calls it again after a crash or a retry, so it must be safe to "
                    f"repeat, but it raised {type(error).__name__}: {error}"
                ) from error
            assert result is None, f"close_payment_option must return None, not {result!r}"

    # -- refund (optional) ---------------------------------------------------------------

    def test_a_refund_is_safe_to_repeat(self):
        if not isinstance(self.provider, RefundingProvider):
            pytest.skip("the provider has no refund: Remit refuses refunds through it")
        invoice, settings = self.invoice(), self.validated_settings()
        key = f"credit-note:{invoice.id}:refund"
        results = []
        for attempt in ("first", "second"):
            try:
                results.append(
                    _run(self.provider.refund("pay_1", 100, invoice.currency, key, settings))
                )
            except Exception as error:
                raise AssertionError(
                    f"refund failed the {attempt} time: Remit calls it again after a crash or "
                    f"a retry, with the same key, so it must be safe to repeat, but it raised "
                    f"{type(error).__name__}: {error}"
                ) from error
        for result in results:
            assert isinstance(result, RefundResult) and result.reference, (
                f"refund must return a RefundResult with the provider's reference, not {result!r}"
            )

    # -- parse_webhook -------------------------------------------------------------------

    @pytest.mark.parametrize("body", [b"not json", b""], ids=["not-json", "empty"])
    def test_garbage_webhook_is_rejected(self, body):
        try:
            events = self.provider.parse_webhook({}, body, self.validated_settings())
        except WebhookRejected:
            return
        except Exception as error:
            raise AssertionError(
                f"parse_webhook({{}}, {body!r}) must raise remit.WebhookRejected (Remit "
                f"answers 400), not {type(error).__name__}: {error}"
            ) from error
        if inspect.isawaitable(events):
            if inspect.iscoroutine(events):
                events.close()
            raise AssertionError("parse_webhook must be a plain `def`, not `async def`")
        raise AssertionError(
            f"parse_webhook({{}}, {body!r}) must raise remit.WebhookRejected, but it "
            f"returned {events!r}"
        )

    # -- registration --------------------------------------------------------------------

    def _plugin_manager(self) -> pluggy.PluginManager:
        if self.plugin is None:
            pytest.skip(
                "set `plugin` on the test class to the module (or object) with your "
                "@remit.hookimpl functions to check that Remit finds the provider"
            )
        plugin_manager = pluggy.PluginManager(manager.GROUP)
        plugin_manager.add_hookspecs(manager.hookspecs)
        plugin_manager.register(self.plugin)
        return plugin_manager

    def test_offered_through_the_hook(self):
        plugin_manager = self._plugin_manager()
        offered = [
            provider
            for providers in plugin_manager.hook.remit_payment_providers()
            for provider in providers or []
        ]
        keys = [getattr(provider, "key", None) for provider in offered]
        assert self.provider.key in keys, (
            f"the plugin's remit_payment_providers hookimpl must return a provider with key "
            f"{self.provider.key!r}; it offered {keys!r}"
        )

    def test_implements_only_remit_hooks(self):
        plugin_manager = self._plugin_manager()
        unknown = sorted(
            caller.name
            for caller in plugin_manager.get_hookcallers(self.plugin) or []
            if not caller.has_spec()
        )
        assert not unknown, (
            f"the plugin implements hooks Remit does not have: {', '.join(unknown)} "
            "(Remit skips such a plugin; see plugins/hookspecs.py for the hook names)"
        )
