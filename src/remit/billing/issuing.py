"""Issuing: one invoice per contract and period, created, verified, numbered — the one way
an invoice comes to be, for the daily cycle and for the API alike. A one-off invoice (on
its one-off contract) is settled by the same `settle`."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from tortoise.expressions import F

from remit.billing import (
    charging,
    clock,
    config,
    contracts,
    hooks,
    ids,
    invoice_status,
    jobs,
    ledger,
    line_items,
    numbering,
    periods,
    previews,
    providers,
    verification,
)
from remit.billing.drafts import InvoiceDraft, draft_invoice
from remit.billing.errors import InvalidTransition, NotFound, NotReady, RemitErrors
from remit.billing.roles import Actor, Permission, require
from remit.models.contracts import Contract
from remit.models.enums import ContractStatus, InvoiceStatus
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.organizations import Organization
from remit.models.runs import InvoicingRun
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant

ISSUE_JOB = "invoice.issue"
DELIVER_JOB = "invoice.deliver"
CYCLE = "cycle"


class Outcome(StrEnum):
    ISSUED = "issued"
    ON_HOLD = "on_hold"
    NOTHING_TO_BILL = "nothing_to_bill"
    NOT_DUE = "not_due"


@dataclass(frozen=True)
class IssueResult:
    outcome: Outcome
    invoice_id: UUID | None = None
    tenant_id: UUID | None = None  # None: no such contract


def issue_job_id(contract_id: UUID, period_start: date) -> str:
    return f"issue:{contract_id}:{period_start.isoformat()}"


async def enqueue_issue(contract_id: UUID, period_start: date, today: date) -> None:
    await jobs.enqueue(
        ISSUE_JOB,
        str(contract_id),
        period_start.isoformat(),
        today.isoformat(),
        job_id=issue_job_id(contract_id, period_start),
    )


def _eligible(contract: Contract, tenant: Tenant, period_start: date, today: date) -> bool:
    return (
        tenant.invoicing_enabled
        and contract.status == ContractStatus.LIVE
        and contract.next_invoice_date == period_start
        and period_start <= today
        and (contract.end_date is None or period_start <= contract.end_date)
    )


def customer_party(contract: Contract, organization: Organization) -> dict:
    to = verification.recipients(contract, organization.billing_emails)
    return {
        "name": organization.name,
        "legal_name": organization.legal_name,
        "email": to[0] if to else None,
        "address": contract.billing_address or organization.address,
        "tax_id": organization.tax_id,
        "registration_id": organization.legal_registration_id,
    }


def issuer_party(tenant: Tenant, settings: InvoicingSettings) -> dict:
    return {
        "name": tenant.name,
        "legal_name": settings.company_legal_name,
        "email": settings.send_invoices_from or settings.company_email,
        "address": settings.company_address,
        "tax_id": settings.company_vat_number,
        "registration_id": settings.company_registration_id,
        "phone": settings.company_phone,
    }


FROZEN = ("customer", "provider", "buyer_reference", "purchase_order_reference")


def freeze(invoice: Invoice, contract: Contract, tenant: Tenant, settings, organization) -> None:
    """The parties and the buyer's references as they stand now, copied onto the invoice
    (not saved): an issued invoice keeps them whatever changes later."""
    invoice.customer = customer_party(contract, organization)
    invoice.provider = issuer_party(tenant, settings)
    invoice.buyer_reference = contract.buyer_reference
    invoice.purchase_order_reference = contract.purchase_order_reference


async def create_draft(
    contract: Contract,
    tenant: Tenant,
    settings: InvoicingSettings,
    organization: Organization,
    draft: InvoiceDraft,
    actor: str,
) -> tuple[Invoice, list[InvoiceLine]]:
    """The contract's DRAFT invoice for the draft's period, with its lines."""
    invoice = await Invoice.create(
        tenant=tenant,
        contract=contract,
        organization=organization,
        status=InvoiceStatus.DRAFT,
        currency=contract.currency,
        period_start=draft.period.start,
        period_end=draft.period.end,
        subtotal=draft.subtotal.minor,
        tax=draft.tax.minor,
        total=draft.total.minor,
        customer=customer_party(contract, organization),
        provider=issuer_party(tenant, settings),
        buyer_reference=contract.buyer_reference,
        purchase_order_reference=contract.purchase_order_reference,
        public_token=secrets.token_urlsafe(24),
    )
    lines = await write_lines(invoice, draft)
    await invoice_status.record(invoice, "created", actor, to_status=InvoiceStatus.DRAFT)
    return invoice, lines


async def write_lines(invoice: Invoice, draft: InvoiceDraft) -> list[InvoiceLine]:
    lines = [
        InvoiceLine(
            invoice=invoice,
            position=position,
            service_line_item_id=line.item_id,
            name=line.name,
            billed=line.billed,
            quantity=line.quantity,
            currency=invoice.currency,
            unit_price=line.unit_price.minor,
            subtotal=line.subtotal.minor,
            tax_rate=line.tax_rate,
            vat_category=line.vat_category,
            tax=line.tax.minor,
            total=line.total.minor,
        )
        for position, line in enumerate(draft.lines, start=1)
    ]
    await InvoiceLine.bulk_create(lines)
    return lines


async def _finalize(
    invoice: Invoice, contract: Contract, settings: InvoicingSettings, today: date, actor: str
) -> None:
    """Number, date and send: the invoice becomes DUE, or PAID at once when nothing is owed."""
    invoice.number = await numbering.take(invoice.tenant_id, settings.invoice_number_prefix)
    invoice.issue_date = today
    invoice.due_date = today + timedelta(days=contract.due_days)
    invoice.hold_reasons = []
    await invoice_status.move(
        invoice,
        InvoiceStatus.PAID if invoice.total == 0 else InvoiceStatus.DUE,
        actor=actor,
        detail=f"Issued as {invoice.number}",
        changed=("number", "issue_date", "due_date", "hold_reasons"),
    )
    await ledger.apply_credit(invoice, actor)
    await jobs.enqueue(DELIVER_JOB, str(invoice.id), job_id=f"deliver:{invoice.id}")
    if invoice.status == InvoiceStatus.DUE:
        await charging.request_charge(invoice, contract)


async def _count(tenant_id: UUID, today: date, outcome: Outcome) -> None:
    column = {Outcome.ISSUED: "invoices_issued", Outcome.ON_HOLD: "invoices_on_hold"}[outcome]
    counted = InvoicingRun.filter(tenant_id=tenant_id, run_date=today)
    # Planning opened the run of the day; an issue asked for otherwise may open it here.
    if not await counted.update(**{column: F(column) + 1}):
        await InvoicingRun.get_or_create(
            tenant_id=tenant_id, run_date=today, defaults={"started_at": clock.now()}
        )
        await counted.update(**{column: F(column) + 1})


async def issue(contract_id: UUID, period_start: date, today: date) -> IssueResult:
    """Issue the contract's invoice for the period starting `period_start`. Safe to repeat:
    the contract row is locked and re-checked, and its next invoice date moves on in the
    same transaction, so a second run finds nothing to do. Each row it needs is read once,
    with the contract where it can be, and its events are written together."""
    async with jobs.atomic(), invoice_status.events_written_together():
        # The contract alone is locked, not the tenant nor the organization read with it.
        contract = (
            await Contract.select_for_update(of=(Contract._meta.db_table,))
            .select_related("tenant__invoicing_settings", "organization")
            .get_or_none(id=contract_id)
        )
        if contract is None:
            return IssueResult(Outcome.NOT_DUE)
        tenant = contract.tenant
        if not _eligible(contract, tenant, period_start, today):
            return IssueResult(Outcome.NOT_DUE, tenant_id=tenant.id)
        cycle = periods.CYCLE_MONTHS[contract.billing_cycle]
        index = periods.period_index_on(contract.invoicing_start_date, cycle, period_start)
        items = [previews.item_terms(item) for item in await line_items.of_contract(contract.id)]
        reverse = previews.reverse_charge(
            contract, tenant.invoicing_settings, contract.organization
        )
        draft = draft_invoice(
            previews.contract_terms(contract, reverse),
            items,
            index,
            await previews.once_items_billed(items),
        )
        contract.next_invoice_date = periods.next_invoice_date(
            contract.invoicing_start_date, cycle, index
        )
        limit = config.current().max_catch_up_periods
        held_through = verification.catch_up_held_through(contract, period_start, today, limit)
        if held_through is not None:
            contract.catch_up_held_through = held_through
        await contract.save(
            update_fields=["next_invoice_date", "catch_up_held_through", "updated_at"]
        )
        if contract.next_invoice_date <= today:  # a missed period: catch up at once
            await enqueue_issue(contract.id, contract.next_invoice_date, today)
        if draft is None:
            return IssueResult(Outcome.NOTHING_TO_BILL, tenant_id=tenant.id)
        configuration = verification.Configuration(
            tenant.invoicing_settings,
            contract.organization,
            await providers.rows(tenant.id, contract.payment_providers),
        )
        invoice, lines = await create_draft(
            contract, tenant, configuration.settings, configuration.organization, draft, CYCLE
        )
        held = None if held_through is None else verification.catch_up_reason(held_through, limit)
        outcome = await settle(invoice, lines, contract, configuration, today, CYCLE, held)
        await _count(tenant.id, today, outcome)
    await announce(invoice, outcome, CYCLE)
    return IssueResult(outcome, invoice.id, tenant.id)


async def settle(
    invoice: Invoice,
    lines: list[InvoiceLine],
    contract: Contract,
    configuration: verification.Configuration,
    today: date,
    actor: str,
    held: str | None = None,
) -> Outcome:
    """What becomes of a DRAFT invoice, from the cycle or the API alike: checked, then issued
    and sent, or held ON_HOLD with the reasons (`held` first, when given). Inside the
    caller's transaction, with the invoice locked or just created."""
    reasons = verification.hold_reasons(invoice, lines, contract, configuration)
    if held is not None:
        reasons = [held, *reasons]
    if reasons:
        invoice.hold_reasons = reasons
        await invoice_status.move(
            invoice,
            InvoiceStatus.ON_HOLD,
            actor=actor,
            detail="; ".join(reasons),
            changed=("hold_reasons",),
        )
        return Outcome.ON_HOLD
    await _finalize(invoice, contract, configuration.settings, today, actor)
    return Outcome.ISSUED


