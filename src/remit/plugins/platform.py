"""The operator's own payment account: where tenants pay the monthly invoicing processing fee
that this Remit server bills them. Not a plugin: the operator configures one account for the
whole server, and billing reaches it only through `PlatformAccount`.

Like a payment provider, an account answers with Remit's own dataclasses (these and those of
plugins/api.py), never with its SDK's objects, and tells a technical failure
(ProviderUnavailable: try again later) from a logical one (PaymentRefused: shown to the
tenant or recorded). Amounts are integers of the currency's minor units.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from remit.plugins.api import ChargeResult, CustomerAccount, PaymentEvent


@dataclass(frozen=True)
class PlatformCustomer:
    """A tenant as the operator's account knows it. `customer_ref` is the account's own id for
    the tenant, once an earlier card setup made one."""

    tenant_id: UUID
    name: str
    email: str | None = None
    customer_ref: str | None = None


@dataclass(frozen=True)
class CardSetup:
    """A card about to be saved. The tenant's front end completes it with `client_secret`; the
    account reports the saved card later, as a PAYMENT_METHOD_SAVED event of its webhook.
    `reference` is the account's id for the setup."""

    customer_ref: str
    reference: str
    client_secret: str


@dataclass(frozen=True)
class FeeCharge:
    """One attempt to charge a month's processing fee to the tenant's saved card. `attempt`
    counts from 1; the same fee and attempt must never be charged twice."""

    fee_id: UUID
    tenant_id: UUID
    attempt: int
    amount: int
    currency: str
    description: str
    account: CustomerAccount


class PlatformAccount(Protocol):
    """The operator's account with a payment processor."""

    async def set_up_card(self, customer: PlatformCustomer) -> CardSetup:
        """Start saving a card for `customer`, creating the customer first when it has no
        `customer_ref` (at most once per tenant, however often this is called). Raises
        ProviderUnavailable or PaymentRefused; then nothing is to be recorded."""

    async def describe_card(self, payment_method_ref: str) -> str | None:
        """How the saved payment method is shown to the tenant ("Visa •••• 4242"), or None
        when the account gives no details. Raises ProviderUnavailable or PaymentRefused."""

    async def charge_fee(self, charge: FeeCharge) -> ChargeResult:
        """Charge the fee without the tenant present. A charge that was accepted returns its
        reference; whether it succeeded arrives by webhook (a PAID or FAILED event carrying the
        fee's id). A declined card raises PaymentRefused, an outage ProviderUnavailable; a
        repeated call for the same fee and attempt must not charge again."""

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[PaymentEvent]:
        """The account's callback in Remit's terms: PAYMENT_METHOD_SAVED with the tenant's id
        and its CustomerAccount, PAID or FAILED with the fee's id (`platform_fee_id`);
        anything else may be returned and is ignored. Raises WebhookRejected when the callback
        is not authentic or not readable, ProviderUnavailable when this server cannot check it
        (its signing secret is not configured)."""
