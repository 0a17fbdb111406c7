"""The hooks a Remit plugin implements. These docstrings are the plugin author's reference;
the data they pass is described in remit/plugins/api.py, and docs/plugins.md walks through
a complete plugin.

A plugin is a module (or object) with functions marked ``@remit.hookimpl`` whose names are
the hooks below, installed with an entry point in the ``remit`` group::

    [project.entry-points.remit]
    my_provider = "my_package.remit_plugin"

Remit loads every entry point once per process (API server or worker) at start-up; one
that fails to import, or implements a hook not listed here, is reported by ``remit plugins``
and skipped, and the service runs on. Implement only the hooks you need, with only the
arguments you use: they are passed by name.

The lifecycle hooks (``remit_invoice_issued``, ``remit_invoice_status_changed``,
``remit_payment_received``) are called after the change is committed, in the process that
made it. They must be quick (enqueue your own work) and must not raise: an exception is
logged, the other plugins are still called and the change stands. Their ``invoice`` is a
frozen copy taken after the change; changing it changes nothing.
"""

import pluggy

from remit.plugins.api import EInvoiceChannel, InvoiceView, PaymentEvent, PaymentProvider

hookspec = pluggy.HookspecMarker("remit")


@hookspec
def remit_payment_providers() -> list[PaymentProvider]:
    """Offer payment providers to Remit.

    Called once per process at start-up. Return a list of provider objects; the docstrings
    of ``PaymentProvider`` in remit/plugins/api.py describe each part. In short:

    - ``key``: a stable lowercase id (``"stripe"``, 2 to 50 characters of ``a-z0-9_``),
      unique across installed plugins; a clash is reported and the later provider skipped.
      It is stored on every contract that offers the provider: never change it.
    - ``name``: shown to tenants and customers (``"Card (Stripe)"``).
    - ``supports_online_payment``: ``payment_option`` returns a ``payment_url``.
    - ``supports_auto_charge``: ``charge`` can take money without the customer present.
    - ``Settings``: a pydantic model of what a tenant configures. Its JSON Schema is shown to
      front ends; fields typed ``SecretStr`` are secrets and never leave Remit unmasked.
    - ``describe(invoice, settings) -> PaymentOption | None``: what the invoice and its
      email print for this provider, without calling out (a plain ``def``). Called when
      the invoice is delivered; a failure is recorded and never holds the email. ``None``
      has Remit call ``payment_option`` instead. ``BaseProvider``'s describes an online
      provider by its name and returns ``None`` for the others. Write the option's ``name``
      and ``instructions`` in ``invoice.locale``, the language of the invoice they are
      printed on (the built-in providers do, from Remit's catalogs).
    - ``accepts(currency, settings) -> bool``: whether the provider, so set up, can take
      payments in ``currency`` (a plain ``def``). ``BaseProvider``'s takes every currency.
    - ``async payment_option(invoice, settings) -> PaymentOption``: how the customer pays
      this invoice now: instructions, a URL, or both. Called, for online providers, each
      time the customer clicks pay on its hosted page: make a fresh page there.
    - ``async charge(invoice, settings) -> ChargeResult``: charge
      ``invoice.customer_account`` for ``invoice.amount_due``. Use an idempotency key
      derived from ``invoice.id`` and ``invoice.charge_attempt`` so a repeated call never
      charges twice. The outcome arrives later through ``parse_webhook``. A decline is
      ``PaymentRefused``, with ``hard_decline=True`` when the card will never be accepted
      as it is (stolen, lost, a wrong number, "do not honor"): Remit then stops charging
      the invoice. A soft decline (insufficient funds, say) is charged again on the
      tenant's schedule (by default 3, 5 and 7 days after the first attempt), each retry
      with the next ``charge_attempt``, until a retry succeeds or any payment arrives. A
      FAILED ``PaymentEvent`` says the same with its ``hard_decline``.
    - ``parse_webhook(headers, body, settings) -> list[PaymentEvent]``: verify a callback
      posted to ``POST /webhooks/<key>/<tenant id>`` (raise ``WebhookRejected`` when it is
      not authentic or not readable: Remit answers 400) and translate it. Return ``[]``
      for events you ignore. A plain ``def`` that must not call out to the network. A
      PAID event's ``amount`` is the running total received under its ``reference``; a
      REFUNDED event carries the reference of the payment it refunds and the running total
      refunded from it. Each ``event_id`` is processed once.
    - ``async close_payment_option(reference, settings) -> None``: make the payment page
      behind ``reference`` (the ``PaymentOption.reference`` you returned) unusable. Called
      when the invoice is voided, for every page Remit made for it; safe to repeat: treat a
      page already closed, expired or paid as done. ``BaseProvider``'s does nothing, for
      providers whose options need no closing. See ``PaymentProvider.close_payment_option``.
    - Optional, ``async refund(reference, amount, currency, key, settings) -> RefundResult``:
      give back ``amount`` of the payment ``reference``, sending ``key`` as an idempotency
      key so a repeated call refunds once. Called after a credit note asks for a refund; the
      refund counts when your REFUNDED event arrives. Without it, such a credit note is
      refused. See ``RefundingProvider.refund``.
    - Optional, ``async card_setup_option(invoice, settings) -> PaymentOption``: a page where
      the customer saves a new card without paying (a Stripe Checkout Session in setup
      mode); report the saved card with a PAYMENT_METHOD_SAVED event, which becomes the
      organization's default. And ``async card_expiry(account, settings) -> date | None``:
      the last day a saved card can be charged, so Remit warns the customer 30 days before.
      Remit links to the page from the emails about a failed charge and an expiring card.
      See ``CardUpdatingProvider``.

    ``settings`` is an instance of your ``Settings`` with the tenant's values. Raise
    ``ProviderUnavailable`` for technical failures (Remit retries) and ``PaymentRefused``
    for logical ones (Remit shows the message and does not retry). Return Remit's
    dataclasses, never your SDK's objects.
    """


