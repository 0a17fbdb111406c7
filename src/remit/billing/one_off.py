"""One-off invoices: billed once, to an organization, without a contract.

A one-off is drafted, edited and deleted while DRAFT, then issued through the very path the
daily cycle's invoices take (`issuing.settle`): checked, numbered from the same series, sent
and charged, or held ON_HOLD with the reasons. Its terms (billing email and copies, due
days, note, payment providers) are its own (`OneOffTerms`), where a contract invoice takes
them from its contract. Its lines are priced as a contract's one-time items are.

Its period is one day: the day it is drafted, moved to the day it is issued, so a one-off
reads "for <issue date>" on every document. With no contract, the unique (contract,
period_start) pair never applies to it.
"""

from datetime import timedelta
from typing import Any
from uuid import UUID

from remit.billing import clock, contracts, drafts, ids, issuing, jobs, line_items, terms
from remit.billing.drafts import InvoiceDraft, ItemTerms
from remit.billing.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    NotReady,
    RemitError,
    Required,
)
from remit.billing.periods import Period
from remit.billing.roles import Actor, Permission, require
from remit.billing.validation import Checks, Invalid
from remit.models.enums import BilledType, BillingCycle, InvoiceStatus
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.one_off import OneOffTerms
from remit.models.organizations import Organization
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant

# Enough for any bill a person writes by hand; a longer list is a contract's work.
MAX_LINES = 100

TERMS = ("due_days", "billing_email", "billing_emails_cc", "invoice_note", "payment_providers")


def _under(prefix: list[str], error: RemitError) -> list[RemitError]:
    """The failures of one line, their fields placed under the line's own path."""
    found = error.errors()
    for one in found:
        one.field = [*prefix, *(one.field or [])]
    return found


def _lines(data: list[dict[str, Any]], currency: str, checks: Checks) -> list[drafts.LineDraft]:
    """Each line checked as a service line item is, and priced as a one-time item is."""
    if not data:
        checks.errors.append(Required("Add at least one line.", field=["lines"]))
        return []
    if len(data) > MAX_LINES:
        checks.errors.append(Invalid(f"At most {MAX_LINES} lines.", field=["lines"]))
        return []
    priced = []
    for position, line in enumerate(data):
        try:
            values = line_items.cleaned({**line, "billed": BilledType.ONCE}, currency)
        except RemitError as error:
            checks.errors.extend(_under(["lines", str(position)], error))
            continue
        item = ItemTerms(
            id=None,
            name=values["name"],
            unit_price=values["unit_price"],
            currency=currency,
            quantity=values["quantity"],
            billed=BilledType.ONCE,
            tax_rate=values["tax_rate"],
            start_date=None,
            end_date=None,
        )
        # A ONCE line is billed whole, whatever the cycle.
        priced.append(drafts.draft_line(item, BillingCycle.MONTHLY))
    return priced


async def _cleaned(tenant: Tenant, data: dict[str, Any]) -> tuple[dict[str, Any], InvoiceDraft]:
    """The one-off's organization, currency and terms (checked as a contract's are, the
    tenant's defaults where not given), and its draft for the period of one day, today."""
    if data.get("organization_id") is None:
        raise Required("Choose the organization to invoice.", field=["organization_id"])
    checks = Checks()
    given = {key: value for key, value in data.items() if key != "lines"}
    values = await checks.run_async(contracts.cleaned(tenant, given)) or {}
    values = {
        **await contracts.invoice_defaults(tenant),
        **{key: value for key, value in values.items() if value is not None},
    }
    lines = []
    # Prices are read in the currency's minor unit: there is none to read them in without one.
    if not any(error.field == ["currency"] for error in checks.errors):
        lines = _lines(data.get("lines") or [], values["currency"], checks)
    checks.raise_if_any()
    today = clock.today()
    subtotal, tax, total = drafts.totals(lines, values["currency"])
    draft = InvoiceDraft(
        period=Period(0, today, today),
        issue_date=today,
        due_date=today + timedelta(days=values["due_days"]),
        lines=lines,
        subtotal=subtotal,
        tax=tax,
        total=total,
    )
    return values, draft


