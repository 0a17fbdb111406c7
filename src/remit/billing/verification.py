"""The checks an invoice passes before it is numbered and sent. A failure holds it
(ON_HOLD) with the reasons, in words the tenant can act on; it is never sent."""

from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from remit.billing import invoicing_settings, periods, providers, validation
from remit.billing.einvoice import building, rules
from remit.billing.errors import Invalid
from remit.models.contracts import Contract
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.organizations import Organization
from remit.models.settings import InvoicingSettings, ProviderSettings

# Far below what a BIGINT holds, and above any honest invoice.
MAX_MINOR_UNITS = 10**15


def recipients(contract: Contract, organization_emails: list[str]) -> list[str]:
    return [contract.billing_email] if contract.billing_email else list(organization_emails)


@dataclass(frozen=True)
class Configuration:
    """What issuing a contract's invoice reads besides the contract and its items: the
    tenant's invoicing settings, the organization billed, and the tenant's settings of the
    contract's payment providers. Read once by the caller and passed along."""

    settings: InvoicingSettings
    organization: Organization
    providers: dict[str, ProviderSettings]


async def configuration(contract: Contract) -> Configuration:
    return Configuration(
        await InvoicingSettings.get(tenant_id=contract.tenant_id),
        await contract.organization,
        await providers.rows(contract.tenant_id, contract.payment_providers),
    )


def hold_reasons(
    invoice: Invoice, lines: list[InvoiceLine], contract: Contract, configuration: Configuration
) -> list[str]:
    reasons: list[str] = []
    to = recipients(contract, configuration.organization.billing_emails)
    if not to:
        reasons.append("No billing email on the contract or its organization.")
    for address in [*to, *contract.billing_emails_cc]:
        try:
            validation.email(address, ["billing_email"])
        except Invalid:
            reasons.append(f"The billing email {address!r} is not a valid address.")
    if (
        sum(line.subtotal for line in lines) != invoice.subtotal
        or sum(line.tax for line in lines) != invoice.tax
        or sum(line.total for line in lines) != invoice.total
        or invoice.subtotal + invoice.tax != invoice.total
    ):
        reasons.append("The lines do not add up to the invoice totals.")
    if any(
        abs(amount) >= MAX_MINOR_UNITS
        for amount in (invoice.total, *(line.total for line in lines))
    ):
        reasons.append(f"An amount is beyond what an {invoice.currency} invoice can carry.")
    if invoice.total < 0:
        reasons.append("The total is negative.")
    for missing in invoicing_settings.missing_for_invoicing(
        configuration.settings, enabled_providers=1
    ):
        if missing.field and missing.field[0] == "company":
            reasons.append(missing.message)
    takers = 0
    for key in contract.payment_providers:
        try:
            offered = providers.from_row(key, configuration.providers.get(key))
        except ValidationError:
            reasons.append(f"The settings of the payment provider {key} are incomplete.")
            continue
        if offered is None:
            reasons.append(f"The payment provider {key} is no longer enabled.")
        elif offered.provider.accepts(invoice.currency, offered.settings):
            takers += 1
    if not contract.payment_providers:
        reasons.append("The contract offers no payment provider.")
    elif not takers and not reasons:
        reasons.append(providers.no_taker_message(contract.payment_providers, invoice.currency))
    # The e-invoice it will be, checked against EN 16931 now: once issued it is never edited.
    prospective = building.prospective(invoice, lines, contract, configuration.organization)
    reasons.extend(rules.check(prospective, before_issue=True))
    return reasons


# -- catch-up -------------------------------------------------------------------------------
# A contract due for more periods at once than the configured limit (a start date far in the
# past, a cycle that has not run for months) is not invoiced blindly: every invoice of that
# catch-up is held, none emailed, until the tenant confirms it (or releases an invoice).
# Holding them all, not only those beyond the limit, means a mistaken start date sends the
# customer nothing; a meant one is a single confirmation away.


def due_period_indexes(contract: Contract, first_start: date, today: date) -> range:
    """The indexes of the periods from the one starting `first_start` to the last one already
    due on `today` (none past the contract's end)."""
    cycle = periods.CYCLE_MONTHS[contract.billing_cycle]
    start = contract.invoicing_start_date
    last_day = min(today, contract.end_date) if contract.end_date else today
    first = periods.period_index_on(start, cycle, first_start)
    last = periods.period_index_on(start, cycle, last_day)
    if first is None or last is None:
        return range(0)
    return range(first, last + 1)


def catch_up_held_through(
    contract: Contract, period_start: date, today: date, limit: int
) -> date | None:
    """The start of the last period of the held catch-up that the period starting
    `period_start` belongs to; None when its invoice goes out as usual (no catch-up beyond
    `limit` periods, or one the tenant has confirmed)."""
    confirmed = contract.catch_up_confirmed_through
    if confirmed is not None and period_start <= confirmed:
        return None
    held = contract.catch_up_held_through
    if held is not None and period_start <= held:
        return held
    due = due_period_indexes(contract, period_start, today)
    if len(due) <= limit:
        return None
    cycle = periods.CYCLE_MONTHS[contract.billing_cycle]
    return periods.period(contract.invoicing_start_date, cycle, due[-1]).start


def catch_up_reason(held_through: date, limit: int) -> str:
    return (
        f"More than {limit} periods of this contract became due at once (a catch-up up to the "
        f"period starting {held_through.isoformat()}): confirm the catch-up, or release this "
        "invoice, to send it."
    )
