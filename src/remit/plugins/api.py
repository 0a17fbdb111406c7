"""What a payment provider receives and returns. Plugin authors import these from `remit`.

Everything here is plain data: a provider gets frozen copies (changing them changes nothing)
and answers with these dataclasses, never with its SDK's objects. Amounts are integers of
the currency's minor units (cents, yen, fils); currencies are ISO 4217 codes.

The hooks a plugin implements are in `remit/plugins/hookspecs.py`; docs/plugins.md walks
through a complete plugin, and `remit.testing` checks one against this contract.
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
"""Marks a plugin's functions that implement the hooks of `remit/plugins/hookspecs.py`."""


@dataclass(frozen=True)
class Party:
    """The customer or the issuing tenant, as printed on the invoice. `address` has the keys
    line1, line2, city, region, postal_code and country (ISO 3166-1 alpha-2); any may be
    None."""

    name: str
    legal_name: str | None = None
    email: str | None = None
    address: Mapping[str, str | None] | None = None
    tax_id: str | None = None


@dataclass(frozen=True)
class CustomerAccount:
    """What a provider keeps about one customer: its own customer id and a saved payment
    method that can be charged without the customer present.

    Remit stores it per organization and provider when a `PaymentEvent` carries one (a
    field left None keeps the stored value) or when the tenant links an existing customer,
    and hands it back as `InvoiceView.customer_account`."""

    customer_ref: str | None = None
    payment_method_ref: str | None = None


@dataclass(frozen=True)
class InvoiceView:
    """A frozen copy of an invoice, as much of it as a provider needs.

    `status` is DRAFT, ON_HOLD, DUE, OVERDUE, PAID or VOID; `number` is None until the
    invoice is issued. `total` and `amount_due` (the total less what is paid; 0 once void) are in
    `currency`'s minor units. `customer` is the organization billed, `issuer` the tenant.
    `public_url` is the invoice's hosted page: a good return URL after payment.
    `auto_charge` says the contract asks for automatic charging. `customer_account` is the
    organization's saved account with the provider being called, or None (always None in
    the lifecycle hooks). `charge_attempt`, in `charge`, is which automatic charge of the
    invoice this is: 0 the first, 1 the first retry after a soft decline, and so on; each is
    a new charge, so derive the idempotency key from `id` and `charge_attempt` (the first
    attempt's key, without it, is unchanged). `locale` is the customer's (BCP 47, e.g.
    `de-DE`: the organization's own, else the tenant's default): the language the invoice,
    its page and its emails are written in, and so the one to write a `PaymentOption`'s
    `name` and `instructions` in."""

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
    charge_attempt: int = 0
    locale: str = "en"


@dataclass(frozen=True)
class CreditTransfer:
    """Where a bank transfer goes: `beneficiary` (the account holder's name, at most 70
    characters in the QR code), `iban` and `bic` (compact, no spaces; `bic` may be None
    within the EEA) and the `reference` the payer quotes (an ISO 11649 RF reference, which
    banks carry as a structured reference)."""

    beneficiary: str
    iban: str
    bic: str | None
    reference: str


@dataclass(frozen=True)
class PaymentOption:
    """How the customer pays one invoice with one provider: instructions printed on the
    invoice, a URL to pay online, or both.

    `provider` is the provider's `key` and `name` its `name`. `instructions` is plain text,
    line breaks kept. `payment_url` is where the customer pays online; the invoice and its
    email never show it directly but link to Remit, which asks `payment_option` for a fresh
    one each time the customer clicks. `reference` is the provider's id for the page it made
    (a checkout session): Remit remembers it and passes it to `close_payment_option` when
    the invoice is voided. `expires_at` is when the URL stops working.

    `credit_transfer`, for a provider paid by bank transfer, is the account and the
    reference to pay to: Remit prints it as a payment QR code a banking app scans (for
    EUR, the EPC069-12 SEPA credit transfer code), with the amount due when it is shown,
    and none when nothing is due.

    From `describe` only `provider`, `name`, `instructions` and `credit_transfer` count:
    the invoice's pay button, for an online provider, is always Remit's own link."""

    provider: str
    name: str
    instructions: str | None = None
    payment_url: str | None = None
    reference: str | None = None
    expires_at: datetime | None = None
    credit_transfer: CreditTransfer | None = None


