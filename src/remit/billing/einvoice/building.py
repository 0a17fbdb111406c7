"""The EInvoice of an invoice or a credit note, from the rows billing wrote: built once per
document and written in every syntax from there."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from remit.billing import ledger
from remit.billing.einvoice import model
from remit.billing.einvoice.model import EInvoice, LineAmounts
from remit.billing.money import Money
from remit.models.contracts import Contract
from remit.models.credit_notes import CreditNote, CreditNoteLine
from remit.models.enums import EInvoiceFormat
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.organizations import Organization


def _amounts(lines: Iterable[InvoiceLine | CreditNoteLine]) -> list[LineAmounts]:
    return [
        LineAmounts(
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            subtotal=line.subtotal,
            tax_rate=line.tax_rate,
            tax=line.tax,
            category=line.vat_category,
        )
        for line in lines
    ]


def _assemble(
    *,
    format: EInvoiceFormat,
    type_code: str,
    number: str | None,
    issue_date: date | None,
    due_date: date | None,
    currency: str,
    note: str | None,
    holder: Invoice | CreditNote,
    references: Invoice,
    preceding: Invoice | None,
    lines: Sequence[LineAmounts],
    payment_options: Sequence[Mapping],
    prepaid: int,
    payment_terms: str | None = None,
) -> EInvoice:
    """`holder` has the frozen parties and the totals; `references` the buyer's references
    and the period (the invoice itself, or the one a credit note corrects)."""
    built_lines, breakdown = model.lines_and_breakdown(lines, currency)
    means, remittance = model.payment_means(payment_options)
    subtotal = Money(holder.subtotal, currency)
    total = Money(holder.total, currency)
    return EInvoice(
        format=format,
        type_code=type_code,
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        note=note,
        buyer_reference=references.buyer_reference,
        purchase_order_reference=references.purchase_order_reference,
        preceding_invoice=preceding.number if preceding else None,
        preceding_issue_date=preceding.issue_date if preceding else None,
        period_start=references.period_start,
        period_end=references.period_end,
        seller=model.party(holder.provider),
        buyer=model.party(holder.customer),
        payment_means=means,
        remittance=remittance,
        payment_terms=payment_terms,
        lines=built_lines,
        vat_breakdown=breakdown,
        line_total=subtotal,
        tax_exclusive=subtotal,
        tax_total=Money(holder.tax, currency),
        tax_inclusive=total,
        prepaid=Money(prepaid, currency),
        payable=total - Money(prepaid, currency),
    )


def prospective(
    invoice: Invoice, lines: Sequence[InvoiceLine], contract: Contract, organization: Organization
) -> EInvoice:
    """The e-invoice a DRAFT or ON_HOLD invoice will be, as far as it is known before it is
    issued: no number, dates nor payment details yet (`rules.check`'s `before_issue`)."""
    return _assemble(
        format=organization.einvoice_format,
        type_code=model.INVOICE,
        number=None,
        issue_date=None,
        due_date=None,
        currency=invoice.currency,
        note=contract.invoice_note,
        holder=invoice,
        references=invoice,
        preceding=None,
        lines=_amounts(lines),
        payment_options=[],
        prepaid=0,
    )


async def of_invoice(
    invoice: Invoice, read: tuple[Sequence[InvoiceLine], int] | None = None
) -> EInvoice:
    """An issued invoice's e-invoice, in its organization's format. Its contract and
    organization are read unless the invoice was read with them; its lines and the credit
    applied to it (minor units) unless `read` already holds them."""
    contract = await invoice.contract
    organization = await invoice.organization
    lines, prepaid = read or (
        await InvoiceLine.filter(invoice=invoice).order_by("position"),
        await ledger.credit_applied(invoice),
    )
    return _assemble(
        format=organization.einvoice_format,
        type_code=model.INVOICE,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        note=contract.invoice_note,
        holder=invoice,
        references=invoice,
        preceding=None,
        lines=_amounts(lines),
        payment_options=invoice.payment_options,
        prepaid=prepaid,
    )


async def of_credit_note(credit_note: CreditNote) -> EInvoice:
    """A credit note's e-invoice (type 381), referring to the invoice it corrects (BT-25)."""
    invoice = await Invoice.get(id=credit_note.invoice_id)
    organization = await Organization.get(id=credit_note.organization_id)
    lines = await CreditNoteLine.filter(credit_note=credit_note).order_by("position")
    return _assemble(
        format=organization.einvoice_format,
        type_code=model.CREDIT_NOTE,
        number=credit_note.number,
        issue_date=credit_note.issue_date,
        due_date=None,
        currency=credit_note.currency,
        note=credit_note.reason,
        holder=credit_note,
        references=invoice,
        preceding=invoice,
        lines=_amounts(lines),
        payment_options=[],
        prepaid=0,
        payment_terms=(
            "Refunded to the customer."
            if credit_note.refund
            else "Credited to the customer's account balance."
        ),
    )
