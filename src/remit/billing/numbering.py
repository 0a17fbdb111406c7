"""Document numbers: per tenant and series (invoices, credit notes), sequential and gapless.
A series' counter row is locked for the rest of the transaction that takes a number, so a
rollback gives the number back and two issuers never take the same one."""

from uuid import UUID, uuid4

from tortoise import connections

DIGITS = 6
INVOICES = "invoice"
CREDIT_NOTES = "credit_note"

# One round trip: the counter is made at its first number and moved on after that; the row
# the statement writes stays locked until the transaction ends.
_TAKE = (
    'INSERT INTO "invoice_number_sequence" ("id", "tenant_id", "series", "last_number") '
    "VALUES ({}, {}, {}, 1) "
    'ON CONFLICT ("tenant_id", "series") DO UPDATE '
    'SET "last_number" = "invoice_number_sequence"."last_number" + 1 '
    'RETURNING "last_number"'
)


def formatted(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{DIGITS}d}"


async def take(tenant_id: UUID, prefix: str, series: str = INVOICES) -> str:
    """The next number of `series`; call inside the transaction that stores it."""
    client = connections.get("default")
    marks = ("$1", "$2", "$3") if client.capabilities.dialect == "postgres" else ("?",) * 3
    [row] = await client.execute_query_dict(
        _TAKE.format(*marks), [str(uuid4()), str(tenant_id), series]
    )
    return formatted(prefix, row["last_number"])