class ChargeStatus(StrEnum):
    """How far a charge got when `charge` returned: money taken, still under way, or waiting
    for the customer (3-D Secure, say). Remit records it; only a webhook settles the
    invoice."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"


@dataclass(frozen=True)
class ChargeResult:
    """An automatic charge that the provider accepted. `reference` is the provider's id for
    the payment; the `PaymentEvent`s about it should carry the same reference. The final
    word arrives by webhook."""

    status: ChargeStatus
    reference: str


@dataclass(frozen=True)
class RefundResult:
    """A refund the provider accepted. `reference` is the provider's id for the refund.
    Remit counts the money as returned when the provider's REFUNDED event for the payment
    arrives through `parse_webhook`, as it counts payments."""

    reference: str


class PaymentEventKind(StrEnum):
    """PAID: money received (counted towards the invoice). FAILED: a payment attempt failed
    (the tenant is told; the invoice stays as it is). REFUNDED: money given back.
    PAYMENT_METHOD_SAVED: only `customer_account` changed."""

    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    PAYMENT_METHOD_SAVED = "payment_method_saved"


@dataclass(frozen=True)
class PaymentEvent:
    """One provider callback in Remit's terms, as `parse_webhook` returns it.

    - `event_id`: the provider's own id for the callback. Remit processes each id once per
      provider key, however often it is delivered; it must be unique across all tenants.
    - `invoice_id`, `tenant_id`: the invoice it is about, echoed from the metadata the
      provider was given (`InvoiceView.id` and `.tenant_id`). Without `invoice_id` the
      event goes to the tenant's invoice whose ledger already holds `reference`, if any.
      Naming an invoice the tenant does not have, or finding none, the event is stored and
      does nothing; a `tenant_id` other than the one in the webhook's URL makes Remit
      ignore the event.
    - `amount`: in the invoice currency's minor units. For PAID, the running total received
      under `reference` so far; for REFUNDED, the running total refunded from that payment.
      Remit keeps the highest figure per reference, so a repeated or late event changes
      nothing. A PAID or REFUNDED event without an amount is not counted: Remit records it
      on the invoice for the tenant to check.
    - `currency`: ISO 4217. Remit does not convert: a PAID or REFUNDED event in another
      currency than the invoice's is not counted, only recorded for the tenant.
    - `reference`: the provider's id for the payment (a PaymentIntent); a refund carries the
      reference of the payment it refunds. None makes `event_id` the reference.
    - `detail`: why a payment FAILED, in words for the tenant (sent in an email).
    - `hard_decline`: for FAILED, the card will never be accepted as it is (stolen, lost,
      closed, a wrong number, "do not honor"): Remit does not charge it again and asks the
      customer for another. False (a soft decline: insufficient funds, a processing error)
      lets Remit retry on the tenant's schedule.
    - `customer_account`: set to save or update the organization's account with you.
    - `platform_fee_id`: for Remit's own Stripe account only; leave it None.
    - `paid_on`: for PAID, the day (UTC) the provider took the money; the invoice shows it
      as its payment day. None means the day Remit hears of it.
    """

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
    paid_on: date | None = None
    hard_decline: bool = False


@dataclass(frozen=True)
class EInvoiceMessage:
    """An issued invoice's or credit note's e-invoice, as an e-invoice channel receives it.

    `invoice` is the invoice (for a credit note, the invoice it corrects). `document_type`
    is the UNTDID 1001 code: "380" an invoice, "381" a credit note; `number` is the
    document's own number. `format` is the organization's e-invoice format: FACTURX,
    XRECHNUNG_CII, XRECHNUNG_UBL or PEPPOL_UBL; `xml` the document in that format (UTF-8),
    already checked against its XML schema and the EN 16931 rules Remit implements, and
    `filename` its name (`<number>.xml`). `buyer_endpoint` is the buyer's electronic address
    (EN 16931 BT-49: its billing email for now) and `buyer_vat_id` its VAT identifier,
    None when unknown: a Peppol channel looks the participant up from them."""

    invoice: InvoiceView
    document_type: str
    number: str
    format: str
    xml: bytes
    filename: str
    buyer_endpoint: str | None
    buyer_vat_id: str | None


@runtime_checkable
class EInvoiceChannel(Protocol):
    """A way to deliver e-invoices besides the email (a Peppol access point, a government
    portal). See `remit_einvoice_channels` in remit/plugins/hookspecs.py."""

    key: str
    name: str

    def accepts(self, message: EInvoiceMessage) -> bool:
        """Whether this channel delivers this message (its format, its buyer)."""

    async def send(self, message: EInvoiceMessage) -> str:
        """Deliver the message; return the channel's id for it."""


class ProviderError(Exception):
    """Base of the failures a provider reports. Raise one of the three below, nothing
    else: any other exception is a bug in the provider (a job fails, a webhook gets 500)."""


class ProviderUnavailable(ProviderError):
    """A technical failure (timeout, outage, rate limit, an answer you cannot read): Remit
    retries the job later, backing off from a minute to an hour; on the hosted page the
    customer is asked to try again shortly."""


