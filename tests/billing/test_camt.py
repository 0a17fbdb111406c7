"""Reading CAMT.053 and CAMT.054 files of every version from .001.02 to .001.08, and refusing
anything else whole."""

from datetime import date
from decimal import Decimal

import pytest

from remit.billing import camt
from remit.billing.errors import Invalid
from tests.camt_files import ACCOUNT, Credit, statement

CREDIT = Credit(
    "100.00",
    debtor_name="Globex  Inc.",
    debtor_iban="DE02120300000000202051",
    reference="RF34000042",
    text="Invoice INV-000042",
    bank_reference="B-1",
    end_to_end_id="E2E-1",
)
DEBIT = Credit("12.50", text="Bank fees", bank_reference="B-2", debit=True, sub_family="CHRG")
RETURNED = Credit(
    "30.00", debtor_name="Hooli", bank_reference="B-3", family="RRTN", sub_family="RRTN"
)
BATCH = Credit(
    "70.00",
    bank_reference="B-4",
    batch=[
        Credit("50.00", debtor_name="Initech", text="INV-000043"),
        Credit("20.00", debtor_name="Umbrella", text="INV-000044"),
    ],
)


def expected(**changes) -> camt.Entry:
    base = {
        "key": f"{ACCOUNT}:2027-03-09:B-1",
        "credit": True,
        "amount": Decimal("100.00"),
        "currency": "EUR",
        "booking_date": date(2027, 3, 9),
        "value_date": date(2027, 3, 9),
        "debtor_name": "Globex Inc.",
        "debtor_iban": "DE02120300000000202051",
        "reference": "RF34000042",
        "remittance": "Invoice INV-000042",
        "end_to_end_id": "E2E-1",
        "bank_reference": "B-1",
        "returned": False,
        "account_iban": ACCOUNT,
    }
    return camt.Entry(**{**base, **changes})


PENDING = Credit("99.00", debtor_name="Not yet", bank_reference="B-5", status="PDNG")


@pytest.mark.parametrize("kind", camt.SUPPORTED)
def test_every_version_of_both_documents_reads_the_same_booked_entries(kind):
    read = camt.parse(statement([CREDIT, DEBIT, RETURNED, BATCH, PENDING], kind))

    nothing = {"debtor_iban": None, "reference": None, "end_to_end_id": None}
    assert read.kind == kind
    assert read.entries == [
        expected(),
        expected(
            key=f"{ACCOUNT}:2027-03-09:B-2",
            credit=False,
            amount=Decimal("12.50"),
            debtor_name=None,
            remittance="Bank fees",
            bank_reference="B-2",
            **nothing,
        ),
        expected(
            key=f"{ACCOUNT}:2027-03-09:B-3",
            amount=Decimal("30.00"),
            debtor_name="Hooli",
            remittance=None,
            bank_reference="B-3",
            returned=True,
            **nothing,
        ),
        # A batch: one entry per transaction, each with its own amount.
        expected(
            key=f"{ACCOUNT}:2027-03-09:B-4/0",
            amount=Decimal("50.00"),
            debtor_name="Initech",
            remittance="INV-000043",
            bank_reference="B-4",
            **nothing,
        ),
        expected(
            key=f"{ACCOUNT}:2027-03-09:B-4/1",
            amount=Decimal("20.00"),
            debtor_name="Umbrella",
            remittance="INV-000044",
            bank_reference="B-4",
            **nothing,
        ),
    ]


def test_an_entry_without_a_bank_reference_is_keyed_by_what_it_says():
    alike = Credit("10.00", debtor_name="Globex", text="March")
    other = Credit("10.00", debtor_name="Globex", text="April")

    first, second, third = camt.parse(statement([alike, alike, other])).entries
    again = camt.parse(statement([alike, alike, other])).entries

    # Two payments alike in every field are two payments, keyed the same in every import.
    assert len({first.key, second.key, third.key}) == 3
    assert first.key.startswith(f"{ACCOUNT}:sha256:") and first.key.endswith("#1")
    assert second.key == first.key.removesuffix("#1") + "#2"
    assert [entry.key for entry in again] == [first.key, second.key, third.key]


def test_placeholders_and_repeated_bank_references_tell_no_entries_apart():
    # German banks write NONREF where they have no reference; some repeat a short one.
    entries = camt.parse(
        statement(
            [
                Credit("10.00", debtor_name="Globex", bank_reference="NONREF"),
                Credit("20.00", debtor_name="Initech", bank_reference="NONREF"),
                Credit("30.00", debtor_name="Hooli", bank_reference="0101"),
                Credit("40.00", debtor_name="Umbrella", bank_reference="0101"),
            ]
        )
    ).entries

    assert [entry.amount for entry in entries] == [Decimal(n) for n in ("10", "20", "30", "40")]
    assert len({entry.key for entry in entries}) == 4
    assert [entry.bank_reference for entry in entries] == [None, None, "0101", "0101"]


