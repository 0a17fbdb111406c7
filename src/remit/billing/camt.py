"""Bank statements as banks send them: ISO 20022 CAMT.053 (the end-of-day statement) and
CAMT.054 (debit and credit notifications), versions .001.02 to .001.08, read into entries.

The versions differ in where a few elements sit (a party's name under `Pty` from .08 on, an
entry's status as a code from .07 on, a transaction's own amount under `Amt` from .03 on), so
elements are found by their local names, whatever the namespace; the namespace itself only
says whether the document is one of these. An entry that books several transactions at once
(a batch) becomes one entry per transaction when each says its amount.

Nothing is stored here: a file that is not one of these documents, or not XML at all, is
refused whole before anything is written."""

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from remit.billing.errors import Invalid

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:"
VERSIONS = tuple(f"001.{n:02d}" for n in range(2, 9))
# The element under Document that holds the statements of each kind, and their own name.
KINDS = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
SUPPORTED = [f"{kind}.{version}" for kind in KINDS for version in VERSIONS]
# Bank transaction sub-family codes (ISO 20022 external code list) of money sent back.
RETURNS = {"RRTN", "ARET", "RPCR", "CAJT"}
# What banks write where they have no reference to give.
PLACEHOLDERS = {"NONREF", "NOTPROVIDED", "NOTAVAILABLE"}
# The bank_transaction.entry_key column's length: a longer key is stored as its digest.
KEY_LENGTH = 400

# No entity is expanded and nothing is fetched: a statement is data, never a request.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


@dataclass(frozen=True)
class Entry:
    """One transaction on the tenant's account, as the bank reported it."""

    key: str
    credit: bool
    amount: Decimal
    currency: str
    booking_date: date | None
    value_date: date | None
    debtor_name: str | None
    debtor_iban: str | None
    reference: str | None
    remittance: str | None
    end_to_end_id: str | None
    bank_reference: str | None
    returned: bool
    account_iban: str | None


@dataclass(frozen=True)
class Statement:
    kind: str  # e.g. "camt.053.001.08"
    entries: list[Entry]


def refused(why: str) -> Invalid:
    return Invalid(f"This file is not a bank statement Remit reads: {why}.", field=["file"])