class PaymentRefused(ProviderError):
    """A logical failure (card declined, no saved card, wrong API key, no account for the
    currency): the job is not retried. The message is recorded on the invoice for the tenant
    and shown to a customer whose click on the hosted page failed, so write it for them.

    From `charge`, `hard_decline=True` says the card will never be accepted as it is (see
    `PaymentEvent.hard_decline`): Remit stops charging the invoice automatically. A soft
    decline (the default) is charged again on the tenant's retry schedule."""

    def __init__(self, message: str, *, hard_decline: bool = False) -> None:
        super().__init__(message)
        self.hard_decline = hard_decline


class WebhookRejected(ProviderError):
    """The callback is not authentic (bad signature) or not readable: Remit answers HTTP 400
    with the message and changes nothing."""


@runtime_checkable
class PaymentProvider(Protocol):
    """A way for customers to pay, offered by `remit_payment_providers` in
    remit/plugins/hookspecs.py. Subclass `BaseProvider` for the defaults.

    In every method `settings` is an instance of the provider's `Settings` holding the
    tenant's values, and `invoice` a frozen copy. Failures are `ProviderUnavailable`
    (retried), `PaymentRefused` (shown, not retried) or `WebhookRejected` (HTTP 400)."""

    key: ClassVar[str]
    """Stable id: 2 to 50 characters of a-z, 0-9 and _, starting with a letter, unique among
    installed providers. Stored on contracts and settings and in webhook URLs
    (`/webhooks/<key>/<tenant id>`): never change it."""

    name: ClassVar[str]
    """Shown to tenants and customers: "Card (Stripe)", "Bank transfer"."""

    supports_online_payment: ClassVar[bool]
    """True when `payment_option` returns a `payment_url`: the invoice then offers a pay
    button (Remit's own link), which asks `payment_option` for a fresh URL on each click."""

    supports_auto_charge: ClassVar[bool]
    """True when `charge` can take money without the customer present. Only such providers
    are charged automatically, and only for organizations with a saved `payment_method_ref`."""

    Settings: ClassVar[type[BaseModel]]
    """A pydantic model of what a tenant configures (API keys, account ids). Its JSON Schema
    is the settings form front ends show. Fields typed `SecretStr` are stored but never
    shown again (a mask instead). Validation errors reach the tenant with the field's path,
    so raise `ValueError` with a message for them in validators."""

    async def payment_option(self, invoice: InvoiceView, settings: BaseModel) -> PaymentOption:
        """How the customer pays `invoice` (`invoice.amount_due` in `invoice.currency`) now.

        Called, for online providers, each time the customer clicks pay on the hosted page
        of a DUE or OVERDUE invoice: make a payment page (a checkout session) and return
        `PaymentOption(provider=self.key, ...)` with its `payment_url` and `reference`.
        `PaymentRefused` is shown to the customer; `ProviderUnavailable` asks them to try
        again shortly. At delivery Remit calls `describe` instead, and calls this method
        only when `describe` returns None."""
        ...

    def describe(self, invoice: InvoiceView, settings: BaseModel) -> PaymentOption | None:
        """What the invoice and its email print for this provider, said without calling it.

        Called once when the invoice is delivered; the option is stored and printed on the
        invoice. A plain `def`: no network calls, no pages made, so a provider that is down
        never holds an invoice's email. Return `PaymentOption(provider=self.key,
        name=self.name, instructions=...)`; for an online provider Remit adds the pay
        button, a link to its own hosted page that calls `payment_option` when clicked.
        Raise `PaymentRefused` when the invoice cannot be paid this way (the option is left
        off and the message recorded on the invoice). Return None to have Remit call
        `payment_option` at delivery instead, as before `describe` existed; any failure of
        that call is recorded on the invoice and the email goes without the option.
        `BaseProvider`'s default describes an online provider by its name and returns None
        for the others."""
        ...

    def accepts(self, currency: str, settings: BaseModel) -> bool:
        """Whether this provider, with these settings, can take payments in `currency`
        (ISO 4217). A plain `def`: no network calls.

        Remit asks it when a contract goes live or is changed (an offered provider that
        cannot take the contract's currency is refused), when an invoice is issued (an
        invoice no offered provider can take is held, not sent), and at delivery (an
        option that cannot take the currency is left off). `BaseProvider` answers True."""
        ...

    async def charge(self, invoice: InvoiceView, settings: BaseModel) -> ChargeResult:
        """Charge `invoice.customer_account` for `invoice.amount_due`, without the customer.

        Called by a job right after an invoice of an auto-charge contract is issued, and
        again on retries: send your provider an idempotency key derived from `invoice.id`
        so the invoice is never charged twice. Return what the provider accepted; the
        outcome arrives later through `parse_webhook`. `PaymentRefused` (declined, no saved
        method) is recorded on the invoice; `ProviderUnavailable` retries the job."""
        ...

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, settings: BaseModel
    ) -> list[PaymentEvent]:
        """Verify and translate one callback posted to `/webhooks/<key>/<tenant id>`.

        `headers` are the request's (look names up case-insensitively), `body` its raw
        bytes, `settings` the tenant's from the URL. A plain `def`: no network calls.
        Raise `WebhookRejected` when the signature does not match or the body cannot be
        read; return `[]` for events you ignore. See `PaymentEvent` for what each field
        must hold, amounts above all."""
        ...

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