@hookspec
def remit_invoice_issued(invoice: InvoiceView) -> None:
    """Called after an invoice is numbered and committed: issued by the daily cycle, or
    released from ON_HOLD by a user. Not for an invoice put ON_HOLD (it is not issued).

    For integrations such as accounting sync. ``invoice.status`` is DUE, or PAID when its
    total is zero. The email to the customer is sent by a job queued at the same commit, so
    it may go out before or after this hook runs. Called after the
    ``remit_invoice_status_changed`` of the same change. Must not raise; must be quick.
    """


@hookspec
def remit_invoice_status_changed(invoice: InvoiceView, old: str, new: str, actor: str) -> None:
    """Called after an invoice's status change is committed, once per change.

    ``old`` and ``new`` are statuses (DRAFT, ON_HOLD, DUE, OVERDUE, PAID, VOID); ``actor``
    says who made the change:

    - ``cycle``: the daily cycle issued the invoice (DRAFT to DUE, to PAID when the total is
      zero, or to ON_HOLD when a check failed);
    - ``user:<email>`` (a console user), ``apikey:<prefix>`` (the tenant's server) or
      ``system`` (the operator's CLI): the tenant released a held invoice (ON_HOLD to DUE or
      PAID), marked it PAID by hand, undid that (PAID to DUE or OVERDUE) or voided it (to
      VOID);
    - ``system``: the day after its due date (DUE to OVERDUE);
    - ``provider:<key>``: a provider's payments now cover the total (DUE or OVERDUE to PAID),
      or a refund leaves it short again (PAID to DUE, or OVERDUE past the due date).

    Must not raise; must be quick.
    """


@hookspec
def remit_payment_received(invoice: InvoiceView, event: PaymentEvent, actor: str) -> None:
    """Called after a payment for an invoice is committed, whoever reports it.

    - A provider's PAID event: ``actor`` is ``provider:<key>`` and ``event`` is what
      ``parse_webhook`` returned. ``event.amount`` is the running total received under
      ``event.reference`` (see ``PaymentEvent``), not the increment: keep the latest figure
      per reference rather than adding them up. Called once per ``event_id``; not for a
      replayed event, nor for one naming another tenant or an unknown invoice. Also called
      for money that arrives for an invoice that owes nothing any more (VOID, or PAID
      through another reference): Remit does not count it and flags it for a refund in the
      invoice's history, and ``invoice.amount_due`` shows what is still owed.
    - The tenant marks the invoice PAID by hand (``invoiceStatusUpdate``): ``actor`` is
      ``user:<email>`` or ``apikey:<prefix>``, ``event.event_id`` is ``manual:<invoice id>:<timestamp>``,
      ``event.reference`` is ``None``, ``event.amount`` is what the payment settled (the
      amount that was still due) and ``event.detail`` is ``Paid on <date>[: <note>]``.
      Undoing it (back to DUE or OVERDUE) calls only ``remit_invoice_status_changed``.

    ``event.kind`` is always PAID here. Failed payments and refunds call no hook of their
    own; a refund that leaves a PAID invoice short calls ``remit_invoice_status_changed``.
    When a payment makes the invoice PAID, ``remit_invoice_status_changed`` comes first.
    Must not raise; must be quick.
    """


@hookspec
def remit_einvoice_channels() -> list[EInvoiceChannel]:
    """Offer channels that deliver e-invoices besides the email, such as a Peppol access
    point. This is the contract a channel implements; Remit has no built-in channel and does
    not route e-invoices through channels yet: every e-invoice goes out attached to the
    invoice or credit note email, and at ``/i/<token>.xml``.

    Takes no arguments. Return a list of channel objects
    (remit/plugins/api.py, ``EInvoiceChannel``), each with:

    - ``key``: a stable lowercase id (``"peppol_storecove"``), unique across plugins.
    - ``name``: shown to tenants (``"Peppol (Storecove)"``).
    - ``accepts(message) -> bool``: a plain ``def``, no network: whether the channel takes
      this ``EInvoiceMessage`` (say, ``message.format == "PEPPOL_UBL"`` and a buyer it can
      address from ``message.buyer_endpoint`` or ``message.buyer_vat_id``).
    - ``async send(message) -> str``: deliver ``message.xml`` and return the channel's id for
      the transmission. Raise ``ProviderUnavailable`` for a technical failure (retried) or
      ``PaymentRefused`` for a refusal to show the tenant (not retried); anything else is a
      bug in the channel.

    ``message`` (``EInvoiceMessage``) is frozen: ``invoice`` (an ``InvoiceView``),
    ``document_type`` ("380" invoice, "381" credit note), ``number``, ``format`` (FACTURX,
    XRECHNUNG_CII, XRECHNUNG_UBL or PEPPOL_UBL), ``xml`` (bytes, valid against its schema
    and the EN 16931 rules Remit checks), ``filename``, ``buyer_endpoint`` and
    ``buyer_vat_id``. docs/einvoices.md describes the formats and fields.
    """
