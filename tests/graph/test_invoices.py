from datetime import date, timedelta

from remit.billing import cycle, issuing
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.jobs import OutboxJob
from remit.models.runs import InvoicingRun
from tests import factories

MONEY = "amount currency formatted"
INVOICE = f"""id number status currency issueDate dueDate periodStart periodEnd holdReasons publicUrl pdfUrl sentAt paidAt voidedAt
  subtotal {{ {MONEY} }} tax {{ {MONEY} }} total {{ {MONEY} }} amountPaid {{ amount }} amountDue {{ amount }}
  customer {{ name email }} provider {{ name legalName address {{ city country }} }}
  lines {{ name quantity total {{ amount }} }} paymentOptions {{ provider name }}
  events {{ type fromStatus toStatus actor detail }} contract {{ name }} organization {{ name }}"""


async def issued(drain_jobs, *, hold: bool = False):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    if hold:
        await Contract.filter(id=contract.id).update(billing_email="nobody")
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return tenant, key, contract, await Invoice.get(contract=contract)


async def test_an_issued_invoice_reads_back_in_full(graphql, drain_jobs, settings):
    _, key, _, invoice = await issued(drain_jobs)

    data = (await graphql(key).query(f'{{ invoice(id: "{invoice.id}") {{ {INVOICE} }} }}'))[
        "invoice"
    ]

    assert {
        k: data[k]
        for k in (
            "number",
            "status",
            "currency",
            "issueDate",
            "dueDate",
            "periodStart",
            "periodEnd",
            "holdReasons",
        )
    } == {
        "number": "INV-000001",
        "status": "DUE",
        "currency": "EUR",
        "issueDate": "2027-01-01",
        "dueDate": "2027-01-31",
        "periodStart": "2027-01-01",
        "periodEnd": "2027-01-31",
        "holdReasons": [],
    }
    assert (data["total"], data["amountPaid"], data["amountDue"]) == (
        {"amount": "1299.88", "currency": "EUR", "formatted": "€1,299.88"},
        {"amount": "0.00"},
        {"amount": "1299.88"},
    )
    assert data["publicUrl"] == f"{settings.public_url}/i/{invoice.public_token}"
    assert data["pdfUrl"] == f"{settings.public_url}/i/{invoice.public_token}.pdf"
    assert data["customer"] == {"name": "Globex", "email": "ap@globex.com"}
    assert data["provider"] == {
        "name": "Acme Corp",
        "legalName": "Acme Corp GmbH",
        "address": {"city": "Berlin", "country": "DE"},
    }
    assert [line["name"] for line in data["lines"]] == ["Seats", "Setup", "Support"]
    assert [e["type"] for e in data["events"]] == ["created", "status_changed", "sent"]
    assert data["events"][1] == {
        "type": "status_changed",
        "fromStatus": "DRAFT",
        "toStatus": "DUE",
        "actor": "cycle",
        "detail": "Issued as INV-000001",
    }
    assert (data["contract"]["name"], data["organization"]["name"]) == ("Globex deal", "Globex")
    by_number = await graphql(key).query('{ invoiceByNumber(number: "INV-000001") { id } }')
    assert by_number["invoiceByNumber"]["id"] == str(invoice.id)


async def test_another_tenants_invoice_is_not_found(graphql, drain_jobs):
    _, _, _, invoice = await issued(drain_jobs)
    _, other_key = await factories.tenant("Other")

    data = await graphql(other_key).query(
        f'{{ invoice(id: "{invoice.id}") {{ id }} invoiceByNumber(number: "INV-000001") {{ id }} invoices {{ totalCount }} }}'
    )

    assert data == {"invoice": None, "invoiceByNumber": None, "invoices": {"totalCount": 0}}


async def test_invoices_are_filtered(graphql, drain_jobs):
    _, key, contract, _ = await issued(drain_jobs)
    client = graphql(key)

    due = await client.query("{ invoices(filter: {status: [DUE]}) { totalCount } }")
    paid = await client.query("{ invoices(filter: {status: [PAID]}) { totalCount } }")
    of_contract = await client.query(
        f'{{ contract(id: "{contract.id}") {{ invoices {{ edges {{ node {{ number }} }} }} }} }}'
    )
    in_range = await client.query(
        '{ invoices(filter: {issuedFrom: "2027-01-01", issuedTo: "2027-01-01"}) { totalCount } }'
    )
    out_of_range = await client.query(
        '{ invoices(filter: {issuedFrom: "2027-01-02"}) { totalCount } }'
    )

    assert (due["invoices"]["totalCount"], paid["invoices"]["totalCount"]) == (1, 0)
    assert of_contract["contract"]["invoices"]["edges"] == [{"node": {"number": "INV-000001"}}]
    assert (in_range["invoices"]["totalCount"], out_of_range["invoices"]["totalCount"]) == (1, 0)


