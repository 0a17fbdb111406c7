"""The job functions, each safe to run more than once."""

from datetime import datetime
from uuid import UUID

from arq import func

from remit.billing import (
    cards,
    charge_retries,
    charging,
    contracts,
    credit_notes,
    cycle,
    fees,
    issuing,
    notices,
    pages,
    reminders,
    tenants,
    webhook_delivery,
    webhook_events,
)
from remit.workers import contracts as contract_jobs
from remit.workers import cycle as cycle_jobs
from remit.workers import fees as fee_jobs
from remit.workers import invoices as invoice_jobs
from remit.workers import webhooks as webhook_jobs
from remit.workers.retries import retried_when_the_database_is_lost


async def touch_api_key(ctx: dict, api_key_id: str, at: str) -> None:
    await tenants.record_key_use(UUID(api_key_id), datetime.fromisoformat(at))


JOBS = [
    (fee_jobs.collect_fee, fees.COLLECT_JOB),
    (fee_jobs.fee_failure_notice, "fee.failure_notice"),
    (cycle_jobs.plan_cycle, cycle.PLAN_JOB),
    (cycle_jobs.issue_invoice, issuing.ISSUE_JOB),
    (invoice_jobs.charge_invoice, charging.CHARGE_JOB),
    (invoice_jobs.deliver_invoice, issuing.DELIVER_JOB),
    (invoice_jobs.deliver_credit_note, credit_notes.DELIVER_JOB),
    (invoice_jobs.refund_credit_note, credit_notes.REFUND_JOB),
    (invoice_jobs.send_notice, notices.NOTICE_JOB),
    (invoice_jobs.close_payment_pages, pages.CLOSE_JOB),
    (invoice_jobs.send_tenant_notice, charge_retries.TENANT_NOTICE_JOB),
    (invoice_jobs.mark_overdue, reminders.OVERDUE_JOB),
    (invoice_jobs.remind, reminders.REMIND_JOB),
    (invoice_jobs.plan_reminders, "reminders.plan"),
    (invoice_jobs.plan_charge_retries, "charges.plan"),
    (invoice_jobs.record_card_expiry, cards.EXPIRY_JOB),
    (invoice_jobs.notify_card_expiry, cards.NOTICE_JOB),
    (touch_api_key, tenants.TOUCH_JOB),
    (contract_jobs.end_contract_if_due, contracts.END_JOB),
    (webhook_jobs.deliver_webhooks, webhook_events.DELIVER_JOB),
    (webhook_jobs.endpoint_disabled_notice, webhook_delivery.DISABLED_NOTICE_JOB),
]

# Each one retried when the database connection is lost under it.
FUNCTIONS = [func(retried_when_the_database_is_lost(job), name=name) for job, name in JOBS]
