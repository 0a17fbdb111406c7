"""Bank statements through the API: bankStatementImport (a multipart upload), the
transactions waiting with their suggestions, bankTransactionMatch and bankTransactionIgnore,
and Invoice.paymentReference. Every refusal is a typed error that changes nothing."""

import json
from datetime import date

import pytest

from remit.billing import bank, clock, cycle, one_off, providers
from remit.billing.roles import Actor
from remit.models.bank import BankTransaction
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from remit.models.payments import Payment, PaymentAllocation
from remit.models.users import UserRole
from remit.plugins import references
from tests import factories
from tests.camt_files import Credit, statement
from tests.graph.test_query_cost import counted_queries

TODAY = date(2027, 3, 10)

IMPORT = """mutation($file: Upload!) {
  bankStatementImport(file: $file) {
    statementImport { kind imported duplicates matched unmatched }
    errors { field code message }
  }
}"""

WAITING = """query($first: Int, $after: String) {
  bankTransactions(first: $first, after: $after, filter: {status: UNMATCHED}) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      id status credit returned amount { amount currency } valueDate debtorName debtorIban
      reference remittanceInformation bankReference statementKind settledBy
      organization { name } payment { amount { amount } }
      suggestions { sameAmount nameSimilarity invoice { number amountDue { amount } } }
    } }
  }
}"""

MATCH = """mutation($id: ID!, $allocations: [PaymentAllocationInput!]!) {
  bankTransactionMatch(id: $id, allocations: $allocations) {
    bankTransaction {
      status settledBy organization { name creditBalance { amount } }
      payment { method amount { amount } allocations { amount { amount } invoice { number status } } }
    }
    errors { field code message }
  }
}"""

IGNORE = """mutation($id: ID!) {
  bankTransactionIgnore(id: $id) { bankTransaction { status settledBy } errors { field code message } }
}"""


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield


def upload(api, key: str | None, data: bytes, headers: dict | None = None):
    """A GraphQL multipart request (the spec's operations, map and file parts)."""
    operations = {"query": IMPORT, "variables": {"file": None}}
    return api.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("statement.xml", data, "application/xml")},
        headers={"Authorization": f"Bearer {key}"} if key else headers or {},
    )


async def waiting_credit(drain_jobs, amount="100.00"):
    """A tenant whose statement left one credit from an unknown payer waiting."""
    tenant, key, invoices = await factories.invoiced_customers(
        drain_jobs, names=("Globex", "Umbrella")
    )
    unknown = Credit(amount, debtor_name="Umbrela Corp.", text="Services", bank_reference="B-9")
    await bank.import_statement(Actor.system(tenant), statement([unknown]))
    return tenant, key, invoices, await BankTransaction.get(tenant=tenant)


async def snapshot(tenant) -> tuple:
    return (
        await BankTransaction.filter(tenant=tenant).values_list("id", "status", "payment_id"),
        await Payment.filter(tenant=tenant).count(),
        await PaymentAllocation.filter(payment__tenant=tenant).count(),
        await Invoice.filter(tenant=tenant).order_by("number").values_list("status", "amount_paid"),
    )


async def test_an_uploaded_statement_is_imported_and_its_unknown_payer_waits(api, drain_jobs):
    _, key, invoices = await factories.invoiced_customers(drain_jobs, names=("Globex", "Umbrella"))
    january = invoices["Globex"][0]
    rf = references.creditor_reference(references.sequence_of(january.number))
    data = statement(
        [
            Credit("100.00", debtor_name="Globex", reference=rf, bank_reference="B-1"),
            Credit("100.00", debtor_name="Umbrela Corp.", text="Services", bank_reference="B-2"),
        ],
        "camt.053.001.02",
    )

    first = (await upload(api, key, data)).json()
    again = (await upload(api, key, data)).json()
    listed = await as_key(api, key, WAITING, first=10)

    assert first == {
        "data": {
            "bankStatementImport": {
                "statementImport": {
                    "kind": "camt.053.001.02",
                    "imported": 2,
                    "duplicates": 0,
                    "matched": 1,
                    "unmatched": 1,
                },
                "errors": [],
            }
        }
    }
    assert again["data"]["bankStatementImport"]["statementImport"]["duplicates"] == 2
    page = listed["bankTransactions"]
    assert page["totalCount"] == 1
    [edge] = page["edges"]
    node = edge["node"]
    del node["id"]
    suggestions = node.pop("suggestions")
    assert node == {
        "status": "UNMATCHED",
        "credit": True,
        "returned": False,
        "amount": {"amount": "100.00", "currency": "EUR"},
        "valueDate": "2027-03-09",
        "debtorName": "Umbrela Corp.",
        "debtorIban": None,
        "reference": None,
        "remittanceInformation": "Services",
        "bankReference": "B-2",
        "statementKind": "camt.053.001.02",
        "settledBy": None,
        "organization": None,
        "payment": None,
    }
    umbrella = [invoice.number for invoice in invoices["Umbrella"]]
    assert [(s["invoice"]["number"], s["sameAmount"]) for s in suggestions] == [
        (umbrella[0], True),
        (umbrella[1], True),
        (invoices["Globex"][1].number, True),
    ]
    assert suggestions[0]["nameSimilarity"] > suggestions[2]["nameSimilarity"]


