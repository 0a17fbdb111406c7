"""The monthly invoicing processing fee: each tenant pays, for every invoice it issued
(numbered) in a month, the configured fee per invoice, through the payment method it gave
when it enabled invoicing. One fee per tenant and month; charging it is safe to repeat."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from remit.billing import clock, config, documents, ids, jobs, mail, rendering
from remit.billing.documents import Branding, DocumentLine, DocumentParty, InvoiceDocument
from remit.billing.errors import Invalid, InvalidTransition, NotFound
from remit.billing.money import Money
from remit.models.enums import PlatformBillingStatus, PlatformFeeStatus
from remit.models.fees import PlatformFee
from remit.models.invoices import Invoice
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant
from remit.plugins.api import CustomerAccount, PaymentRefused
from remit.plugins.api import PaymentOption as Option
from remit.plugins.platform import FeeCharge

COLLECT_JOB = "fee.collect"
# A failed charge is tried again 2, 4 and 7 days after the first attempt: 3 retries in a week.
RETRY_AFTER_DAYS = (2, 4, 7)


def month_of(day: date) -> date:
    return day.replace(day=1)


def last_month(today: date) -> date:
    return month_of(month_of(today) - timedelta(days=1))


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def check_month_over(month: date, today: date) -> date:
    """The first day of `month`, once the month is over: a month still running has not
    issued all its invoices, so its fee cannot be counted yet."""
    if month_end(month) >= today:
        raise Invalid(
            f"{month:%B %Y} is not over yet: its processing fee can be billed from "
            f"{month_end(month) + timedelta(days=1):%Y-%m-%d}.",
            field=["month"],
        )
    return month_of(month)


@dataclass(frozen=True)
class FeeRun:
    month: date
    created: int
    existing: int


async def bill(month: date) -> FeeRun:
    """A fee for each tenant that issued invoices in `month` (void ones count: they were
    issued), and a collection job for each. Running it twice creates and charges nothing new.
    A month not over yet is refused (Invalid), whoever asks: the command and the cron alike."""
    month = check_month_over(month, clock.today())
    per_invoice = config.current().fee_per_invoice
    counts = (
        await Invoice.filter(
            number__not_isnull=True, issue_date__gte=month, issue_date__lte=month_end(month)
        )
        .annotate(issued=Count("id"))
        .group_by("tenant_id")
        .values_list("tenant_id", "issued")
    )
    created = existing = 0
    for tenant_id, issued in counts:
        try:
            async with jobs.atomic():
                fee = await PlatformFee.create(
                    tenant_id=tenant_id,
                    month=month,
                    invoices_processed=issued,
                    currency=per_invoice.currency,
                    amount=per_invoice.minor * issued,
                )
                await request_collection(fee, attempt=1)
            created += 1
        except IntegrityError:
            existing += 1
    return FeeRun(month, created, existing)


async def request_collection(fee: PlatformFee, attempt: int, defer_days: int = 0) -> None:
    await jobs.enqueue(
        COLLECT_JOB,
        str(fee.id),
        attempt,
        job_id=f"fee:{fee.id}:attempt:{attempt}",
        _defer_by=timedelta(days=defer_days) if defer_days else None,
    )


async def collect(fee_id: UUID, attempt: int) -> str:
    fee = await PlatformFee.get_or_none(id=fee_id)
    if fee is None or fee.status != PlatformFeeStatus.PENDING or fee.attempts >= attempt:
        return "nothing to do"
    settings = await InvoicingSettings.get(tenant_id=fee.tenant_id)
    if settings.platform_billing_kind == "bank_transfer":
        await _send_fee_invoice(fee, settings)
        await PlatformFee.filter(id=fee.id).update(attempts=attempt)
        return "fee invoice sent"
    if not settings.platform_stripe_payment_method_id:
        return await fail(fee, attempt, "No card is saved for the processing fee.")
    account = config.current().platform_account
    if account is None:
        return "cards are not set up on this server"
    charge = FeeCharge(
        fee_id=fee.id,
        tenant_id=fee.tenant_id,
        attempt=attempt,
        amount=fee.amount,
        currency=fee.currency,
        description=f"Invoice processing fee, {fee.month:%B %Y}",
        account=CustomerAccount(
            customer_ref=settings.platform_stripe_customer_id,
            payment_method_ref=settings.platform_stripe_payment_method_id,
        ),
    )
    try:
        result = await account.charge_fee(charge)
    except PaymentRefused as refusal:
        return await fail(fee, attempt, str(refusal))
    await PlatformFee.filter(id=fee.id).update(
        attempts=attempt, stripe_payment_intent_id=result.reference
    )
    return "charge requested"


async def settle(fee_id: UUID, *, paid: bool, reason: str | None = None) -> str:
    """The outcome of a charge, from the webhook of the operator's payment account."""
    fee = await PlatformFee.get_or_none(id=fee_id)
    if fee is None:
        return "unknown fee"
    if paid:
        updated = await PlatformFee.filter(id=fee.id, status=PlatformFeeStatus.PENDING).update(
            status=PlatformFeeStatus.PAID
        )
        return "fee paid" if updated else "already settled"
    return await fail(fee, max(fee.attempts, 1), reason or "The card was declined.")


