"""One-off invoices: billed once, to an organization, outside any recurring contract.

Every invoice has a contract, and a one-off's is made for it: a one-off contract
(`Contract.one_off`), ENDED from the start so the cycle never invoices it, for the invoice's
one day. It holds the one-off's terms (billing email and copies, due days, note, payment
providers; never an automatic charge) and its lines as ONCE service line items, and its DRAFT
invoice is drafted from it by the cycle's own `draft_invoice`. Issuing goes the very path the
cycle's invoices take (`issuing.settle`): checked, numbered from the same series, sent, or
held ON_HOLD with the reasons. The contract changes only with its invoice, here; the
contract mutations refuse it (`contracts.refuse_one_off`).

Its period is one day: the day it is drafted, moved to the day it is issued (the contract's
start and end with it), so a one-off reads "for <issue date>" on every document.
"""

import dataclasses
from datetime import date
from typing import Any
from uuid import UUID

from remit.billing import clock, contracts, ids, issuing, jobs, line_items, previews, verification
from remit.billing.drafts import InvoiceDraft, draft_invoice
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
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import BilledType, BillingCycle, ContractStatus, InvoiceStatus
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.organizations import Organization
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant

# Enough for any bill a person writes by hand; a longer list is a contract's work.
MAX_LINES = 100

# The input's name for a contract field, where the two differ.
INPUT_NAMES = {"invoice_note": "note"}
CONTRACT_NAMES = {name: field for field, name in INPUT_NAMES.items()}


def _under(prefix: list[str], error: RemitError) -> list[RemitError]:
    """The failures of one line, their fields placed under the line's own path."""
    found = error.errors()
    for one in found:
        one.field = [*prefix, *(one.field or [])]
    return found


def _as_input(errors: list[RemitError]) -> None:
    """Contract field paths renamed as the one-off input names them."""
    for error in errors:
        if error.field:
            error.field = [INPUT_NAMES.get(error.field[0], error.field[0]), *error.field[1:]]


def _items(data: list[dict[str, Any]], currency: str, checks: Checks) -> list[dict[str, Any]]:
    """Each line checked as a contract's one-time service line item is."""
    if not data:
        checks.errors.append(Required("Add at least one line.", field=["lines"]))
        return []
    if len(data) > MAX_LINES:
        checks.errors.append(Invalid(f"At most {MAX_LINES} lines.", field=["lines"]))
        return []
    items = []
    for position, line in enumerate(data):
        try:
            items.append(line_items.cleaned({**line, "billed": BilledType.ONCE}, currency))
        except RemitError as error:
            checks.errors.extend(_under(["lines", str(position)], error))
    return items


