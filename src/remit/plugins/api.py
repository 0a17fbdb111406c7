"""What a payment provider receives and returns. Plugin authors import these from `remit`.

Everything here is plain data: a provider gets frozen copies (changing them changes nothing)
and answers with these dataclasses, never with its SDK's objects. Amounts are integers of
the currency's minor units (cents, yen, fils); currencies are ISO 4217 codes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable
from uuid import UUID

import pluggy
from pydantic import BaseModel

hookimpl = pluggy.HookimplMarker("remit")


@dataclass(frozen=True)
class Party:
    """The customer or the issuing tenant, as printed on the invoice."""

    name: str
    legal_name: str | None = None
    email: str | None = None
    address: Mapping[str, str | None] | None = None
    tax_id: str | None = None


@dataclass(frozen=True)
class CustomerAccount:
    """What a provider keeps about one customer: its own customer id and a saved payment
    method that can be charged without the customer present."""

    customer_ref: str | None = None
    payment_method_ref: str | None = None


@dataclass(frozen=True)
class InvoiceView:
    """A frozen copy of an invoice, as much of it as a provider needs."""

    id: UUID
    tenant_id: UUID
    number: str | None
    status: str
    currency: str
    total: int
    amount_due: int
    period_start: date
    period_end: date
    issue_date: date | None
    due_date: date | None
    customer: Party
    issuer: Party
    public_url: str
    auto_charge: bool = False
    customer_account: CustomerAccount | None = None


@dataclass(frozen=True)
class PaymentOption:
    """How the customer pays one invoice with one provider: instructions printed on the
    invoice, a URL to pay online, or both. `reference` is the provider's id for what it made
    (a checkout session), `expires_at` when the URL stops working."""

    provider: str
    name: str
    instructions: str | None = None
    payment_url: str | None = None
    reference: str | None = None
    expires_at: datetime | None = None


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"


@dataclass(frozen=True)
class ChargeResult:
    """An automatic charge that the provider accepted. The final word arrives by webhook."""

    status: ChargeStatus
    reference: str


class PaymentEventKind(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    PAYMENT_METHOD_SAVED = "payment_method_saved"


@dataclass(frozen=True)
class PaymentEvent:
    """One provider callback in Remit's terms. `event_id` is the provider's own id for the
    callback: Remit processes each id once, however often it is delivered."""

    event_id: str
    kind: PaymentEventKind
    invoice_id: UUID | None = None
    tenant_id: UUID | None = None
    amount: int | None = None
    currency: str | None = None
    reference: str | None = None
    detail: str | None = None
    customer_account: CustomerAccount | None = None
    platform_fee_id: UUID | None = None


class ProviderError(Exception):
    """Base of the failures a provider reports."""


class ProviderUnavailable(ProviderError):
    """A technical failure (timeout, outage, rate limit): Remit retries later."""


class PaymentRefused(ProviderError):
    """A logical failure (card declined, account misconfigured): shown to the user, not
    retried. The message must make sense to the tenant."""


class WebhookRejected(ProviderError):
    """The callback is not authentic or not readable: answered with HTTP 400."""


@runtime_checkable
class PaymentProvider(Protocol):
    """A way for customers to pay. See `remit_payment_providers` in plugins/hookspecs.py."""

    key: ClassVar[str]
    name: ClassVar[str]
    supports_online_payment: ClassVar[bool]
    supports_auto_charge: ClassVar[bool]
    Settings: ClassVar[type[BaseModel]]

    async def payment_option(self, invoice: InvoiceView, settings: BaseModel) -> PaymentOption: ...

    async def charge(self, invoice: InvoiceView, settings: BaseModel) -> ChargeResult: ...

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, settings: BaseModel
    ) -> list[PaymentEvent]: ...

    async def close_payment_option(self, reference: str, settings: BaseModel) -> None:
        """Make the payment page behind ``reference`` unusable, so no one pays a void invoice.

        ``reference`` is the ``PaymentOption.reference`` this provider returned from
        ``payment_option`` for the invoice (at issue, or each time the customer asked for a
        fresh page); an option without a reference is never closed. ``settings`` is an
        instance of ``Settings`` with the tenant's values, given even when the tenant has
        since switched the provider off: a page made before can still take money.

        Remit calls it after an invoice is voided, once for every page made for that
        invoice, from a background job. It must be safe to repeat: the job runs again after
        a crash or a ``ProviderUnavailable`` and calls again for every page, and a page that
        is already closed, expired or paid counts as closed: return normally. Raise
        ``ProviderUnavailable`` for a technical failure (Remit retries later) and
        ``PaymentRefused`` when the provider will not close it (Remit records the message on
        the invoice's history and closes the other pages). ``BaseProvider`` does nothing,
        which suits providers whose pages need no closing (printed instructions).
        """


class BaseProvider:
    """Defaults for providers that neither charge automatically nor receive callbacks."""

    supports_online_payment: ClassVar[bool] = False
    supports_auto_charge: ClassVar[bool] = False

    async def charge(self, invoice: InvoiceView, settings: BaseModel) -> ChargeResult:
        raise PaymentRefused(f"{self.name} cannot charge automatically.")

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, settings: BaseModel
    ) -> list[PaymentEvent]:
        raise WebhookRejected(f"{self.name} sends no callbacks.")

    async def close_payment_option(self, reference: str, settings: BaseModel) -> None:
        """Nothing to close: printed instructions need no closing. A provider whose payment
        pages can still be paid after the invoice is voided overrides this."""
