"""Lifecycle hooks for plugins (accounting sync and the like), called after the change they
announce is committed. A plugin that fails is logged; the change stands. The invoice's view
is made only when a plugin listens: the daily cycle announces every issue."""

from remit.billing import views
from remit.models.invoices import Invoice
from remit.plugins import manager
from remit.plugins.api import PaymentEvent


async def status_changed(invoice: Invoice, old: str, actor: str) -> None:
    plugins = manager.installed()
    if plugins.listens("remit_invoice_status_changed"):
        plugins.notify(
            "remit_invoice_status_changed",
            invoice=await views.invoice_view(invoice),
            old=str(old),
            new=str(invoice.status),
            actor=actor,
        )


async def invoice_issued(invoice: Invoice) -> None:
    plugins = manager.installed()
    if plugins.listens("remit_invoice_issued"):
        plugins.notify("remit_invoice_issued", invoice=await views.invoice_view(invoice))


async def payment_received(invoice: Invoice, event: PaymentEvent, actor: str) -> None:
    plugins = manager.installed()
    if plugins.listens("remit_payment_received"):
        plugins.notify(
            "remit_payment_received",
            invoice=await views.invoice_view(invoice),
            event=event,
            actor=actor,
        )