async def _cleaned(
    tenant: Tenant, data: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The one-off contract's fields (checked as a contract's are, the tenant's defaults
    where not given) and its items."""
    if data.get("organization_id") is None:
        raise Required("Choose the organization to invoice.", field=["organization_id"])
    checks = Checks()
    given = {CONTRACT_NAMES.get(key, key): value for key, value in data.items() if key != "lines"}
    values = await checks.run_async(contracts.cleaned(tenant, given)) or {}
    _as_input(checks.errors)
    values = {
        **await contracts.invoice_defaults(tenant),
        **{key: value for key, value in values.items() if value is not None},
    }
    items = []
    # Prices are read in the currency's minor unit: there is none to read them in without one.
    if not any(error.field == ["currency"] for error in checks.errors):
        items = _items(data.get("lines") or [], values["currency"], checks)
    checks.raise_if_any()
    return values, items


def _contract_fields(values: dict[str, Any], items: list[dict[str, Any]], day: date) -> dict:
    return {
        "organization_id": values["organization_id"],
        # Named after what it bills, as a contract is; oneOff tells it from a recurring one.
        "name": items[0]["name"],
        "currency": values["currency"],
        "due_days": values["due_days"],
        "billing_email": values.get("billing_email"),
        "billing_emails_cc": values.get("billing_emails_cc") or [],
        "invoice_note": values.get("invoice_note"),
        "buyer_reference": values.get("buyer_reference"),
        "purchase_order_reference": values.get("purchase_order_reference"),
        "payment_providers": values["payment_providers"],
        "invoicing_start_date": day,
        "end_date": day,
    }


async def _draft(contract: Contract) -> InvoiceDraft:
    """The invoice the cycle's drafting makes of the contract's items, for its one day (the
    cycle's own period would be a month)."""
    items = await line_items.of_contract(contract.id)
    draft = draft_invoice(
        await previews.terms_of(contract), [previews.item_terms(item) for item in items], 0, ()
    )
    day = contract.invoicing_start_date
    # Never None: every item is a ONCE item of this contract, billed on its first invoice.
    return dataclasses.replace(draft, period=Period(0, day, day))


async def create(actor: Actor, data: dict[str, Any]) -> Invoice:
    """A DRAFT invoice and the one-off contract it is drafted from, in one transaction."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    values, items = await _cleaned(tenant, data)
    async with jobs.atomic():
        contract = await Contract.create(
            tenant=tenant,
            one_off=True,
            status=ContractStatus.ENDED,
            billing_cycle=BillingCycle.MONTHLY,
            auto_charge=False,
            **_contract_fields(values, items, clock.today()),
        )
        await ServiceLineItem.bulk_create(
            [ServiceLineItem(contract=contract, **item) for item in items]
        )
        invoice, _ = await issuing.create_draft(
            contract,
            tenant,
            await InvoicingSettings.get(tenant=tenant),
            await Organization.get(id=contract.organization_id),
            await _draft(contract),
            actor.who,
        )
    return invoice


async def _locked_draft(tenant: Tenant, invoice_id: str) -> tuple[Invoice, Contract]:
    """The tenant's one-off invoice and its contract, locked, while the invoice is DRAFT;
    else the reason it is not."""
    parsed = ids.parse("invoice", invoice_id, field=["id"])
    invoice = await Invoice.filter(tenant=tenant).select_for_update().get_or_none(id=parsed)
    if invoice is None:
        raise NotFound("invoice", invoice_id, field=["id"])
    contract = await Contract.select_for_update().get(id=invoice.contract_id)
    if not contract.one_off:
        raise Conflict(
            "This invoice is a recurring contract's: change the contract, not its invoice.",
            field=["id"],
        )
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvalidTransition(
            f"Only a DRAFT invoice can be changed; this one is {invoice.status}.", field=["id"]
        )
    return invoice, contract


async def update(actor: Actor, invoice_id: str, data: dict[str, Any]) -> Invoice:
    """The one-off contract's terms and items become those given and the draft is drafted
    anew from them, today."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    values, items = await _cleaned(tenant, data)
    async with jobs.atomic():
        invoice, contract = await _locked_draft(tenant, invoice_id)
        contract.update_from_dict(_contract_fields(values, items, clock.today()))
        await contract.save()
        await InvoiceLine.filter(invoice=invoice).delete()
        await ServiceLineItem.filter(contract=contract).delete()
        await ServiceLineItem.bulk_create(
            [ServiceLineItem(contract=contract, **item) for item in items]
        )
        draft = await _draft(contract)
        organization = await Organization.get(id=contract.organization_id)
        invoice.organization = organization
        invoice.currency = contract.currency
        invoice.period_start, invoice.period_end = draft.period.start, draft.period.end
        invoice.subtotal, invoice.tax, invoice.total = (
            draft.subtotal.minor,
            draft.tax.minor,
            draft.total.minor,
        )
        invoice.customer = issuing.customer_party(contract, organization)
        await invoice.save()
        await issuing.write_lines(invoice, draft)
    return invoice


async def delete(actor: Actor, invoice_id: str) -> UUID:
    """The draft, and its one-off contract with it."""
    require(actor, Permission.BILLING)
    async with jobs.atomic():
        invoice, contract = await _locked_draft(actor.tenant, invoice_id)
        await invoice.delete()
        await contract.delete()
    return invoice.id


async def issue(actor: Actor, invoice_id: str) -> Invoice:
    """Issue the draft today, as the cycle issues a contract's invoice: it comes back DUE
    (or PAID when it owes nothing) and is sent, or ON_HOLD with the reasons."""
    require(actor, Permission.BILLING)
    async with jobs.atomic():
        invoice, outcome = await issued(actor, invoice_id)
    await issuing.announce(invoice, outcome, actor.who)
    return invoice


async def issued(actor: Actor, invoice_id: str) -> tuple[Invoice, issuing.Outcome]:
    """`issue`'s change, inside the caller's transaction; the caller announces the outcome
    once it commits."""
    tenant = actor.tenant
    invoice, contract = await _locked_draft(tenant, invoice_id)
    if not (await Tenant.get(id=tenant.id)).invoicing_enabled:
        raise NotReady("Enable invoicing for this tenant first.")
    today = clock.today()
    contract.invoicing_start_date = contract.end_date = today
    await contract.save(update_fields=["invoicing_start_date", "end_date", "updated_at"])
    configuration = await verification.configuration(contract)
    # The parties are frozen as they stand on the day of issue, as the cycle's are.
    invoice.period_start = invoice.period_end = today
    issuing.freeze(invoice, contract, tenant, configuration.settings, configuration.organization)
    await invoice.save(update_fields=["period_start", "period_end", *issuing.FROZEN, "updated_at"])
    lines = await InvoiceLine.filter(invoice=invoice).order_by("position")
    outcome = await issuing.settle(invoice, lines, contract, configuration, today, actor.who)
    return invoice, outcome