def parse(data: bytes) -> Statement:
    """The entries of a CAMT.053 or CAMT.054 document; Invalid on `file` for anything else."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise refused(f"the XML does not parse ({error.msg})") from None
    kind = etree.QName(root).namespace or ""
    kind = kind.removeprefix(NAMESPACE)
    if kind not in SUPPORTED:
        known = f"CAMT.053 or CAMT.054, versions .001.02 to .001.08, not {kind or 'no namespace'}"
        raise refused(known)
    for element in root.iter(etree.Element):
        element.tag = etree.QName(element).localname
    holder, statement_tag = KINDS[kind[:8]]
    statements = root.findall(f"{holder}/{statement_tag}")
    if root.tag != "Document" or not statements:
        raise refused(f"a {kind} document without a {statement_tag}")
    entries = []
    for statement in statements:
        iban, account_key = _account(statement)
        booked = [e for e in statement.findall("Ntry") if _booked(e)]
        found = [entry for element in booked for entry in _entries(element, iban, account_key)]
        entries += _told_apart(found, account_key)
    return Statement(kind, entries)


def _account(statement: etree._Element) -> tuple[str | None, str | None]:
    """The account's IBAN, and what names it in the entries' keys: its IBAN, or the other
    identification some banks give instead."""
    iban = _text(statement, "Acct/Id/IBAN")
    return iban, iban or _text(statement, "Acct/Id/Othr/Id")


def _told_apart(entries: list[Entry], account_key: str | None) -> list[Entry]:
    """Entries whose bank references say nothing apart (banks repeat one for several, or
    write a placeholder such as NONREF) keyed by what they say instead; entries alike in
    every field by their order among themselves, the same in every file that holds them."""
    shared = {key for key, count in Counter(e.key for e in entries).items() if count > 1}
    seen: Counter[str] = Counter()
    told = []
    for entry in entries:
        if entry.key in shared:
            digest = _digest_key(asdict(entry) | {"key": None}, account_key)
            seen[digest] += 1
            entry = replace(entry, key=f"{digest}#{seen[digest]}")
        told.append(entry)
    return told


def _text(element: etree._Element, path: str) -> str | None:
    found = element.findtext(path)
    return " ".join(found.split()) or None if found is not None else None


def _day(element: etree._Element, path: str) -> date | None:
    value = _text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm")
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise refused(f"{value!r} is not a date") from None


def _amount(element: etree._Element) -> tuple[Decimal, str]:
    try:
        value = Decimal(element.text.strip())
    except (AttributeError, InvalidOperation):
        raise refused(f"{element.text!r} is not an amount") from None
    currency = element.get("Ccy")
    if not value.is_finite() or value < 0 or not currency:
        raise refused(f"{element.text!r} {currency or ''} is not an amount")
    return value, currency


def _booked(entry: etree._Element) -> bool:
    """Booked, not pending or for information only: money that moved. A pending entry comes
    again, booked, in a later file (a code under `Sts/Cd` from .07 on, `Sts` before)."""
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    return status in (None, "BOOK")


def _party_name(details: etree._Element, role: str) -> str | None:
    return _reference(details, f"RltdPties/{role}/Nm") or _reference(
        details, f"RltdPties/{role}/Pty/Nm"
    )


def _entries(
    entry: etree._Element, account: str | None, account_key: str | None
) -> Iterator[Entry]:
    amount = entry.find("Amt")
    if amount is None:
        raise refused("an entry has no amount")
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise refused(f"an entry's credit/debit indicator is {indicator!r}")
    credit = indicator == "CRDT"
    reversal = _text(entry, "RvslInd") == "true"
    family = _text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd")
    bank_reference = _reference(entry, "AcctSvcrRef")
    transactions = entry.findall("NtryDtls/TxDtls") or [None]
    if len(transactions) > 1 and any(_own_amount(d) is None for d in transactions):
        # A batch whose transactions do not each say their amount cannot be split: one
        # entry of the amount booked.
        transactions = [None]
    batch = len(transactions) > 1
    for n, details in enumerate(transactions):
        value, currency = _amount(_own_amount(details) if batch else amount)
        booked = _day(entry, "BookgDt")
        found = {
            "credit": credit,
            "amount": value,
            "currency": currency,
            "booking_date": booked,
            "value_date": _day(entry, "ValDt"),
            "debtor_name": None,
            "debtor_iban": None,
            "reference": None,
            "remittance": _text(entry, "AddtlNtryInf"),
            "end_to_end_id": None,
            "bank_reference": bank_reference,
            "returned": reversal or family in RETURNS,
            "account_iban": account,
        }
        # The bank's reference of this very transaction, or the entry's with the
        # transaction's place in the batch.
        own = None if details is None else _reference(details, "Refs/AcctSvcrRef")
        keyed = own or (f"{bank_reference}/{n}" if batch and bank_reference else bank_reference)
        if details is not None:
            texts = [" ".join(t.text.split()) for t in details.findall("RmtInf/Ustrd") if t.text]
            found |= {
                "debtor_name": _party_name(details, "Dbtr"),
                "debtor_iban": _text(details, "RltdPties/DbtrAcct/Id/IBAN"),
                "reference": _text(details, "RmtInf/Strd/CdtrRefInf/Ref"),
                # Some banks carry the payer's text only as additional information.
                "remittance": " ".join(texts)
                or _text(details, "AddtlTxInf")
                or found["remittance"],
                "end_to_end_id": _reference(details, "Refs/EndToEndId"),
                "bank_reference": own or bank_reference,
                "returned": found["returned"]
                or details.find("RtrInf") is not None
                or _text(details, "BkTxCd/Domn/Fmly/SubFmlyCd") in RETURNS,
            }
        yield Entry(key=_key(found, account_key, keyed), **found)


def _own_amount(details: etree._Element | None) -> etree._Element | None:
    """A batched transaction's own amount: under `Amt` from .03 on, `AmtDtls/TxAmt` before."""
    for path in ("Amt", "AmtDtls/TxAmt/Amt"):
        found = None if details is None else details.find(path)
        if found is not None:
            return found
    return None


def _reference(element: etree._Element, path: str) -> str | None:
    """A reference, or None for the placeholders banks write when they have none."""
    value = _text(element, path)
    return None if value is None or value.upper() in PLACEHOLDERS else value


def _key(found: dict, account: str | None, reference: str | None) -> str:
    """What tells the entry from every other of the account: the bank's own reference with
    the booking day when it gives one (short references recur), else a digest of what the
    entry says."""
    if reference:
        key = f"{account or ''}:{found['booking_date'] or ''}:{reference}"
        if len(key) <= KEY_LENGTH:
            return key
        return f"sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return _digest_key(found, account)


def _digest_key(shown: dict, account: str | None) -> str:
    text = json.dumps({name: str(value) for name, value in shown.items()}, sort_keys=True)
    return (
        f"{(account or '')[: KEY_LENGTH - 75]}:sha256:{hashlib.sha256(text.encode()).hexdigest()}"
    )
