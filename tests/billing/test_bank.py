"""Bank statements imported and matched: each entry stored once, each credit matched by
reference, invoice number, or known IBAN and amount, as a payment in the ledger; the rest
waits with suggestions."""

from datetime import date

import pytest

from remit.billing import bank, clock, ledger
from remit.billing.errors import Forbidden, Invalid
from remit.billing.roles import Actor
from remit.models.bank import BankTransaction
from remit.models.enums import BankTransactionStatus, InvoiceStatus
from remit.models.invoices import Invoice
from remit.models.payments import Payment, PaymentAllocation
from remit.models.users import UserRole
from remit.plugins import references
from tests import factories
from tests.camt_files import Credit, statement

TODAY = date(2027, 3, 10)
GLOBEX_IBAN = "DE02120300000000202051"


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def reference(invoice: Invoice) -> str:
    return references.creditor_reference(references.sequence_of(invoice.number))


def five_credits(invoices) -> list[Credit]:
    globex, initech, hooli = invoices["Globex"], invoices["Initech"], invoices["Hooli"]
    return [
        # The structured reference of Globex's January invoice, from an IBAN new to Remit.
        Credit(
            "100.00",
            debtor_name="Globex Inc",
            debtor_iban=GLOBEX_IBAN,
            reference=reference(globex[0]),
            bank_reference="B-1",
        ),
        # Initech's January invoice by its number in the free text.
        Credit(
            "100.00",
            debtor_name="Initech LLC",
            debtor_iban="DE75512108001245126199",
            text=f"Rechnung {initech[0].number} vielen Dank",
            bank_reference="B-2",
        ),
        # Globex again, no reference: its IBAN, now known, and February's amount.
        Credit("100.00", debtor_name="Globex Inc", debtor_iban=GLOBEX_IBAN, bank_reference="B-3"),
        # Part of Hooli's January invoice, its RF reference quoted in the free text.
        Credit(
            "40.00",
            debtor_name="Hooli",
            text=f"First part {reference(hooli[0])}",
            bank_reference="B-4",
        ),
        # Nobody Remit knows, saying nothing of an invoice.
        Credit(
            "100.00",
            debtor_name="Umbrela Corp.",
            debtor_iban="FR1420041010050500013M02606",
            text="Services",
            bank_reference="B-5",
        ),
    ]


async def ledger_of(tenant) -> tuple:
    return (
        await Invoice.filter(tenant=tenant)
        .order_by("number")
        .values_list("number", "status", "amount_paid", "paid_on"),
        await Payment.filter(tenant=tenant)
        .order_by("reference")
        .values_list("organization__name", "amount", "method", "reference", "received_on"),
        await PaymentAllocation.filter(payment__tenant=tenant).count(),
        await BankTransaction.filter(tenant=tenant)
        .order_by("bank_reference")
        .values_list("bank_reference", "status", "organization__name"),
    )


async def test_a_statement_imported_twice_pays_four_invoices_once(drain_jobs, mail_server):
    tenant, _, invoices = await factories.invoiced_customers(drain_jobs)
    data = statement(five_credits(invoices))
    sent_before = len(mail_server.envelopes)

    first = await bank.import_statement(Actor.system(tenant), data)
    await drain_jobs()
    after_first = await ledger_of(tenant)
    again = await bank.import_statement(Actor.system(tenant), data)
    await drain_jobs()

    assert first == bank.ImportResult("camt.053.001.08", 5, 0, 4, 1)
    assert again == bank.ImportResult("camt.053.001.08", 0, 5, 0, 0)
    assert await ledger_of(tenant) == after_first
    numbers = {name: [i.number for i in found] for name, found in invoices.items()}
    march_9 = date(2027, 3, 9)
    paid, due = InvoiceStatus.PAID, InvoiceStatus.DUE
    statuses, recorded, allocations, transactions = after_first
    assert dict((number, rest) for number, *rest in statuses) == {
        numbers["Globex"][0]: [paid, 10000, march_9],
        numbers["Globex"][1]: [paid, 10000, march_9],
        numbers["Initech"][0]: [paid, 10000, march_9],
        numbers["Initech"][1]: [due, 0, None],
        numbers["Hooli"][0]: [due, 4000, None],
        numbers["Hooli"][1]: [due, 0, None],
        numbers["Umbrella"][0]: [due, 0, None],
        numbers["Umbrella"][1]: [due, 0, None],
    }
    assert sorted(recorded) == [
        ("Globex", 10000, "bank_transfer", "B-3", march_9),
        ("Globex", 10000, "bank_transfer", reference(invoices["Globex"][0]), march_9),
        ("Hooli", 4000, "bank_transfer", "B-4", march_9),
        ("Initech", 10000, "bank_transfer", "B-2", march_9),
    ]
    assert allocations == 4
    assert transactions == [
        ("B-1", BankTransactionStatus.MATCHED, "Globex"),
        ("B-2", BankTransactionStatus.MATCHED, "Initech"),
        ("B-3", BankTransactionStatus.MATCHED, "Globex"),
        ("B-4", BankTransactionStatus.MATCHED, "Hooli"),
        ("B-5", BankTransactionStatus.UNMATCHED, None),
    ]
    # A receipt for each invoice paid in full, as for any payment; none for the partial one.
    receipts = [
        envelope.content
        for envelope in mail_server.envelopes[sent_before:]
        if b"Subject: Receipt for" in envelope.content
    ]
    assert len(receipts) == 3
    # The unknown payer waits, Umbrella's invoices owing its amount and like its name first.
    waiting = await BankTransaction.get(tenant=tenant, bank_reference="B-5")
    [suggested] = await bank.suggestions([waiting.id])
    assert [(s.invoice.number, s.same_amount) for s in suggested[:2]] == [
        (numbers["Umbrella"][0], True),
        (numbers["Umbrella"][1], True),
    ]
    assert suggested[0].name_similarity > suggested[2].name_similarity