async def mark_paid(fee_id: str) -> PlatformFee:
    """The operator received a bank transfer for the fee."""
    fee = await PlatformFee.get_or_none(id=ids.parse("fee", fee_id, field=["fee_id"]))
    if fee is None:
        raise NotFound("fee", fee_id, field=["fee_id"])
    if fee.status == PlatformFeeStatus.PAID:
        raise InvalidTransition("This fee is already paid.")
    fee.status = PlatformFeeStatus.PAID
    await fee.save(update_fields=["status", "updated_at"])
    return fee


async def fail(fee: PlatformFee, attempt: int, reason: str) -> str:
    """Tell the tenant; retry within the week; after the last retry the fee is FAILED and so
    is the tenant's platform billing (invoicing keeps running: the operator decides)."""
    async with jobs.atomic():
        fee = await PlatformFee.select_for_update().get(id=fee.id)
        if fee.status != PlatformFeeStatus.PENDING:
            return "already settled"
        fee.attempts = max(fee.attempts, attempt)
        retry_on = None
        if attempt > len(RETRY_AFTER_DAYS):
            fee.status = PlatformFeeStatus.FAILED
            await InvoicingSettings.filter(tenant_id=fee.tenant_id).update(
                platform_billing_status=PlatformBillingStatus.FAILED
            )
        else:
            delay = RETRY_AFTER_DAYS[attempt - 1] - (
                RETRY_AFTER_DAYS[attempt - 2] if attempt > 1 else 0
            )
            await request_collection(fee, attempt + 1, defer_days=delay)
            retry_on = (clock.today() + timedelta(days=delay)).isoformat()
        await fee.save(update_fields=["attempts", "status", "updated_at"])
        await jobs.enqueue(
            "fee.failure_notice",
            str(fee.id),
            attempt,
            reason,
            retry_on,
            job_id=f"fee:{fee.id}:failed:{attempt}",
        )
    return "failed" if fee.status == PlatformFeeStatus.FAILED else "retry planned"


