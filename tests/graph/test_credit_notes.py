from datetime import date

import pytest

from remit.billing import cycle, providers
from remit.models.credit_notes import CreditNote, CreditNoteLine
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent, InvoiceNumberSequence
from remit.models.jobs import OutboxJob
from remit.models.users import UserRole
from tests import factories
from tests.billing.test_credit_notes import BANK_ACCOUNTS

MONEY = "amount currency formatted"
CREDIT_NOTE = f"""id number issueDate reason currency refund publicUrl pdfUrl createdBy
  subtotal {{ {MONEY} }} tax {{ {MONEY} }} total {{ {MONEY} }}
  lines {{ invoiceLineId name quantity unitPrice {{ amount }} subtotal {{ amount }} taxRate
           tax {{ amount }} total {{ amount }} }}
  invoice {{ number }} organization {{ name }}"""
CREATE = f"""mutation($input: CreditNoteInput!) {{
  creditNoteCreate(input: $input) {{
    creditNote {{ {CREDIT_NOTE} }}
    errors {{ field code message }}
  }}
}}"""
LINES = "{ lines { id name } }"


async def issued(drain_jobs, *, currency="EUR", items=None, name="Globex", tenant=None, key=None):
    if tenant is None:
        tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(
        tenant, date(2027, 1, 1), items=items, organization_name=name, currency=currency
    )
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return tenant, key, await Invoice.get(contract=contract)


async def line_ids(client, invoice) -> dict[str, str]:
    data = await client.query(f'{{ invoice(id: "{invoice.id}") {LINES} }}')
    return {line["name"]: line["id"] for line in data["invoice"]["lines"]}


async def snapshot() -> tuple:
    return (
        await CreditNote.all().count(),
        await CreditNoteLine.all().count(),
        await InvoiceEvent.all().count(),
        await OutboxJob.all().count(),
        sorted(await InvoiceNumberSequence.all().values_list("series", "last_number")),
    )


async def test_a_credit_note_is_created_and_reads_back_in_full(graphql, drain_jobs, settings):
    _, key, invoice = await issued(drain_jobs)
    client = graphql(key)
    lines = await line_ids(client, invoice)

    data = await client.query(
        CREATE,
        input={
            "invoiceId": str(invoice.id),
            "reason": "Three seats were never used.",
            "lines": [
                {"invoiceLineId": lines["Seats"], "quantity": "3"},
                {"invoiceLineId": lines["Setup"], "amount": "120.00"},
            ],
        },
    )

    result = data["creditNoteCreate"]
    assert result["errors"] == []
    note = result["creditNote"]
    row = await CreditNote.get(id=note["id"])
    assert {k: v for k, v in note.items() if k != "id"} == {
        "number": "INV-CN-000001",
        "issueDate": row.issue_date.isoformat(),
        "reason": "Three seats were never used.",
        "currency": "EUR",
        "refund": False,
        "publicUrl": f"{settings.public_url}/c/{row.public_token}",
        "pdfUrl": f"{settings.public_url}/c/{row.public_token}.pdf",
        "createdBy": factories.key_actor(key),
        "subtotal": {"amount": "249.97", "currency": "EUR", "formatted": "€249.97"},
        "tax": {"amount": "49.99", "currency": "EUR", "formatted": "€49.99"},
        "total": {"amount": "299.96", "currency": "EUR", "formatted": "€299.96"},
        "lines": [
            {
                "invoiceLineId": lines["Seats"],
                "name": "Seats",
                "quantity": "3",
                "unitPrice": {"amount": "49.99"},
                "subtotal": {"amount": "149.97"},
                "taxRate": "20",
                "tax": {"amount": "29.99"},
                "total": {"amount": "179.96"},
            },
            {
                "invoiceLineId": lines["Setup"],
                "name": "Setup",
                "quantity": None,
                "unitPrice": {"amount": "500.00"},
                "subtotal": {"amount": "100.00"},
                "taxRate": "20",
                "tax": {"amount": "20.00"},
                "total": {"amount": "120.00"},
            },
        ],
        "invoice": {"number": "INV-000001"},
        "organization": {"name": "Globex"},
    }

    read = await client.query(
        f"""{{ creditNote(id: "{note["id"]}") {{ number }}
             invoice(id: "{invoice.id}") {{ creditNotes {{ number total {{ amount }} }} }} }}"""
    )
    assert read["creditNote"] == {"number": "INV-CN-000001"}
    assert read["invoice"]["creditNotes"] == [
        {"number": "INV-CN-000001", "total": {"amount": "299.96"}}
    ]


