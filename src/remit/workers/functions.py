"""The job functions, each safe to run more than once."""

from datetime import datetime
from uuid import UUID

from arq import func

from remit.billing import (
    charging,
    contracts,
    cycle,
    fees,
    issuing,
    pages,
    payments,
    provider_payments,
    reminders,
    tenants,
)
from remit.workers import contracts as contract_jobs
from remit.workers import cycle as cycle_jobs
from remit.workers import fees as fee_jobs
from remit.workers import invoices as invoice_jobs


async def touch_api_key(ctx: dict, api_key_id: str, at: str) -> None:
    await tenants.record_key_use(UUID(api_key_id), datetime.fromisoformat(at))


FUNCTIONS = [
    func(fee_jobs.collect_fee, name=fees.COLLECT_JOB),
    func(fee_jobs.fee_failure_notice, name="fee.failure_notice"),
    func(cycle_jobs.plan_cycle, name=cycle.PLAN_JOB),
    func(cycle_jobs.issue_invoice, name=issuing.ISSUE_JOB),
    func(invoice_jobs.charge_invoice, name=charging.CHARGE_JOB),
    func(invoice_jobs.deliver_invoice, name=issuing.DELIVER_JOB),
    func(invoice_jobs.send_notice, name=payments.NOTICE_JOB),
    func(invoice_jobs.close_payment_pages, name=pages.CLOSE_JOB),
    func(invoice_jobs.send_tenant_notice, name=provider_payments.TENANT_NOTICE_JOB),
    func(invoice_jobs.mark_overdue, name=reminders.OVERDUE_JOB),
    func(invoice_jobs.remind, name=reminders.REMIND_JOB),
    func(invoice_jobs.plan_reminders, name="reminders.plan"),
    func(touch_api_key, name=tenants.TOUCH_JOB),
    func(contract_jobs.end_contract_if_due, name=contracts.END_JOB),
]
