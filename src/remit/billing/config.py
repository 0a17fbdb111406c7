"""What the domain is given instead of reading the environment: where its links point, what
the processing fee costs and who bills it, how mail leaves, the operator's payment account, and
how many periods a contract catches up without the tenant's confirmation, the keys that
seal provider secrets at rest, whether sign-up is open, how long sessions live, and the
broker that carries live updates.
The wiring (remit.runtime) builds it from the process settings once, at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from remit.billing.mail import Transport
from remit.billing.money import Money
from remit.plugins.platform import PlatformAccount

if TYPE_CHECKING:  # billing.live reads its broker from here
    from remit.billing.live import Broker


@dataclass(frozen=True)
class Config:
    public_url: str
    fee_per_invoice: Money
    # Who bills the processing fee, as printed on fee invoices and emails.
    platform_name: str
    platform_email: str
    platform_bank_details: str | None
    mail: Transport
    # None when this server takes no cards for the processing fee.
    platform_account: PlatformAccount | None
    # Derived into the keys sealing provider secrets (billing.sealing): the first seals,
    # every one opens, so an old key stays listed while rows are rewritten.
    secret_keys: tuple[str, ...]
    # A contract due for more periods than this at once (a start date far in the past, a
    # cycle that has not run for months) has them all held until the tenant confirms.
    max_catch_up_periods: int = 3
    # Whether anyone may create a tenant and its owner at /auth/signup.
    signup_open: bool = False
    # How long a console session lives without being used.
    session_lifetime: timedelta = timedelta(days=14)
    # Carries live updates to subscribers (billing.live); None in a one-shot command, whose
    # changes no subscriber hears of.
    live: Broker | None = None
    # Whether tenants' webhook endpoints may be on private or loopback addresses.
    webhooks_allow_private: bool = False
    # Days a webhook event and its delivery log are kept once all its deliveries are over.
    webhook_log_days: int = 30
    # The VIES service confirming the EU VAT identifiers given to organizations; None: off.
    vies_url: str | None = None


_current: Config | None = None


def use(config: Config | None) -> None:
    """Set by the wiring at start-up, and back to None when the process stops."""
    global _current
    _current = config


def current() -> Config:
    if _current is None:
        raise RuntimeError("the billing configuration was asked for before the process started")
    return _current
