from datetime import date

import pytest

from remit.billing import clock
from remit.models.contracts import Contract, ServiceLineItem
from remit.models.enums import ContractStatus
from remit.models.invoices import Invoice, InvoiceLine
from tests import factories
from tests.graph.test_settings import CONFIGURE, STRIPE, UPDATE, make_ready

ITEM = "id name price { amount currency formatted } quantity billed taxRate startDate endDate"
CONTRACT = f"""id name status currency billingCycle invoicingStartDate nextInvoiceDate endDate dueDays billingEmail billingEmailsCc
  invoiceNote paymentProviders autoCharge organization {{ id name }} serviceLineItems {{ {ITEM} }}"""
MONEY = "amount currency formatted"
PREVIEW = f"""upcomingInvoice {{ periodStart periodEnd issueDate dueDate subtotal {{ {MONEY} }} tax {{ {MONEY} }} total {{ {MONEY} }}
  lines {{ name billed quantity unitPrice {{ amount }} subtotal {{ amount }} taxRate tax {{ amount }} total {{ amount }} }} }}"""
ERRORS = "errors { field message code }"
CREATE = f"mutation($input: ContractInput!) {{ contractCreate(input: $input) {{ contract {{ {CONTRACT} }} {ERRORS} }} }}"
UPDATE_CONTRACT = f"mutation($id: ID!, $input: ContractInput!) {{ contractUpdate(id: $id, input: $input) {{ contract {{ {CONTRACT} }} {ERRORS} }} }}"
ADD = f"mutation($id: ID!, $input: ServiceLineItemInput!) {{ serviceLineItemAdd(contractId: $id, input: $input) {{ contract {{ serviceLineItems {{ {ITEM} }} }} {ERRORS} }} }}"
ITEM_UPDATE = f"mutation($id: ID!, $input: ServiceLineItemInput!) {{ serviceLineItemUpdate(id: $id, input: $input) {{ contract {{ serviceLineItems {{ {ITEM} }} }} {ERRORS} }} }}"
ITEM_REMOVE = f"mutation($id: ID!) {{ serviceLineItemRemove(id: $id) {{ contract {{ serviceLineItems {{ {ITEM} }} }} {ERRORS} }} }}"
GO_LIVE = f"mutation($id: ID!) {{ contractGoLive(id: $id) {{ contract {{ status nextInvoiceDate }} {ERRORS} }} }}"
END = f"mutation($id: ID!, $end: Date!) {{ contractEnd(id: $id, endDate: $end) {{ contract {{ status endDate }} {ERRORS} }} }}"
DELETE = f"mutation($id: ID!) {{ contractDelete(id: $id) {{ deletedId {ERRORS} }} }}"


async def contract_rows() -> list:
    contracts = await Contract.all().order_by("created_at").values()
    items = await ServiceLineItem.all().order_by("created_at").values()
    for row in contracts + items:
        row.pop("updated_at")
    return [contracts, items]


async def setup_tenant(graphql, *, currency="EUR"):
    tenant, key = await factories.tenant()
    client = graphql(key)
    await make_ready(client)
    await client.query(UPDATE, input={"defaultCurrency": currency})
    organization = await factories.organization(tenant)
    return tenant, client, organization


async def draft(client, organization, **fields) -> dict:
    result = (
        await client.query(
            CREATE, input={"organizationId": str(organization.id), "name": "Support", **fields}
        )
    )["contractCreate"]
    assert result["errors"] == []
    return result["contract"]


async def add(client, contract_id, **item) -> dict:
    result = (await client.query(ADD, id=contract_id, input=item))["serviceLineItemAdd"]
    assert result["errors"] == [], result["errors"]
    return result["contract"]


async def test_a_new_contract_is_a_draft_with_the_tenants_defaults(graphql):
    _, client, organization = await setup_tenant(graphql)

    contract = await draft(client, organization)

    assert {
        k: contract[k]
        for k in (
            "name",
            "status",
            "currency",
            "billingCycle",
            "dueDays",
            "paymentProviders",
            "autoCharge",
            "nextInvoiceDate",
        )
    } == {
        "name": "Support",
        "status": "DRAFT",
        "currency": "EUR",
        "billingCycle": "MONTHLY",
        "dueDays": 30,
        "paymentProviders": ["bank_transfer"],
        "autoCharge": False,
        "nextInvoiceDate": None,
    }
    assert contract["organization"] == {"id": str(organization.id), "name": "Globex"}


