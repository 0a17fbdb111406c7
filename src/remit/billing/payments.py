"""Payments a user records by hand, their undoing and refunds, and the status changes made
from an invoice screen: paid (a shortcut that records a manual payment of what is owed), back
to due (deletes it), void. The customer is told once: a receipt when paid, a notice when void.

Every refusal happens before anything is written, or inside the transaction it rolls back:
a refused input changes nothing."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from remit.billing import (
    clock,
    hooks,
    ids,
    invoice_status,
    jobs,
    ledger,
    pages,
    providers,
    webhook_events,
)
from remit.billing import validation as check
from remit.billing.errors import Invalid, InvalidTransition, NotFound, NotPayable
from remit.billing.money import Money, check_currency
from remit.billing.notices import notice
from remit.billing.roles import Actor, Permission, require
from remit.models.bank import BankTransaction
from remit.models.enums import BankTransactionStatus, InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.organizations import Organization
from remit.models.payments import MANUAL, Payment, PaymentAllocation, Refund
from remit.plugins.api import PaymentEvent, PaymentEventKind

CHOICES = {InvoiceStatus.PAID, InvoiceStatus.DUE, InvoiceStatus.VOID}


@dataclass(frozen=True)
class AllocationInput:
    invoice_id: str
    amount: Decimal | str


@dataclass(frozen=True)
class PaymentInput:
    organization_id: str
    amount: Decimal | str
    currency: str
    received_on: date
    method: str = MANUAL
    reference: str | None = None
    note: str | None = None
    allocations: list[AllocationInput] | None = None


@dataclass(frozen=True)
class Touched:
    """An invoice a payment change reached, for the hooks told once it commits."""

    invoice: Invoice
    old: InvoiceStatus
    event: PaymentEvent | None


async def tell(touched: list[Touched], actor: str) -> None:
    """Tell the plugins of the status changes and payments a committed change made."""
    for each in touched:
        if each.invoice.status != each.old:
            await hooks.status_changed(each.invoice, each.old, actor)
        if each.event is not None:
            await hooks.payment_received(each.invoice, each.event, actor)


def _received(invoice: Invoice, payment: Payment, amount: int, detail: str | None) -> PaymentEvent:
    """A manual payment as plugins hear of a provider's: `amount` applied to `invoice`."""
    return PaymentEvent(
        event_id=f"manual:{invoice.id}:{payment.id}",
        kind=PaymentEventKind.PAID,
        invoice_id=invoice.id,
        tenant_id=invoice.tenant_id,
        amount=amount,
        currency=payment.currency,
        reference=payment.reference,
        detail=detail,
    )


def _text(value: str | None, field: list[str], model, column: str) -> str | None:
    if value is None:
        return None
    check.storable(value, field)
    return check.text(value, field, max_length=check.length_of(model, column))


def _day(value: date, field: list[str], what: str) -> date:
    if value > clock.today():
        raise Invalid(f"The {what} date is in the future.", field=field)
    return check.day(value, field)


def _positive(amount: Decimal | str, field: list[str], *, currency: str) -> int:
    parsed = Money.parse(amount, currency, field=field).minor
    if parsed <= 0:
        raise Invalid("The amount must be more than zero.", field=field)
    return parsed


def _currency(value: str, field: list[str]) -> str:
    return check_currency(value, field=field)


def _invoice_id(value: str, field: list[str]) -> UUID:
    return ids.parse("invoice", value, field=field)


def _method(value: str, field: list[str]) -> str:
    if value != MANUAL and value not in providers.installed():
        known = ", ".join([MANUAL, *sorted(providers.installed())])
        raise Invalid(f"{value!r} is no payment method; one of {known}.", field=field)
    return value


async def record(actor: Actor, given: PaymentInput) -> Payment:
    """Record money an organization paid outside any provider. Applied to the invoices
    listed, or, with no list, to the organization's open invoices in its currency, oldest
    first (by due date, then number); what is applied to no invoice is the organization's
    credit balance, spent by its next invoices at issue."""
    async with jobs.atomic():
        payment, touched = await recorded(actor, given)
    await tell(touched, actor.who)
    return payment


