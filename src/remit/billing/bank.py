"""Bank statements in, and the transfers on them matched to invoices.

Each entry of a statement is stored once, by its key (billing/camt.py): a file imported
again, or one that overlaps another, adds nothing. A credit is matched, in this order, by
the invoice reference the payer quoted (structured, or an RF reference in the free text),
by an invoice number in the free text, then by the payer's IBAN, once known as an
organization's from a transfer of theirs matched before, together with an amount equal to
what one of its open invoices owes. A match is a payment in the ledger, recorded by the
same service as a payment recorded by hand (billing/payments.py): a partial payment leaves
the invoice open, an over-payment is the organization's credit balance, and a paid invoice
sends its receipt. A credit that names no invoice, or more than one, waits for the tenant,
with suggestions; debits and returned transfers are kept and shown, never matched."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from uuid import UUID

from pydantic import ValidationError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from remit.billing import camt, clock, ids, invoice_status, jobs, ledger, payments, providers
from remit.billing.errors import Invalid, InvalidTransition, NotFound
from remit.billing.money import Money
from remit.billing.numbering import DIGITS
from remit.billing.roles import Actor, Permission, require
from remit.billing.validation import EARLIEST_DAY
from remit.models.bank import TEXT, BankTransaction
from remit.models.enums import BankTransactionStatus as Status
from remit.models.invoices import Invoice
from remit.models.tenants import Tenant
from remit.plugins import references as refs

BANK_TRANSFER = "bank_transfer"
# Keys looked up per query: well under any database's limit of bound parameters.
KEYS_AT_ONCE = 500
# An invoice number in free text: a prefix of letters, digits and dashes, a dash, digits.
_NUMBER_IN_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*-\d+")
SUGGESTIONS = 5
# A name this similar to the payer's (0 to 1) makes an invoice of another amount a suggestion.
SIMILAR_NAME = 0.6


@dataclass(frozen=True)
class ImportResult:
    kind: str
    imported: int
    duplicates: int
    matched: int
    unmatched: int


async def import_statement(actor: Actor, data: bytes | None) -> ImportResult:
    """Store the entries of a CAMT.053 or CAMT.054 file not stored yet and match the credits
    among them. A file that is not such a statement is refused whole (Invalid on `file`);
    None: the request carried no file."""
    require(actor, Permission.BILLING)
    if data is None:
        raise Invalid(
            "No file was sent: send the statement as a file in a multipart request.",
            field=["file"],
        )
    statement = camt.parse(data)
    amounts = [
        Money.parse(entry.amount, entry.currency, field=["file"]).minor
        for entry in statement.entries
    ]
    keys = [entry.key for entry in statement.entries]
    known: set[str] = set()
    for start in range(0, len(keys), KEYS_AT_ONCE):
        known.update(
            await BankTransaction.filter(
                tenant=actor.tenant, entry_key__in=keys[start : start + KEYS_AT_ONCE]
            ).values_list("entry_key", flat=True)
        )
    counted = {status: 0 for status in Status}
    duplicates = 0
    for entry, amount in zip(statement.entries, amounts, strict=True):
        if entry.key in known:
            duplicates += 1
            continue
        known.add(entry.key)
        try:
            counted[await _book(actor, statement.kind, entry, amount)] += 1
        except IntegrityError:
            duplicates += 1  # stored meanwhile by an import of the same entry running at once
    return ImportResult(
        kind=statement.kind,
        imported=sum(counted.values()),
        duplicates=duplicates,
        matched=counted[Status.MATCHED],
        unmatched=counted[Status.UNMATCHED],
    )


def _cut(value: str | None) -> str | None:
    return value[:TEXT] if value else None


async def _book(actor: Actor, kind: str, entry: camt.Entry, amount: int) -> Status:
    payable = entry.credit and not entry.returned
    touched: list[payments.Touched] = []
    async with jobs.atomic():
        transaction = await BankTransaction.create(
            tenant=actor.tenant,
            entry_key=entry.key,
            statement_kind=kind,
            credit=entry.credit,
            returned=entry.returned,
            status=Status.UNMATCHED if payable else Status.NOT_A_PAYMENT,
            currency=entry.currency,
            amount=amount,
            booking_date=entry.booking_date,
            value_date=entry.value_date,
            account_iban=_cut(entry.account_iban),
            debtor_name=_cut(entry.debtor_name),
            debtor_iban=_cut(entry.debtor_iban and entry.debtor_iban.replace(" ", "").upper()),
            reference=_cut(entry.reference),
            remittance=entry.remittance,
            end_to_end_id=_cut(entry.end_to_end_id),
            bank_reference=_cut(entry.bank_reference),
        )
        invoice = await _matching_invoice(actor.tenant, transaction) if payable else None
        if invoice is not None:
            invoice = await ledger.locked_invoice(actor.tenant, invoice.id, ["id"])
            owed = await ledger.owed_now(invoice) if invoice_status.is_open(invoice) else 0
            share = min(owed, transaction.amount)
            paid = Money(share, transaction.currency).amount
            applied = [payments.AllocationInput(str(invoice.id), paid)] if share > 0 else []
            touched = await _pay(actor, transaction, invoice.organization_id, applied)
    await payments.tell(touched, actor.who)
    return Status(transaction.status)


async def _matching_invoice(tenant: Tenant, transaction: BankTransaction) -> Invoice | None:
    """The one invoice the transfer pays, by the first rule that names any; None when none
    does, or when that rule names more than one."""
    for finder in (_by_reference, _by_number, _by_known_iban):
        found = await finder(tenant, transaction)
        if found:
            return found[0] if len(found) == 1 else None
    return None


def _issued(tenant: Tenant, transaction: BankTransaction) -> QuerySet[Invoice]:
    return Invoice.filter(tenant=tenant, currency=transaction.currency, number__isnull=False)


async def _by_reference(tenant: Tenant, transaction: BankTransaction) -> list[Invoice]:
    sequences = [
        refs.sequence_referred(transaction.reference),
        *refs.sequences_in(transaction.remittance),
    ]
    wanted = [
        Q(number__endswith=f"-{n:0{DIGITS}d}") for n in dict.fromkeys(sequences) if n is not None
    ]
    if not wanted:
        return []
    return await _issued(tenant, transaction).filter(Q(*wanted, join_type="OR"))


async def _by_number(tenant: Tenant, transaction: BankTransaction) -> list[Invoice]:
    candidates: set[str] = set()
    for found in _NUMBER_IN_TEXT.findall(transaction.remittance or ""):
        parts = found.split("-")
        # "PAID-ACME-000042" holds "ACME-000042": every tail that keeps the digits.
        for start in range(len(parts) - 1):
            candidates.update({"-".join(parts[start:]), "-".join(parts[start:]).upper()})
    if not candidates:
        return []
    return await _issued(tenant, transaction).filter(number__in=sorted(candidates))


async def _by_known_iban(tenant: Tenant, transaction: BankTransaction) -> list[Invoice]:
    if not transaction.debtor_iban:
        return []
    organization_ids = await (
        BankTransaction.filter(
            tenant=tenant, debtor_iban=transaction.debtor_iban, organization_id__isnull=False
        )
        .distinct()
        .values_list("organization_id", flat=True)
    )
    if not organization_ids:
        return []
    open_invoices = await _issued(tenant, transaction).filter(
        organization_id__in=organization_ids, status__in=invoice_status.OPEN
    )
    return [
        invoice for invoice in open_invoices if ledger.amount_due(invoice) == transaction.amount
    ]


async def _pay(
    actor: Actor,
    transaction: BankTransaction,
    organization_id: UUID,
    allocations: Sequence[payments.AllocationInput],
) -> list[payments.Touched]:
    """Record the transfer as the organization's payment, applied as `allocations` say; the
    rest is its credit balance."""
    received = transaction.value_date or transaction.booking_date or clock.today()
    given = payments.PaymentInput(
        organization_id=str(organization_id),
        amount=Money(transaction.amount, transaction.currency).amount,
        currency=transaction.currency,
        received_on=min(max(received, EARLIEST_DAY), clock.today()),
        method=BANK_TRANSFER,
        reference=transaction.reference or transaction.end_to_end_id or transaction.bank_reference,
        allocations=list(allocations),
    )
    payment, touched = await payments.recorded(actor, given)
    transaction.status = Status.MATCHED
    transaction.organization_id = organization_id
    transaction.payment = payment
    transaction.settled_by = actor.who
    await transaction.save(
        update_fields=["status", "organization_id", "payment_id", "settled_by", "updated_at"]
    )
    return touched


async def _locked(actor: Actor, transaction_id: str) -> BankTransaction:
    parsed = ids.parse("bank transaction", transaction_id, field=["id"])
    found = (
        await BankTransaction.filter(tenant=actor.tenant).select_for_update().get_or_none(id=parsed)
    )
    if found is None:
        raise NotFound("bank transaction", transaction_id, field=["id"])
    return found


async def match(
    actor: Actor, transaction_id: str, allocations: Sequence[payments.AllocationInput]
) -> BankTransaction:
    """Match a waiting (or ignored) credit by hand: a payment of the organization whose
    invoices are listed, applied as listed; the rest is its credit balance."""
    require(actor, Permission.BILLING)
    if not allocations:
        raise Invalid("List at least one invoice the transfer pays.", field=["allocations"])
    first = ["allocations", "0", "invoice_id"]
    async with jobs.atomic():
        transaction = await _locked(actor, transaction_id)
        if transaction.status not in (Status.UNMATCHED, Status.IGNORED):
            raise InvalidTransition(
                f"A {transaction.status} bank transaction cannot be matched to invoices."
            )
        invoice = await Invoice.filter(tenant=actor.tenant).get_or_none(
            id=ids.parse("invoice", allocations[0].invoice_id, field=first)
        )
        if invoice is None:
            raise NotFound("invoice", allocations[0].invoice_id, field=first)
        touched = await _pay(actor, transaction, invoice.organization_id, allocations)
    await payments.tell(touched, actor.who)
    return transaction


async def ignore(actor: Actor, transaction_id: str) -> BankTransaction:
    """Set a waiting credit aside: it pays no invoice (a refund from a supplier, say)."""
    require(actor, Permission.BILLING)
    async with jobs.atomic():
        transaction = await _locked(actor, transaction_id)
        if transaction.status != Status.UNMATCHED:
            raise InvalidTransition(
                f"Only an UNMATCHED bank transaction can be ignored; this one is "
                f"{transaction.status}."
            )
        transaction.status = Status.IGNORED
        transaction.settled_by = actor.who
        await transaction.save(update_fields=["status", "settled_by", "updated_at"])
    return transaction


def listed(tenant: Tenant, statuses: Iterable[Status] | None = None) -> QuerySet[BankTransaction]:
    """The tenant's bank transactions, of these statuses when given."""
    found = BankTransaction.filter(tenant=tenant)
    return found if statuses is None else found.filter(status__in=list(statuses))


