"""Credit notes: an issued invoice is never edited, it is corrected by a credit note that
takes back part or all of its lines. Each has its own gapless number (`INV-CN-000001`),
an event on the invoice, and one email to the invoice's recipients with its PDF.

What a credit note does to what is owed (the invoice's amount due, a void when all of an
unpaid invoice is credited, credit balance or a refund for money already paid) is the
ledger's to derive: `credited` is what it reads.
"""

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from remit.billing import (
    clock,
    ids,
    invoicing_settings,
    jobs,
    ledger,
    line_items,
    numbering,
    pages,
    providers,
    validation,
    webhook_events,
)
from remit.billing.drafts import part_of, taxed
from remit.billing.errors import Conflict, InvalidTransition, NotFound, RemitError
from remit.billing.invoice_status import record
from remit.billing.money import Money
from remit.billing.roles import Actor, Permission, require
from remit.billing.validation import Checks, Invalid
from remit.models.credit_notes import CreditNote, CreditNoteLine
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.payments import MANUAL, Payment
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant
from remit.plugins.api import PaymentRefused

DELIVER_JOB = "credit_note.deliver"
REFUND_JOB = "credit_note.refund"
ISSUED_EVENT = "credit_note_issued"

# Issued and standing: a draft or held invoice is not owed yet, a void one no longer.
CREDITABLE = frozenset({InvoiceStatus.DUE, InvoiceStatus.OVERDUE, InvoiceStatus.PAID})
MAX_LINES = 200


@dataclass(frozen=True)
class Credited:
    """What earlier credit notes took back of one invoice line."""

    subtotal: int = 0
    tax: int = 0
    total: int = 0
    quantity: Decimal = Decimal(0)
    by_amount: bool = False  # some of it by amount: no quantity is left to speak of


@dataclass(frozen=True)
class LineCredit:
    line: InvoiceLine
    quantity: Decimal | None
    subtotal: Money
    tax: Money
    total: Money


def for_tenant(tenant: Tenant) -> QuerySet[CreditNote]:
    return CreditNote.filter(tenant=tenant)


def listed(
    tenant: Tenant, *, invoice_id: str | None = None, organization_id: str | None = None
) -> QuerySet[CreditNote]:
    found = for_tenant(tenant)
    for column, value, kind in (
        ("invoice_id", invoice_id, "invoice"),
        ("organization_id", organization_id, "organization"),
    ):
        if value is not None:
            found = found.filter(**{column: ids.parse(kind, value, field=["filter", column])})
    return found


async def of_invoices(invoice_ids: Collection[UUID]) -> list[CreditNote]:
    """The credit notes of these invoices, each invoice's oldest first."""
    return await CreditNote.filter(invoice_id__in=invoice_ids).order_by("created_at", "number")


async def lines_of(credit_note_ids: Collection[UUID]) -> list[CreditNoteLine]:
    """The lines of these credit notes, each one's in order."""
    return await CreditNoteLine.filter(credit_note_id__in=credit_note_ids).order_by("position")


async def credited(invoice_id: UUID) -> int:
    """The sum of the totals of the invoice's credit notes, in the invoice's minor units
    (every credit note is in its invoice's currency): what is no longer owed under it."""
    rows = (
        await CreditNote.filter(invoice_id=invoice_id)
        .annotate(credited=Sum("total"))
        .values_list("credited", flat=True)
    )
    return int(rows[0] or 0) if rows else 0


async def _credited_by_line(invoice: Invoice) -> dict[UUID, Credited]:
    found: dict[UUID, Credited] = {}
    rows = await CreditNoteLine.filter(credit_note__invoice_id=invoice.id)
    for row in rows:
        before = found.get(row.invoice_line_id, Credited())
        found[row.invoice_line_id] = Credited(
            subtotal=before.subtotal + row.subtotal,
            tax=before.tax + row.tax,
            total=before.total + row.total,
            quantity=before.quantity + (row.quantity or 0),
            by_amount=before.by_amount or row.quantity is None,
        )
    return found


