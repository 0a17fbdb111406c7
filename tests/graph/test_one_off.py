"""One-off invoices (invoiceCreate, invoiceUpdate, invoiceDelete, invoiceIssue) and
contractInvoiceNow, through the API."""

from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy
from uuid import uuid4

from remit.billing import clock, cycle, delivery, documents, providers
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import ContractStatus
from remit.models.invoices import Invoice, InvoiceEvent, InvoiceLine
from tests import factories

MONEY = "amount currency"
INVOICE = f"""id number status currency issueDate dueDate periodStart periodEnd holdReasons
  subtotal {{ {MONEY} }} tax {{ {MONEY} }} total {{ {MONEY} }} amountDue {{ amount }}
  customer {{ name email }} organization {{ name }}
  contract {{ name oneOff status currency dueDays billingEmail billingEmailsCc invoiceNote
             paymentProviders autoCharge invoicingStartDate endDate nextInvoiceDate }}
  lines {{ name billed quantity taxRate unitPrice {{ amount }} subtotal {{ amount }}
          tax {{ amount }} total {{ amount }} }}
  events {{ type fromStatus toStatus actor }}"""
PAYLOAD = f"invoice {{ {INVOICE} }} errors {{ field code message }}"

CREATE = f"""mutation($input: InvoiceCreateInput!) {{
  invoiceCreate(input: $input) {{ {PAYLOAD} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: InvoiceCreateInput!) {{
  invoiceUpdate(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
ISSUE = f"mutation($id: ID!) {{ invoiceIssue(id: $id) {{ {PAYLOAD} }} }}"
DELETE = "mutation($id: ID!) { invoiceDelete(id: $id) { deletedId errors { field code message } } }"
PAID = f"""mutation($id: ID!) {{
  invoiceStatusUpdate(id: $id, input: {{status: PAID, paidOn: "2027-03-20"}}) {{ {PAYLOAD} }} }}"""
NOW = f"mutation($id: ID!) {{ contractInvoiceNow(id: $id) {{ {PAYLOAD} }} }}"


async def one_off_setup():
    tenant, key = await factories.ready_tenant()
    customer = await factories.organization(tenant)
    return tenant, key, customer


def amounts(invoice: dict) -> tuple:
    return (
        [
            (
                line["name"],
                line["unitPrice"]["amount"],
                line["subtotal"]["amount"],
                line["tax"]["amount"],
                line["total"]["amount"],
            )
            for line in invoice["lines"]
        ],
        invoice["subtotal"]["amount"],
        invoice["tax"]["amount"],
        invoice["total"]["amount"],
    )


async def snapshot() -> list:
    """Every row a one-off touches, as stored."""
    return [
        await Invoice.all().order_by("id").values(),
        await InvoiceLine.all().order_by("invoice_id", "position").values(),
        await Contract.all().order_by("id").values(),
        await ServiceLineItem.all().order_by("id").values(),
        await InvoiceEvent.all().order_by("id").values("id", "type"),
    ]


def received(handler) -> list:
    return [
        (envelope.rcpt_tos, message_from_bytes(envelope.original_content, policy=default_policy))
        for envelope in handler.envelopes
    ]


async def test_a_one_off_invoice_is_drafted_edited_issued_emailed_and_paid(
    graphql, drain_jobs, mail_server
):
    _, key, customer = await one_off_setup()
    api = graphql(key)
    with clock.frozen(date(2027, 3, 10)):
        drafted = (
            await api.query(
                CREATE,
                input={
                    "organizationId": str(customer.id),
                    "lines": [{"name": "Workshop", "price": "1200.00", "quantity": "1.5"}],
                },
            )
        )["invoiceCreate"]
    assert drafted["errors"] == []
    invoice = drafted["invoice"]
    assert (invoice["status"], invoice["number"]) == ("DRAFT", None)
    assert {k: invoice["contract"][k] for k in ("name", "oneOff", "status", "endDate")} == {
        "name": "Workshop",
        "oneOff": True,
        "status": "ENDED",
        "endDate": "2027-03-10",
    }
    assert (invoice["periodStart"], invoice["periodEnd"], invoice["issueDate"]) == (
        "2027-03-10",
        "2027-03-10",
        None,
    )
    assert amounts(invoice) == (
        [("Workshop", "1200.00", "1800.00", "0.00", "1800.00")],
        "1800.00",
        "0.00",
        "1800.00",
    )
    assert mail_server.envelopes == []

    with clock.frozen(date(2027, 3, 11)):
        edited = (
            await api.query(
                UPDATE,
                id=invoice["id"],
                input={
                    "organizationId": str(customer.id),
                    "currency": "eur",
                    "dueDays": 14,
                    "billingEmail": "invoices@globex.com",
                    "billingEmailsCc": ["cfo@globex.com"],
                    "note": "PO 4711",
                    "lines": [
                        {
                            "name": "Workshop",
                            "price": "1200.00",
                            "quantity": "1.5",
                            "taxRate": "19",
                        },
                        # 2.50 x 5 % = 0.125: half-up is 0.13 (half-even would say 0.12).
                        {"name": "Stamps", "price": "2.50", "taxRate": "5"},
                        {"name": "Manuals", "price": "12.35", "quantity": "3", "taxRate": "7"},
                    ],
                },
            )
        )["invoiceUpdate"]
    assert edited["errors"] == []
    assert amounts(edited["invoice"]) == (
        [
            ("Workshop", "1200.00", "1800.00", "342.00", "2142.00"),
            ("Stamps", "2.50", "2.50", "0.13", "2.63"),
            ("Manuals", "12.35", "37.05", "2.59", "39.64"),
        ],
        "1839.55",
        "344.72",
        "2184.27",
    )
    assert edited["invoice"]["periodStart"] == "2027-03-11"
    assert edited["invoice"]["contract"] == {
        "name": "Workshop",
        "oneOff": True,
        "status": "ENDED",
        "currency": "EUR",
        "dueDays": 14,
        "billingEmail": "invoices@globex.com",
        "billingEmailsCc": ["cfo@globex.com"],
        "invoiceNote": "PO 4711",
        "paymentProviders": ["bank_transfer"],
        "autoCharge": False,
        "invoicingStartDate": "2027-03-11",
        "endDate": "2027-03-11",
        "nextInvoiceDate": None,
    }
    stored = await Contract.get(id=(await Invoice.get(id=invoice["id"])).contract_id)
    assert [
        (item.name, item.billed, item.currency, item.unit_price)
        for item in await ServiceLineItem.filter(contract=stored).order_by("created_at", "id")
    ] == [
        ("Workshop", "ONCE", "EUR", 120000),
        ("Stamps", "ONCE", "EUR", 250),
        ("Manuals", "ONCE", "EUR", 1235),
    ]
    assert {line["billed"] for line in edited["invoice"]["lines"]} == {"ONCE"}

    with clock.frozen(date(2027, 3, 12)):
        issued = (await api.query(ISSUE, id=invoice["id"]))["invoiceIssue"]
        await drain_jobs()
    assert issued["errors"] == []
    shown = issued["invoice"]
    assert {k: shown[k] for k in ("number", "status", "issueDate", "dueDate", "periodStart")} == {
        "number": "INV-000001",
        "status": "DUE",
        "issueDate": "2027-03-12",
        "dueDate": "2027-03-26",
        "periodStart": "2027-03-12",
    }
    assert shown["customer"] == {"name": "Globex", "email": "invoices@globex.com"}
    assert (shown["contract"]["invoicingStartDate"], shown["contract"]["endDate"]) == (
        "2027-03-12",
        "2027-03-12",
    )
    assert shown["amountDue"] == {"amount": "2184.27"}
    actor = factories.key_actor(key)
    assert [(e["type"], e["toStatus"], e["actor"]) for e in shown["events"]] == [
        ("created", "DRAFT", actor),
        ("status_changed", "DUE", actor),
    ]

    [(recipients, message)] = received(mail_server)
    assert recipients == ["invoices@globex.com", "cfo@globex.com"]
    assert message["Subject"] == "Invoice INV-000001 from Acme Corp"
    text = message.get_body(("plain",)).get_content()
    assert "PO 4711" in text
    assert "Period: March 12, 2027\r\n" in text
    pdf, xml = message.iter_attachments()
    assert xml.get_content_type() == "application/xml"
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    stored = await Invoice.get(id=invoice["id"])
    assert stored.sent_at is not None
    assert [option["provider"] for option in stored.payment_options] == ["bank_transfer"]

    with clock.frozen(date(2027, 3, 20)):
        paid = (await api.query(PAID, id=invoice["id"]))["invoiceStatusUpdate"]
    assert paid["errors"] == []
    assert (paid["invoice"]["status"], paid["invoice"]["amountDue"]) == ("PAID", {"amount": "0.00"})


async def test_jpy_lines_round_half_up_to_whole_yen(graphql):
    _, key, customer = await one_off_setup()

    result = (
        await graphql(key).query(
            CREATE,
            input={
                "organizationId": str(customer.id),
                "currency": "JPY",
                "lines": [
                    {"name": "Licence", "price": "1000", "quantity": "3", "taxRate": "10"},
                    # 333 x 0.5 = 166.5 -> 167; 167 x 8 % = 13.36 -> 13.
                    {"name": "Half day", "price": "333", "quantity": "0.5", "taxRate": "8"},
                ],
            },
        )
    )["invoiceCreate"]

    assert result["invoice"]["total"] == {"amount": "3480", "currency": "JPY"}
    assert amounts(result["invoice"]) == (
        [
            ("Licence", "1000", "3000", "300", "3300"),
            ("Half day", "333", "167", "13", "180"),
        ],
        "3167",
        "313",
        "3480",
    )


async def test_a_bhd_one_off_no_provider_takes_is_held_with_the_reason(graphql, mail_server):
    _, key, customer = await one_off_setup()
    api = graphql(key)
    drafted = (
        await api.query(
            CREATE,
            input={
                "organizationId": str(customer.id),
                "currency": "BHD",
                # 10.125 x 10 % = 1.0125 -> 1.013 (three places, half-up).
                "lines": [{"name": "Audit", "price": "10.125", "taxRate": "10"}],
            },
        )
    )["invoiceCreate"]["invoice"]
    assert amounts(drafted) == (
        [("Audit", "10.125", "10.125", "1.013", "11.138")],
        "10.125",
        "1.013",
        "11.138",
    )

    held = (await api.query(ISSUE, id=drafted["id"]))["invoiceIssue"]

    assert held["errors"] == []
    assert (held["invoice"]["status"], held["invoice"]["number"]) == ("ON_HOLD", None)
    assert held["invoice"]["holdReasons"] == [providers.no_taker_message(["bank_transfer"], "BHD")]
    assert mail_server.envelopes == []


async def test_a_draft_one_off_is_deleted_with_its_lines_and_contract(graphql):
    _, key, customer = await one_off_setup()
    api = graphql(key)
    drafted = (
        await api.query(
            CREATE,
            input={"organizationId": str(customer.id), "lines": [{"name": "A", "price": "1"}]},
        )
    )["invoiceCreate"]["invoice"]

    deleted = (await api.query(DELETE, id=drafted["id"]))["invoiceDelete"]

    assert deleted == {"deletedId": drafted["id"], "errors": []}
    assert await snapshot() == [[], [], [], [], []]


def refused(field, code, message) -> dict:
    return {"invoice": None, "errors": [{"field": field, "code": code, "message": message}]}


async def test_bad_one_off_input_is_refused_and_changes_nothing(graphql):
    _, key, customer = await one_off_setup()
    api = graphql(key)
    unknown = str(uuid4())
    line = {"name": "Workshop", "price": "100.00"}
    cases = [
        (
            {"organizationId": unknown, "lines": [line]},
            refused(
                ["input", "organizationId"], "NOT_FOUND", f"No organization with id {unknown}."
            ),
        ),
        (
            {"organizationId": str(customer.id), "lines": []},
            refused(["input", "lines"], "REQUIRED", "Add at least one line."),
        ),
        (
            {"organizationId": str(customer.id), "lines": [{**line, "taxRate": "100.5"}]},
            refused(
                ["input", "lines", "0", "taxRate"],
                "INVALID",
                "A tax rate is a percentage from 0 to 100.",
            ),
        ),
        (
            {
                "organizationId": str(customer.id),
                "currency": "JPY",
                "lines": [{**line, "price": "100.5"}],
            },
            refused(
                ["input", "lines", "0", "price"],
                "INVALID",
                "JPY amounts have at most 0 decimal places; 100.5 has more.",
            ),
        ),
        (
            {"organizationId": str(customer.id), "note": "n" * 2001, "lines": [line]},
            refused(["input", "note"], "INVALID", "At most 2000 characters."),
        ),
        (
            {"organizationId": str(customer.id), "lines": [line, {"name": " ", "price": "-1"}]},
            {
                "invoice": None,
                "errors": [
                    {
                        "field": ["input", "lines", "1", "name"],
                        "code": "INVALID",
                        "message": "This cannot be blank.",
                    },
                    {
                        "field": ["input", "lines", "1", "price"],
                        "code": "INVALID",
                        "message": "The price cannot be negative.",
                    },
                ],
            },
        ),
    ]
    for given, answer in cases:
        assert (await api.query(CREATE, input=given))["invoiceCreate"] == answer, given

    bad_currency = (
        await api.query(
            CREATE, input={"organizationId": str(customer.id), "currency": "EUX", "lines": [line]}
        )
    )["invoiceCreate"]
    assert bad_currency["invoice"] is None
    assert [(e["field"], e["code"]) for e in bad_currency["errors"]] == [
        (["input", "currency"], "INVALID")
    ]
    everything_wrong = (
        await api.query(
            CREATE,
            input={"organizationId": unknown, "dueDays": 400, "lines": [{**line, "price": "-5"}]},
        )
    )["invoiceCreate"]
    assert [(e["field"], e["code"]) for e in everything_wrong["errors"]] == [
        (["input", "organizationId"], "NOT_FOUND"),
        (["input", "dueDays"], "INVALID"),
        (["input", "lines", "0", "price"], "INVALID"),
    ]
    assert await snapshot() == [[], [], [], [], []]


async def test_only_a_draft_one_off_changes_and_never_a_contract_invoice(graphql, drain_jobs):
    tenant, key, customer = await one_off_setup()
    api = graphql(key)
    given = {"organizationId": str(customer.id), "lines": [{"name": "A", "price": "5.00"}]}
    one_off = (await api.query(CREATE, input=given))["invoiceCreate"]["invoice"]
    await api.query(ISSUE, id=one_off["id"])
    contract = await factories.live_contract(tenant, date(2027, 1, 1), organization_name="Initech")
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    from_contract = await Invoice.get(contract=contract)
    before = await snapshot()

    for invoice_id, code, message in (
        (
            one_off["id"],
            "INVALID_TRANSITION",
            "Only a DRAFT invoice can be changed; this one is DUE.",
        ),
        (
            str(from_contract.id),
            "CONFLICT",
            "This invoice is a recurring contract's: change the contract, not its invoice.",
        ),
    ):
        answer = refused(["id"], code, message)
        assert (await api.query(UPDATE, id=invoice_id, input=given))["invoiceUpdate"] == answer
        assert (await api.query(ISSUE, id=invoice_id))["invoiceIssue"] == answer
        assert (await api.query(DELETE, id=invoice_id))["invoiceDelete"] == {
            "deletedId": None,
            "errors": answer["errors"],
        }

    assert await snapshot() == before


async def test_contract_invoice_now_twice_and_then_the_cycle_make_one_invoice(graphql, drain_jobs):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    api = graphql(key)

    with clock.frozen(date(2027, 1, 1)):
        first = (await api.query(NOW, id=str(contract.id)))["contractInvoiceNow"]
        second = (await api.query(NOW, id=str(contract.id)))["contractInvoiceNow"]
        await cycle.plan(date(2027, 1, 1))
        await drain_jobs()

    assert first["errors"] == []
    assert (first["invoice"]["number"], first["invoice"]["status"]) == ("INV-000001", "DUE")
    assert first["invoice"]["total"] == {"amount": "1299.88", "currency": "EUR"}
    assert (first["invoice"]["contract"]["name"], first["invoice"]["contract"]["oneOff"]) == (
        "Globex deal",
        False,
    )
    assert second == refused(
        ["id"], "NOT_READY", "Nothing is due today: the next invoice is on 2027-02-01."
    )
    assert await Invoice.filter(contract=contract).count() == 1


async def test_contract_invoice_now_refuses_what_is_not_due(graphql):
    tenant, key = await factories.ready_tenant()
    later = await factories.live_contract(tenant, date(2027, 2, 1), organization_name="Later")
    ended = await factories.live_contract(tenant, date(2027, 1, 1), organization_name="Ended")
    await ended.filter(id=ended.id).update(status=ContractStatus.ENDED)
    drafted = await factories.live_contract(tenant, date(2027, 1, 1), organization_name="Draft")
    await drafted.filter(id=drafted.id).update(status=ContractStatus.DRAFT)
    api = graphql(key)
    before = await snapshot()

    with clock.frozen(date(2027, 1, 15)):
        answers = [
            (await api.query(NOW, id=str(contract.id)))["contractInvoiceNow"]
            for contract in (later, ended, drafted)
        ]

    assert answers == [
        refused(["id"], "NOT_READY", "Nothing is due today: the next invoice is on 2027-02-01."),
        refused(
            ["id"], "INVALID_TRANSITION", "Only a LIVE contract is invoiced; this one is ENDED."
        ),
        refused(
            ["id"], "INVALID_TRANSITION", "Only a LIVE contract is invoiced; this one is DRAFT."
        ),
    ]
    assert await snapshot() == before


VOID = f"""mutation($id: ID!) {{
  invoiceStatusUpdate(id: $id, input: {{status: VOID}}) {{ {PAYLOAD} }} }}"""


async def test_a_voided_one_off_says_so_on_its_page_pdf_and_email(
    api, graphql, drain_jobs, mail_server
):
    _, key, customer = await one_off_setup()
    client = graphql(key)
    given = {"organizationId": str(customer.id), "lines": [{"name": "Audit", "price": "750.00"}]}
    with clock.frozen(date(2027, 3, 10)):
        drafted = (await client.query(CREATE, input=given))["invoiceCreate"]["invoice"]
        await client.query(ISSUE, id=drafted["id"])
        await drain_jobs()
        voided = (await client.query(VOID, id=drafted["id"]))["invoiceStatusUpdate"]
        await drain_jobs()
    token = (await Invoice.get(id=drafted["id"])).public_token

    assert (voided["invoice"]["status"], voided["errors"]) == ("VOID", [])
    page = (await api.get(f"/i/{token}")).text
    assert "Invoice void" in page and "No amount due" in page
    assert "This invoice was cancelled: nothing is owed under it." in page
    assert "Due April 9, 2027" not in page
    pdf = await api.get(f"/i/{token}.pdf")
    assert (pdf.status_code, pdf.content[:4]) == (200, b"%PDF")
    shown = await delivery.document(await Invoice.get(id=drafted["id"]))
    printed = documents.render_html(shown, for_pdf=True)
    assert "Invoice void" in printed and "None: void" in printed
    assert "Due April 9, 2027" not in printed
    [_, (recipients, notice)] = received(mail_server)
    assert recipients == ["ap@globex.com"]
    assert notice["Subject"] == "Invoice INV-000001 from Acme Corp is void"
    assert "Nothing is owed under this invoice: please do not pay it." in (
        notice.get_body(("plain",)).get_content()
    )


ONE_OFF_REFUSED = "This contract belongs to a one-off invoice: change it with invoiceUpdate."
ERRORS = "errors { field code message }"
ITEM_INPUT = '{name: "Extra", price: "1.00", billed: ONCE}'
CONTRACT_CALLS = [
    ("contractUpdate", f'contractUpdate(id: $id, input: {{name: "Renamed"}}) {{ {ERRORS} }}'),
    ("contractGoLive", f"contractGoLive(id: $id) {{ {ERRORS} }}"),
    ("contractEnd", f'contractEnd(id: $id, endDate: "2027-12-31") {{ {ERRORS} }}'),
    ("contractDelete", f"contractDelete(id: $id) {{ {ERRORS} }}"),
    ("contractCatchUpConfirm", f"contractCatchUpConfirm(id: $id) {{ {ERRORS} }}"),
    ("contractInvoiceNow", f"contractInvoiceNow(id: $id) {{ {ERRORS} }}"),
    (
        "serviceLineItemAdd",
        f"serviceLineItemAdd(contractId: $id, input: {ITEM_INPUT}) {{ {ERRORS} }}",
    ),
]
ITEM_CALLS = [
    (
        "serviceLineItemUpdate",
        f"serviceLineItemUpdate(id: $id, input: {ITEM_INPUT}) {{ {ERRORS} }}",
    ),
    ("serviceLineItemRemove", f"serviceLineItemRemove(id: $id) {{ {ERRORS} }}"),
]
LISTED = """query($org: ID!, $id: ID!) {
  contract(id: $id) { upcomingInvoice { total { amount } } invoices { edges { node { id } } } }
  contracts { edges { node { name oneOff } } }
  recurring: contracts(filter: {oneOff: false}) { edges { node { name } } }
  oneOffs: contracts(filter: {oneOff: true}) { edges { node { name } } }
  organization(id: $org) { contracts { edges { node { name oneOff } } } } }"""


async def test_the_contract_api_refuses_a_one_off_contract_and_changes_nothing(graphql):
    tenant, key, customer = await one_off_setup()
    await factories.live_contract(tenant, date(2027, 1, 1), organization_name="Initech")
    api = graphql(key)
    given = {"organizationId": str(customer.id), "lines": [{"name": "Audit", "price": "750.00"}]}
    drafted = (await api.query(CREATE, input=given))["invoiceCreate"]["invoice"]
    contract = await Contract.get(id=(await Invoice.get(id=drafted["id"])).contract_id)
    item = await ServiceLineItem.get(contract=contract)
    before = await snapshot()

    for calls, target, field in (
        (CONTRACT_CALLS, contract.id, "id"),
        (ITEM_CALLS, item.id, "id"),
    ):
        for name, call in calls:
            argument = "contractId" if name == "serviceLineItemAdd" else field
            answer = (await api.query(f"mutation($id: ID!) {{ {call} }}", id=str(target)))[name]
            assert answer == {
                "errors": [{"field": [argument], "code": "CONFLICT", "message": ONE_OFF_REFUSED}]
            }, name

    assert await snapshot() == before
    listed = await api.query(LISTED, org=str(customer.id), id=str(contract.id))
    # Its one ONCE invoice is drafted: the cycle's dry run finds nothing more to bill.
    assert listed["contract"] == {
        "upcomingInvoice": None,
        "invoices": {"edges": [{"node": {"id": drafted["id"]}}]},
    }
    one_off = {"node": {"name": "Audit", "oneOff": True}}
    assert one_off in listed["contracts"]["edges"] and len(listed["contracts"]["edges"]) == 2
    assert listed["organization"]["contracts"]["edges"] == [one_off]
    assert listed["recurring"]["edges"] == [{"node": {"name": "Initech deal"}}]
    assert listed["oneOffs"]["edges"] == [{"node": {"name": "Audit"}}]