def fee_document(fee: PlatformFee, tenant: Tenant, settings: InvoicingSettings) -> InvoiceDocument:
    """The fee as an invoice from the operator to the tenant, rendered like any Remit invoice."""
    operator = config.current()
    total = Money(fee.amount, fee.currency)
    unit = Money(
        fee.amount // fee.invoices_processed if fee.invoices_processed else 0, fee.currency
    )
    options = []
    if operator.platform_bank_details:
        options.append(
            Option(
                provider="bank_transfer",
                name=documents.translated("Bank transfer", settings.default_locale),
                instructions=operator.platform_bank_details,
            )
        )
    return InvoiceDocument(
        number=f"FEE-{fee.month:%Y%m}-{str(fee.tenant_id)[:8].upper()}",
        status="DUE" if fee.status == PlatformFeeStatus.PENDING else str(fee.status),
        currency=fee.currency,
        issue_date=month_end(fee.month) + timedelta(days=1),
        due_date=month_end(fee.month) + timedelta(days=15),
        period_start=fee.month,
        period_end=month_end(fee.month),
        issuer=DocumentParty(operator.platform_name, None, operator.platform_email, None, None),
        customer=DocumentParty(
            tenant.name,
            settings.company_legal_name,
            settings.platform_billing_email,
            settings.company_address,
            settings.company_vat_number,
        ),
        branding=Branding(None, None, None),
        lines=[
            DocumentLine(
                documents.translated(
                    "Invoice processing, %(month)s",
                    settings.default_locale,
                    month=documents.format_month(fee.month, settings.default_locale),
                ),
                "ONCE",
                Decimal(fee.invoices_processed),
                unit,
                total,
                Decimal(0),
                Money(0, fee.currency),
                total,
            )
        ],
        subtotal=total,
        tax=Money(0, fee.currency),
        total=total,
        amount_paid=Money(fee.amount if fee.status == PlatformFeeStatus.PAID else 0, fee.currency),
        amount_due=Money(0 if fee.status == PlatformFeeStatus.PAID else fee.amount, fee.currency),
        invoice_note=None,
        payment_options=options,
        # The tenant has no page of its own for a fee: the emails carry everything.
        public_url="",
        pdf_url="",
        locale=settings.default_locale,
    )


def _fee_message(shown: InvoiceDocument, to: str, **details) -> mail.OutgoingMail:
    """An email from the operator to the tenant about its fee."""
    return mail.invoice_message(
        shown, sender=config.current().platform_email, to=to, cc=[], bcc=[], **details
    )


async def _send_fee_invoice(fee: PlatformFee, settings: InvoicingSettings) -> None:
    shown = fee_document(fee, await Tenant.get(id=fee.tenant_id), settings)
    outgoing = _fee_message(
        shown,
        settings.platform_billing_email or settings.company_email,
        pdf=await rendering.pdf(documents.html_for_pdf(shown), shown.branding, shown.locale),
        message_id=f"<platform-fee.{fee.id}@remit>",
        kind="fee_invoice",
    )
    await mail.send(outgoing.message, outgoing.recipients, config.current().mail)


async def failure_notice(
    fee_id: UUID, attempt: int, reason: str, retry_on: date | None = None
) -> None:
    """Tell the tenant its card was not charged for the fee, and when the next try is (none
    after the last one)."""
    fee = await PlatformFee.get(id=fee_id)
    settings = await InvoicingSettings.get(tenant_id=fee.tenant_id)
    to = settings.platform_billing_email or settings.company_email
    if not to:
        return
    shown = fee_document(fee, await Tenant.get(id=fee.tenant_id), settings)
    outgoing = _fee_message(
        shown,
        to,
        pdf=None,
        message_id=f"<platform-fee.{fee.id}.failed.{attempt}@remit>",
        kind="fee_payment_failed",
        reason=reason,
        retry_on=retry_on,
    )
    await mail.send(outgoing.message, outgoing.recipients, config.current().mail)


async def summary(month: date) -> list[tuple[str, PlatformFee]]:
    fees = await PlatformFee.filter(month=month).prefetch_related("tenant").order_by("created_at")
    return [(fee.tenant.name, fee) for fee in fees]


async def failed() -> list[PlatformFee]:
    return (
        await PlatformFee.filter(status=PlatformFeeStatus.FAILED)
        .prefetch_related("tenant")
        .order_by("month")
    )


def for_tenant(tenant: Tenant) -> QuerySet[PlatformFee]:
    return PlatformFee.filter(tenant=tenant)
