"""Statements of account: what an organization was invoiced, credited, paid and refunded
over a period, per currency, with the balance brought forward, the balance after each
movement, and the balance at the end. Positive balances are owed by the customer; a negative
one is money of theirs the tenant holds (their credit balance).

The movements are read from the receivables ledger; this module orders and adds them up.
Remit never converts currencies, so each currency is a statement of its own."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from cryptography.fernet import InvalidToken

from remit import catalogs
from remit.billing import (
    clock,
    config,
    delivery,
    documents,
    issuing,
    links,
    organizations,
    rendering,
    sealing,
)
from remit.billing.documents import Branding, DocumentParty
from remit.billing.errors import Invalid
from remit.billing.money import Money
from remit.catalogs import N_
from remit.models.credit_notes import CreditNote
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from remit.models.organizations import Organization
from remit.models.payments import Payment, Refund
from remit.models.settings import InvoicingSettings
from remit.models.tenants import Tenant

# A statement's link works this long after it was made: long enough to be read and paid
# from, short enough that an old email does not show today's balance forever.
LINK_LIFETIME = timedelta(days=90)
_LINK_INFO = b"remit statement links"


class MovementKind(StrEnum):
    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"
    VOID = "VOID"
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"


# On one day: what was owed first, then what lowered it, then money moving back.
_ORDER = {kind: position for position, kind in enumerate(MovementKind)}


@dataclass(frozen=True)
class Movement:
    """One entry of the ledger as the statement shows it: `amount` is what it adds to the
    customer's balance (an invoice and a refund positive, a credit note, a voiding and a
    payment negative)."""

    day: date
    kind: MovementKind
    reference: str
    amount: Money


@dataclass(frozen=True)
class StatementLine:
    movement: Movement
    balance: Money  # after this movement


@dataclass(frozen=True)
class CurrencyStatement:
    currency: str
    opening: Money  # brought forward: every movement before the period
    lines: list[StatementLine]
    closing: Money

    def total(self, kind: MovementKind) -> Money:
        """The period's movements of `kind`, added up (signed as in the balance)."""
        return sum(
            (line.movement.amount for line in self.lines if line.movement.kind == kind),
            Money.zero(self.currency),
        )


def summarize(movements: Iterable[Movement], start: date, end: date) -> list[CurrencyStatement]:
    """Per currency, in currency order: the balance before `start`, the movements from
    `start` to `end` (both included) in date order, and the balance after `end`'s last.
    Movements after `end` are left out. A currency with neither a balance brought forward
    nor a movement in the period has no statement."""
    by_currency: dict[str, list[Movement]] = {}
    for movement in movements:
        if movement.day <= end:
            by_currency.setdefault(movement.amount.currency, []).append(movement)
    statements = []
    for currency, found in sorted(by_currency.items()):
        opening = sum((m.amount for m in found if m.day < start), Money.zero(currency))
        in_period = sorted(
            (m for m in found if m.day >= start),
            key=lambda m: (m.day, _ORDER[m.kind], m.reference),
        )
        if not in_period and opening.minor == 0:
            continue
        balance, lines = opening, []
        for movement in in_period:
            balance += movement.amount
            lines.append(StatementLine(movement, balance))
        statements.append(CurrencyStatement(currency, opening, lines, balance))
    return statements


@dataclass(frozen=True)
class StatementRequest:
    """What a statement link names: whose statement, over which days."""

    organization_id: UUID
    start: date
    end: date


def link(request: StatementRequest) -> str:
    """The statement's PDF at an unguessable link that names what it shows, encrypted and
    authenticated with the server's secret key (the first one; any listed one opens it)."""
    plain = json.dumps(
        [str(request.organization_id), request.start.isoformat(), request.end.isoformat()]
    )
    token = sealing.fernet(config.current().secret_keys, _LINK_INFO).encrypt(plain.encode())
    return links.statement_url(token.decode())


def opened(token: str) -> StatementRequest | None:
    """What a link's token names; None when it was not made here, was changed, or is older
    than LINK_LIFETIME."""
    try:
        plain = sealing.fernet(config.current().secret_keys, _LINK_INFO).decrypt(
            token.encode(), ttl=int(LINK_LIFETIME.total_seconds())
        )
        organization_id, start, end = json.loads(plain)
        return StatementRequest(
            UUID(organization_id), date.fromisoformat(start), date.fromisoformat(end)
        )
    except (InvalidToken, ValueError, TypeError):
        return None


LABELS = {
    MovementKind.INVOICE: N_("Invoice"),
    MovementKind.CREDIT_NOTE: N_("Credit note"),
    MovementKind.VOID: N_("Invoice voided"),
    MovementKind.PAYMENT: N_("Payment"),
    MovementKind.REFUND: N_("Refund"),
}
TOTAL_LABELS = {
    MovementKind.INVOICE: N_("Invoiced"),
    MovementKind.CREDIT_NOTE: N_("Credited"),
    MovementKind.VOID: N_("Voided"),
    MovementKind.PAYMENT: N_("Paid"),
    MovementKind.REFUND: N_("Refunded"),
}