async def recorded(actor: Actor, given: PaymentInput) -> tuple[Payment, list[Touched]]:
    """`record`, inside the caller's transaction, which stores what the payment came from
    with it: the payment, and the invoices it reached, for `tell` once that commits."""
    require(actor, Permission.BILLING)
    checks = check.Checks()
    currency = checks.run(_currency, given.currency, ["currency"])
    amount = (
        checks.run(_positive, given.amount, ["amount"], currency=currency) if currency else None
    )
    checks.run(_day, given.received_on, ["received_on"], what="payment")
    method = checks.run(_method, given.method, ["method"])
    reference = checks.run(_text, given.reference, ["reference"], model=Payment, column="reference")
    note = checks.run(_text, given.note, ["note"], model=Payment, column="note")
    wanted: list[tuple[UUID | None, int | None]] = []
    for n, allocation in enumerate(given.allocations or []):
        field = ["allocations", str(n)]
        invoice_id = checks.run(_invoice_id, allocation.invoice_id, [*field, "invoice_id"])
        share = (
            checks.run(_positive, allocation.amount, [*field, "amount"], currency=currency)
            if currency
            else None
        )
        if invoice_id is not None and invoice_id in [w[0] for w in wanted]:
            checks.errors.append(
                Invalid("This invoice is listed twice.", field=[*field, "invoice_id"])
            )
        wanted.append((invoice_id, share))
    shares = [share for _, share in wanted]
    if amount is not None and None not in shares and sum(shares) > amount:
        checks.errors.append(
            Invalid("The allocations add up to more than the payment.", field=["allocations"])
        )
    checks.raise_if_any()
    organization = (
        await Organization.filter(tenant=actor.tenant)
        .select_for_update()
        .get_or_none(id=ids.parse("organization", given.organization_id, field=["organization_id"]))
    )
    if organization is None:
        raise NotFound("organization", given.organization_id, field=["organization_id"])
    if given.allocations is None:
        plan = await _oldest_first(organization, currency, amount)
    else:
        plan = await _listed(organization, currency, wanted)
    payment = await Payment.create(
        tenant=actor.tenant,
        organization=organization,
        currency=currency,
        amount=amount,
        received_on=given.received_on,
        method=method,
        reference=reference,
        actor=actor.who,
        note=note,
    )
    await webhook_events.payment_received(payment)
    touched = []
    for invoice, share in plan:
        old = InvoiceStatus(invoice.status)
        await ledger.allocate(payment, invoice, share)
        shown = Money(share, currency).formatted()
        await invoice_status.record(
            invoice, "payment_received", actor.who, f"{shown} ({reference or method})"
        )
        await ledger.settle(invoice, actor.who, paid_on=given.received_on)
        touched.append(Touched(invoice, old, _received(invoice, payment, share, note)))
    return payment, touched


async def _oldest_first(
    organization: Organization, currency: str, amount: int
) -> list[tuple[Invoice, int]]:
    open_invoices = (
        await Invoice.filter(
            organization=organization, currency=currency, status__in=invoice_status.OPEN
        )
        .select_for_update()
        .order_by("due_date", "number")
    )
    plan, left = [], amount
    for invoice in open_invoices:
        share = min(left, await ledger.owed_now(invoice))
        if share > 0:
            plan.append((invoice, share))
            left -= share
    return plan


async def _listed(
    organization: Organization, currency: str, wanted: list[tuple[UUID, int]]
) -> list[tuple[Invoice, int]]:
    found = {
        invoice.id: invoice
        for invoice in await Invoice.filter(
            tenant_id=organization.tenant_id, id__in=[invoice_id for invoice_id, _ in wanted]
        )
        .select_for_update()
        .order_by("id")
    }
    checks = check.Checks()
    plan = []
    for n, (invoice_id, share) in enumerate(wanted):
        field = ["allocations", str(n)]
        invoice = found.get(invoice_id)
        if invoice is None:
            checks.errors.append(NotFound("invoice", invoice_id, field=[*field, "invoice_id"]))
        elif invoice.organization_id != organization.id:
            checks.errors.append(
                Invalid("This invoice is another organization's.", field=[*field, "invoice_id"])
            )
        elif not invoice_status.is_open(invoice):
            checks.errors.append(NotPayable(invoice.status, field=[*field, "invoice_id"]))
        elif invoice.currency != currency:
            checks.errors.append(
                Invalid(
                    f"This invoice is in {invoice.currency}; the payment is in {currency}.",
                    field=[*field, "invoice_id"],
                )
            )
        else:
            owed = await ledger.owed_now(invoice)
            if share > owed:
                shown = Money(owed, currency).formatted()
                checks.errors.append(
                    Invalid(
                        f"More than the invoice's amount due ({shown}).", field=[*field, "amount"]
                    )
                )
            plan.append((invoice, share))
    checks.raise_if_any()
    return plan