@pytest.mark.parametrize(
    ("currency", "price", "quantity", "credit", "expected"),
    [
        # 3 x 1000 at 10%: one unit is 1000 + 100.
        ("JPY", "1000", "3", {"quantity": "1"}, ("1000", "100", "1100")),
        # 555 / 1.1 = 504.545... -> 505 before tax.
        ("JPY", "1000", "3", {"amount": "555"}, ("505", "50", "555")),
        # 10% of 12.345 is 1.2345 -> 1.235.
        ("BHD", "12.345", "2", {"quantity": "1"}, ("12.345", "1.235", "13.580")),
        ("EUR", "49.99", "10", {"amount": "0.01"}, ("0.01", "0.00", "0.01")),
    ],
)
async def test_amounts_are_exact_in_each_currency(
    graphql, drain_jobs, currency, price, quantity, credit, expected
):
    tenant, key = await factories.ready_tenant()
    await providers.configure(tenant, "bank_transfer", enabled=True, settings=BANK_ACCOUNTS)
    items = [
        {
            "name": "Item",
            "price": price,
            "quantity": quantity,
            "billed": "MONTHLY",
            "tax_rate": "10",
        }
    ]
    _, _, invoice = await issued(drain_jobs, items=items, currency=currency, tenant=tenant, key=key)
    client = graphql(key)
    lines = await line_ids(client, invoice)

    data = await client.query(
        CREATE,
        input={
            "invoiceId": str(invoice.id),
            "reason": "Correction",
            "lines": [{"invoiceLineId": lines["Item"], **credit}],
        },
    )

    note = data["creditNoteCreate"]["creditNote"]
    assert (note["subtotal"]["amount"], note["tax"]["amount"], note["total"]["amount"]) == expected


async def test_a_full_credit_and_then_nothing_more(graphql, drain_jobs):
    _, key, invoice = await issued(drain_jobs)
    client = graphql(key)
    full = {"invoiceId": str(invoice.id), "reason": "Cancelled", "fullCredit": True}

    first = (await client.query(CREATE, input=full))["creditNoteCreate"]
    before = await snapshot()
    second = (await client.query(CREATE, input=full))["creditNoteCreate"]

    assert first["creditNote"]["total"]["amount"] == "1299.88"
    assert [line["quantity"] for line in first["creditNote"]["lines"]] == ["10", "1", "1"]
    assert second == {
        "creditNote": None,
        "errors": [
            {
                "field": ["input", "invoiceId"],
                "code": "INVALID_TRANSITION",
                "message": "Only an issued invoice (DUE, OVERDUE or PAID) can be credited; "
                "this one is VOID.",
            }
        ],
    }
    assert await snapshot() == before