async def worked_example(client, organization) -> dict:
    contract = await draft(
        client, organization, invoicingStartDate="2027-01-01", billingEmail="ap@globex.com"
    )
    await add(
        client,
        contract["id"],
        name="Seats",
        price="49.99",
        quantity="10",
        billed="MONTHLY",
        taxRate="20",
    )
    await add(client, contract["id"], name="Setup", price="500.00", billed="ONCE", taxRate="20")
    await add(
        client, contract["id"], name="Support", price="1200.00", billed="ANNUALLY", taxRate="0"
    )
    return contract


async def test_the_worked_example_previews_to_the_cent(graphql):
    _, client, organization = await setup_tenant(graphql)
    contract = await worked_example(client, organization)

    preview = (await client.query(f'{{ contract(id: "{contract["id"]}") {{ {PREVIEW} }} }}'))[
        "contract"
    ]["upcomingInvoice"]

    assert preview == {
        "periodStart": "2027-01-01",
        "periodEnd": "2027-01-31",
        "issueDate": "2027-01-01",
        "dueDate": "2027-01-31",
        "subtotal": {"amount": "1099.90", "currency": "EUR", "formatted": "€1,099.90"},
        "tax": {"amount": "199.98", "currency": "EUR", "formatted": "€199.98"},
        "total": {"amount": "1299.88", "currency": "EUR", "formatted": "€1,299.88"},
        "lines": [
            {
                "name": "Seats",
                "billed": "MONTHLY",
                "quantity": "10",
                "unitPrice": {"amount": "49.99"},
                "subtotal": {"amount": "499.90"},
                "taxRate": "20",
                "tax": {"amount": "99.98"},
                "total": {"amount": "599.88"},
            },
            {
                "name": "Setup",
                "billed": "ONCE",
                "quantity": "1",
                "unitPrice": {"amount": "500.00"},
                "subtotal": {"amount": "500.00"},
                "taxRate": "20",
                "tax": {"amount": "100.00"},
                "total": {"amount": "600.00"},
            },
            {
                "name": "Support",
                "billed": "ANNUALLY",
                "quantity": "1",
                "unitPrice": {"amount": "100.00"},
                "subtotal": {"amount": "100.00"},
                "taxRate": "0",
                "tax": {"amount": "0.00"},
                "total": {"amount": "100.00"},
            },
        ],
    }


async def test_the_second_period_no_longer_has_the_setup_fee(graphql):
    tenant, client, organization = await setup_tenant(graphql)
    contract = await worked_example(client, organization)
    row = await Contract.get(id=contract["id"])
    setup = await ServiceLineItem.get(contract=row, name="Setup")
    # The first invoice, as the cycle will have issued it, with its one-time line.
    first = await Invoice.create(
        tenant=tenant,
        contract=row,
        organization=organization,
        currency="EUR",
        public_token="t1",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 1, 31),
    )
    await InvoiceLine.create(
        invoice=first,
        position=1,
        service_line_item=setup,
        name="Setup",
        billed="ONCE",
        quantity=1,
        currency="EUR",
        unit_price=50000,
        subtotal=50000,
        tax_rate=20,
        tax=10000,
        total=60000,
    )
    await Contract.filter(id=row.id).update(
        status=ContractStatus.LIVE, next_invoice_date=date(2027, 2, 1)
    )

    preview = (await client.query(f'{{ contract(id: "{contract["id"]}") {{ {PREVIEW} }} }}'))[
        "contract"
    ]["upcomingInvoice"]

    assert (preview["periodStart"], preview["periodEnd"]) == ("2027-02-01", "2027-02-28")
    assert (
        preview["subtotal"]["amount"],
        preview["tax"]["amount"],
        preview["total"]["amount"],
    ) == ("599.90", "99.98", "699.88")
    assert [line["name"] for line in preview["lines"]] == ["Seats", "Support"]