async def as_key(api, key, query, **variables) -> dict:
    response = await api.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_a_page_of_transactions_reads_the_same_few_queries_whatever_its_size(api, drain_jobs):
    tenant, key, _ = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    credits = [Credit("1.00", debtor_name=f"Payer {n}", bank_reference=f"B-{n}") for n in range(6)]
    await bank.import_statement(Actor.system(tenant), statement(credits))

    with counted_queries() as small:
        await as_key(api, key, WAITING, first=2)
    with counted_queries() as large:
        await as_key(api, key, WAITING, first=6)

    assert len(small) == len(large)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<Document/>", "CAMT.053 or CAMT.054, versions .001.02 to .001.08, not no namespace"),
        (
            b"%PDF-1.7",
            "the XML does not parse (Start tag expected, '<' not found, line 1, column 1)",
        ),
    ],
)
async def test_a_file_that_is_no_statement_is_refused_and_nothing_is_stored(
    api, drain_jobs, data, message
):
    tenant, key, _ = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    before = await snapshot(tenant)

    answer = (await upload(api, key, data)).json()

    assert answer["data"]["bankStatementImport"] == {
        "statementImport": None,
        "errors": [
            {
                "field": ["file"],
                "code": "INVALID",
                "message": f"This file is not a bank statement Remit reads: {message}.",
            }
        ],
    }
    assert await snapshot(tenant) == before


async def test_a_statement_sent_as_json_rather_than_a_file_is_refused(api, drain_jobs):
    tenant, key, _ = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    before = await snapshot(tenant)

    response = await api.post(
        "/graphql",
        json={"query": IMPORT, "variables": {"file": "<Document/>"}},
        headers={"Authorization": f"Bearer {key}"},
    )

    [error] = response.json()["data"]["bankStatementImport"]["errors"]
    assert (error["field"], error["code"]) == (["file"], "INVALID")
    assert await snapshot(tenant) == before


async def test_a_console_upload_needs_the_csrf_header(api, console, drain_jobs):
    tenant, _, _ = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    await factories.user(tenant, "ann@acme.com", UserRole.ADMIN)
    browser = await console("ann@acme.com", factories.PASSWORD)
    data = statement([Credit("5.00", debtor_name="Someone", bank_reference="B-1")])

    forged = await upload(browser.http, None, data)
    sent = await upload(browser.http, None, data, headers={"X-CSRF-Token": browser.csrf_token})

    assert forged.status_code == 403
    assert sent.json()["data"]["bankStatementImport"]["statementImport"]["imported"] == 1
    assert await BankTransaction.filter(tenant=tenant).count() == 1


async def test_a_waiting_credit_matched_by_hand_pays_the_invoice_and_the_rest_is_credit(
    api, drain_jobs
):
    _, key, invoices, waiting = await waiting_credit(drain_jobs, amount="130.00")
    january = invoices["Umbrella"][0]

    answer = await as_key(
        api,
        key,
        MATCH,
        id=str(waiting.id),
        allocations=[{"invoiceId": str(january.id), "amount": "100.00"}],
    )

    assert answer["bankTransactionMatch"] == {
        "bankTransaction": {
            "status": "MATCHED",
            "settledBy": factories.key_actor(key),
            "organization": {"name": "Umbrella", "creditBalance": [{"amount": "30.00"}]},
            "payment": {
                "method": "bank_transfer",
                "amount": {"amount": "130.00"},
                "allocations": [
                    {
                        "amount": {"amount": "100.00"},
                        "invoice": {"number": january.number, "status": "PAID"},
                    }
                ],
            },
        },
        "errors": [],
    }


