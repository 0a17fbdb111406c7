"""The hooks a Remit plugin implements. These docstrings are the plugin author's reference.

A plugin is a module (or object) with functions marked ``@remit.hookimpl`` whose names are
the hooks below, installed with an entry point in the ``remit`` group::

    [project.entry-points.remit]
    my_provider = "my_package.remit_plugin"

Remit loads every entry point at start-up; one that fails to import, or implements a hook
not listed here, is reported by ``remit plugins`` and skipped, and the service runs on.
Implement only the hooks you need, with only the arguments you use.
"""

import pluggy

from remit.plugins.api import InvoiceView, PaymentEvent, PaymentProvider

hookspec = pluggy.HookspecMarker("remit")


@hookspec
def remit_payment_providers() -> list[PaymentProvider]:
    """Offer payment providers to Remit.

    Called once at start-up. Return a list of provider objects, each with:

    - ``key``: a stable lowercase id (``"stripe"``), unique across installed plugins; a clash
      is reported and the later provider skipped. It is stored on every contract that offers
      the provider: never change it.
    - ``name``: shown to tenants and customers (``"Card (Stripe)"``).
    - ``supports_online_payment``: ``payment_option`` returns a ``payment_url``.
    - ``supports_auto_charge``: ``charge`` can take money without the customer present.
    - ``Settings``: a pydantic model of what a tenant configures. Its JSON Schema is shown to
      front ends; fields typed ``SecretStr`` are secrets and never leave Remit unmasked.
    - ``async payment_option(invoice, settings) -> PaymentOption``: how the customer pays
      this invoice: instructions, a URL, or both. Called when an invoice is issued and when
      its hosted page asks for a fresh payment URL.
    - ``async charge(invoice, settings) -> ChargeResult``: charge
      ``invoice.customer_account`` for ``invoice.amount_due``. Use an idempotency key
      derived from ``invoice.id`` so a repeated call never charges twice. The outcome
      arrives later through ``parse_webhook``.
    - ``parse_webhook(headers, body, settings) -> list[PaymentEvent]``: verify a callback
      (raise ``WebhookRejected`` when it is not authentic) and translate it. Return ``[]``
      for events you ignore. Must not call out to the network.

    - optional ``async close_payment_option(reference, settings) -> None``: make the payment
      page behind ``reference`` (the ``PaymentOption.reference`` you returned) unusable. Called
      when the invoice is voided, for every page made for it. Leave it out if your pages
      need no closing; treat a page that is already closed or paid as done.

    ``settings`` is an instance of your ``Settings`` with the tenant's values. Raise
    ``ProviderUnavailable`` for technical failures (Remit retries) and ``PaymentRefused``
    for logical ones (Remit shows the message to the tenant). Return Remit's dataclasses,
    never your SDK's objects.
    """


@hookspec
def remit_invoice_issued(invoice: InvoiceView) -> None:
    """Called after an invoice is numbered and committed, before it is sent.

    For integrations such as accounting sync. Must not raise and must be quick: enqueue your
    own work. ``invoice`` is a frozen copy: changing it changes nothing.
    """


@hookspec
def remit_invoice_status_changed(invoice: InvoiceView, old: str, new: str, actor: str) -> None:
    """Called after an invoice's status change is committed.

    ``old`` and ``new`` are statuses (``DUE``, ``PAID``, ...); ``actor`` is ``user``,
    ``cycle``, ``provider:<key>`` or ``system``. Must not raise; must be quick.
    """


@hookspec
def remit_payment_received(invoice: InvoiceView, event: PaymentEvent, actor: str) -> None:
    """Called after a payment for an invoice is committed, whoever reports it.

    - A provider's ``PAID`` event: ``actor`` is ``provider:<key>`` and ``event`` is what
      ``parse_webhook`` returned. ``event.amount`` is the running total received under
      ``event.reference`` (see ``parse_webhook``), not the increment: keep the latest
      figure per reference rather than adding them up. Called once per ``event_id``; not
      for a replayed event, nor for one naming another tenant or an unknown invoice. Also
      called for money that arrives for an invoice that owes nothing any more (VOID, or PAID
      through another reference): Remit does not count it and flags it for a refund, and
      ``invoice.amount_due`` shows what is still owed.
    - The tenant marks the invoice PAID by hand (``invoiceStatusUpdate``): ``actor`` is
      ``user``, ``event.event_id`` is ``manual:<invoice id>:<timestamp>``,
      ``event.reference`` is ``None``, ``event.amount`` is what the payment settled (the
      amount that was still due) and ``event.detail`` is ``Paid on <date>[: <note>]``.
      Undoing it (back to DUE) calls only ``remit_invoice_status_changed``.

    ``event.kind`` is always ``PAID`` here: failures and refunds show in the invoice's status
    (``remit_invoice_status_changed``), not in this hook. ``invoice`` is a frozen copy taken
    after the payment. Must not raise; must be quick.
    """
