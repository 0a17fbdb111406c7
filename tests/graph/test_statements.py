from datetime import date

import httpx

from remit.billing import clock, credit_notes, cycle, payments
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceLine
from tests import factories
from tests.billing.test_documents import pdf_text

STATEMENT = """query S($id: ID!, $from: Date!, $to: Date!) { organization(id: $id) {
  statement(from: $from, to: $to) { from to madeOn pdfUrl accounts {
    currency opening { formatted } closing { formatted }
    lines { date kind reference amount { formatted } balance { formatted } } } } } }"""
JANUARY, FEBRUARY = date(2027, 1, 1), date(2027, 2, 1)


async def history(drain_jobs):
    """Globex's account: an invoice on 1 Jan (1,299.88), its 600.00 setup credited on 20 Jan,
    a second invoice on 1 Feb (699.88: seats and a month of support) voided on 10 Feb, 500.00
    paid on 15 Feb and 50.00 of it given back on 20 Feb."""
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, JANUARY)
    actor = Actor.system(tenant)
    for day in (JANUARY, FEBRUARY):
        await cycle.plan(day)
        await drain_jobs()
    first, second = await Invoice.filter(contract=contract).order_by("period_start")
    setup = await InvoiceLine.get(invoice=first, name="Setup")
    with clock.frozen(date(2027, 1, 20)):
        await credit_notes.create(
            actor, first.id, "Set up twice", [{"invoice_line_id": str(setup.id), "quantity": "1"}]
        )
    with clock.frozen(date(2027, 2, 10)):
        await payments.change_status(actor, str(second.id), InvoiceStatus.VOID, note="Sent twice")
    with clock.frozen(date(2027, 2, 21)):
        paid = await payments.record(
            actor,
            payments.PaymentInput(
                organization_id=str(contract.organization_id),
                amount="500.00",
                currency="EUR",
                received_on=date(2027, 2, 15),
                reference="Wire 0815",
            ),
        )
        await payments.refund(
            actor, payments.RefundInput(str(paid.id), "50.00", date(2027, 2, 20), "Bank fee")
        )
    return key, contract.organization_id


async def test_a_statement_brings_the_balance_forward_and_lists_the_period(
    graphql, api, drain_jobs
):
    key, organization_id = await history(drain_jobs)

    with clock.frozen(date(2027, 3, 2)):
        data = await graphql(key).query(
            STATEMENT, id=str(organization_id), **{"from": "2027-02-01", "to": "2027-02-28"}
        )

    statement = data["organization"]["statement"]
    assert {key: statement[key] for key in ("from", "to", "madeOn")} == {
        "from": "2027-02-01",
        "to": "2027-02-28",
        "madeOn": "2027-03-02",
    }
    assert statement["accounts"] == [
        {
            "currency": "EUR",
            "opening": {"formatted": "€699.88"},
            "closing": {"formatted": "€249.88"},
            "lines": [
                {
                    "date": "2027-02-01",
                    "kind": "INVOICE",
                    "reference": "INV-000002",
                    "amount": {"formatted": "€699.88"},
                    "balance": {"formatted": "€1,399.76"},
                },
                {
                    "date": "2027-02-10",
                    "kind": "VOID",
                    "reference": "INV-000002",
                    "amount": {"formatted": "-€699.88"},
                    "balance": {"formatted": "€699.88"},
                },
                {
                    "date": "2027-02-15",
                    "kind": "PAYMENT",
                    "reference": "Wire 0815",
                    "amount": {"formatted": "-€500.00"},
                    "balance": {"formatted": "€199.88"},
                },
                {
                    "date": "2027-02-20",
                    "kind": "REFUND",
                    "reference": "Wire 0815",
                    "amount": {"formatted": "€50.00"},
                    "balance": {"formatted": "€249.88"},
                },
            ],
        }
    ]
    pdf = await api.get(httpx.URL(statement["pdfUrl"]).path)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(pdf.content).split())
    assert "Balance brought forward €699.88" in text
    assert "February 10, 2027 Invoice voided INV-000002 -€699.88 €699.88" in text
    assert "February 20, 2027 Refund Wire 0815 €50.00 €249.88" in text


async def test_the_credit_note_and_the_first_invoice_show_in_january(graphql, drain_jobs):
    key, organization_id = await history(drain_jobs)

    data = await graphql(key).query(
        STATEMENT, id=str(organization_id), **{"from": "2027-01-01", "to": "2027-01-31"}
    )

    [eur] = data["organization"]["statement"]["accounts"]
    assert [
        (line["kind"], line["reference"], line["balance"]["formatted"]) for line in eur["lines"]
    ] == [
        ("INVOICE", "INV-000001", "€1,299.88"),
        ("CREDIT_NOTE", "INV-CN-000001", "€699.88"),
    ]


async def test_a_statement_ending_before_it_starts_is_refused_on_its_argument(graphql):
    tenant, key = await factories.tenant()
    organization = await factories.organization(tenant)

    response = await graphql(key).post(
        STATEMENT, id=str(organization.id), **{"from": "2027-02-01", "to": "2027-01-31"}
    )

    [error] = response.json()["errors"]
    assert error["message"] == "The statement ends before it starts."
    assert error["extensions"]["code"] == "INVALID"
    assert error["extensions"]["field"] == ["to"]


async def test_a_changed_or_foreign_statement_link_is_not_found(graphql, api, drain_jobs):
    key, organization_id = await history(drain_jobs)
    data = await graphql(key).query(
        STATEMENT, id=str(organization_id), **{"from": "2027-01-01", "to": "2027-01-31"}
    )
    path = httpx.URL(data["organization"]["statement"]["pdfUrl"]).path
    token = path.removeprefix("/s/").removesuffix(".pdf")

    changed = await api.get(f"/s/{token[:-4]}AAAA.pdf")
    made_up = await api.get("/s/not-a-token.pdf")

    assert (changed.status_code, made_up.status_code) == (404, 404)
    assert "There is no statement at this address" in changed.text
