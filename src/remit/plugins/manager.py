"""Finding and loading plugins. Built-in providers are entry points of Remit's own
distribution and load through exactly the same path as third-party ones."""

import importlib.metadata
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pluggy

from remit.plugins import hookspecs
from remit.plugins.api import PaymentProvider

GROUP = "remit"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,49}\Z")
OWN_DISTRIBUTION = "remit"

logger = logging.getLogger("remit.plugins")


@dataclass(frozen=True)
class PluginFailure:
    plugin: str
    error: str


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    loaded: list[str] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    providers: dict[str, PaymentProvider] = field(default_factory=dict)
    provider_plugin: dict[str, str] = field(default_factory=dict)

    def fail(self, plugin: str, error: str) -> None:
        logger.error("plugin %s skipped: %s", plugin, error)
        self.failures.append(PluginFailure(plugin, error))

    def listens(self, hook: str) -> bool:
        """Whether any plugin implements the lifecycle hook: its arguments need not be made
        when none does."""
        return bool(getattr(self.manager.hook, hook).get_hookimpls())

    def notify(self, hook: str, **kwargs) -> None:
        """Call a lifecycle hook on every plugin; one plugin's failure is logged and does not
        stop the others, nor the change that triggered it."""
        for implementation in getattr(self.manager.hook, hook).get_hookimpls():
            arguments = {name: kwargs[name] for name in implementation.argnames}
            try:
                implementation.function(**arguments)
            except Exception:
                logger.exception("plugin %s failed in %s", implementation.plugin_name, hook)


def _ordered(entry_points: Iterable[importlib.metadata.EntryPoint]):
    """Remit's own first, then the rest by name, so a key clash always skips the same one."""

    def owner(entry_point) -> str:
        return entry_point.dist.name if entry_point.dist else ""

    return sorted(entry_points, key=lambda ep: (owner(ep) != OWN_DISTRIBUTION, ep.name))


def load(entry_points: Iterable[importlib.metadata.EntryPoint] | None = None) -> Plugins:
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    plugins = Plugins(manager)
    if entry_points is None:
        entry_points = importlib.metadata.entry_points(group=GROUP)
    for entry_point in _ordered(entry_points):
        _register(plugins, entry_point)
    _collect_providers(plugins)
    return plugins


def _register(plugins: Plugins, entry_point: importlib.metadata.EntryPoint) -> None:
    name = entry_point.name
    try:
        plugin = entry_point.load()
    except Exception as error:
        plugins.fail(name, f"cannot be imported: {type(error).__name__}: {error}")
        return
    try:
        plugins.manager.register(plugin, name=name)
    except Exception as error:
        plugins.fail(name, f"cannot be registered: {error}")
        return
    unknown = sorted(
        caller.name
        for caller in plugins.manager.get_hookcallers(plugin) or []
        if not caller.has_spec()
    )
    if unknown:
        plugins.manager.unregister(plugin)
        plugins.fail(name, f"implements hooks Remit does not have: {', '.join(unknown)}")
        return
    plugins.loaded.append(name)


def _collect_providers(plugins: Plugins) -> None:
    # get_hookimpls() lists in registration order, so an earlier plugin keeps a clashing key.
    for implementation in plugins.manager.hook.remit_payment_providers.get_hookimpls():
        owner = implementation.plugin_name
        try:
            offered = list(implementation.function())
        except Exception as error:
            plugins.fail(owner, f"remit_payment_providers failed: {type(error).__name__}: {error}")
            continue
        for provider in offered:
            problem = _provider_problem(provider)
            key = getattr(provider, "key", "?")
            if problem is None and key in plugins.providers:
                problem = f"provider key {key!r} is taken by plugin {plugins.provider_plugin[key]}"
            if problem:
                plugins.fail(owner, problem)
                continue
            plugins.providers[key] = provider
            plugins.provider_plugin[key] = owner


def _provider_problem(provider: object) -> str | None:
    if not isinstance(provider, PaymentProvider):
        return f"{provider!r} lacks parts of the PaymentProvider protocol"
    if not isinstance(provider.key, str) or not KEY_PATTERN.match(provider.key):
        return f"provider key {provider.key!r} is not a lowercase identifier"
    return None


@lru_cache
def installed() -> Plugins:
    """The plugins of this process, loaded once."""
    return load()