@runtime_checkable
class RefundingProvider(Protocol):
    """What a provider adds to `PaymentProvider` to give money back: optional. A provider
    without `refund` still works; a credit note asking for a refund of a payment it took is
    refused, with a message telling the tenant to refund it themselves and record that."""

    async def refund(
        self, reference: str, amount: int, currency: str, key: str, settings: BaseModel
    ) -> RefundResult:
        """Give back `amount` (minor units of `currency`) of the payment `reference`: the
        reference of the PAID events that reported it (a Stripe PaymentIntent).

        Called by a job after a credit note asking for a refund is issued, and again on
        retries: send `key` (derived from the credit note) to your provider as an
        idempotency key, so the money goes back once however often the job runs. Return
        what the provider accepted; the refund counts when your REFUNDED event arrives.
        `PaymentRefused` (the payment is refunded already, or cannot be) is recorded on the
        invoice for the tenant; `ProviderUnavailable` retries the job later."""
        ...


@runtime_checkable
class CardUpdatingProvider(Protocol):
    """What a provider adds to `PaymentProvider` to let a customer save a new card for
    automatic charges: optional. Remit links to it from the email sent when an automatic
    charge fails, and from the email that warns of a card about to expire."""

    async def card_setup_option(self, invoice: InvoiceView, settings: BaseModel) -> PaymentOption:
        """A page where the customer saves a new payment method for `invoice.customer_account`
        (a Stripe Checkout Session in setup mode), without paying: return
        `PaymentOption(provider=self.key, ...)` with its `payment_url` and `reference`.

        Called each time the customer clicks the button of the link Remit emailed. Once the
        customer is done, report the new method with a PAYMENT_METHOD_SAVED `PaymentEvent`
        (carrying `invoice_id` and the new `customer_account`) from `parse_webhook`: Remit
        makes it the organization's default for the next charges. `PaymentRefused` is shown to
        the customer; `ProviderUnavailable` asks them to try again shortly."""
        ...

    async def card_expiry(self, account: CustomerAccount, settings: BaseModel) -> date | None:
        """The last day the saved `account.payment_method_ref` can be charged (a card's
        expiry month, to its last day), or None when it does not expire.

        Called by a job once a new payment method is saved. Remit emails the customer once,
        30 days before that day, with the link to save another. `ProviderUnavailable`
        retries the job."""
        ...


class BaseProvider:
    """Defaults for providers that neither charge automatically nor receive callbacks (bank
    transfer, cheque). A subclass sets `key`, `name` and `Settings` and writes
    `payment_option`; it overrides the rest only when it can do more."""

    supports_online_payment: ClassVar[bool] = False
    supports_auto_charge: ClassVar[bool] = False

    def describe(self, invoice: InvoiceView, settings: BaseModel) -> PaymentOption | None:
        """An online provider: its name and "Pay online", with Remit's pay button under
        them. Any other: None, so Remit asks `payment_option` for the instructions at
        delivery. Override it to print your own words without that call."""
        if self.supports_online_payment:
            return PaymentOption(provider=self.key, name=self.name, instructions="Pay online.")
        return None

    def accepts(self, currency: str, settings: BaseModel) -> bool:
        """Every currency. Override it when the settings limit them (a bank account per
        currency, say)."""
        return True

    async def charge(self, invoice: InvoiceView, settings: BaseModel) -> ChargeResult:
        """Refuses: this provider cannot charge automatically."""
        raise PaymentRefused(f"{self.name} cannot charge automatically.")

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, settings: BaseModel
    ) -> list[PaymentEvent]:
        """Rejects every callback (HTTP 400): this provider sends none."""
        raise WebhookRejected(f"{self.name} sends no callbacks.")

    async def close_payment_option(self, reference: str, settings: BaseModel) -> None:
        """Nothing to close: printed instructions need no closing. A provider whose payment
        pages can still be paid after the invoice is voided overrides this."""