async def _manual_payment(actor: Actor, payment_id: str, field: list[str]) -> Payment:
    """The tenant's payment, locked after its organization (the order every change of the
    organization's payments takes), refused when a provider reported it: only the
    provider's refund undoes that."""
    parsed = ids.parse("payment", payment_id, field=field)
    payment = await Payment.filter(tenant=actor.tenant).get_or_none(id=parsed)
    if payment is None:
        raise NotFound("payment", payment_id, field=field)
    await Organization.filter(id=payment.organization_id).select_for_update().first()
    payment = await Payment.filter(id=parsed).select_for_update().get_or_none()
    if payment is None:
        raise NotFound("payment", payment_id, field=field)
    if payment.provider_reference is not None:
        raise InvalidTransition(
            f"This payment was reported by {payment.method}; refund it there instead.",
            field=field,
        )
    return payment


async def _reached(payment: Payment) -> list[Invoice]:
    """The invoices the payment was applied to, locked in one order."""
    invoice_ids = await PaymentAllocation.filter(payment=payment).values_list(
        "invoice_id", flat=True
    )
    return await Invoice.filter(id__in=invoice_ids).select_for_update().order_by("id")


async def delete(actor: Actor, payment_id: str) -> UUID:
    """Undo a payment recorded by hand: it goes with its allocations and refunds, and the
    invoices it paid reopen to DUE or OVERDUE by their due date. Returns its id."""
    require(actor, Permission.BILLING)
    async with jobs.atomic():
        payment = await _manual_payment(actor, payment_id, ["id"])
        invoices = await _reached(payment)
        touched = [Touched(invoice, InvoiceStatus(invoice.status), None) for invoice in invoices]
        await _delete(payment, invoices, actor.who, "Manual payment undone")
    await tell(touched, actor.who)
    return payment.id


async def _delete(payment: Payment, invoices: list[Invoice], actor: str, detail: str) -> None:
    shown = Money(payment.amount, payment.currency).formatted()
    # A transfer from a bank statement that this payment recorded waits to be matched again.
    await BankTransaction.filter(payment_id=payment.id).update(
        status=BankTransactionStatus.UNMATCHED,
        payment_id=None,
        organization_id=None,
        settled_by=None,
    )
    await payment.delete()
    for invoice in invoices:
        await invoice_status.record(
            invoice, "payment_deleted", actor, f"{shown} ({payment.reference or payment.method})"
        )
        await ledger.settle(invoice, actor, detail=detail)


@dataclass(frozen=True)
class RefundInput:
    payment_id: str
    amount: Decimal | str
    refunded_on: date
    note: str | None = None


async def refund(actor: Actor, given: RefundInput) -> Payment:
    """Record money of a manual payment given back outside any provider. It lowers first
    the part of the payment applied to no invoice, then its allocations, newest invoice
    first; an invoice it leaves short reopens to DUE or OVERDUE."""
    require(actor, Permission.BILLING)
    checks = check.Checks()
    checks.run(_day, given.refunded_on, ["refunded_on"], what="refund")
    note = checks.run(_text, given.note, ["note"], model=Refund, column="note")
    checks.raise_if_any()
    async with jobs.atomic():
        payment = await _manual_payment(actor, given.payment_id, ["payment_id"])
        amount = _positive(given.amount, ["amount"], currency=payment.currency)
        left = await ledger.refundable(payment)
        if amount > left:
            shown = Money(left, payment.currency).formatted()
            raise Invalid(
                f"More than is left of the payment to refund ({shown}).", field=["amount"]
            )
        if given.refunded_on < payment.received_on:
            raise Invalid("The refund date is before the payment's.", field=["refunded_on"])
        invoices = await _reached(payment)
        touched = [Touched(invoice, InvoiceStatus(invoice.status), None) for invoice in invoices]
        refund = await Refund.create(
            payment=payment,
            currency=payment.currency,
            amount=amount,
            refunded_on=given.refunded_on,
            actor=actor.who,
            note=note,
        )
        await webhook_events.payment_refunded(payment, refund)
        for invoice in invoices:
            if await ledger.amount_paid(invoice.id) != invoice.amount_paid:
                shown = Money(amount, payment.currency).formatted()
                await invoice_status.record(invoice, "refunded", actor.who, shown)
                await ledger.settle(invoice, actor.who, detail=note)
    await tell(touched, actor.who)
    return payment


