"""The payment providers a tenant configures. Settings are checked against the provider's
own model; secrets (its SecretStr fields) are kept sealed (billing.sealing), and never shown
again."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from remit.billing import config, jobs, validation
from remit.billing.errors import Invalid, NotFound, RemitErrors
from remit.billing.sealing import Sealer, opened, sealed
from remit.models.settings import ProviderSettings
from remit.models.tenants import Tenant
from remit.plugins import manager
from remit.plugins.api import CardUpdatingProvider, PaymentProvider, RefundingProvider

# What a client gets instead of a secret, and may send back to keep it unchanged.
MASK = "**********"


def installed() -> dict[str, PaymentProvider]:
    return manager.installed().providers


def provider(key: str, *, field: list[str] | None = None) -> PaymentProvider:
    found = installed().get(key)
    if found is None:
        raise NotFound("payment provider", key, field=field)
    return found


@dataclass(frozen=True)
class Configured:
    """An installed provider as one tenant set it up, with the tenant's parsed settings."""

    key: str
    provider: PaymentProvider
    settings: BaseModel


async def resolve(tenant_id: UUID, key: str, *, disabled_too: bool = False) -> Configured | None:
    """The provider `key` as the tenant set it up, or None when it is not installed, not set
    up, or switched off. Switching a provider off stops new business through it (options on
    new invoices, payment pages, charges); what it already started (callbacks about money it
    moved, closing the pages it made) is followed with `disabled_too`. Settings that no
    longer validate raise pydantic's ValidationError."""
    if key not in installed():
        return None
    row = await ProviderSettings.get_or_none(tenant_id=tenant_id, provider=key)
    return from_row(key, row, disabled_too=disabled_too)


async def rows(tenant_id: UUID, keys: list[str]) -> dict[str, ProviderSettings]:
    """The tenant's settings of these providers, by key, read in one statement; a provider
    never set up is absent. `from_row` makes each a `resolve`."""
    if not keys:
        return {}
    found = await ProviderSettings.filter(tenant_id=tenant_id, provider__in=keys)
    return {row.provider: row for row in found}


def from_row(
    key: str, row: ProviderSettings | None, *, disabled_too: bool = False
) -> Configured | None:
    """`resolve`, from the tenant's settings row of the provider already read (None: none)."""
    payment_provider = installed().get(key)
    if payment_provider is None or row is None or not (row.enabled or disabled_too):
        return None
    return Configured(
        key, payment_provider, payment_provider.Settings.model_validate(_opened(row.settings))
    )


async def takers(tenant_id: UUID, keys: list[str], currency: str) -> list[str]:
    """The keys among `keys` that the tenant has enabled and whose settings take payments in
    `currency` (the provider's `accepts`). Settings that no longer validate take nothing."""
    found = []
    for key in keys:
        try:
            offered = await resolve(tenant_id, key)
        except ValidationError:
            continue
        if offered is not None and offered.provider.accepts(currency, offered.settings):
            found.append(key)
    return found


def no_taker_message(keys: list[str], currency: str) -> str:
    return (
        f"No payment provider offered ({', '.join(keys)}) can take {currency} payments: "
        f"set one up for {currency} (a bank account in {currency}, say) or offer another."
    )


def can_refund(payment_provider: PaymentProvider) -> bool:
    """Whether money this provider took can be given back through it (the optional
    `refund`)."""
    return isinstance(payment_provider, RefundingProvider)


def can_update_cards(payment_provider: PaymentProvider) -> bool:
    """Whether a customer can save a new card through this provider (the optional
    `card_setup_option` and `card_expiry`)."""
    return isinstance(payment_provider, CardUpdatingProvider)


def settings_schema(payment_provider: PaymentProvider) -> dict:
    return payment_provider.Settings.model_json_schema()


def _sealer() -> Sealer:
    return Sealer(config.current().secret_keys)


def _opened(stored: dict) -> dict:
    """Stored settings with their secrets decrypted, as the provider's model reads them."""
    return opened(stored, _sealer())


def sealed_for_storage(payment_provider: PaymentProvider, stored: dict, sealer: Sealer) -> dict:
    """Stored settings (plain or already sealed) with every secret sealed. Raises pydantic's
    ValidationError when they no longer validate."""
    model = payment_provider.Settings.model_validate(opened(stored, sealer))
    return to_jsonable_python(sealed(model.model_dump(), sealer))


def _keep_unchanged_secrets(submitted: Any, stored: Any) -> Any:
    """Where the client sent the mask back, the stored secret stands."""
    if submitted == MASK:
        return stored
    if isinstance(submitted, dict) and isinstance(stored, dict):
        return {
            key: _keep_unchanged_secrets(value, stored.get(key)) for key, value in submitted.items()
        }
    return submitted


def masked(payment_provider: PaymentProvider, stored: dict) -> dict:
    """Stored settings as the API shows them: every secret replaced by the mask."""
    try:
        model = payment_provider.Settings.model_validate(_opened(stored))
    except (ValidationError, ValueError):
        return {}
    return model.model_dump(mode="json")


def _validated(payment_provider: PaymentProvider, raw: dict) -> dict:
    try:
        model = payment_provider.Settings.model_validate(raw)
    except ValidationError as error:
        problems = [
            Invalid(
                problem["msg"].removeprefix("Value error, "),
                field=["settings", *map(str, problem["loc"])],
            )
            for problem in error.errors(include_url=False, include_input=False)
        ]
        raise RemitErrors.of(problems) from None
    return to_jsonable_python(sealed(model.model_dump(), _sealer()))


async def configure(tenant: Tenant, key: str, *, enabled: bool, settings: Any) -> ProviderSettings:
    """Save one provider's settings for the tenant and switch it on or off. Disabling keeps
    the stored settings when none are given."""
    validation.storable({"provider": key, "settings": settings}, [])
    payment_provider = provider(key, field=["provider"])
    if not isinstance(settings, dict):
        raise Invalid("Settings must be a JSON object.", field=["settings"])
    async with jobs.atomic():
        row = await ProviderSettings.select_for_update().get_or_none(tenant=tenant, provider=key)
        stored = row.settings if row else {}
        if enabled or settings:
            kept = _keep_unchanged_secrets(settings, _opened(stored))
            values = _validated(payment_provider, kept)
        else:
            values = stored
        if row is None:
            row = await ProviderSettings.create(
                tenant=tenant, provider=key, enabled=enabled, settings=values
            )
        else:
            row.enabled, row.settings = enabled, values
            await row.save()
    return row


async def configured(tenant: Tenant) -> list[ProviderSettings]:
    """The tenant's provider rows for providers installed on this server, by key."""
    rows = await ProviderSettings.filter(tenant=tenant).order_by("provider")
    return [row for row in rows if row.provider in installed()]
