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
    - ``async close_payment_option(reference, settings) -> None``: make the payment page
      behind ``reference`` (the ``PaymentOption.reference`` you returned) unusable. Called
      when the invoice is voided, for every page made for it; safe to repeat: treat a page
      that is already closed or paid as done. ``BaseProvider``'s does nothing, for
      providers whose options need no closing. See ``PaymentProvider.close_payment_option``.

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
def remit_payment_received(invoice: InvoiceView, event: PaymentEvent) -> None:
    """Called after a payment for an invoice is recorded (from any provider, or by hand).

    Must not raise; must be quick. ``event.amount`` is in the invoice currency's minor units.
    """
