"""Service line items. Once an item has been invoiced it never changes under an issued
invoice: an edit starts a new version from the day of the change (the old one ends the
day before) and a removal ends it."""

from collections.abc import Collection
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from remit.billing import clock, contracts, ids, jobs, validation
from remit.billing.errors import Conflict, NotFound
from remit.billing.money import Money
from remit.billing.roles import Actor, Permission, require
from remit.billing.validation import Checks
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import BilledType, ContractStatus, VatCategory
from remit.models.invoices import InvoiceLine
from remit.models.tenants import Tenant

MAX_QUANTITY_PLACES = 6
MAX_TAX_PLACES = 4


def decimal(value: Any, field: list[str]) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise validation.Invalid(f"{value!r} is not a number.", field=field) from None
    if not number.is_finite():
        raise validation.Invalid(f"{value!r} is not a number.", field=field)
    return number


def _places(number: Decimal) -> int:
    return max(0, -number.as_tuple().exponent)


def quantity(value: Any, field: list[str]) -> Decimal:
    """A quantity as a person gives it: more than zero, at most 6 places, below 10^12."""
    number = decimal(value, field)
    if number <= 0:
        raise validation.Invalid("The quantity must be more than zero.", field=field)
    if _places(number) > MAX_QUANTITY_PLACES or number >= Decimal(10) ** 12:
        raise validation.Invalid(
            f"At most {MAX_QUANTITY_PLACES} decimal places and below 10^12.", field=field
        )
    return number


def _tax_rate(value: Any, field: list[str]) -> Decimal:
    number = decimal(value, field)
    if not Decimal(0) <= number <= Decimal(100):
        raise validation.Invalid("A tax rate is a percentage from 0 to 100.", field=field)
    if _places(number) > MAX_TAX_PLACES:
        raise validation.Invalid(f"At most {MAX_TAX_PLACES} decimal places.", field=field)
    return number


def cleaned(data: dict[str, Any], currency: str) -> dict[str, Any]:
    validation.storable(data, [])
    checks = Checks()
    values: dict[str, Any] = {
        "name": checks.run(
            validation.text,
            data.get("name") or "",
            ["name"],
            max_length=validation.length_of(ServiceLineItem, "name"),
            required=True,
        ),
        "billed": BilledType(data["billed"]),
        "vat_category": VatCategory(data["vat_category"]) if data.get("vat_category") else None,
        "start_date": data.get("start_date"),
        "end_date": data.get("end_date"),
        "currency": currency,
    }
    for key in ("start_date", "end_date"):
        if values[key] is not None and checks.run(validation.day, values[key], [key]) is None:
            values[key] = None
    price = checks.run(
        lambda v, f: Money.parse(decimal(v, f), currency, field=f), data.get("price"), ["price"]
    )
    if price is not None:
        if price.minor < 0:
            checks.errors.append(
                validation.Invalid("The price cannot be negative.", field=["price"])
            )
        elif price.minor >= 10**15:
            checks.errors.append(validation.Invalid("The price is too large.", field=["price"]))
        values["unit_price"] = price.minor
    values["quantity"] = checks.run(quantity, data.get("quantity", "1"), ["quantity"])
    values["tax_rate"] = checks.run(_tax_rate, data.get("tax_rate", "0"), ["tax_rate"])
    if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
        checks.errors.append(
            validation.Invalid("The end date is before the start date.", field=["end_date"])
        )
    checks.raise_if_any()
    return values


async def _editable_contract(tenant: Tenant, contract_id: UUID, field: list[str]) -> Contract:
    contract = await Contract.filter(tenant=tenant).select_for_update().get_or_none(id=contract_id)
    if contract is None:
        raise NotFound("contract", contract_id, field=field)
    contracts.refuse_one_off(contract, field)
    if contract.status == ContractStatus.ENDED:
        raise Conflict("The items of an ended contract cannot change.")
    return contract


async def add(actor: Actor, contract_id: str, data: dict[str, Any]) -> Contract:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    parsed = ids.parse("contract", contract_id, field=["contract_id"])
    async with jobs.atomic():
        contract = await _editable_contract(tenant, parsed, ["contract_id"])
        await ServiceLineItem.create(contract=contract, **cleaned(data, contract.currency))
    return contract


async def _item(tenant: Tenant, item_id: str) -> ServiceLineItem:
    parsed = ids.parse("service line item", item_id, field=["id"])
    item = await ServiceLineItem.filter(id=parsed, contract__tenant=tenant).get_or_none()
    if item is None:
        raise NotFound("service line item", item_id, field=["id"])
    return item


async def _invoiced(item: ServiceLineItem) -> bool:
    return await InvoiceLine.exists(service_line_item=item)


async def update(actor: Actor, item_id: str, data: dict[str, Any]) -> Contract:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    found = await _item(tenant, item_id)
    async with jobs.atomic():
        contract = await _editable_contract(tenant, found.contract_id, ["id"])
        item = await ServiceLineItem.select_for_update().get(id=found.id)
        values = cleaned(data, contract.currency)
        if not await _invoiced(item):
            item.update_from_dict(values)
            await item.save()
            return contract
        if item.billed == BilledType.ONCE:
            # A new version of a one-time item would be billed a second time.
            raise Conflict(
                "This one-time item is already invoiced; add a new item instead.", field=["id"]
            )
        today = clock.today()
        item.end_date = today - timedelta(days=1)
        await item.save(update_fields=["end_date", "updated_at"])
        starts = max(values["start_date"] or today, today)
        await ServiceLineItem.create(
            contract=contract, replaces=item, **{**values, "start_date": starts}
        )
    return contract


async def remove(actor: Actor, item_id: str) -> Contract:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    found = await _item(tenant, item_id)
    async with jobs.atomic():
        contract = await _editable_contract(tenant, found.contract_id, ["id"])
        item = await ServiceLineItem.select_for_update().get(id=found.id)
        if await _invoiced(item):
            item.end_date = min(item.end_date or clock.today(), clock.today() - timedelta(days=1))
            await item.save(update_fields=["end_date", "updated_at"])
        else:
            await item.delete()
    return contract


async def of_contract(contract_id: UUID) -> list[ServiceLineItem]:
    """The contract's items, every version, oldest first: the order they are invoiced in."""
    return await of_contracts([contract_id])


async def of_contracts(contract_ids: Collection[UUID]) -> list[ServiceLineItem]:
    """The items of these contracts, each contract's in the order they are invoiced in."""
    return await ServiceLineItem.filter(contract_id__in=contract_ids).order_by("created_at", "id")