@pytest.mark.parametrize(
    ("currency", "price", "quantity", "tax", "expected"),
    [
        ("JPY", "1999", "3", "10", ("5997", "600", "6597")),
        ("BHD", "1.333", "2.5", "5", ("3.333", "0.167", "3.500")),
    ],
)
async def test_currencies_round_to_their_own_minor_units(
    graphql, currency, price, quantity, tax, expected
):
    _, client, organization = await setup_tenant(graphql, currency=currency)
    contract = await draft(client, organization, invoicingStartDate="2027-01-01")
    await add(
        client,
        contract["id"],
        name="Units",
        price=price,
        quantity=quantity,
        billed="MONTHLY",
        taxRate=tax,
    )

    preview = (await client.query(f'{{ contract(id: "{contract["id"]}") {{ {PREVIEW} }} }}'))[
        "contract"
    ]["upcomingInvoice"]

    assert (
        preview["subtotal"]["amount"],
        preview["tax"]["amount"],
        preview["total"]["amount"],
    ) == expected
    assert preview["total"]["currency"] == currency


async def test_no_preview_without_a_start_date_or_items(graphql):
    _, client, organization = await setup_tenant(graphql)
    undated = await draft(client, organization)
    empty = await draft(client, organization, invoicingStartDate="2027-01-01")

    for contract in (undated, empty):
        read = await client.query(
            f'{{ contract(id: "{contract["id"]}") {{ upcomingInvoice {{ total {{ amount }} }} }} }}'
        )
        assert read["contract"]["upcomingInvoice"] is None


@pytest.mark.parametrize(
    ("item", "error"),
    [
        (
            {"price": "10.001"},
            {
                "field": ["input", "price"],
                "code": "INVALID",
                "message": "EUR amounts have at most 2 decimal places; 10.001 has more.",
            },
        ),
        (
            {"price": "-5"},
            {
                "field": ["input", "price"],
                "code": "INVALID",
                "message": "The price cannot be negative.",
            },
        ),
        (
            {"quantity": "-1"},
            {
                "field": ["input", "quantity"],
                "code": "INVALID",
                "message": "The quantity must be more than zero.",
            },
        ),
        (
            {"taxRate": "120"},
            {
                "field": ["input", "taxRate"],
                "code": "INVALID",
                "message": "A tax rate is a percentage from 0 to 100.",
            },
        ),
        (
            {"startDate": "2027-03-01", "endDate": "2027-02-01"},
            {
                "field": ["input", "endDate"],
                "code": "INVALID",
                "message": "The end date is before the start date.",
            },
        ),
        (
            {"name": " "},
            {"field": ["input", "name"], "code": "INVALID", "message": "This cannot be blank."},
        ),
    ],
)
async def test_a_bad_line_item_is_refused_and_nothing_is_saved(graphql, item, error):
    _, client, organization = await setup_tenant(graphql)
    contract = await draft(client, organization)
    before = await contract_rows()

    result = (
        await client.query(
            ADD,
            id=contract["id"],
            input={"name": "Seats", "price": "10", "billed": "MONTHLY", **item},
        )
    )["serviceLineItemAdd"]

    assert result == {"contract": None, "errors": [error]}
    assert await contract_rows() == before


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"currency": "EURO"},
            {
                "field": ["input", "currency"],
                "code": "INVALID",
                "message": "'EURO' is not an ISO 4217 currency code.",
            },
        ),
        (
            {"dueDays": 400},
            {
                "field": ["input", "dueDays"],
                "code": "INVALID",
                "message": "Must be from 0 to 365; 400 is not.",
            },
        ),
        (
            {"billingEmail": "ap@"},
            {
                "field": ["input", "billingEmail"],
                "code": "INVALID",
                "message": "'ap@' is not an email address: There must be something after the @-sign.",
            },
        ),
        (
            {"billingEmailsCc": [f"copy{n}@acme.com" for n in range(11)]},
            {
                "field": ["input", "billingEmailsCc"],
                "code": "INVALID",
                "message": "At most 10 addresses; 11 given.",
            },
        ),
        (
            {"paymentProviders": ["paypal"]},
            {
                "field": ["input", "paymentProviders"],
                "code": "INVALID",
                "message": "No payment provider 'paypal' is installed.",
            },
        ),
        (
            {"autoCharge": True},
            {
                "field": ["input", "autoCharge"],
                "code": "INVALID",
                "message": "Automatic charging needs a payment provider that can charge automatically, such as stripe.",
            },
        ),
    ],
)
async def test_a_bad_contract_is_refused_and_nothing_is_saved(graphql, fields, error):
    _, client, organization = await setup_tenant(graphql)
    before = await contract_rows()

    result = (
        await client.query(
            CREATE, input={"organizationId": str(organization.id), "name": "Support", **fields}
        )
    )["contractCreate"]

    assert result == {"contract": None, "errors": [error]}
    assert await contract_rows() == before


