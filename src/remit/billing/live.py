"""Live updates: a tenant's open consoles hear about every change to its invoices (issued,
status changed, paid, resent, released...) as it commits.

Every change to an invoice writes an InvoiceEvent through `invoice_status.record`, which calls
`invoice_changed`: that one place covers them all. The news goes out after the commit (a
change rolled back is never announced, and a subscriber reading the invoice sees it changed),
once per invoice and transaction, through the Broker the wiring chose (billing.config): Redis
pub/sub when processes share a Redis, a watch on the database otherwise. A broker carries
only ids: a subscriber reads the invoice itself, under its own tenant.
"""

from collections.abc import AsyncIterator
from typing import Protocol
from uuid import UUID

from remit.billing import config, jobs
from remit.models.invoices import Invoice
from remit.models.tenants import Tenant


class Broker(Protocol):
    async def publish(self, tenant_id: UUID, invoice_id: UUID) -> None:
        """Tell the tenant's subscribers, in every process, that the invoice changed."""

    def listen(self, tenant_id: UUID) -> AsyncIterator[UUID]:
        """The ids of the tenant's invoices as they change, from now on, until the caller
        stops iterating."""

    async def close(self) -> None:
        """Stop; called once when the process stops."""


async def invoice_changed(invoice: Invoice) -> None:
    """Announce the invoice once the current transaction commits."""
    broker = config.current().live
    if broker is None:
        return
    tenant_id, invoice_id = invoice.tenant_id, invoice.id

    async def publish() -> None:
        await broker.publish(tenant_id, invoice_id)

    await jobs.after_commit(("invoice_changed", invoice_id), publish)


async def invoice_changes(tenant: Tenant) -> AsyncIterator[Invoice]:
    """The tenant's invoices, each read again after it changed, until the caller stops."""
    broker = config.current().live
    if broker is None:
        raise RuntimeError("live updates were asked for in a process that has no broker")
    async for invoice_id in broker.listen(tenant.id):
        invoice = await Invoice.filter(tenant=tenant).get_or_none(id=invoice_id)
        if invoice is not None:
            yield invoice
