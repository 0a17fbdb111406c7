"""Document numbers: per tenant and series (invoices, credit notes), sequential and gapless.
A series' counter row is locked for the rest of the transaction that takes a number, so a
rollback gives the number back and two issuers never take the same one."""

from uuid import UUID

from remit.models.invoices import InvoiceNumberSequence

DIGITS = 6
INVOICES = "invoice"
CREDIT_NOTES = "credit_note"


def formatted(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{DIGITS}d}"


async def take(tenant_id: UUID, prefix: str, series: str = INVOICES) -> str:
    """The next number of `series`; call inside the transaction that stores it."""
    await InvoiceNumberSequence.get_or_create(tenant_id=tenant_id, series=series)
    sequence = await InvoiceNumberSequence.select_for_update().get(
        tenant_id=tenant_id, series=series
    )
    sequence.last_number += 1
    await sequence.save(update_fields=["last_number"])
    return formatted(prefix, sequence.last_number)