async def test_an_overlapping_statement_adds_only_its_new_entries(drain_jobs):
    tenant, _, invoices = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    globex = invoices["Globex"]
    january = Credit("100.00", reference=reference(globex[0]), bank_reference="B-1")
    february = Credit("100.00", reference=reference(globex[1]), bank_reference="B-2")

    await bank.import_statement(Actor.system(tenant), statement([january], "camt.054.001.02"))
    result = await bank.import_statement(Actor.system(tenant), statement([january, february]))

    assert result == bank.ImportResult("camt.053.001.08", 1, 1, 1, 0)
    assert await Payment.filter(tenant=tenant).count() == 2


async def test_an_over_payment_is_the_organizations_credit(drain_jobs):
    tenant, _, invoices = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    january = invoices["Globex"][0]

    await bank.import_statement(
        Actor.system(tenant),
        statement([Credit("130.00", reference=reference(january), bank_reference="B-1")]),
    )

    await january.refresh_from_db()
    assert (january.status, january.amount_paid) == (InvoiceStatus.PAID, 10000)
    payment = await Payment.get(tenant=tenant)
    assert (payment.amount, payment.method) == (13000, "bank_transfer")
    assert await ledger.credit_balance(january.organization_id) == {"EUR": 3000}


async def test_debits_and_returned_transfers_are_kept_and_never_paid(drain_jobs):
    tenant, _, invoices = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    january = invoices["Globex"][0]
    quoted = reference(january)

    result = await bank.import_statement(
        Actor.system(tenant),
        statement(
            [
                Credit("100.00", reference=quoted, bank_reference="D-1", debit=True),
                Credit("100.00", reference=quoted, bank_reference="R-1", family="RRTN"),
                Credit("100.00", reference=quoted, bank_reference="R-2", reversal=True),
            ]
        ),
    )

    assert result == bank.ImportResult("camt.053.001.08", 3, 0, 0, 0)
    assert await BankTransaction.filter(tenant=tenant).order_by("bank_reference").values_list(
        "bank_reference", "credit", "returned", "status"
    ) == [
        ("D-1", False, False, BankTransactionStatus.NOT_A_PAYMENT),
        ("R-1", True, True, BankTransactionStatus.NOT_A_PAYMENT),
        ("R-2", True, True, BankTransactionStatus.NOT_A_PAYMENT),
    ]
    assert await Payment.filter(tenant=tenant).count() == 0


async def test_a_reference_naming_two_invoices_waits_for_the_tenant(drain_jobs):
    tenant, _, invoices = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    january, february = invoices["Globex"]

    result = await bank.import_statement(
        Actor.system(tenant),
        statement(
            [
                Credit(
                    "200.00",
                    text=f"{reference(january)} and {reference(february)}",
                    bank_reference="B-1",
                )
            ]
        ),
    )

    assert (result.matched, result.unmatched) == (0, 1)
    assert await Payment.filter(tenant=tenant).count() == 0


async def test_a_malformed_file_or_a_viewer_stores_nothing(drain_jobs):
    tenant, _, invoices = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    viewer = await factories.user(tenant, "vic@acme.com", UserRole.VIEWER)
    good = statement([Credit("100.00", reference=reference(invoices["Globex"][0]))])
    unknown_currency = statement([Credit("1.00", currency="ZZZ", bank_reference="B-1")])

    with pytest.raises(Invalid):
        await bank.import_statement(Actor.system(tenant), good[:-20])
    with pytest.raises(Invalid) as refused:
        await bank.import_statement(Actor.system(tenant), unknown_currency)
    with pytest.raises(Forbidden):
        await bank.import_statement(Actor.of_user(viewer, tenant), good)

    assert refused.value.message == "'ZZZ' is not an ISO 4217 currency code."
    assert await BankTransaction.all().count() == 0
    assert await Payment.all().count() == 0
