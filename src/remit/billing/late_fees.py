"""A dunning step's late fee: a one-off invoice of its own to the organization (an issued
invoice is never edited), made and issued in the transaction that records the step's
reminder, whose row is unique per invoice and step: so at most one fee per invoice and
step, however often the job runs."""

from decimal import Decimal

from remit.billing import issuing, one_off
from remit.billing.dunning import Step
from remit.billing.ledger import amount_due
from remit.billing.money import Money
from remit.billing.roles import Actor
from remit.models.contracts import Contract
from remit.models.invoices import Invoice, Reminder
from remit.models.tenants import Tenant


async def is_late_fee(invoice: Invoice) -> bool:
    """A late fee's own invoice is reminded of, but never charged a fee on a fee."""
    return await Reminder.exists(late_fee_invoice_id=invoice.id)


async def fee_of(invoice: Invoice, step: Step) -> int:
    """The step's fee on the invoice as it stands, in its currency's minor units."""
    if step.late_fee is None or await is_late_fee(invoice):
        return 0
    return step.late_fee.for_invoice(amount_due(invoice), invoice.currency)


async def charge(
    invoice: Invoice, reminder: Reminder, step: Step
) -> tuple[Invoice, issuing.Outcome] | None:
    """Inside the reminder's transaction: the fee's invoice, drafted on the terms of the
    invoice's contract and issued, linked from the reminder; None when there is no fee (or
    invoicing is switched off, which issues nothing). The caller announces it after commit."""
    fee = await fee_of(invoice, step)
    tenant = await Tenant.get(id=invoice.tenant_id)
    if fee == 0 or not tenant.invoicing_enabled:
        return None
    contract = await Contract.get(id=invoice.contract_id)
    actor = Actor.system(tenant)
    draft = await one_off.create(
        actor,
        {
            "organization_id": invoice.organization_id,
            "currency": invoice.currency,
            "billing_email": contract.billing_email,
            "billing_emails_cc": contract.billing_emails_cc,
            "payment_providers": contract.payment_providers,
            "lines": [
                {
                    "name": f"Late fee: invoice {invoice.number}, {reminder_day(step)}",
                    "price": Money(fee, invoice.currency).amount,
                    "quantity": Decimal(1),
                    "tax_rate": Decimal(0),
                }
            ],
        },
    )
    issued = await one_off.issued(actor, str(draft.id))
    reminder.late_fee_invoice = issued[0]
    await reminder.save(update_fields=["late_fee_invoice_id"])
    return issued


def reminder_day(step: Step) -> str:
    """A step's day in words: "3 days before the due date", "the due date", "7 days late"."""
    days = abs(step.offset_days)
    count = f"{days} day{'s' if days != 1 else ''}"
    if step.offset_days < 0:
        return f"{count} before the due date"
    return f"{count} after the due date" if step.offset_days else "the due date"