async def refused(api, key, query, tenant, **variables) -> list[dict]:
    before = await snapshot(tenant)
    answer = await as_key(api, key, query, **variables)
    (payload,) = answer.values()
    assert payload["bankTransaction"] is None
    assert await snapshot(tenant) == before
    return payload["errors"]


async def test_a_match_refused_changes_nothing(api, drain_jobs):
    tenant, key, invoices, waiting = await waiting_credit(drain_jobs)
    january, february = invoices["Umbrella"]
    globex = invoices["Globex"][0]
    _, other_key = await factories.ready_tenant("Initech")

    def allocation(invoice, amount="50.00"):
        return {"invoiceId": str(invoice.id), "amount": amount}

    cases = [
        # More than the transfer brought.
        (
            key,
            str(waiting.id),
            [allocation(january), allocation(february, "60.00")],
            [("INVALID", ["allocations"], "The allocations add up to more than the payment.")],
        ),
        # Two organizations' invoices in one payment.
        (
            key,
            str(waiting.id),
            [allocation(january), allocation(globex)],
            [
                (
                    "INVALID",
                    ["allocations", "1", "invoiceId"],
                    "This invoice is another organization's.",
                )
            ],
        ),
        (
            key,
            str(waiting.id),
            [],
            [("INVALID", ["allocations"], "List at least one invoice the transfer pays.")],
        ),
        # Another tenant's key finds nothing.
        (
            other_key,
            str(waiting.id),
            [allocation(january)],
            [("NOT_FOUND", ["id"], f"No bank transaction with id {waiting.id}.")],
        ),
    ]
    for caller, id, allocations, expected in cases:
        errors = await refused(api, caller, MATCH, tenant, id=id, allocations=allocations)
        assert [(e["code"], e["field"], e["message"]) for e in errors] == expected


async def test_a_viewer_can_neither_match_nor_ignore(api, console, drain_jobs):
    tenant, _, invoices, waiting = await waiting_credit(drain_jobs)
    await factories.user(tenant, "vic@acme.com", UserRole.VIEWER)
    browser = await console("vic@acme.com", factories.PASSWORD)
    before = await snapshot(tenant)
    allocations = [{"invoiceId": str(invoices["Umbrella"][0].id), "amount": "100.00"}]

    matched = await browser.query(MATCH, id=str(waiting.id), allocations=allocations)
    ignored = await browser.query(IGNORE, id=str(waiting.id))

    forbidden = [
        {
            "field": None,
            "code": "FORBIDDEN",
            "message": "A VIEWER may not change organizations, contracts or invoices.",
        }
    ]
    assert matched["bankTransactionMatch"] == {"bankTransaction": None, "errors": forbidden}
    assert ignored["bankTransactionIgnore"] == {"bankTransaction": None, "errors": forbidden}
    assert await snapshot(tenant) == before


async def test_an_ignored_credit_leaves_the_waiting_list_and_can_still_be_matched(api, drain_jobs):
    tenant, key, invoices, waiting = await waiting_credit(drain_jobs)

    ignored = await as_key(api, key, IGNORE, id=str(waiting.id))
    again = await refused(api, key, IGNORE, tenant, id=str(waiting.id))
    listed = await as_key(api, key, WAITING, first=10)
    matched = await as_key(
        api,
        key,
        MATCH,
        id=str(waiting.id),
        allocations=[{"invoiceId": str(invoices["Umbrella"][0].id), "amount": "100.00"}],
    )
    twice = await refused(
        api,
        key,
        MATCH,
        tenant,
        id=str(waiting.id),
        allocations=[{"invoiceId": str(invoices["Umbrella"][1].id), "amount": "100.00"}],
    )

    assert ignored["bankTransactionIgnore"] == {
        "bankTransaction": {"status": "IGNORED", "settledBy": factories.key_actor(key)},
        "errors": [],
    }
    assert again == [
        {
            "field": None,
            "code": "INVALID_TRANSITION",
            "message": "Only an UNMATCHED bank transaction can be ignored; this one is IGNORED.",
        }
    ]
    assert listed["bankTransactions"]["totalCount"] == 0
    assert matched["bankTransactionMatch"]["bankTransaction"]["status"] == "MATCHED"
    assert twice == [
        {
            "field": None,
            "code": "INVALID_TRANSITION",
            "message": "A MATCHED bank transaction cannot be matched to invoices.",
        }
    ]


