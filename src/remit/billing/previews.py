"""The next invoice of a contract, as the daily cycle would issue it: the same builder, run
on the contract's rows without writing anything."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from remit.billing import clock, config, line_items, periods, verification
from remit.billing.drafts import ContractTerms, InvoiceDraft, ItemTerms, draft_invoice
from remit.billing.einvoice import vat
from remit.billing.money import Money
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import BilledType
from remit.models.invoices import InvoiceLine
from remit.models.organizations import Organization
from remit.models.settings import InvoicingSettings


def contract_terms(contract: Contract, reverse_charge: bool) -> ContractTerms:
    return ContractTerms(
        currency=contract.currency,
        billing_cycle=contract.billing_cycle,
        invoicing_start_date=contract.invoicing_start_date,
        end_date=contract.end_date,
        due_days=contract.due_days,
        reverse_charge=reverse_charge,
    )


def reverse_charge(
    contract: Contract, settings: InvoicingSettings, organization: Organization
) -> bool:
    """Whether the contract's invoices fall under the reverse charge: the tenant's company
    and the address billed are in two EU countries."""
    return vat.reverse_charge(
        settings.company_address, contract.billing_address or organization.address
    )


async def terms_of(contract: Contract) -> ContractTerms:
    """The contract's terms, its tenant's settings and organization read for the VAT."""
    settings = await InvoicingSettings.get(tenant_id=contract.tenant_id)
    organization = await Organization.get(id=contract.organization_id)
    return contract_terms(contract, reverse_charge(contract, settings, organization))


def item_terms(item: ServiceLineItem) -> ItemTerms:
    return ItemTerms(
        id=item.id,
        name=item.name,
        unit_price=item.unit_price,
        currency=item.currency,
        quantity=item.quantity,
        billed=item.billed,
        tax_rate=item.tax_rate,
        start_date=item.start_date,
        end_date=item.end_date,
        vat_category=item.vat_category,
    )


async def once_items_billed(items: Iterable[ItemTerms]) -> set[UUID]:
    """Which of a contract's one-time items (of `items`, its line items) are on an invoice
    already: one index lookup per item, and no query without one. (Asked through the
    contract's invoices, PostgreSQL scanned every invoice line each time; over 3,000
    contracts, with its statistics behind the growing tables, a query took 0.3-0.6 s.)"""
    once = [item.id for item in items if item.billed == BilledType.ONCE]
    if not once:
        return set()
    return set(
        await InvoiceLine.filter(service_line_item_id__in=once, billed=BilledType.ONCE).values_list(
            "service_line_item_id", flat=True
        )
    )


def _next_date(contract: Contract) -> date:
    return contract.next_invoice_date or contract.invoicing_start_date


async def upcoming(contract: Contract) -> InvoiceDraft | None:
    """None when no invoice would be issued: no start date yet, ended, or nothing to bill."""
    if contract.invoicing_start_date is None:
        return None
    cycle = periods.CYCLE_MONTHS[contract.billing_cycle]
    index = periods.period_index_on(contract.invoicing_start_date, cycle, _next_date(contract))
    if index is None:
        return None
    items = [item_terms(item) for item in await line_items.of_contract(contract.id)]
    return draft_invoice(await terms_of(contract), items, index, await once_items_billed(items))


@dataclass(frozen=True)
class CatchUp:
    """The periods already due that the next cycle would issue at once, the upcoming one
    first, and whether they are held until the tenant confirms."""

    periods: int
    invoices: int  # the periods with something to bill
    total: Money
    first_period_start: date
    last_period_end: date
    held: bool  # more periods than the limit: issued ON_HOLD, sent once the tenant confirms


async def catch_up(contract: Contract) -> CatchUp | None:
    """None when at most one period is due (no catch-up)."""
    if contract.invoicing_start_date is None:
        return None
    today = clock.today()
    due = verification.due_period_indexes(contract, _next_date(contract), today)
    if len(due) <= 1:
        return None
    terms = await terms_of(contract)
    items = [item_terms(item) for item in await line_items.of_contract(contract.id)]
    billed = await once_items_billed(items)
    drafts = []
    for index in due:
        draft = draft_invoice(terms, items, index, billed)
        if draft is not None:
            drafts.append(draft)
            once = {line.item_id for line in draft.lines if line.billed == BilledType.ONCE}
            billed = billed | once
    cycle = periods.CYCLE_MONTHS[contract.billing_cycle]
    limit = config.current().max_catch_up_periods
    first = periods.period(contract.invoicing_start_date, cycle, due[0])
    return CatchUp(
        periods=len(due),
        invoices=len(drafts),
        total=sum((draft.total for draft in drafts), Money.zero(contract.currency)),
        first_period_start=first.start,
        last_period_end=periods.period(contract.invoicing_start_date, cycle, due[-1]).end,
        held=verification.catch_up_held_through(contract, first.start, today, limit) is not None,
    )
