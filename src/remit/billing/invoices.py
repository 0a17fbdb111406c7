"""Reading invoices for a tenant, and the requests a user makes of one."""

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from tortoise.queryset import QuerySet

from remit.billing import clock, ids, invoice_status, jobs, validation
from remit.billing.errors import Conflict, InvalidTransition, NotFound
from remit.billing.issuing import DELIVER_JOB
from remit.billing.roles import Actor, Permission, require
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent, InvoiceLine
from remit.models.tenants import Tenant


def for_tenant(tenant: Tenant) -> QuerySet[Invoice]:
    return Invoice.filter(tenant=tenant)


async def get(tenant: Tenant, invoice_id: str | UUID, *, field: list[str] | None = None) -> Invoice:
    invoice = await for_tenant(tenant).get_or_none(id=ids.parse("invoice", invoice_id, field=field))
    if invoice is None:
        raise NotFound("invoice", invoice_id, field=field)
    return invoice


def listed(
    tenant: Tenant,
    *,
    statuses: list[InvoiceStatus] | None = None,
    organization_id: str | None = None,
    contract_id: str | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
) -> QuerySet[Invoice]:
    found = for_tenant(tenant)
    if statuses:
        found = found.filter(status__in=list(statuses))
    for column, value, kind in (
        ("organization_id", organization_id, "organization"),
        ("contract_id", contract_id, "contract"),
    ):
        if value is not None:
            found = found.filter(**{column: ids.parse(kind, value, field=["filter", column])})
    if issued_from:
        found = found.filter(issue_date__gte=issued_from)
    if issued_to:
        found = found.filter(issue_date__lte=issued_to)
    return found


# Resends of one invoice: a few for a lost email, not a way to send mail to many.
MAX_RESENDS = 3
RESEND_WINDOW = timedelta(hours=1)
RESEND_REQUESTED = "resend_requested"


async def request_resend(actor: Actor, invoice_id: str) -> Invoice:
    """Send the invoice email again, on request; the job id is new each time."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    invoice = await get(tenant, invoice_id, field=["id"])
    if not invoice_status.is_sendable(invoice):
        raise InvalidTransition(
            f"A {invoice.status} invoice is not sent; only a DUE, OVERDUE or PAID one is."
        )
    async with jobs.atomic():
        # The lock makes concurrent requests count one another.
        invoice = await Invoice.select_for_update().get(id=invoice.id)
        # Events are stamped with the real time, not a frozen day: they are counted by it.
        now = datetime.now(UTC)
        recent = (
            await InvoiceEvent.filter(
                invoice=invoice, type=RESEND_REQUESTED, at__gt=now - RESEND_WINDOW
            )
            .order_by("at")
            .values_list("at", flat=True)
        )
        if len(recent) >= MAX_RESENDS:
            again = recent[len(recent) - MAX_RESENDS] + RESEND_WINDOW
            raise Conflict(
                f"Invoice {invoice.number} was resent {MAX_RESENDS} times in the last hour; "
                f"it can be resent again at {again:%H:%M} UTC.",
                field=["id"],
            )
        await invoice_status.record(invoice, RESEND_REQUESTED, actor.who)
        await jobs.enqueue(
            DELIVER_JOB,
            str(invoice.id),
            resend=True,
            job_id=f"resend:{invoice.id}:{clock.now().isoformat()}",
        )
    return invoice


async def by_number(tenant: Tenant, number: str) -> Invoice | None:
    validation.storable(number, ["number"])
    if len(number) > validation.length_of(Invoice, "number"):
        return None  # longer than any number given out
    return await for_tenant(tenant).get_or_none(number=number)


async def lines_of(invoice_ids: Collection[UUID]) -> list[InvoiceLine]:
    """The lines of these invoices, each invoice's in order."""
    return await InvoiceLine.filter(invoice_id__in=invoice_ids).order_by("position")


async def events_of(invoice_ids: Collection[UUID]) -> list[InvoiceEvent]:
    """The history of these invoices, each invoice's oldest first."""
    return await InvoiceEvent.filter(invoice_id__in=invoice_ids).order_by("at", "id")
