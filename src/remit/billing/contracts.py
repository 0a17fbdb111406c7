"""Contracts: what an organization is billed for, how often and how it pays; drafted,
checked, set live, ended."""

from datetime import date
from typing import Any
from uuid import UUID

from tortoise.queryset import QuerySet

from remit.billing import (
    clock,
    ids,
    jobs,
    organizations,
    providers,
    validation,
    webhook_events,
)
from remit.billing.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    NotReady,
    RemitErrors,
    Required,
)
from remit.billing.money import Money, check_currency
from remit.billing.roles import Actor, Permission, require
from remit.billing.validation import Checks
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import BillingCycle, ContractStatus
from remit.models.settings import InvoicingSettings, ProviderSettings
from remit.models.tenants import Tenant

END_JOB = "contract.end_if_due"

# Terms that decide the periods and amounts already invoiced: fixed once a contract is live.
FIXED_WHEN_LIVE = ("organization_id", "currency", "billing_cycle", "invoicing_start_date")


def for_tenant(tenant: Tenant) -> QuerySet[Contract]:
    return Contract.filter(tenant=tenant)


async def get(
    tenant: Tenant, contract_id: str | UUID, *, field: list[str] | None = None
) -> Contract:
    parsed = ids.parse("contract", contract_id, field=field)
    contract = await for_tenant(tenant).get_or_none(id=parsed)
    if contract is None:
        raise NotFound("contract", contract_id, field=field)
    return contract


def refuse_one_off(contract: Contract, field: list[str]) -> None:
    """A one-off contract carries one invoice's terms and lines: it changes with its invoice
    and never on its own, so the two always agree."""
    if contract.one_off:
        raise Conflict(
            "This contract belongs to a one-off invoice: change it with invoiceUpdate.",
            field=field,
        )


def listed(
    tenant: Tenant,
    statuses: list[ContractStatus] | None,
    organization_id: str | None,
    one_off: bool | None = None,
) -> QuerySet[Contract]:
    found = for_tenant(tenant)
    if statuses:
        found = found.filter(status__in=list(statuses))
    if one_off is not None:
        found = found.filter(one_off=one_off)
    if organization_id is not None:
        parsed = ids.parse("organization", organization_id, field=["filter", "organization_id"])
        found = found.filter(organization_id=parsed)
    return found


def _payment_providers(keys: list[str], field: list[str]) -> list[str]:
    unknown = [key for key in keys if key not in providers.installed()]
    if unknown:
        raise validation.Invalid(
            f"No payment provider {', '.join(map(repr, unknown))} is installed.", field=field
        )
    return list(dict.fromkeys(keys))


async def cleaned(tenant: Tenant, data: dict[str, Any]) -> dict[str, Any]:
    """Checked values for the fields present in `data` (snake_case input field names)."""
    validation.storable(data, [])
    checks = Checks()
    values: dict[str, Any] = {}
    if data.get("organization_id") is not None:
        organization = await checks.run_async(
            organizations.get(tenant, data["organization_id"], field=["organization_id"])
        )
        values["organization_id"] = organization.id if organization else None
    simple = {
        "name": lambda v, f: validation.text(
            v, f, max_length=validation.length_of(Contract, "name"), required=True
        ),
        "currency": lambda v, f: check_currency(v.upper(), field=f),
        "billing_cycle": lambda v, f: BillingCycle(v),
        "invoicing_start_date": validation.day,
        "due_days": validation.within(0, 365),
        "billing_email": validation.email,
        "invoice_note": lambda v, f: validation.text(
            v, f, max_length=validation.length_of(Contract, "invoice_note")
        ),
        "buyer_reference": lambda v, f: validation.text(
            v, f, max_length=validation.length_of(Contract, "buyer_reference")
        ),
        "purchase_order_reference": lambda v, f: validation.text(
            v, f, max_length=validation.length_of(Contract, "purchase_order_reference")
        ),
        "payment_providers": _payment_providers,
        "auto_charge": lambda v, f: bool(v),
    }
    for key, check in simple.items():
        if key not in data:
            continue
        if data[key] is None:
            if key in (
                "name",
                "currency",
                "billing_cycle",
                "due_days",
                "payment_providers",
                "auto_charge",
            ):
                checks.errors.append(validation.Invalid("This cannot be empty.", field=[key]))
            else:
                values[key] = None
            continue
        values[key] = checks.run(check, data[key], [key])
    if "billing_emails_cc" in data:
        values["billing_emails_cc"] = checks.run(
            validation.email_list, data["billing_emails_cc"] or [], ["billing_emails_cc"]
        )
    if "billing_address" in data:
        values["billing_address"] = validation.address(
            data["billing_address"], ["billing_address"], checks
        )
    checks.raise_if_any()
    return values