async def test_another_tenants_organization_is_not_found(graphql):
    _, client, _ = await setup_tenant(graphql)
    other, _ = await factories.tenant("Other")
    theirs = await factories.organization(other)

    result = (
        await client.query(CREATE, input={"organizationId": str(theirs.id), "name": "Support"})
    )["contractCreate"]

    assert result == {
        "contract": None,
        "errors": [
            {
                "field": ["input", "organizationId"],
                "code": "NOT_FOUND",
                "message": f"No organization with id {theirs.id}.",
            }
        ],
    }
    assert await Contract.all().count() == 0


async def test_going_live_lists_every_missing_thing(graphql):
    tenant, key = await factories.tenant()
    organization = await factories.organization(tenant, billing_emails=[])
    client = graphql(key)
    contract = await draft(client, organization)
    before = await contract_rows()

    result = (await client.query(GO_LIVE, id=contract["id"]))["contractGoLive"]

    assert result == {
        "contract": None,
        "errors": [
            {
                "field": ["billingEmail"],
                "code": "NOT_READY",
                "message": "Give a billing email, on the contract or its organization.",
            },
            {
                "field": ["serviceLineItems"],
                "code": "NOT_READY",
                "message": "Add at least one service line item.",
            },
            {
                "field": ["invoicingStartDate"],
                "code": "NOT_READY",
                "message": "Choose the invoicing start date.",
            },
            {
                "field": ["paymentProviders"],
                "code": "NOT_READY",
                "message": "Offer at least one payment provider.",
            },
            {
                "field": None,
                "code": "NOT_READY",
                "message": "Enable invoicing for this tenant first.",
            },
        ],
    }
    assert await contract_rows() == before


async def test_a_ready_contract_goes_live_once(graphql):
    _, client, organization = await setup_tenant(graphql)
    await client.query("mutation { invoicingEnable { errors { message } } }")
    contract = await worked_example(client, organization)

    live = (await client.query(GO_LIVE, id=contract["id"]))["contractGoLive"]
    again = (await client.query(GO_LIVE, id=contract["id"]))["contractGoLive"]

    assert live == {"contract": {"status": "LIVE", "nextInvoiceDate": "2027-01-01"}, "errors": []}
    assert again == {
        "contract": None,
        "errors": [
            {
                "field": None,
                "code": "INVALID_TRANSITION",
                "message": "A LIVE contract cannot go live; only a DRAFT one can.",
            }
        ],
    }


async def test_a_provider_disabled_since_drafting_blocks_going_live(graphql):
    _, client, organization = await setup_tenant(graphql)
    await client.query("mutation { invoicingEnable { errors { message } } }")
    contract = await worked_example(client, organization)
    await client.query(
        CONFIGURE, input={"provider": "bank_transfer", "enabled": False, "settings": {}}
    )

    result = (await client.query(GO_LIVE, id=contract["id"]))["contractGoLive"]

    assert {
        "field": ["paymentProviders"],
        "code": "NOT_READY",
        "message": "The payment provider bank_transfer is not enabled for this tenant.",
    } in result["errors"]


async def test_a_live_contract_keeps_its_terms(graphql):
    _, client, organization = await setup_tenant(graphql)
    await client.query("mutation { invoicingEnable { errors { message } } }")
    contract = await worked_example(client, organization)
    await client.query(GO_LIVE, id=contract["id"])
    before = await contract_rows()

    result = (
        await client.query(
            UPDATE_CONTRACT,
            id=contract["id"],
            input={"currency": "USD", "billingCycle": "QUARTERLY"},
        )
    )["contractUpdate"]
    assert await contract_rows() == before
    note = (
        await client.query(UPDATE_CONTRACT, id=contract["id"], input={"invoiceNote": "PO 4711"})
    )["contractUpdate"]

    message = "This cannot change once the contract is live: end it and draft a new one."
    assert result == {
        "contract": None,
        "errors": [
            {"field": ["input", "currency"], "code": "CONFLICT", "message": message},
            {"field": ["input", "billingCycle"], "code": "CONFLICT", "message": message},
        ],
    }
    assert (note["errors"], note["contract"]["invoiceNote"]) == ([], "PO 4711")


