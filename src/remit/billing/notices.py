"""Emails to the customer about an invoice (a receipt, a reminder, a void notice): each sent
once, by a job enqueued after the change that calls for it commits."""

from remit.billing import invoice_status, jobs
from remit.models.invoices import Invoice

NOTICE_JOB = "invoice.notice"


async def notice(invoice: Invoice, kind: str, suffix: str = "") -> None:
    """One email of `kind` to the customer (once per invoice, or per `suffix`: a reminder's
    day), sent after the change commits."""
    await jobs.enqueue(
        NOTICE_JOB, str(invoice.id), kind, suffix, job_id=f"notice:{kind}:{invoice.id}:{suffix}"
    )


async def receipt(invoice: Invoice) -> None:
    """One receipt each time the invoice becomes PAID (paid, undone and paid again: two),
    but none for a payment undone before its receipt went out."""
    await notice(invoice, "receipt", suffix=invoice_status.payment_key(invoice))