@dataclass(frozen=True)
class StatementDocument:
    issuer: DocumentParty
    customer: DocumentParty
    branding: Branding
    start: date
    end: date
    made_on: date
    currencies: list[CurrencyStatement]
    locale: str = catalogs.DEFAULT


def render_html(document: StatementDocument, *, for_pdf: bool = False) -> str:
    """The statement in the invoices' template family and stylesheet."""
    title = documents.translated(
        "Statement of account for %(customer)s from %(issuer)s",
        document.locale,
        customer=document.customer.name,
        issuer=document.issuer.name,
    )
    return (
        documents.environment(document.locale)
        .get_template("statement.html")
        .render(
            **documents.branded(document.branding, for_pdf=for_pdf),
            statement=document,
            title=title,
            kinds=list(MovementKind),
            labels=LABELS,
            total_labels=TOTAL_LABELS,
            absolute=lambda money: Money(abs(money.minor), money.currency),
        )
    )


def render_pdf(document: StatementDocument) -> bytes:
    return documents.pdf(render_html(document, for_pdf=True), document.branding, document.locale)


async def movements(organization: Organization) -> list[Movement]:
    """Everything the organization's account has seen, in no order: its issued invoices
    (and their voiding, for what was not credited), credit notes, payments and refunds."""
    found: list[Movement] = []
    invoices = await Invoice.filter(organization=organization, number__isnull=False)
    credit_notes = await CreditNote.filter(organization=organization)
    credited: dict = {}
    for note in credit_notes:
        credited[note.invoice_id] = credited.get(note.invoice_id, 0) + note.total
        found.append(
            Movement(
                note.issue_date,
                MovementKind.CREDIT_NOTE,
                note.number,
                Money(-note.total, note.currency),
            )
        )
    for invoice in invoices:
        found.append(
            Movement(
                invoice.issue_date,
                MovementKind.INVOICE,
                invoice.number,
                Money(invoice.total, invoice.currency),
            )
        )
        cancelled = invoice.total - credited.get(invoice.id, 0)
        if invoice.status == InvoiceStatus.VOID and invoice.voided_at and cancelled:
            found.append(
                Movement(
                    invoice.voided_at.date(),
                    MovementKind.VOID,
                    invoice.number,
                    Money(-cancelled, invoice.currency),
                )
            )
    for payment in await Payment.filter(organization=organization, amount__gt=0):
        found.append(
            Movement(
                payment.received_on,
                MovementKind.PAYMENT,
                _payment_reference(payment),
                Money(-payment.amount, payment.currency),
            )
        )
    for refund in await Refund.filter(payment__organization=organization).prefetch_related(
        "payment"
    ):
        found.append(
            Movement(
                refund.refunded_on,
                MovementKind.REFUND,
                refund.reference or _payment_reference(refund.payment),
                Money(refund.amount, refund.currency),
            )
        )
    return found


def _payment_reference(payment: Payment) -> str:
    """What the customer knows the payment by: its reference, else how it was paid."""
    return payment.reference or payment.provider_reference or payment.method


async def statement(
    tenant: Tenant, organization_id: str, start: date, end: date
) -> StatementDocument:
    """The organization's statement from `start` to `end`, as of now. Invalid when `end` is
    before `start`; NotFound for an organization of another tenant."""
    if end < start:
        raise Invalid("The statement ends before it starts.", field=["to"])
    organization = await organizations.get(tenant, organization_id, field=["id"])
    settings = await InvoicingSettings.get(tenant=tenant)
    customer = {
        "name": organization.name,
        "legal_name": organization.legal_name,
        "email": next(iter(organization.billing_emails or ()), None),
        "address": organization.address,
        "tax_id": organization.tax_id,
    }
    return StatementDocument(
        issuer=delivery.party(issuing.issuer_party(tenant, settings)),
        customer=delivery.party(customer),
        branding=await delivery.branding(settings),
        start=start,
        end=end,
        made_on=clock.today(),
        currencies=summarize(await movements(organization), start, end),
        locale=organizations.locale_of(organization, settings),
    )


async def pdf_of_link(token: str) -> tuple[StatementDocument, bytes] | None:
    """The statement a link names, rendered to PDF (in a thread: rendering holds the
    interpreter); None when the link is not valid or its organization is gone."""
    request = opened(token)
    if request is None:
        return None
    organization = await Organization.get_or_none(id=request.organization_id).prefetch_related(
        "tenant"
    )
    if organization is None:
        return None
    document = await statement(
        organization.tenant, str(organization.id), request.start, request.end
    )
    return document, await rendering.pdf(
        render_html(document, for_pdf=True), document.branding, document.locale
    )
