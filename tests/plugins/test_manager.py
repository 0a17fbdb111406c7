"""plugins.manager.load(): entry points in, providers and failures out."""

import importlib.metadata
import logging
import re
import sys
import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import BaseModel

from remit import BaseProvider, PaymentOption, hookimpl
from remit.plugins.manager import PluginFailure, load
from remit.testing import sample_invoice

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
FILE_BLOCK = re.compile(r"<!-- file: (?P<path>\S+) -->\n```\w*\n(?P<text>.*?)^```$", re.S | re.M)


def documented_files() -> dict[str, str]:
    """The files of the example plugin in docs/plugins.md, by path."""
    return {match["path"]: match["text"] for match in FILE_BLOCK.finditer(DOC.read_text())}


def install_distribution(
    root: Path, name: str, version: str, entry_points: dict[str, str], files: dict[str, str]
) -> None:
    """Lay out an installed distribution under root, as pip would in site-packages."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(
        "[remit]\n" + "".join(f"{key} = {value}\n" for key, value in entry_points.items())
    )


def install_documented_example(root: Path) -> None:
    """The example plugin of docs/plugins.md, installed from its own pyproject.toml."""
    files = documented_files()
    project = tomllib.loads(files["pyproject.toml"])["project"]
    install_distribution(
        root,
        project["name"],
        project["version"],
        project["entry-points"]["remit"],
        {"example_remit_plugin/__init__.py": files["example_remit_plugin/__init__.py"]},
    )


@pytest.fixture
def forget_modules():
    """Drop the named modules from sys.modules after the test, so none leaks into others."""
    names: list[str] = []
    yield names.append
    for name in names:
        sys.modules.pop(name, None)


def builtin(*names: str) -> list[EntryPoint]:
    installed = {ep.name: ep for ep in importlib.metadata.entry_points(group="remit")}
    return [installed[name] for name in names]


def fake_plugin(monkeypatch, name: str, *hookimpls) -> EntryPoint:
    """An entry point to an in-memory module holding the given hookimpl functions."""
    module = ModuleType(name)
    for function in hookimpls:
        setattr(module, function.__name__, function)
    monkeypatch.setitem(sys.modules, name, module)
    return EntryPoint(name=name, value=name, group="remit")


def offering(*providers):
    @hookimpl
    def remit_payment_providers():
        return list(providers)

    return remit_payment_providers


class FakeSettings(BaseModel):
    pass


class Fake(BaseProvider):
    name = "Fake"
    Settings = FakeSettings

    def __init__(self, key: str) -> None:
        self.key = key

    async def payment_option(self, invoice, settings):
        return PaymentOption(provider=self.key, name=self.name, instructions="Pay")

    def __repr__(self) -> str:
        return f"<Fake {self.key}>"


def test_installed_entry_points_load_the_builtin_providers():
    plugins = load()

    assert plugins.failures == []
    assert plugins.loaded == ["bank_transfer", "cheque", "stripe"]
    assert {key: plugins.provider_plugin[key] for key in plugins.providers} == {
        "bank_transfer": "bank_transfer",
        "cheque": "cheque",
        "stripe": "stripe",
    }


def test_a_third_party_provider_installed_through_an_entry_point(
    tmp_path, monkeypatch, forget_modules, caplog
):
    install_documented_example(tmp_path)
    monkeypatch.syspath_prepend(tmp_path)
    forget_modules("example_remit_plugin")

    found = [
        ep for ep in importlib.metadata.entry_points(group="remit") if ep.name == "example_pay"
    ]
    assert [(ep.value, ep.dist.name, ep.dist.version) for ep in found] == [
        ("example_remit_plugin", "example-remit-plugin", "1.0")
    ]

    plugins = load()

    assert [f for f in plugins.failures if f.plugin == "example_pay"] == []
    assert plugins.loaded[-1] == "example_pay"
    assert type(plugins.providers["example_pay"]).__name__ == "ExamplePay"
    assert plugins.provider_plugin["example_pay"] == "example_pay"

    invoice = sample_invoice(status="PAID")
    with caplog.at_level(logging.INFO):
        plugins.notify(
            "remit_invoice_status_changed", invoice=invoice, old="DUE", new="PAID", actor="user"
        )
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("example_remit_plugin", "invoice INV-000042 is paid")
    ]


def test_the_fake_distribution_is_gone_after_the_test():
    assert "example_pay" not in importlib.metadata.entry_points(group="remit").names
    assert "example_remit_plugin" not in sys.modules


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ('raise RuntimeError("no licence key")\n', "RuntimeError: no licence key"),
        (None, "ModuleNotFoundError: No module named 'remit_test_unimportable'"),
    ],
    ids=["raises", "missing"],
)
def test_a_plugin_that_cannot_be_imported_is_skipped(tmp_path, monkeypatch, source, error):
    if source is not None:
        (tmp_path / "remit_test_unimportable.py").write_text(source)
    monkeypatch.syspath_prepend(tmp_path)
    broken = EntryPoint(name="broken", value="remit_test_unimportable", group="remit")

    plugins = load(entry_points=[broken, *builtin("bank_transfer", "cheque")])

    assert plugins.failures == [PluginFailure("broken", f"cannot be imported: {error}")]
    assert plugins.loaded == ["bank_transfer", "cheque"]
    assert list(plugins.providers) == ["bank_transfer", "cheque"]
    assert "remit_test_unimportable" not in sys.modules


def test_a_plugin_with_an_unknown_hook_is_unregistered(monkeypatch):
    @hookimpl
    def remit_not_a_hook():
        raise AssertionError("never called")

    sneaky = fake_plugin(monkeypatch, "sneaky", remit_not_a_hook, offering(Fake("sneaky_pay")))

    plugins = load(entry_points=[sneaky, *builtin("cheque")])

    assert plugins.failures == [
        PluginFailure("sneaky", "implements hooks Remit does not have: remit_not_a_hook")
    ]
    assert plugins.manager.get_plugin("sneaky") is None
    assert plugins.loaded == ["cheque"]
    assert list(plugins.providers) == ["cheque"]


def test_a_taken_key_skips_the_later_provider(monkeypatch):
    alpha = fake_plugin(monkeypatch, "alpha", offering(Fake("dup_pay")))
    beta = fake_plugin(monkeypatch, "beta", offering(Fake("dup_pay"), Fake("beta_pay")))
    # Sorts before "cheque", but Remit's own plugins come first and keep their keys.
    imposter = fake_plugin(monkeypatch, "aaa_imposter", offering(Fake("cheque")))

    plugins = load(entry_points=[beta, imposter, alpha, *builtin("cheque")])

    assert plugins.failures == [
        PluginFailure("aaa_imposter", "provider key 'cheque' is taken by plugin cheque"),
        PluginFailure("beta", "provider key 'dup_pay' is taken by plugin alpha"),
    ]
    assert plugins.loaded == ["cheque", "aaa_imposter", "alpha", "beta"]
    assert plugins.provider_plugin == {
        "cheque": "cheque",
        "dup_pay": "alpha",
        "beta_pay": "beta",
    }


class Incomplete:
    """A provider without Settings, charge or parse_webhook."""

    key = "incomplete"
    name = "Incomplete"
    supports_online_payment = False
    supports_auto_charge = False

    async def payment_option(self, invoice, settings):
        raise AssertionError("never called")

    def __repr__(self) -> str:
        return "<Incomplete>"


def test_providers_that_break_the_protocol_are_skipped(monkeypatch):
    plugin = fake_plugin(
        monkeypatch,
        "mixed",
        offering(Incomplete(), Fake("Bad-Key"), Fake("x"), Fake("good_pay"), object()),
    )

    plugins = load(entry_points=[plugin])

    assert [failure.plugin for failure in plugins.failures] == ["mixed"] * 4
    assert [failure.error for failure in plugins.failures[:3]] == [
        "<Incomplete> lacks parts of the PaymentProvider protocol",
        "provider key 'Bad-Key' is not a lowercase identifier",
        "provider key 'x' is not a lowercase identifier",
    ]
    assert re.fullmatch(
        r"<object object at 0x[0-9a-f]+> lacks parts of the PaymentProvider protocol",
        plugins.failures[3].error,
    )
    assert list(plugins.providers) == ["good_pay"]
    assert plugins.loaded == ["mixed"]


def test_a_key_with_a_trailing_newline_is_refused(monkeypatch):
    plugin = fake_plugin(monkeypatch, "newline", offering(Fake("stripe_eu\n")))

    plugins = load(entry_points=[plugin])

    assert plugins.failures == [
        PluginFailure("newline", "provider key 'stripe_eu\\n' is not a lowercase identifier")
    ]
    assert plugins.providers == {}


def test_a_failing_remit_payment_providers_skips_that_plugin(monkeypatch):
    @hookimpl
    def remit_payment_providers():
        raise RuntimeError("settings file missing")

    failing = fake_plugin(monkeypatch, "failing", remit_payment_providers)

    plugins = load(entry_points=[failing, *builtin("bank_transfer")])

    assert plugins.failures == [
        PluginFailure(
            "failing", "remit_payment_providers failed: RuntimeError: settings file missing"
        )
    ]
    assert list(plugins.providers) == ["bank_transfer"]


def test_notify_calls_every_plugin_and_survives_a_raising_one(monkeypatch, caplog):
    calls = []

    @hookimpl
    def remit_invoice_status_changed(invoice, old, new, actor):
        calls.append(("all", invoice.number, old, new, actor))

    first = fake_plugin(monkeypatch, "first", remit_invoice_status_changed)

    @hookimpl
    def remit_invoice_status_changed(new):
        raise RuntimeError(f"cannot sync {new}")

    second = fake_plugin(monkeypatch, "second", remit_invoice_status_changed)

    @hookimpl
    def remit_invoice_status_changed(invoice, new):
        calls.append(("some", invoice.number, new))

    third = fake_plugin(monkeypatch, "third", remit_invoice_status_changed)
    plugins = load(entry_points=[first, second, third, *builtin("cheque")])
    assert plugins.failures == []

    with caplog.at_level(logging.ERROR, logger="remit.plugins"):
        plugins.notify(
            "remit_invoice_status_changed",
            invoice=sample_invoice(),
            old="DUE",
            new="PAID",
            actor="provider:stripe",
        )

    assert calls == [
        ("all", "INV-000042", "DUE", "PAID", "provider:stripe"),
        ("some", "INV-000042", "PAID"),
    ]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "plugin second failed in remit_invoice_status_changed")
    ]
    assert str(caplog.records[0].exc_info[1]) == "cannot sync PAID"


def test_notify_with_no_implementation_does_nothing():
    plugins = load(entry_points=builtin("bank_transfer", "cheque"))

    plugins.notify("remit_payment_received", invoice=sample_invoice(), event=None)
