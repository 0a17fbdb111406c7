"""The next invoice of a contract, as the daily cycle would issue it: the same builder, run
on the contract's rows without writing anything."""

from remit.billing import line_items, periods
from remit.billing.drafts import ContractTerms, InvoiceDraft, ItemTerms, draft_invoice
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import BilledType
from remit.models.invoices import InvoiceLine


def contract_terms(contract: Contract) -> ContractTerms:
    return ContractTerms(
        currency=contract.currency,
        billing_cycle=contract.billing_cycle,
        invoicing_start_date=contract.invoicing_start_date,
        end_date=contract.end_date,
        due_days=contract.due_days,
    )


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
    )


async def once_items_billed(contract: Contract) -> set:
    return set(
        await InvoiceLine.filter(
            invoice__contract=contract,
            billed=BilledType.ONCE,
            service_line_item_id__not_isnull=True,
        ).values_list("service_line_item_id", flat=True)
    )


async def upcoming(contract: Contract) -> InvoiceDraft | None:
    """None when no invoice would be issued: no start date yet, ended, or nothing to bill."""
    if contract.invoicing_start_date is None:
        return None
    cycle = periods.CYCLE_MONTHS[contract.billing_cycle]
    next_date = contract.next_invoice_date or contract.invoicing_start_date
    index = periods.period_index_on(contract.invoicing_start_date, cycle, next_date)
    if index is None:
        return None
    items = await line_items.of_contract(contract.id)
    return draft_invoice(
        contract_terms(contract),
        [item_terms(item) for item in items],
        index,
        await once_items_billed(contract),
    )
