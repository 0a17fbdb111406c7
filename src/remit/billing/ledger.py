"""The receivables ledger: payments (recorded by hand or reported by a provider) applied to
invoices by allocations, and refunds. This is the one place that derives what an invoice has
been paid and still owes, that moves it to PAID once covered and back to DUE or OVERDUE when
it is short again, and that spends the organization's credit balance. An invoice's
`amount_paid` column is a copy of the figure derived here, written only here, so lists read
it without joining the ledger.

A refund takes first from the part of its payment applied to no invoice (credit balance),
then from its allocations, newest invoice first (by due date, then number). So what each
invoice keeps of a payment follows from the rows alone, whatever order they were written in.
A credit note lowers what the invoice claims (`owed`: its total less what is credited). Money
it had been paid beyond that goes back to the payments it came from, newest allocation first:
the organization's credit balance, or, when the credit note asks, a refund through the
provider that took it. An invoice credited in full is VOID."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from tortoise.queryset import QuerySet

from remit.billing import clock, ids, invoice_status, money, notices
from remit.billing.errors import NotFound
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from remit.models.organizations import Organization
from remit.models.payments import Payment, PaymentAllocation, Refund
from remit.models.tenants import Tenant


@dataclass(frozen=True)
class Standing:
    """What is left of one payment after its refunds: the part applied to each invoice, and
    the part applied to none (the organization's credit)."""

    applied: dict[UUID, int]
    unallocated: int


async def standings(payment_ids: Iterable[UUID]) -> dict[UUID, Standing]:
    ids = set(payment_ids)
    if not ids:
        return {}
    amounts = dict(await Payment.filter(id__in=ids).values_list("id", "amount"))
    allocations: dict[UUID, list[tuple]] = defaultdict(list)
    for payment_id, invoice_id, amount, due_date, number in await PaymentAllocation.filter(
        payment_id__in=ids
    ).values_list("payment_id", "invoice_id", "amount", "invoice__due_date", "invoice__number"):
        allocations[payment_id].append((due_date or date.min, number or "", invoice_id, amount))
    refunded: dict[UUID, int] = defaultdict(int)
    for payment_id, amount in await Refund.filter(payment_id__in=ids).values_list(
        "payment_id", "amount"
    ):
        refunded[payment_id] += amount
    found = {}
    for payment_id, amount in amounts.items():
        rows = sorted(allocations[payment_id], reverse=True)
        spare = amount - sum(row[3] for row in rows)
        from_spare = min(refunded[payment_id], spare)
        left = refunded[payment_id] - from_spare
        applied = {}
        for _, _, invoice_id, allocated in rows:
            cut = min(left, allocated)
            applied[invoice_id] = allocated - cut
            left -= cut
        found[payment_id] = Standing(applied, spare - from_spare)
    return found


async def locked_invoice(tenant: Tenant, invoice_id: str, field: list[str]) -> Invoice:
    """The tenant's invoice, locked for a change of what it is paid or owes (call inside a
    transaction): its organization first, then the invoice, the order every change of an
    organization's payments takes, so two of them never wait on each other. NotFound on
    `field` for an invoice of another tenant."""
    parsed = ids.parse("invoice", invoice_id, field=field)
    found = await Invoice.filter(tenant=tenant).get_or_none(id=parsed)
    if found is None:
        raise NotFound("invoice", invoice_id, field=field)
    await Organization.filter(id=found.organization_id).select_for_update().first()
    return await Invoice.filter(id=parsed).select_for_update().get()


async def amount_paid(invoice_id: UUID) -> int:
    """What the invoice has been paid and keeps: its allocations less the refunds that reach
    them, in minor units."""
    payment_ids = await PaymentAllocation.filter(invoice_id=invoice_id).values_list(
        "payment_id", flat=True
    )
    return sum(
        standing.applied.get(invoice_id, 0) for standing in (await standings(payment_ids)).values()
    )


def claimed(invoice: Invoice) -> int:
    """What the invoice claims: its total less what its credit notes credited."""
    return invoice.total - invoice.amount_credited


def amount_due(invoice: Invoice) -> int:
    """What the customer still owes, in minor units: nothing under a void invoice."""
    return 0 if invoice.status == InvoiceStatus.VOID else claimed(invoice) - invoice.amount_paid


async def owed_now(invoice: Invoice) -> int:
    """`amount_due` from the rows themselves, for a caller about to add to them."""
    if invoice.status == InvoiceStatus.VOID:
        return 0
    return claimed(invoice) - await amount_paid(invoice.id)


async def refundable(payment: Payment) -> int:
    """What of the payment has not been given back yet."""
    refunds = await Refund.filter(payment=payment).values_list("amount", flat=True)
    return max(0, payment.amount - sum(refunds))


async def credit_balance(organization_id: UUID) -> dict[str, int]:
    """Per currency, the organization's money applied to no invoice; currencies with none
    left out."""
    return (await credit_balances([organization_id]))[organization_id]


async def credit_balances(organization_ids: Iterable[UUID]) -> dict[UUID, dict[str, int]]:
    """`credit_balance` of each of these organizations, read together."""
    wanted = list(organization_ids)
    payments = {
        payment_id: (organization_id, currency)
        for payment_id, organization_id, currency in await Payment.filter(
            organization_id__in=wanted
        ).values_list("id", "organization_id", "currency")
    }
    balances: dict[UUID, dict[str, int]] = {id: defaultdict(int) for id in wanted}
    for payment_id, standing in (await standings(payments)).items():
        organization_id, currency = payments[payment_id]
        balances[organization_id][currency] += standing.unallocated
    return {
        id: {currency: amount for currency, amount in sorted(balance.items()) if amount}
        for id, balance in balances.items()
    }


async def allocate(
    payment: Payment, invoice: Invoice, amount: int, *, from_credit: bool = False
) -> None:
    """Apply `amount` more of the payment to the invoice (the caller checked it is owed)."""
    allocation = await PaymentAllocation.get_or_none(payment=payment, invoice=invoice)
    if allocation is None:
        await PaymentAllocation.create(
            payment=payment,
            invoice=invoice,
            currency=payment.currency,
            amount=amount,
            from_credit=from_credit,
        )
    else:
        allocation.amount += amount
        await allocation.save(update_fields=["amount"])


async def settle(
    invoice: Invoice,
    actor: str,
    *,
    paid_on: date | None = None,
    detail: str | None = None,
) -> str:
    """Bring the invoice (locked by the caller, inside its transaction) in line with the
    ledger: its amount paid, and PAID once covered, on `paid_on` (the day the payment that
    covers it arrived, but not before the invoice was issued), with one receipt; back to
    DUE or OVERDUE, by its due date, once short again."""
    paid = await amount_paid(invoice.id)
    if paid != invoice.amount_paid:
        invoice.amount_paid = paid
        await invoice.save(update_fields=["amount_paid", "updated_at"])
    if invoice_status.is_open(invoice) and paid >= claimed(invoice):
        if paid_on is not None and invoice.issue_date is not None:
            paid_on = max(paid_on, invoice.issue_date)
        await invoice_status.move(
            invoice, InvoiceStatus.PAID, actor=actor, detail=detail, paid_on=paid_on
        )
        await notices.receipt(invoice)
        return "paid"
    if invoice.status == InvoiceStatus.PAID and paid < claimed(invoice):
        await invoice_status.move(
            invoice,
            invoice_status.reopened_status(invoice, clock.today()),
            actor=actor,
            detail=detail,
        )
        return "refunded"
    return "recorded"


async def credit_applied(invoice: Invoice) -> int:
    """What of the invoice's amount paid came from the credit balance at its issue."""
    allocated = await PaymentAllocation.filter(invoice=invoice, from_credit=True).values_list(
        "amount", flat=True
    )
    return min(sum(allocated), invoice.amount_paid)


async def apply_credit(invoice: Invoice, actor: str) -> int:
    """Pay a just-issued invoice (locked, DUE) from its organization's credit balance in its
    currency: the payments with money applied to no invoice, oldest first, never beyond what
    it owes. The total is untouched: the credit is a payment, so taxes stay as they are.
    Returns what was applied, in minor units."""
    owed = await owed_now(invoice)
    if owed <= 0 or not invoice_status.is_open(invoice):
        return 0
    # Locked, so two invoices of the organization issued at once cannot spend one credit.
    payments = (
        await Payment.filter(organization_id=invoice.organization_id, currency=invoice.currency)
        .select_for_update()
        .order_by("received_on", "created_at", "id")
    )
    left = await standings(payment.id for payment in payments)
    applied = 0
    for payment in payments:
        take = min(left[payment.id].unallocated, owed - applied)
        if take > 0:
            await allocate(payment, invoice, take, from_credit=True)
            applied += take
    if applied:
        shown = money.Money(applied, invoice.currency).formatted()
        await invoice_status.record(invoice, "credit_applied", actor, shown)
        await settle(invoice, actor, paid_on=invoice.issue_date)
    return applied


@dataclass(frozen=True)
class Released:
    """Money a credit note took off an invoice and gave back to the payment it came from."""

    payment: Payment
    amount: int


async def credit(invoice: Invoice, amount: int, reference: str, actor: str) -> list[Released]:
    """Take a credit note of `amount` on the invoice (locked with its organization, in the
    credit note's transaction) into the ledger: the invoice claims that much less; what it
    was paid beyond its new claim goes back to its payments, newest allocation first (the
    organization's credit balance, until refunded); credited in full, it is VOID. Returns
    what each payment got back."""
    before = {row.payment_id: kept for row, kept in await allocations(invoice_ids=[invoice.id])}
    invoice.amount_credited += amount
    await invoice.save(update_fields=["amount_credited", "updated_at"])
    # Cutting an allocation frees money that the payment's refunds then take first, so a
    # refunded payment may need cutting more than once: each pass lowers what is allocated.
    while (excess := await amount_paid(invoice.id) - claimed(invoice)) > 0:
        kept = [(row, left) for row, left in await allocations(invoice_ids=[invoice.id]) if left]
        newest, left = kept[-1]
        newest.amount -= min(excess, left)
        await newest.save(update_fields=["amount"])
    after = {row.payment_id: kept for row, kept in await allocations(invoice_ids=[invoice.id])}
    released = [
        Released(await Payment.get(id=payment_id), kept - after.get(payment_id, 0))
        for payment_id, kept in before.items()
        if kept > after.get(payment_id, 0)
    ]
    if claimed(invoice) == 0:
        invoice.amount_paid = await amount_paid(invoice.id)
        await invoice.save(update_fields=["amount_paid", "updated_at"])
        await invoice_status.move(
            invoice, InvoiceStatus.VOID, actor=actor, detail=f"Credited in full by {reference}"
        )
    else:
        await settle(invoice, actor, detail=f"Credited by {reference}")
    return released


async def allocations(
    *, invoice_ids: Iterable[UUID] | None = None, payment_ids: Iterable[UUID] | None = None
) -> list[tuple[PaymentAllocation, int]]:
    """The allocations of some invoices or of some payments, oldest first, each with what
    the invoice keeps of it now (the refunds that reached it taken off)."""
    found = PaymentAllocation.all().order_by("created_at", "id")
    if invoice_ids is not None:
        found = found.filter(invoice_id__in=list(invoice_ids))
    if payment_ids is not None:
        found = found.filter(payment_id__in=list(payment_ids))
    rows = await found
    left = await standings({row.payment_id for row in rows})
    return [(row, left[row.payment_id].applied[row.invoice_id]) for row in rows]


async def unallocated(payment_ids: Iterable[UUID]) -> list[int]:
    """What of each payment is applied to no invoice and not refunded, in their order."""
    wanted = list(payment_ids)
    found = await standings(wanted)
    return [found[id].unallocated for id in wanted]


async def refunds_of(payment_ids: Iterable[UUID]) -> list[Refund]:
    """The refunds of these payments, each payment's oldest first."""
    return await Refund.filter(payment_id__in=list(payment_ids)).order_by("created_at", "id")


def payments_listed(tenant: Tenant, organization_id: str | None = None) -> QuerySet[Payment]:
    """The tenant's payments, of one organization when given."""
    found = Payment.filter(tenant=tenant)
    if organization_id is not None:
        parsed = ids.parse("organization", organization_id, field=["organization_id"])
        found = found.filter(organization_id=parsed)
    return found