async def _auto_charge_possible(values: dict[str, Any]) -> None:
    if values.get("auto_charge"):
        keys = values.get("payment_providers") or []
        if not any(providers.installed()[key].supports_auto_charge for key in keys):
            raise validation.Invalid(
                "Automatic charging needs a payment provider that can charge automatically, such as stripe.",
                field=["auto_charge"],
            )


async def invoice_defaults(tenant: Tenant) -> dict[str, Any]:
    """The terms a new contract or one-off invoice takes from the tenant unless given."""
    settings = await InvoicingSettings.get(tenant=tenant)
    enabled = (
        await ProviderSettings.filter(tenant=tenant, enabled=True)
        .order_by("provider")
        .values_list("provider", flat=True)
    )
    return {
        "currency": settings.default_currency,
        "due_days": settings.default_due_days,
        "payment_providers": [key for key in enabled if key in providers.installed()],
    }


async def create(actor: Actor, data: dict[str, Any]) -> Contract:
    """A DRAFT contract. Currency, due days and payment providers default from the tenant's
    settings; nothing is invoiced until it goes live."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    if data.get("organization_id") is None:
        raise Required("Choose the organization this contract bills.", field=["organization_id"])
    if not data.get("name"):
        raise Required("Give the contract a name.", field=["name"])
    values = await cleaned(tenant, data)
    defaults = {**await invoice_defaults(tenant), "billing_cycle": BillingCycle.MONTHLY}
    values = {**defaults, **{k: v for k, v in values.items() if v is not None or k not in defaults}}
    await _auto_charge_possible(values)
    return await Contract.create(tenant=tenant, status=ContractStatus.DRAFT, **values)


async def update(actor: Actor, contract_id: str, data: dict[str, Any]) -> Contract:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    values = await cleaned(tenant, data)
    async with jobs.atomic():
        contract = await _locked(tenant, contract_id)
        if contract.status == ContractStatus.ENDED:
            raise Conflict("An ended contract cannot be changed.")
        changed = {key: value for key, value in values.items() if getattr(contract, key) != value}
        if contract.status == ContractStatus.LIVE:
            fixed = [key for key in FIXED_WHEN_LIVE if key in changed]
            if fixed:
                raise RemitErrors.of(
                    [
                        Conflict(
                            "This cannot change once the contract is live: end it and draft a new one.",
                            field=[key],
                        )
                        for key in fixed
                    ]
                )
        if "currency" in changed:
            await _items_fit_currency(contract, changed["currency"])
        await _auto_charge_possible(
            {
                "auto_charge": changed.get("auto_charge", contract.auto_charge),
                "payment_providers": changed.get("payment_providers", contract.payment_providers),
            }
        )
        if contract.status == ContractStatus.LIVE and "payment_providers" in changed:
            unpayable = await _unpayable(tenant, changed["payment_providers"], contract)
            if unpayable:
                raise validation.Invalid(unpayable, field=["payment_providers"])
        contract.update_from_dict(changed)
        await contract.save()
        if "currency" in changed:
            await ServiceLineItem.filter(contract=contract).update(currency=changed["currency"])
    return contract


async def _items_fit_currency(contract: Contract, currency: str) -> None:
    for item in await ServiceLineItem.filter(contract=contract):
        try:
            Money.parse(Money(item.unit_price, item.currency).amount, currency)
        except validation.Invalid:
            raise validation.Invalid(
                f"The price of {item.name!r} has more decimal places than {currency} allows.",
                field=["currency"],
            ) from None


async def _locked(tenant: Tenant, contract_id: str) -> Contract:
    """The tenant's contract, locked for the rest of the transaction; never a one-off's."""
    parsed = ids.parse("contract", contract_id, field=["id"])
    contract = await for_tenant(tenant).select_for_update().get_or_none(id=parsed)
    if contract is None:
        raise NotFound("contract", contract_id, field=["id"])
    refuse_one_off(contract, ["id"])
    return contract


async def readiness(tenant: Tenant, contract: Contract) -> list[NotReady]:
    """Everything a contract lacks to go live, one error each."""
    missing = []
    organization = await contract.organization
    if not (contract.billing_email or organization.billing_emails):
        missing.append(
            NotReady(
                "Give a billing email, on the contract or its organization.",
                field=["billing_email"],
            )
        )
    if not await ServiceLineItem.filter(contract=contract).exists():
        missing.append(
            NotReady("Add at least one service line item.", field=["service_line_items"])
        )
    if not contract.currency:
        missing.append(NotReady("Choose a currency.", field=["currency"]))
    if contract.invoicing_start_date is None:
        missing.append(NotReady("Choose the invoicing start date.", field=["invoicing_start_date"]))
    enabled = set(
        await ProviderSettings.filter(tenant=tenant, enabled=True).values_list(
            "provider", flat=True
        )
    )
    if not contract.payment_providers:
        missing.append(
            NotReady("Offer at least one payment provider.", field=["payment_providers"])
        )
    for key in contract.payment_providers:
        if key not in enabled:
            missing.append(
                NotReady(
                    f"The payment provider {key} is not enabled for this tenant.",
                    field=["payment_providers"],
                )
            )
    if not (await Tenant.get(id=tenant.id)).invoicing_enabled:
        missing.append(NotReady("Enable invoicing for this tenant first."))
    unpayable = None if missing else await _unpayable(tenant, contract.payment_providers, contract)
    if unpayable:
        missing.append(NotReady(unpayable, field=["payment_providers"]))
    return missing


async def _unpayable(tenant: Tenant, keys: list[str], contract: Contract) -> str | None:
    """Why the contract's invoices could not be paid with the providers `keys`, or None: an
    invoice no offered provider can take would go out with no way to pay it."""
    if keys and not await providers.takers(tenant.id, keys, contract.currency):
        return providers.no_taker_message(keys, contract.currency)
    return None


async def go_live(actor: Actor, contract_id: str) -> Contract:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    async with jobs.atomic():
        contract = await _locked(tenant, contract_id)
        if contract.status != ContractStatus.DRAFT:
            raise InvalidTransition(
                f"A {contract.status} contract cannot go live; only a DRAFT one can."
            )
        missing = await readiness(tenant, contract)
        if missing:
            raise RemitErrors.of(missing)
        contract.status = ContractStatus.LIVE
        contract.next_invoice_date = contract.invoicing_start_date
        await contract.save(update_fields=["status", "next_invoice_date", "updated_at"])
        await webhook_events.contract_event(contract, "contract.live")
    return contract


async def end(actor: Actor, contract_id: str, end_date: date) -> Contract:
    """Nothing is billed after `end_date`. A date already past ends the contract now; a later
    one keeps it live until then."""
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    validation.day(end_date, ["end_date"])
    async with jobs.atomic():
        contract = await _locked(tenant, contract_id)
        if contract.status != ContractStatus.LIVE:
            raise InvalidTransition(
                f"A {contract.status} contract cannot be ended; only a LIVE one can."
            )
        # Ending the day before the start bills nothing. Counted in days rather than by
        # subtracting one from the start, which a start of 0001-01-01 (stored before dates were
        # checked) cannot take.
        start = contract.invoicing_start_date
        if start and (start - end_date).days > 1:
            raise validation.Invalid(
                "The end date is before the invoicing start date.", field=["end_date"]
            )
        contract.end_date = end_date
        if end_date < clock.today():
            contract.status = ContractStatus.ENDED
        await contract.save(update_fields=["end_date", "status", "updated_at"])
        if contract.status == ContractStatus.ENDED:
            await webhook_events.contract_event(contract, "contract.ended")
    return contract


async def delete(actor: Actor, contract_id: str) -> UUID:
    require(actor, Permission.BILLING)
    tenant = actor.tenant
    async with jobs.atomic():
        contract = await _locked(tenant, contract_id)
        if contract.status != ContractStatus.DRAFT:
            raise InvalidTransition(
                f"Only a DRAFT contract can be deleted; this one is {contract.status}."
            )
        await contract.delete()
    return contract.id


def ending_due(today: date) -> QuerySet[Contract]:
    """Live contracts whose end date has passed: the daily job ends each one."""
    return Contract.filter(status=ContractStatus.LIVE, end_date__lt=today)


async def plan_endings(today: date) -> int:
    """Ask for one ending job per contract past its end date; the day is in the job id, so
    planning the same day twice asks for nothing new."""
    ending = await ending_due(today).values_list("id", flat=True)
    for contract_id in ending:
        await jobs.enqueue(
            END_JOB, str(contract_id), today.isoformat(), job_id=f"end:{contract_id}:{today}"
        )
    return len(ending)


async def end_if_due(contract_id: UUID, today: date) -> bool:
    """Safe to repeat: the row is re-read under lock and only a live contract past its end
    date changes."""
    async with jobs.atomic():
        contract = await Contract.select_for_update().get_or_none(id=contract_id)
        if contract is None or contract.status != ContractStatus.LIVE:
            return False
        if contract.end_date is None or contract.end_date >= today:
            return False
        contract.status = ContractStatus.ENDED
        await contract.save(update_fields=["status", "updated_at"])
        await webhook_events.contract_event(contract, "contract.ended")
    return True