async def test_ending_a_contract(graphql):
    _, client, organization = await setup_tenant(graphql)
    await client.query("mutation { invoicingEnable { errors { message } } }")
    contract = await worked_example(client, organization)
    await client.query(GO_LIVE, id=contract["id"])

    with clock.frozen(date(2027, 6, 15)):
        later = (await client.query(END, id=contract["id"], end="2027-12-31"))["contractEnd"]
        past = (await client.query(END, id=contract["id"], end="2027-06-14"))["contractEnd"]
        again = (await client.query(END, id=contract["id"], end="2027-06-14"))["contractEnd"]

    assert later == {"contract": {"status": "LIVE", "endDate": "2027-12-31"}, "errors": []}
    assert past == {"contract": {"status": "ENDED", "endDate": "2027-06-14"}, "errors": []}
    assert again["errors"] == [
        {
            "field": None,
            "code": "INVALID_TRANSITION",
            "message": "A ENDED contract cannot be ended; only a LIVE one can.",
        }
    ]


async def test_only_a_draft_is_deleted(graphql):
    _, client, organization = await setup_tenant(graphql)
    await client.query("mutation { invoicingEnable { errors { message } } }")
    drafted = await draft(client, organization)
    live = await worked_example(client, organization)
    await client.query(GO_LIVE, id=live["id"])

    deleted = (await client.query(DELETE, id=drafted["id"]))["contractDelete"]
    refused = (await client.query(DELETE, id=live["id"]))["contractDelete"]

    assert deleted == {"deletedId": drafted["id"], "errors": []}
    assert refused == {
        "deletedId": None,
        "errors": [
            {
                "field": None,
                "code": "INVALID_TRANSITION",
                "message": "Only a DRAFT contract can be deleted; this one is LIVE.",
            }
        ],
    }
    assert await Contract.filter(id=live["id"]).exists()


async def test_an_invoiced_item_is_versioned_not_edited(graphql):
    tenant, client, organization = await setup_tenant(graphql)
    contract = await worked_example(client, organization)
    row = await Contract.get(id=contract["id"])
    seats = await ServiceLineItem.get(contract=row, name="Seats")
    invoice = await Invoice.create(
        tenant=tenant,
        contract=row,
        organization=organization,
        currency="EUR",
        public_token="t1",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 1, 31),
    )
    await InvoiceLine.create(
        invoice=invoice,
        position=1,
        service_line_item=seats,
        name="Seats",
        billed="MONTHLY",
        quantity=10,
        currency="EUR",
        unit_price=4999,
        subtotal=49990,
        tax_rate=20,
        tax=9998,
        total=59988,
    )

    with clock.frozen(date(2027, 3, 10)):
        result = (
            await client.query(
                ITEM_UPDATE,
                id=str(seats.id),
                input={
                    "name": "Seats",
                    "price": "49.99",
                    "quantity": "12",
                    "billed": "MONTHLY",
                    "taxRate": "20",
                },
            )
        )["serviceLineItemUpdate"]

    assert result["errors"] == []
    versions = [i for i in result["contract"]["serviceLineItems"] if i["name"] == "Seats"]
    assert [(v["quantity"], v["startDate"], v["endDate"]) for v in versions] == [
        ("10", None, "2027-03-09"),
        ("12", "2027-03-10", None),
    ]
    old = await InvoiceLine.get(invoice=invoice)
    assert (old.quantity, old.service_line_item_id) == (10, seats.id)


async def test_an_item_never_invoiced_is_edited_and_removed_in_place(graphql):
    _, client, organization = await setup_tenant(graphql)
    contract = await worked_example(client, organization)
    setup = await ServiceLineItem.get(contract_id=contract["id"], name="Setup")

    edited = (
        await client.query(
            ITEM_UPDATE,
            id=str(setup.id),
            input={"name": "Onboarding", "price": "450", "billed": "ONCE", "taxRate": "20"},
        )
    )["serviceLineItemUpdate"]
    removed = (await client.query(ITEM_REMOVE, id=str(setup.id)))["serviceLineItemRemove"]

    assert [i["name"] for i in edited["contract"]["serviceLineItems"]] == [
        "Seats",
        "Onboarding",
        "Support",
    ]
    assert [i["name"] for i in removed["contract"]["serviceLineItems"]] == ["Seats", "Support"]