def _rest(line: InvoiceLine, before: Credited) -> LineCredit:
    """Everything of the line not credited yet: its subtotal and tax less what was, so the
    credits of a line always add up to exactly the line."""
    currency = line.currency
    return LineCredit(
        line=line,
        quantity=None if before.by_amount else line.quantity - before.quantity,
        subtotal=Money(line.subtotal - before.subtotal, currency),
        tax=Money(line.tax - before.tax, currency),
        total=Money(line.total - before.total, currency),
    )


def _by_quantity(line: InvoiceLine, before: Credited, quantity: Decimal) -> LineCredit:
    """Part of the line's quantity, priced as the line: its subtotal in proportion, then
    the tax, each rounded half-up as an invoice line's is. The last of the quantity takes
    exactly what is left, so no rounding leaves a cent behind or credits one too many."""
    if not before.by_amount and quantity == line.quantity - before.quantity:
        return _rest(line, before)
    subtotal = part_of(
        Money(line.subtotal, line.currency), Fraction(quantity) / Fraction(line.quantity)
    )
    tax, total = taxed(subtotal, line.tax_rate)
    return LineCredit(line=line, quantity=quantity, subtotal=subtotal, tax=tax, total=total)


def _by_amount(line: InvoiceLine, before: Credited, gross: Money) -> LineCredit:
    """A gross amount, its tax split out at the line's rate: the subtotal is the amount
    over 1 + rate, rounded half-up, and the tax the difference, so the total is exact."""
    if gross.minor == line.total - before.total:
        return _rest(line, before)
    subtotal = part_of(gross, Fraction(100) / (100 + Fraction(line.tax_rate)))
    return LineCredit(
        line=line, quantity=None, subtotal=subtotal, tax=gross - subtotal, total=gross
    )


def _requested(
    index: int,
    request: Mapping[str, Any],
    line: InvoiceLine,
    before: Credited,
) -> LineCredit:
    """The `index`-th requested line credit, checked against what is still creditable on
    the line."""
    field = ["lines", str(index)]
    quantity, amount = request.get("quantity"), request.get("amount")
    if (quantity is None) == (amount is None):
        raise Invalid("Give either a quantity or an amount to credit.", field=field)
    left = Money(line.total - before.total, line.currency)
    if quantity is not None:
        field = [*field, "quantity"]
        parsed = line_items.quantity(quantity, field)
        quantity_left = line.quantity - before.quantity
        if not before.by_amount and parsed > quantity_left:
            raise Invalid(
                f"At most {quantity_left.normalize():f} of this line's quantity "
                f"{line.quantity.normalize():f} can still be credited.",
                field=field,
            )
        credit = _by_quantity(line, before, parsed)
    else:
        field = [*field, "amount"]
        gross = Money.parse(line_items.decimal(amount, field), line.currency, field=field)
        if gross.minor <= 0:
            raise Invalid("The amount must be more than zero.", field=field)
        credit = _by_amount(line, before, gross)
    if credit.total.minor > left.minor:
        raise Invalid(
            f"At most {left.formatted()} can still be credited on this line.", field=field
        )
    if credit.total.minor <= 0:
        raise Invalid("This credits nothing: the quantity is too small.", field=field)
    return credit


def _requested_lines(
    requests: Sequence[Mapping[str, Any]],
    lines: Mapping[UUID, InvoiceLine],
    credited_before: Mapping[UUID, Credited],
) -> list[LineCredit]:
    checks = Checks()
    credits: list[LineCredit] = []
    seen: set[UUID] = set()
    for index, request in enumerate(requests):
        field = ["lines", str(index), "invoice_line_id"]
        try:
            line_id = ids.parse("invoice line", request.get("invoice_line_id") or "", field=field)
        except RemitError as error:
            checks.errors.extend(error.errors())
            continue
        line = lines.get(line_id)
        if line is None:
            checks.errors.append(NotFound("invoice line", line_id, field=field))
            continue
        if line_id in seen:
            checks.errors.append(Invalid("Give each line once.", field=field))
            continue
        seen.add(line_id)
        try:
            credits.append(
                _requested(index, request, line, credited_before.get(line_id, Credited()))
            )
        except RemitError as error:
            checks.errors.extend(error.errors())
    checks.raise_if_any()
    return credits