async def announce(invoice: Invoice, outcome: Outcome, actor: str) -> None:
    """Tell the plugins, once the settling transaction has committed."""
    await hooks.status_changed(invoice, InvoiceStatus.DRAFT, actor)
    if outcome == Outcome.ISSUED:
        await hooks.invoice_issued(invoice)


async def release(actor: Actor, invoice_id: str) -> Invoice:
    """Issue an ON_HOLD invoice once its problems are fixed; still failing, it stays held
    with the reasons brought up to date."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    parsed = ids.parse("invoice", invoice_id, field=["id"])
    async with jobs.atomic():
        invoice = await Invoice.filter(tenant=tenant).select_for_update().get_or_none(id=parsed)
        if invoice is None:
            raise NotFound("invoice", invoice_id, field=["id"])
        if invoice.status != InvoiceStatus.ON_HOLD:
            raise InvalidTransition(
                f"Only an ON_HOLD invoice can be released; this one is {invoice.status}."
            )
        contract = await Contract.get(id=invoice.contract_id)
        lines = await InvoiceLine.filter(invoice=invoice)
        configuration = await verification.configuration(contract)
        # Issued today: with the parties as they are today, fixed since it was held.
        freeze(invoice, contract, tenant, configuration.settings, configuration.organization)
        await invoice.save(update_fields=[*FROZEN, "updated_at"])
        reasons = verification.hold_reasons(invoice, lines, contract, configuration)
        if reasons:
            await Invoice.filter(id=invoice.id).update(hold_reasons=reasons)
        else:
            await _finalize(invoice, contract, configuration.settings, clock.today(), actor.who)
    if reasons:
        raise RemitErrors.of([NotReady(reason) for reason in reasons])
    await hooks.status_changed(invoice, InvoiceStatus.ON_HOLD, actor.who)
    await hooks.invoice_issued(invoice)
    return invoice


async def confirm_catch_up(actor: Actor, contract_id: str) -> Contract:
    """The tenant confirms the contract's held catch-up: its ON_HOLD invoices are issued and
    sent, in period order, and the periods of the catch-up not issued yet go out as usual.
    All or nothing: while one of them fails another check, nothing is issued and the
    problems are listed."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    parsed = ids.parse("contract", contract_id, field=["id"])
    async with jobs.atomic():
        contract = await Contract.filter(tenant=tenant).select_for_update().get_or_none(id=parsed)
        if contract is None:
            raise NotFound("contract", contract_id, field=["id"])
        contracts.refuse_one_off(contract, ["id"])
        held, confirmed = contract.catch_up_held_through, contract.catch_up_confirmed_through
        if held is None or (confirmed is not None and confirmed >= held):
            raise InvalidTransition("This contract has no catch-up waiting for confirmation.")
        waiting = (
            await Invoice.filter(
                contract=contract, status=InvoiceStatus.ON_HOLD, period_start__lte=held
            )
            .filter(period_start__gt=confirmed or date.min)
            .select_for_update()
            .order_by("period_start")
        )
        configuration = await verification.configuration(contract)
        problems = []
        for invoice in waiting:
            lines = await InvoiceLine.filter(invoice=invoice)
            for reason in verification.hold_reasons(invoice, lines, contract, configuration):
                problems.append(
                    NotReady(f"The invoice for the period from {invoice.period_start}: {reason}")
                )
        if problems:
            raise RemitErrors.of(problems)
        contract.catch_up_confirmed_through = held
        await contract.save(update_fields=["catch_up_confirmed_through", "updated_at"])
        for invoice in waiting:
            await _finalize(invoice, contract, configuration.settings, clock.today(), actor.who)
    for invoice in waiting:
        await hooks.status_changed(invoice, InvoiceStatus.ON_HOLD, actor.who)
        await hooks.invoice_issued(invoice)
    return contract