async def test_contracts_are_filtered_by_status_and_organization(graphql):
    tenant, client, organization = await setup_tenant(graphql)
    other_org = await factories.organization(tenant, name="Initech")
    await client.query("mutation { invoicingEnable { errors { message } } }")
    live = await worked_example(client, organization)
    await client.query(GO_LIVE, id=live["id"])
    await draft(client, organization, name="Draft one")
    await draft(client, other_org, name="Initech deal")

    by_status = await client.query(
        "{ contracts(filter: {status: [LIVE]}) { totalCount edges { node { id } } } }"
    )
    by_org = await client.query(
        f'{{ contracts(filter: {{organizationId: "{other_org.id}"}}) {{ edges {{ node {{ name }} }} }} }}'
    )
    of_org = await client.query(
        f'{{ organization(id: "{organization.id}") {{ contracts {{ totalCount }} }} }}'
    )

    assert by_status["contracts"] == {"totalCount": 1, "edges": [{"node": {"id": live["id"]}}]}
    assert by_org["contracts"]["edges"] == [{"node": {"name": "Initech deal"}}]
    assert of_org["organization"]["contracts"]["totalCount"] == 2


async def test_a_contract_no_offered_provider_can_take_does_not_go_live(graphql):
    _, client, organization = await setup_tenant(graphql, currency="USD")
    await client.query("mutation { invoicingEnable { errors { message } } }")
    contract = await worked_example(client, organization)
    before = await contract_rows()

    result = (await client.query(GO_LIVE, id=contract["id"]))["contractGoLive"]

    assert result == {
        "contract": None,
        "errors": [
            {
                "field": ["paymentProviders"],
                "code": "NOT_READY",
                "message": "No payment provider offered (bank_transfer) can take USD payments: "
                "set one up for USD (a bank account in USD, say) or offer another.",
            }
        ],
    }
    assert await contract_rows() == before


async def test_a_live_contract_cannot_drop_the_only_provider_that_takes_its_currency(graphql):
    _, client, organization = await setup_tenant(graphql, currency="USD")
    await client.query("mutation { invoicingEnable { errors { message } } }")
    await client.query(CONFIGURE, input={"provider": "stripe", "enabled": True, "settings": STRIPE})
    contract = await worked_example(client, organization)
    await client.query(
        UPDATE_CONTRACT, id=contract["id"], input={"paymentProviders": ["stripe", "bank_transfer"]}
    )
    live = (await client.query(GO_LIVE, id=contract["id"]))["contractGoLive"]
    assert live["errors"] == []
    before = await contract_rows()

    result = (
        await client.query(
            UPDATE_CONTRACT, id=contract["id"], input={"paymentProviders": ["bank_transfer"]}
        )
    )["contractUpdate"]

    assert result == {
        "contract": None,
        "errors": [
            {
                "field": ["input", "paymentProviders"],
                "code": "INVALID",
                "message": "No payment provider offered (bank_transfer) can take USD payments: "
                "set one up for USD (a bank account in USD, say) or offer another.",
            }
        ],
    }
    assert await contract_rows() == before


async def test_a_contract_copies_its_invoices_to_at_most_10_addresses(graphql):
    _, client, organization = await setup_tenant(graphql)
    contract = await worked_example(client, organization)
    ten = [f"copy{n}@acme.com" for n in range(10)]
    kept = (await client.query(UPDATE_CONTRACT, id=contract["id"], input={"billingEmailsCc": ten}))[
        "contractUpdate"
    ]
    before = await contract_rows()

    result = (
        await client.query(
            UPDATE_CONTRACT,
            id=contract["id"],
            input={"billingEmailsCc": [*ten, "eleventh@acme.com"], "invoiceNote": "PO 4711"},
        )
    )["contractUpdate"]

    assert (kept["errors"], kept["contract"]["billingEmailsCc"]) == ([], ten)
    assert result == {
        "contract": None,
        "errors": [
            {
                "field": ["input", "billingEmailsCc"],
                "code": "INVALID",
                "message": "At most 10 addresses; 11 given.",
            }
        ],
    }
    assert await contract_rows() == before
