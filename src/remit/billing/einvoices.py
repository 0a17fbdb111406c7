"""An issued invoice's or credit note's e-invoice as the customer gets it: the XML in its
organization's format (downloaded at /i/{token}.xml, attached to the email), and the
Factur-X CII embedded in every PDF. Both are checked before anything is sent."""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from remit.billing.einvoice import building, rules, xml
from remit.billing.einvoice.model import EInvoice
from remit.models.credit_notes import CreditNote
from remit.models.enums import EInvoiceFormat
from remit.models.invoices import Invoice, InvoiceLine


@dataclass(frozen=True)
class Files:
    """The e-invoice of one document, written and checked."""

    document: EInvoice
    xml: bytes  # in the organization's format
    facturx: bytes  # the Factur-X CII the PDF embeds
    problems: list[str]  # rule ids and schema errors; [] when it may be sent

    @property
    def filename(self) -> str:
        return f"{self.document.number}.xml"

    @property
    def embedded(self) -> bytes | None:
        """The Factur-X XML its PDF embeds; None while it breaks a rule (a document issued
        before e-invoices were checked), so that no PDF carries an invalid one."""
        return None if self.problems else self.facturx


def written(document: EInvoice) -> Files:
    own = xml.write(document)
    facturx_document = dataclasses.replace(document, format=EInvoiceFormat.FACTURX)
    facturx = own if document.format == EInvoiceFormat.FACTURX else xml.write(facturx_document)
    problems = rules.check(document)
    problems += [f"XSD: {p}" for p in xml.schema_problems(document, own)]
    if facturx is not own:
        problems += [f"XSD (Factur-X): {p}" for p in xml.schema_problems(facturx_document, facturx)]
    return Files(document, own, facturx, problems)


async def of_invoice(
    invoice: Invoice, read: tuple[Sequence[InvoiceLine], int] | None = None
) -> Files | None:
    """None for an invoice never issued (no number: a draft, or one voided while held).
    `read`: its lines and the credit applied to it, when the caller has them already."""
    if invoice.number is None or invoice.issue_date is None:
        return None
    return written(await building.of_invoice(invoice, read))


async def of_credit_note(credit_note: CreditNote) -> Files:
    return written(await building.of_credit_note(credit_note))