async def _paid_by_provider(invoice: Invoice) -> str | None:
    last = (
        await InvoiceEvent.filter(
            invoice=invoice, type="status_changed", to_status=InvoiceStatus.PAID
        )
        .order_by("-at", "-id")
        .first()
    )
    return last.actor if last and last.actor.startswith("provider:") else None


async def change_status(
    actor: Actor,
    invoice_id: str,
    new: InvoiceStatus,
    *,
    paid_on: date | None = None,
    note: str | None = None,
) -> Invoice:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    if new not in CHOICES:
        raise Invalid(
            f"An invoice can be set to PAID, DUE or VOID here, not {new}.", field=["status"]
        )
    if note is not None:
        check.storable(note, ["note"])
        limit = check.length_of(InvoiceEvent, "detail")
        note = check.text(note, ["note"], max_length=limit)
    async with jobs.atomic():
        invoice = await ledger.locked_invoice(tenant, invoice_id, ["id"])
        old = InvoiceStatus(invoice.status)
        payment = None
        if new == InvoiceStatus.PAID:
            payment = await _mark_paid(invoice, paid_on, note, actor.who)
        elif new == InvoiceStatus.DUE:
            await _undo_payment(invoice, note, actor.who)
        else:
            await _void(invoice, note, actor.who)
    await hooks.status_changed(invoice, old, actor.who)
    if payment is not None:
        await hooks.payment_received(invoice, payment, actor.who)
    return invoice


async def _mark_paid(
    invoice: Invoice, given: date | None, note: str | None, actor: str
) -> PaymentEvent:
    """Record a manual payment of what is still owed, received on the day given (today by
    default); the payment is announced to plugins as a provider's is."""
    paid_on = given or clock.today()
    if paid_on > clock.today():
        raise Invalid("The payment date is in the future.", field=["paid_on"])
    invoice_status.check(invoice, InvoiceStatus.PAID, only_from=invoice_status.OPEN)
    if given is not None and invoice.issue_date is not None and given < invoice.issue_date:
        raise Invalid(
            f"The payment date is before the invoice's issue date ({invoice.issue_date}).",
            field=["paid_on"],
        )
    received = await ledger.owed_now(invoice)
    payment = await Payment.create(
        tenant_id=invoice.tenant_id,
        organization_id=invoice.organization_id,
        currency=invoice.currency,
        amount=received,
        received_on=paid_on,
        method=MANUAL,
        actor=actor,
        note=note,
    )
    await webhook_events.payment_received(payment)
    await ledger.allocate(payment, invoice, received)
    detail = f"Paid on {paid_on.isoformat()}" + (f": {note}" if note else "")
    await ledger.settle(invoice, actor, paid_on=paid_on, detail=detail)
    return _received(invoice, payment, received, detail)


async def _undo_payment(invoice: Invoice, note: str | None, actor: str) -> None:
    """Delete the manual payments that paid the invoice, newest first, until it owes again
    (any other invoice such a payment paid reopens too). What a provider reported is undone
    only by its refund, and credit spent at issue only by undoing the payment it came from."""
    if invoice.status != InvoiceStatus.PAID:
        raise InvalidTransition(
            f"Only a PAID invoice can go back to DUE; this one is {invoice.status}."
        )
    provider = await _paid_by_provider(invoice)
    if provider is not None:
        raise InvalidTransition(
            f"This payment was confirmed by {provider.removeprefix('provider:')}; refund it there instead."
        )
    manual = (
        await Payment.filter(
            allocations__invoice=invoice,
            allocations__from_credit=False,
            provider_reference__isnull=True,
        )
        .select_for_update()
        .order_by("-created_at", "-id")
    )
    if not manual:
        raise InvalidTransition("No payment recorded by hand paid this invoice: nothing to undo.")
    for payment in manual:
        others = [other for other in await _reached(payment) if other.id != invoice.id]
        await _delete(payment, [invoice, *others], actor, note or "Manual payment undone")
        if invoice.status != InvoiceStatus.PAID:
            return


async def _void(invoice: Invoice, note: str | None, actor: str) -> None:
    if invoice.status == InvoiceStatus.PAID:
        raise InvalidTransition(
            "A PAID invoice cannot be voided: undo the payment or refund it first."
        )
    was_sent = invoice.sent_at is not None
    await invoice_status.move(invoice, InvoiceStatus.VOID, actor=actor, detail=note)
    await jobs.enqueue(pages.CLOSE_JOB, str(invoice.id), job_id=f"close-pages:{invoice.id}")
    if was_sent:
        await notice(invoice, "void")