def _own_terms(values: dict[str, Any]) -> dict[str, Any]:
    return {key: values.get(key) for key in TERMS} | {
        "billing_emails_cc": values.get("billing_emails_cc") or []
    }


async def create(actor: Actor, data: dict[str, Any]) -> Invoice:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    values, draft = await _cleaned(tenant, data)
    async with jobs.atomic():
        organization = await Organization.get(id=values["organization_id"])
        own = OneOffTerms(**_own_terms(values))
        issued_under = terms.of_one_off(organization.id, own)
        invoice, _ = await issuing.create_draft(
            tenant, None, organization, issued_under, draft, actor.who
        )
        own.invoice = invoice
        await own.save()
    return invoice


async def terms_of(invoice_id: UUID) -> OneOffTerms:
    return await OneOffTerms.get(invoice_id=invoice_id)


async def _draft(tenant: Tenant, invoice_id: str) -> Invoice:
    """The tenant's one-off invoice, locked, while still DRAFT; else the reason it is not."""
    parsed = ids.parse("invoice", invoice_id, field=["id"])
    invoice = await Invoice.filter(tenant=tenant).select_for_update().get_or_none(id=parsed)
    if invoice is None:
        raise NotFound("invoice", invoice_id, field=["id"])
    if invoice.contract_id is not None:
        raise Conflict(
            "This invoice belongs to a contract: change the contract, not its invoice.",
            field=["id"],
        )
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvalidTransition(
            f"Only a DRAFT invoice can be changed; this one is {invoice.status}.", field=["id"]
        )
    return invoice


async def update(actor: Actor, invoice_id: str, data: dict[str, Any]) -> Invoice:
    """The draft's terms and lines become those given, as if drafted anew today."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    values, draft = await _cleaned(tenant, data)
    async with jobs.atomic():
        invoice = await _draft(tenant, invoice_id)
        organization = await Organization.get(id=values["organization_id"])
        own = await OneOffTerms.get(invoice=invoice)
        own.update_from_dict(_own_terms(values))
        await own.save()
        invoice.organization = organization
        invoice.currency = draft.total.currency
        invoice.period_start = invoice.period_end = draft.period.start
        invoice.subtotal, invoice.tax, invoice.total = (
            draft.subtotal.minor,
            draft.tax.minor,
            draft.total.minor,
        )
        invoice.customer = issuing.customer_party(
            terms.of_one_off(organization.id, own), organization
        )
        await invoice.save()
        await InvoiceLine.filter(invoice=invoice).delete()
        await issuing.write_lines(invoice, draft)
    return invoice


async def delete(actor: Actor, invoice_id: str) -> UUID:
    require(actor, Permission.BILLING)
    async with jobs.atomic():
        invoice = await _draft(actor.tenant, invoice_id)
        await invoice.delete()
    return invoice.id


async def issue(actor: Actor, invoice_id: str) -> Invoice:
    """Issue the draft today, as the cycle issues a contract's invoice: it comes back DUE
    (or PAID when it owes nothing) and is sent, or ON_HOLD with the reasons."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    async with jobs.atomic():
        invoice = await _draft(tenant, invoice_id)
        if not (await Tenant.get(id=tenant.id)).invoicing_enabled:
            raise NotReady("Enable invoicing for this tenant first.")
        today = clock.today()
        organization = await Organization.get(id=invoice.organization_id)
        issued_under = await terms.of_invoice(invoice)
        settings = await InvoicingSettings.get(tenant=tenant)
        # The parties are frozen as they stand on the day of issue, as the cycle's are.
        invoice.period_start = invoice.period_end = today
        invoice.customer = issuing.customer_party(issued_under, organization)
        invoice.provider = issuing.issuer_party(tenant, settings)
        await invoice.save(
            update_fields=["period_start", "period_end", "customer", "provider", "updated_at"]
        )
        lines = await InvoiceLine.filter(invoice=invoice).order_by("position")
        outcome = await issuing.settle(invoice, lines, issued_under, today, actor.who)
    await issuing.announce(invoice, outcome, actor.who)
    return invoice