async def test_the_days_run_is_reported(graphql, drain_jobs):
    _, key, _, _ = await issued(drain_jobs)

    runs = (
        await graphql(key).query(
            "{ invoicingRuns { totalCount edges { node { runDate contractsDue invoicesIssued invoicesOnHold failures { contractId message } } } } }"
        )
    )["invoicingRuns"]

    assert runs == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "runDate": "2027-01-01",
                    "contractsDue": 1,
                    "invoicesIssued": 1,
                    "invoicesOnHold": 0,
                    "failures": [],
                }
            }
        ],
    }


async def test_a_contract_that_failed_shows_a_sentence_and_an_error_id_never_the_error(
    graphql, drain_jobs, monkeypatch
):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))

    async def broken(*args):
        raise ConnectionError("db.internal:5432 refused user remit password=hunter2")

    monkeypatch.setattr(issuing, "issue", broken)
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()  # the issue job fails and is deferred for a retry
    [stored] = (await InvoicingRun.get(tenant=tenant)).failures

    response = await graphql(key).post(
        "{ invoicingRuns { edges { node { contractsDue invoicesIssued finishedAt failures { contractId message errorId } } } } }"
    )

    assert "hunter2" not in response.text and "ConnectionError" not in response.text
    assert response.json() == {
        "data": {
            "invoicingRuns": {
                "edges": [
                    {
                        "node": {
                            "contractsDue": 1,
                            "invoicesIssued": 0,
                            "finishedAt": None,
                            "failures": [
                                {
                                    "contractId": str(contract.id),
                                    "message": cycle.FAILURE_MESSAGE,
                                    "errorId": stored["error_id"],
                                }
                            ],
                        }
                    }
                ]
            }
        }
    }


async def test_releasing_a_held_invoice_that_still_fails_says_why(graphql, drain_jobs):
    _, key, contract, invoice = await issued(drain_jobs, hold=True)
    release = f'mutation {{ invoiceRelease(id: "{invoice.id}") {{ invoice {{ status number }} errors {{ field message code }} }} }}'

    refused = (await graphql(key).query(release))["invoiceRelease"]
    await Contract.filter(id=contract.id).update(billing_email="ap@globex.com")
    released = (await graphql(key).query(release))["invoiceRelease"]
    again = (await graphql(key).query(release))["invoiceRelease"]

    assert refused == {
        "invoice": None,
        "errors": [
            {
                "field": None,
                "code": "NOT_READY",
                "message": "The billing email 'nobody' is not a valid address.",
            }
        ],
    }
    assert released == {"invoice": {"status": "DUE", "number": "INV-000001"}, "errors": []}
    assert again["errors"] == [
        {
            "field": None,
            "code": "INVALID_TRANSITION",
            "message": "Only an ON_HOLD invoice can be released; this one is DUE.",
        }
    ]
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.DUE


async def test_a_held_invoice_cannot_be_resent(graphql, drain_jobs):
    _, key, _, invoice = await issued(drain_jobs, hold=True)

    result = (
        await graphql(key).query(
            f'mutation {{ invoiceResend(id: "{invoice.id}") {{ invoice {{ id }} errors {{ message code }} }} }}'
        )
    )["invoiceResend"]

    assert result == {
        "invoice": None,
        "errors": [
            {
                "code": "INVALID_TRANSITION",
                "message": "A ON_HOLD invoice is not sent; only a DUE, OVERDUE or PAID one is.",
            }
        ],
    }


RESEND = "mutation($id: ID!) { invoiceResend(id: $id) { invoice { number } errors { field message code } } }"


async def test_an_invoice_is_resent_at_most_3_times_an_hour(graphql, drain_jobs):
    _, key, _, invoice = await issued(drain_jobs)
    client = graphql(key)

    accepted = [(await client.query(RESEND, id=str(invoice.id)))["invoiceResend"] for _ in range(3)]
    events = (
        await InvoiceEvent.filter(invoice=invoice).order_by("at", "id").values_list("type", "actor")
    )
    jobs = await OutboxJob.all().count()
    first = (
        await InvoiceEvent.filter(invoice=invoice, type="resend_requested").order_by("at").first()
    )

    refused = (await client.query(RESEND, id=str(invoice.id)))["invoiceResend"]

    assert accepted == [{"invoice": {"number": "INV-000001"}, "errors": []}] * 3
    again = first.at + timedelta(hours=1)
    assert refused == {
        "invoice": None,
        "errors": [
            {
                "field": ["id"],
                "code": "CONFLICT",
                "message": "Invoice INV-000001 was resent 3 times in the last hour; it can be "
                f"resent again at {again:%H:%M} UTC.",
            }
        ],
    }
    assert events[-3:] == [("resend_requested", factories.key_actor(key))] * 3
    assert (
        await InvoiceEvent.filter(invoice=invoice).order_by("at", "id").values_list("type", "actor")
        == events
    )
    assert await OutboxJob.all().count() == jobs

    # An hour after the first, one more may go.
    await InvoiceEvent.filter(id=first.id).update(at=first.at - timedelta(hours=1))
    later = (await client.query(RESEND, id=str(invoice.id)))["invoiceResend"]
    assert later == {"invoice": {"number": "INV-000001"}, "errors": []}