async def test_every_refusal_is_a_typed_error_on_its_field_and_changes_nothing(graphql, drain_jobs):
    tenant, key, invoice = await issued(drain_jobs)
    _, _, other_invoice = await issued(drain_jobs, tenant=tenant, key=key, name="Initech")
    _, stranger_key, strangers = await issued(drain_jobs)
    client = graphql(key)
    lines = await line_ids(client, invoice)
    other_lines = await line_ids(client, other_invoice)
    seats = lines["Seats"]

    def request(*credits, **fields):
        return {
            "invoiceId": str(invoice.id),
            "reason": "Correction",
            "lines": list(credits),
            **fields,
        }

    cases = [
        (
            request({"invoiceLineId": seats, "quantity": "11"}),
            ["input", "lines", "0", "quantity"],
            "INVALID",
            "At most 10 of this line's quantity 10 can still be credited.",
        ),
        (
            request({"invoiceLineId": seats, "amount": "599.89"}),
            ["input", "lines", "0", "amount"],
            "INVALID",
            "At most €599.88 can still be credited on this line.",
        ),
        (
            request({"invoiceLineId": str(invoice.id), "quantity": "1"}),
            ["input", "lines", "0", "invoiceLineId"],
            "NOT_FOUND",
            f"No invoice line with id {invoice.id}.",
        ),
        (
            request({"invoiceLineId": other_lines["Seats"], "quantity": "1"}),
            ["input", "lines", "0", "invoiceLineId"],
            "NOT_FOUND",
            f"No invoice line with id {other_lines['Seats']}.",
        ),
        (
            request({"invoiceLineId": seats, "quantity": "1", "amount": "1"}),
            ["input", "lines", "0"],
            "INVALID",
            "Give either a quantity or an amount to credit.",
        ),
        (
            request({"invoiceLineId": seats}),
            ["input", "lines", "0"],
            "INVALID",
            "Give either a quantity or an amount to credit.",
        ),
        (
            request({"invoiceLineId": seats, "quantity": "-1"}),
            ["input", "lines", "0", "quantity"],
            "INVALID",
            "The quantity must be more than zero.",
        ),
        (
            request({"invoiceLineId": seats, "amount": "0"}),
            ["input", "lines", "0", "amount"],
            "INVALID",
            "The amount must be more than zero.",
        ),
        (
            request({"invoiceLineId": seats, "amount": "-5.00"}),
            ["input", "lines", "0", "amount"],
            "INVALID",
            "The amount must be more than zero.",
        ),
        (
            request({"invoiceLineId": seats, "amount": "1.005"}),
            ["input", "lines", "0", "amount"],
            "INVALID",
            "EUR amounts have at most 2 decimal places; 1.005 has more.",
        ),
        (
            request({"invoiceLineId": seats, "quantity": "1.0000001"}),
            ["input", "lines", "0", "quantity"],
            "INVALID",
            "At most 6 decimal places and below 10^12.",
        ),
        (
            request(),
            ["input", "lines"],
            "INVALID",
            "Give at least one line to credit, or credit the full invoice.",
        ),
        (
            request({"invoiceLineId": seats, "quantity": "1"}, reason=" "),
            ["input", "reason"],
            "INVALID",
            "This cannot be blank.",
        ),
        (
            {"invoiceId": str(strangers.id), "reason": "Not mine", "fullCredit": True},
            ["input", "invoiceId"],
            "NOT_FOUND",
            f"No invoice with id {strangers.id}.",
        ),
        (
            {"invoiceId": "nonsense", "reason": "Not an id", "fullCredit": True},
            ["input", "invoiceId"],
            "NOT_FOUND",
            "No invoice with id nonsense.",
        ),
    ]
    before = await snapshot()

    for given, field, code, message in cases:
        data = await client.query(CREATE, input=given)
        assert data["creditNoteCreate"] == {
            "creditNote": None,
            "errors": [{"field": field, "code": code, "message": message}],
        }, given
    for status in (InvoiceStatus.DRAFT, InvoiceStatus.ON_HOLD, InvoiceStatus.VOID):
        await Invoice.filter(id=other_invoice.id).update(status=status)
        data = await client.query(
            CREATE, input={"invoiceId": str(other_invoice.id), "reason": "X", "fullCredit": True}
        )
        assert data["creditNoteCreate"]["errors"] == [
            {
                "field": ["input", "invoiceId"],
                "code": "INVALID_TRANSITION",
                "message": "Only an issued invoice (DUE, OVERDUE or PAID) can be credited; "
                f"this one is {status}.",
            }
        ]

    assert await snapshot() == before
    # The stranger's invoice is still wholly creditable by its own tenant.
    own = await graphql(stranger_key).query(
        CREATE, input={"invoiceId": str(strangers.id), "reason": "Mine", "fullCredit": True}
    )
    assert own["creditNoteCreate"]["creditNote"]["number"] == "INV-CN-000001"