def test_a_short_bank_reference_on_another_day_is_another_entry():
    march = Credit("10.00", bank_reference="0101", value_date="2027-03-09")
    april = Credit("10.00", bank_reference="0101", value_date="2027-04-09")

    assert camt.parse(statement([march])).entries[0].key != (
        camt.parse(statement([april])).entries[0].key
    )


def test_a_batch_without_its_transactions_amounts_is_one_entry_of_the_amount_booked():
    document = statement([BATCH]).replace(b'<Amt Ccy="EUR">50.00</Amt>', b"")
    document = document.replace(b'<Amt Ccy="EUR">20.00</Amt>', b"")

    (entry,) = camt.parse(document).entries

    assert entry.amount == Decimal("70.00")
    assert entry.key == f"{ACCOUNT}:2027-03-09:B-4"


def test_a_batched_transaction_with_its_own_bank_reference_is_keyed_by_it():
    document = statement([BATCH]).replace(b"</Refs>", b"<AcctSvcrRef>TX-9</AcctSvcrRef></Refs>", 1)

    first, second = camt.parse(document).entries

    # The same as in a notification of that transaction alone.
    assert first.key == f"{ACCOUNT}:2027-03-09:TX-9"
    assert second.key == f"{ACCOUNT}:2027-03-09:B-4/1"


def test_an_account_named_otherwise_than_by_iban_keys_its_entries():
    document = statement([CREDIT]).replace(
        f"<IBAN>{ACCOUNT}</IBAN></Id><Ccy>".encode(), b"<Othr><Id>0532013000</Id></Othr></Id><Ccy>"
    )

    (entry,) = camt.parse(document).entries

    assert (entry.key, entry.account_iban) == ("0532013000:2027-03-09:B-1", None)


def test_the_payers_text_given_only_as_additional_information_is_read():
    quiet = Credit("10.00", debtor_name="Globex", bank_reference="B-9")
    document = statement([quiet]).replace(
        b"</NtryDtls>", b"</NtryDtls><AddtlNtryInf>RF34000042 INV-000042</AddtlNtryInf>"
    )

    (entry,) = camt.parse(document).entries

    assert entry.remittance == "RF34000042 INV-000042"


def test_a_bank_reference_too_long_to_store_is_kept_as_its_digest():
    (entry,) = camt.parse(statement([Credit("1.00", bank_reference="R" * 500)])).entries

    assert entry.key.startswith("sha256:")
    assert len(entry.key) == 71


def test_a_reversed_entry_is_returned():
    (entry,) = camt.parse(statement([Credit("5.00", bank_reference="R", reversal=True)])).entries

    assert entry.returned


NOT_STATEMENTS = [
    (
        b"not xml at all",
        "the XML does not parse (Start tag expected, '<' not found, line 1, column 1)",
    ),
    (
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt>",
        "the XML does not parse (Premature end of data in tag BkToCstmrStmt line 1, line 1, "
        "column 81)",
    ),
    (
        statement([CREDIT], "camt.052.001.08"),
        "CAMT.053 or CAMT.054, versions .001.02 to .001.08, not camt.052.001.08",
    ),
    (
        statement([CREDIT], "camt.053.001.09"),
        "CAMT.053 or CAMT.054, versions .001.02 to .001.08, not camt.053.001.09",
    ),
    (b"<Document/>", "CAMT.053 or CAMT.054, versions .001.02 to .001.08, not no namespace"),
    (
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.054.001.02'><BkToCstmrStmt/></Document>",
        "a camt.054.001.02 document without a Ntfctn",
    ),
    (statement([Credit("ten", bank_reference="X")]), "'ten' is not an amount"),
    (statement([Credit("-1.00", bank_reference="X")]), "'-1.00' EUR is not an amount"),
]


@pytest.mark.parametrize(("data", "why"), NOT_STATEMENTS)
def test_anything_else_is_refused_whole_saying_why(data, why):
    with pytest.raises(Invalid) as refused:
        camt.parse(data)

    assert refused.value.message == f"This file is not a bank statement Remit reads: {why}."
    assert refused.value.field == ["file"]


def test_entities_are_not_expanded_and_nothing_is_fetched():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">'
        b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + statement([Credit("1.00", bank_reference="X", text="&e;&b;")])
        .split(b"?>", 1)[1]
        .replace(b"&amp;e;&amp;b;", b"&e;&b;")
    )

    (entry,) = camt.parse(data).entries

    assert "root:" not in (entry.remittance or "")
    assert "aaaaaaaaaa" not in (entry.remittance or "")
