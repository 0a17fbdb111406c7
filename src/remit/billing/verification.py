"""The checks an invoice passes before it is numbered and sent. A failure holds it
(ON_HOLD) with the reasons, in words the tenant can act on; it is never sent."""

from pydantic import ValidationError

from remit.billing import invoicing_settings, providers, validation
from remit.billing.errors import Invalid
from remit.models.contracts import Contract
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.settings import InvoicingSettings

# Far below what a BIGINT holds, and above any honest invoice.
MAX_MINOR_UNITS = 10**15


def recipients(contract: Contract, organization_emails: list[str]) -> list[str]:
    return [contract.billing_email] if contract.billing_email else list(organization_emails)


async def hold_reasons(invoice: Invoice, lines: list[InvoiceLine], contract: Contract) -> list[str]:
    reasons: list[str] = []
    organization = await contract.organization
    to = recipients(contract, organization.billing_emails)
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
    settings = await InvoicingSettings.get(tenant_id=invoice.tenant_id)
    for missing in invoicing_settings.missing_for_invoicing(settings, enabled_providers=1):
        if missing.field and missing.field[0] == "company":
            reasons.append(missing.message)
    takers = 0
    for key in contract.payment_providers:
        try:
            offered = await providers.resolve(invoice.tenant_id, key)
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
    return reasons
