"""Pausing the reminders of an organization or of one invoice, with a reason, until a day or
until resumed (a dispute, a payment plan agreed by phone). Only reminders and their late
fees stop: the invoice can still be paid, and charged."""

from datetime import date

from remit.billing import clock, invoice_status, invoices, jobs, organizations, validation
from remit.billing.roles import Actor, Permission, require
from remit.billing.validation import Checks, Invalid
from remit.models.invoices import Invoice
from remit.models.organizations import Organization

MAX_REASON = 500


def is_paused(row: Invoice | Organization, today: date) -> bool:
    """Paused, and its until day (the day reminders resume), if any, not come yet."""
    if row.dunning_paused_at is None:
        return False
    return row.dunning_paused_until is None or today < row.dunning_paused_until


def _pause_values(reason: str, until: date | None) -> dict:
    validation.storable(reason, ["reason"])
    checks = Checks()
    reason = checks.run(validation.text, reason, ["reason"], max_length=MAX_REASON, required=True)
    if until is not None and until <= clock.today():
        checks.errors.append(Invalid("Give a day after today.", field=["until"]))
    checks.raise_if_any()
    return {
        "dunning_paused_at": clock.now(),
        "dunning_pause_reason": reason,
        "dunning_paused_until": until,
    }


RESUMED = {"dunning_paused_at": None, "dunning_pause_reason": None, "dunning_paused_until": None}


async def _set_organization(actor: Actor, organization_id: str, values: dict) -> Organization:
    require(actor, Permission.BILLING)
    async with jobs.atomic():
        organization = await organizations.get(actor.tenant, organization_id, field=["id"])
        organization.update_from_dict(values)
        await organization.save(update_fields=[*values, "updated_at"])
    return organization


async def pause_organization(
    actor: Actor, organization_id: str, reason: str, until: date | None
) -> Organization:
    require(actor, Permission.BILLING)
    values = _pause_values(reason, until)
    return await _set_organization(actor, organization_id, values)


async def resume_organization(actor: Actor, organization_id: str) -> Organization:
    return await _set_organization(actor, organization_id, RESUMED)


async def _set_invoice(actor: Actor, invoice_id: str, values: dict, event: str) -> Invoice:
    require(actor, Permission.BILLING)
    async with jobs.atomic():
        found = await invoices.get(actor.tenant, invoice_id, field=["id"])
        invoice = await Invoice.select_for_update().get(id=found.id)
        invoice.update_from_dict(values)
        await invoice.save(update_fields=[*values, "updated_at"])
        detail = values["dunning_pause_reason"]
        if values["dunning_paused_until"] is not None:
            detail = f"{detail} (until {values['dunning_paused_until']})"
        await invoice_status.record(invoice, event, actor.who, detail)
    return invoice


async def pause_invoice(actor: Actor, invoice_id: str, reason: str, until: date | None) -> Invoice:
    require(actor, Permission.BILLING)
    values = _pause_values(reason, until)
    return await _set_invoice(actor, invoice_id, values, "dunning_paused")


async def resume_invoice(actor: Actor, invoice_id: str) -> Invoice:
    return await _set_invoice(actor, invoice_id, RESUMED, "dunning_resumed")