@dataclass(frozen=True)
class Suggestion:
    invoice: Invoice
    same_amount: bool
    name_similarity: int  # percent


def _similarity(payer: str | None, *names: str | None) -> float:
    def plain(text: str) -> str:
        return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())

    if not payer:
        return 0.0
    return max(
        (SequenceMatcher(None, plain(payer), plain(name)).ratio() for name in names if name),
        default=0.0,
    )


async def suggestions(transaction_ids: Iterable[UUID]) -> list[list[Suggestion]]:
    """For each waiting transaction, in the order asked, the open invoices it may pay: those
    owing exactly its amount first, then by how like the payer's name their organization's
    is. Two queries for any number of transactions."""
    wanted = list(transaction_ids)
    rows = {row.id: row for row in await BankTransaction.filter(id__in=wanted)}
    waiting = [row for row in rows.values() if row.status == Status.UNMATCHED]
    candidates = (
        await Invoice.filter(
            tenant_id__in={row.tenant_id for row in waiting},
            currency__in={row.currency for row in waiting},
            status__in=invoice_status.OPEN,
        )
        .select_related("organization")
        .order_by("due_date", "number")
        if waiting
        else []
    )
    found = []
    for id in wanted:
        row = rows.get(id)
        ranked = []
        if row is not None and row.status == Status.UNMATCHED:
            for invoice in candidates:
                if (invoice.tenant_id, invoice.currency) != (row.tenant_id, row.currency):
                    continue
                same = ledger.amount_due(invoice) == row.amount
                like = _similarity(
                    row.debtor_name, invoice.organization.name, invoice.organization.legal_name
                )
                if same or like >= SIMILAR_NAME:
                    ranked.append(Suggestion(invoice, same, round(like * 100)))
            ranked.sort(key=lambda s: (not s.same_amount, -s.name_similarity))
        found.append(ranked[:SUGGESTIONS])
    return found