def _full_credit(
    lines: Mapping[UUID, InvoiceLine], credited_before: Mapping[UUID, Credited]
) -> list[LineCredit]:
    rests = [
        _rest(line, credited_before.get(line.id, Credited()))
        for line in sorted(lines.values(), key=lambda line: line.position)
    ]
    rests = [rest for rest in rests if rest.total.minor > 0]
    if not rests:
        raise Conflict("Everything on this invoice is credited already.", field=["full_credit"])
    return rests


def _checked_request(reason: Any, requests: Sequence[Mapping[str, Any]], full_credit: bool) -> str:
    """The reason, and the shape of the request, checked before anything is read."""
    checks = Checks()
    validation.storable(reason, ["reason"])
    cleaned = checks.run(
        validation.text,
        reason or "",
        ["reason"],
        max_length=validation.length_of(CreditNote, "reason"),
        required=True,
    )
    if full_credit and requests:
        checks.errors.append(
            Invalid("Credit either the lines given or the full invoice, not both.", field=["lines"])
        )
    elif not full_credit and not requests:
        checks.errors.append(
            Invalid(
                "Give at least one line to credit, or credit the full invoice.", field=["lines"]
            )
        )
    if len(requests) > MAX_LINES:
        checks.errors.append(Invalid(f"At most {MAX_LINES} lines.", field=["lines"]))
    checks.raise_if_any()
    return cleaned