async def test_credit_notes_are_listed_newest_first_and_filtered(graphql, drain_jobs):
    tenant, key, invoice = await issued(drain_jobs)
    _, _, other_invoice = await issued(drain_jobs, tenant=tenant, key=key, name="Initech")
    _, stranger_key, strangers = await issued(drain_jobs)
    client = graphql(key)
    lines = await line_ids(client, invoice)
    for _ in range(3):
        await client.query(
            CREATE,
            input={
                "invoiceId": str(invoice.id),
                "reason": "Seat",
                "lines": [{"invoiceLineId": lines["Seats"], "quantity": "1"}],
            },
        )
    await client.query(
        CREATE, input={"invoiceId": str(other_invoice.id), "reason": "All", "fullCredit": True}
    )
    await graphql(stranger_key).query(
        CREATE, input={"invoiceId": str(strangers.id), "reason": "All", "fullCredit": True}
    )
    listing = """query($first: Int!, $after: String, $filter: CreditNoteFilter) {
      creditNotes(first: $first, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { number } }
      }
    }"""

    page = (await client.query(listing, first=3))["creditNotes"]
    rest = (await client.query(listing, first=3, after=page["pageInfo"]["endCursor"]))[
        "creditNotes"
    ]
    of_invoice = (await client.query(listing, first=10, filter={"invoiceId": str(invoice.id)}))[
        "creditNotes"
    ]
    organization_id = str(other_invoice.organization_id)
    of_organization = (
        await client.query(listing, first=10, filter={"organizationId": organization_id})
    )["creditNotes"]

    assert page["totalCount"] == 4
    assert [edge["node"]["number"] for edge in page["edges"]] == [
        "INV-CN-000004",
        "INV-CN-000003",
        "INV-CN-000002",
    ]
    assert page["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["number"] for edge in rest["edges"]] == ["INV-CN-000001"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert of_invoice["totalCount"] == 3
    assert [edge["node"]["number"] for edge in of_organization["edges"]] == ["INV-CN-000004"]
    # Another tenant's credit note is not found.
    stranger_note = await CreditNote.get(invoice_id=strangers.id)
    assert (await client.query(f'{{ creditNote(id: "{stranger_note.id}") {{ id }} }}')) == {
        "creditNote": None
    }


async def test_the_credit_note_prefix_is_a_setting(graphql, drain_jobs):
    _, key, invoice = await issued(drain_jobs)
    client = graphql(key)
    update = """mutation($input: InvoicingSettingsInput!) {
      invoicingSettingsUpdate(input: $input) {
        settings { creditNoteNumberPrefix } errors { field code message }
      }
    }"""

    default = await client.query("{ invoicingSettings { creditNoteNumberPrefix } }")
    bad = await client.query(update, input={"creditNoteNumberPrefix": "CN 1"})
    changed = await client.query(update, input={"creditNoteNumberPrefix": "GS"})
    created = await client.query(
        CREATE, input={"invoiceId": str(invoice.id), "reason": "All", "fullCredit": True}
    )
    reset = await client.query(update, input={"creditNoteNumberPrefix": None})

    assert default == {"invoicingSettings": {"creditNoteNumberPrefix": "INV-CN"}}
    assert bad["invoicingSettingsUpdate"]["errors"] == [
        {
            "field": ["input", "creditNoteNumberPrefix"],
            "code": "INVALID",
            "message": "'CN 1' is not a prefix: use 1 to 20 letters, digits and dashes.",
        }
    ]
    assert changed["invoicingSettingsUpdate"]["settings"] == {"creditNoteNumberPrefix": "GS"}
    assert created["creditNoteCreate"]["creditNote"]["number"] == "GS-000001"
    assert reset["invoicingSettingsUpdate"]["settings"] == {"creditNoteNumberPrefix": "INV-CN"}


async def test_a_viewer_may_not_credit(console, drain_jobs):
    tenant, _, invoice = await issued(drain_jobs)
    await factories.user(tenant, "viewer@acme.com", UserRole.VIEWER)
    viewer = await console("viewer@acme.com", factories.PASSWORD)
    before = await snapshot()

    data = await viewer.query(
        CREATE, input={"invoiceId": str(invoice.id), "reason": "No", "fullCredit": True}
    )

    assert data["creditNoteCreate"] == {
        "creditNote": None,
        "errors": [
            {
                "field": None,
                "code": "FORBIDDEN",
                "message": "A VIEWER may not change organizations, contracts or invoices.",
            }
        ],
    }
    assert await snapshot() == before
