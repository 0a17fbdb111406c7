"""Invoice numbers: per tenant, sequential and gapless. The counter row is locked for the
rest of the issuing transaction, so a rollback gives the number back and two issuers never
take the same one."""

from uuid import UUID

from remit.models.invoices import InvoiceNumberSequence

DIGITS = 6


def formatted(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{DIGITS}d}"


async def take(tenant_id: UUID, prefix: str) -> str:
    """The next number; call inside the transaction that stores it on the invoice."""
    await InvoiceNumberSequence.get_or_create(tenant_id=tenant_id)
    sequence = await InvoiceNumberSequence.select_for_update().get(tenant_id=tenant_id)
    sequence.last_number += 1
    await sequence.save(update_fields=["last_number"])
    return formatted(prefix, sequence.last_number)