REFERENCE = "query($id: ID!) { invoice(id: $id) { number paymentReference } }"


async def test_an_invoice_paid_by_bank_transfer_has_its_creditor_reference(api, drain_jobs):
    tenant, key, invoices = await factories.invoiced_customers(drain_jobs, names=("Globex",))
    january, february = invoices["Globex"]
    await Invoice.filter(id=february.id).update(
        payment_options=[{"provider": "cheque", "name": "Cheque", "instructions": "Acme GmbH"}]
    )
    draft = await one_off.create(
        Actor.system(tenant),
        {"organization_id": january.organization_id, "lines": [{"name": "Extra", "price": "9"}]},
    )

    shown = [
        (await as_key(api, key, REFERENCE, id=str(invoice.id)))["invoice"]
        for invoice in (january, february, draft)
    ]

    assert shown == [
        {"number": january.number, "paymentReference": "RF" + rf_digits(january.number)},
        {"number": february.number, "paymentReference": None},
        {"number": None, "paymentReference": None},
    ]


def rf_digits(number: str) -> str:
    """The check digits and body of an RF reference, computed here as ISO 11649 says."""
    body = number.rsplit("-", 1)[1]
    numeric = "".join(str(int(c, 36)) for c in body + "RF00")
    return f"{98 - int(numeric) % 97:02d}{body}"


async def test_a_chf_invoice_paid_to_a_qr_iban_has_a_qr_reference(api, drain_jobs):
    tenant, key = await factories.ready_tenant()
    qr_account = {
        "currency": "CHF",
        "account_holder": "Acme AG",
        "bank_name": "PostFinance",
        "iban": "CH4431999123000889012",
    }
    accounts = {"accounts": [*factories.BANK_TRANSFER["accounts"], qr_account]}
    await providers.configure(tenant, "bank_transfer", enabled=True, settings=accounts)
    contract = await factories.live_contract(
        tenant,
        date(2027, 3, 1),
        items=[{"name": "Service", "price": "100.00", "billed": "MONTHLY"}],
        currency="CHF",
        payment_providers=["bank_transfer"],
    )
    with clock.frozen(date(2027, 3, 1)):
        await cycle.plan(date(2027, 3, 1))
        await drain_jobs()
    invoice = await Invoice.get(contract=contract)

    shown = await as_key(api, key, REFERENCE, id=str(invoice.id))

    assert invoice.status == InvoiceStatus.DUE
    assert shown["invoice"]["paymentReference"] == references.qr_reference(
        references.sequence_of(invoice.number)
    )
    # A transfer quoting it pays the invoice.
    quoted = Credit(
        "100.00", currency="CHF", reference=shown["invoice"]["paymentReference"], bank_reference="Q"
    )
    result = await bank.import_statement(Actor.system(tenant), statement([quoted]))
    assert result.matched == 1


DELETE = """mutation($id: ID!) { paymentDelete(id: $id) { deletedPaymentId errors { code } } }"""


async def test_a_matched_transfer_whose_payment_is_deleted_waits_again(api, drain_jobs):
    _, key, invoices, waiting = await waiting_credit(drain_jobs)
    january = invoices["Umbrella"][0]
    await as_key(
        api,
        key,
        MATCH,
        id=str(waiting.id),
        allocations=[{"invoiceId": str(january.id), "amount": "100.00"}],
    )
    payment = await Payment.get(bank_transactions__id=waiting.id)

    deleted = await as_key(api, key, DELETE, id=str(payment.id))

    assert deleted["paymentDelete"] == {"deletedPaymentId": str(payment.id), "errors": []}
    await waiting.refresh_from_db()
    assert (waiting.status, waiting.payment_id, waiting.organization_id, waiting.settled_by) == (
        "UNMATCHED",
        None,
        None,
        None,
    )
    await january.refresh_from_db()
    assert january.status == InvoiceStatus.OVERDUE