async def create(
    actor: Actor,
    invoice_id: str | UUID,
    reason: str,
    lines: Sequence[Mapping[str, Any]] = (),
    *,
    full_credit: bool = False,
    refund: bool = False,
) -> CreditNote:
    """Credit part or all of an issued invoice (DUE, OVERDUE or PAID). Each of `lines`
    (`invoice_line_id` and either `quantity` or a gross `amount`) credits part of one
    invoice line; `full_credit` credits everything not credited yet. No line is ever
    credited beyond its total. `refund` asks for the credited money already paid to go
    back to the customer rather than stay as credit. Numbered in the same transaction;
    the email goes out once it commits."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    ids.parse("invoice", invoice_id, field=["invoice_id"])
    cleaned_reason = _checked_request(reason, lines, full_credit)
    async with jobs.atomic():
        # Its lock orders the credit notes of one invoice: each sees what the last credited.
        invoice = await ledger.locked_invoice(tenant, str(invoice_id), ["invoice_id"])
        if invoice.status not in CREDITABLE:
            raise InvalidTransition(
                "Only an issued invoice (DUE, OVERDUE or PAID) can be credited; "
                f"this one is {invoice.status}.",
                field=["invoice_id"],
            )
        invoice_lines = {line.id: line for line in await InvoiceLine.filter(invoice=invoice)}
        before = await _credited_by_line(invoice)
        credits = (
            _full_credit(invoice_lines, before)
            if full_credit
            else _requested_lines(lines, invoice_lines, before)
        )
        credit_note = await _issue(actor, invoice, cleaned_reason, credits, refund)
    return credit_note


async def _issue(
    actor: Actor, invoice: Invoice, reason: str, credits: list[LineCredit], refund: bool
) -> CreditNote:
    currency = invoice.currency
    settings = await InvoicingSettings.get(tenant_id=invoice.tenant_id)
    number = await numbering.take(
        invoice.tenant_id, invoicing_settings.credit_note_prefix(settings), numbering.CREDIT_NOTES
    )
    subtotal = sum((credit.subtotal for credit in credits), Money.zero(currency))
    tax = sum((credit.tax for credit in credits), Money.zero(currency))
    total = sum((credit.total for credit in credits), Money.zero(currency))
    credit_note = await CreditNote.create(
        tenant_id=invoice.tenant_id,
        invoice=invoice,
        organization_id=invoice.organization_id,
        number=number,
        issue_date=clock.today(),
        reason=reason,
        currency=currency,
        subtotal=subtotal.minor,
        tax=tax.minor,
        total=total.minor,
        refund=refund,
        customer=invoice.customer,
        provider=invoice.provider,
        created_by=actor.who,
        public_token=secrets.token_urlsafe(24),
    )
    await CreditNoteLine.bulk_create(
        [
            CreditNoteLine(
                credit_note=credit_note,
                invoice_line=credit.line,
                position=position,
                name=credit.line.name,
                quantity=credit.quantity,
                currency=currency,
                unit_price=credit.line.unit_price,
                subtotal=credit.subtotal.minor,
                tax_rate=credit.line.tax_rate,
                vat_category=credit.line.vat_category,
                tax=credit.tax.minor,
                total=credit.total.minor,
            )
            for position, credit in enumerate(credits, start=1)
        ]
    )
    refunded = ", to be refunded" if refund else ""
    await record(
        invoice, ISSUED_EVENT, actor.who, f"{number}: {total.formatted()} credited{refunded}"
    )
    await webhook_events.credit_note_issued(credit_note)
    released = await ledger.credit(invoice, total.minor, number, actor.who)
    if refund:
        await _refund(credit_note, released)
    if invoice.status == InvoiceStatus.VOID:
        await jobs.enqueue(pages.CLOSE_JOB, str(invoice.id), job_id=f"close-pages:{invoice.id}")
    await jobs.enqueue(
        DELIVER_JOB, str(credit_note.id), job_id=f"deliver:credit_note:{credit_note.id}"
    )
    return credit_note


async def _refund(credit_note: CreditNote, released: list[ledger.Released]) -> None:
    """Ask each provider whose payment the credit note gave money back to for a refund of
    it, once the credit note commits; refused (rolling it back) when there is nothing to
    refund or a payment cannot be refunded through Remit."""
    if not released:
        raise Invalid(
            "Nothing paid of this invoice is credited, so there is nothing to refund: the "
            "credit note lowers what is still due.",
            field=["refund"],
        )
    for part in released:
        if not _refundable(part.payment):
            how = "by hand" if part.payment.method == MANUAL else f"through {part.payment.method}"
            raise Invalid(
                f"A payment ({_reference(part.payment)}) was made {how}, which Remit cannot "
                "refund: give the money back yourself and record it with refundRecord, or "
                "keep it as the organization's credit.",
                field=["refund"],
            )
        await jobs.enqueue(
            REFUND_JOB,
            str(credit_note.id),
            str(part.payment.id),
            part.amount,
            job_id=f"refund:credit_note:{credit_note.id}:{part.payment.id}",
        )


def _refundable(payment: Payment) -> bool:
    provider = providers.installed().get(payment.method)
    return (
        bool(payment.provider_reference) and provider is not None and providers.can_refund(provider)
    )


def _reference(payment: Payment) -> str:
    return payment.reference or payment.provider_reference or payment.method


async def refund(credit_note_id: UUID, payment_id: UUID, amount: int) -> str:
    """The refund a credit note asked for, through the provider that took the payment; the
    job's. The provider's idempotency key is derived from both, so a repeated job refunds
    once. The refund is counted when the provider reports it; a refusal is recorded on the
    invoice for the tenant. ProviderUnavailable propagates: the job is retried later."""
    credit_note = await CreditNote.get(id=credit_note_id).prefetch_related("invoice")
    payment = await Payment.get(id=payment_id)
    invoice = credit_note.invoice
    configured = await providers.resolve(payment.tenant_id, payment.method, disabled_too=True)
    shown = Money(amount, payment.currency).formatted()
    if configured is None:
        detail = (
            f"{credit_note.number}: {payment.method} is no longer set up; refund {shown} by hand"
        )
        await record(invoice, "refund_failed", "system", detail)
        return "not set up"
    try:
        result = await configured.provider.refund(
            payment.provider_reference,
            amount,
            payment.currency,
            f"credit-note:{credit_note.id}:{payment.id}",
            configured.settings,
        )
    except PaymentRefused as error:
        await record(
            invoice, "refund_failed", f"provider:{payment.method}", f"{credit_note.number}: {error}"
        )
        return "refused"
    detail = f"{credit_note.number}: {shown} of {_reference(payment)} ({result.reference})"
    await record(invoice, "refund_requested", f"provider:{payment.method}", detail)
    return "requested"
