"""The terms an invoice is issued, sent and paid under: to whom it goes, when it falls due,
what it notes and how it can be paid. A contract invoice has its contract's; a one-off
invoice, which has no contract, its own. Issuing, delivery, charging and the hosted page
read them here, so both kinds go through the same code."""

from dataclasses import dataclass
from uuid import UUID

from remit.models.contracts import Contract
from remit.models.invoices import Invoice
from remit.models.one_off import OneOffTerms


@dataclass(frozen=True)
class Terms:
    source: str  # where the terms are set, as the tenant reads it: "contract" or "invoice"
    organization_id: UUID
    billing_email: str | None
    billing_emails_cc: list[str]
    billing_address: dict | None  # None: the organization's own
    due_days: int
    invoice_note: str | None
    payment_providers: list[str]
    auto_charge: bool


def of_contract(contract: Contract) -> Terms:
    return Terms(
        source="contract",
        organization_id=contract.organization_id,
        billing_email=contract.billing_email,
        billing_emails_cc=list(contract.billing_emails_cc),
        billing_address=contract.billing_address,
        due_days=contract.due_days,
        invoice_note=contract.invoice_note,
        payment_providers=list(contract.payment_providers),
        auto_charge=contract.auto_charge,
    )


def of_one_off(organization_id: UUID, own: OneOffTerms) -> Terms:
    return Terms(
        source="invoice",
        organization_id=organization_id,
        billing_email=own.billing_email,
        billing_emails_cc=list(own.billing_emails_cc),
        billing_address=None,
        due_days=own.due_days,
        invoice_note=own.invoice_note,
        payment_providers=list(own.payment_providers),
        # Automatic charging is a contract's promise to charge each invoice it brings.
        auto_charge=False,
    )


async def of_invoice(invoice: Invoice) -> Terms:
    if invoice.contract_id is not None:
        return of_contract(await Contract.get(id=invoice.contract_id))
    return of_one_off(invoice.organization_id, await OneOffTerms.get(invoice_id=invoice.id))