async def payment_references(invoice_ids: Iterable[UUID]) -> list[str | None]:
    """Each invoice's payment reference, in the order asked: None for one not offering bank
    transfer or without a number yet; the Swiss QR reference for a CHF invoice when the
    tenant's CHF account has a QR-IBAN."""
    wanted = list(invoice_ids)
    invoices = {invoice.id: invoice for invoice in await Invoice.filter(id__in=wanted)}
    qr_tenants = set()
    for tenant_id in {
        invoice.tenant_id for invoice in invoices.values() if invoice.currency == "CHF"
    }:
        try:
            configured = await providers.resolve(tenant_id, BANK_TRANSFER, disabled_too=True)
        except ValidationError:  # settings that no longer validate name no QR-IBAN
            configured = None
        accounts = configured.settings.accounts if configured else []
        if any(a.currency == "CHF" and refs.is_qr_iban(a.iban) for a in accounts):
            qr_tenants.add(tenant_id)
    found = []
    for id in wanted:
        invoice = invoices.get(id)
        offers = invoice is not None and any(
            option.get("provider") == BANK_TRANSFER for option in invoice.payment_options
        )
        found.append(
            refs.payment_reference(
                invoice.number,
                qr_iban=invoice.currency == "CHF" and invoice.tenant_id in qr_tenants,
            )
            if offers
            else None
        )
    return found
