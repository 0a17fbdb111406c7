"""Dates far in the past or future, non-currencies, and a start date that would invoice many
periods at once: refused, or held until the tenant confirms."""

from datetime import date

import pytest

from remit.billing import clock, cycle, issuing
from remit.models.contracts import Contract
from remit.models.enums import ContractStatus, InvoiceStatus
from remit.models.invoices import Invoice
from remit.models.runs import InvoicingRun
from remit.models.settings import InvoicingSettings
from tests import factories
from tests.graph.test_contracts import (
    ADD,
    CREATE,
    END,
    ERRORS,
    UPDATE_CONTRACT,
    contract_rows,
    draft,
    setup_tenant,
)
from tests.graph.test_settings import UPDATE
from tests.servers import Collector, start

TODAY = date(2027, 5, 15)
CONFIRM = f"mutation($id: ID!) {{ contractCatchUpConfirm(id: $id) {{ contract {{ id catchUpHeldThrough }} {ERRORS} }} }}"
RELEASE = (
    f"mutation($id: ID!) {{ invoiceRelease(id: $id) {{ invoice {{ status number }} {ERRORS} }} }}"
)
PREVIEW = """query($id: ID!) { contract(id: $id) { catchUpHeldThrough upcomingInvoice { periodStart
  total { amount } catchUp { periods invoices total { amount currency } firstPeriodStart
  lastPeriodEnd held } } } }"""
HELD_REASON = (
    "More than 3 periods of this contract became due at once (a catch-up up to the period "
    "starting 2027-05-01): confirm the catch-up, or release this invoice, to send it."
)


def refusal(field: str, message: str) -> dict:
    return {"field": ["input", field], "message": message, "code": "INVALID"}


@pytest.fixture(autouse=True)
def mid_may():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def mail_server(configure):
    handler = Collector()
    controller = start(handler)
    configure(smtp_url=f"smtp://127.0.0.1:{controller.port}")
    yield handler
    controller.stop()


async def test_dates_outside_2000_to_ten_years_ahead_are_refused_and_change_nothing(graphql):
    _, client, organization = await setup_tenant(graphql)
    contract = await draft(client, organization, invoicingStartDate="2027-01-01")
    before = await contract_rows()

    created = [
        (await client.query(CREATE, input={**fields, "organizationId": str(organization.id)}))[
            "contractCreate"
        ]
        for fields in (
            {"name": "Old", "invoicingStartDate": "1900-01-01"},
            {"name": "Older", "invoicingStartDate": "0001-01-01"},
            {"name": "Far", "invoicingStartDate": "2038-01-01"},
        )
    ]
    updated = (
        await client.query(
            UPDATE_CONTRACT, id=contract["id"], input={"invoicingStartDate": "1999-12-31"}
        )
    )["contractUpdate"]
    item = (
        await client.query(
            ADD,
            id=contract["id"],
            input={
                "name": "Seats",
                "price": "10",
                "billed": "MONTHLY",
                "startDate": "1900-01-01",
                "endDate": "9999-12-31",
            },
        )
    )["serviceLineItemAdd"]

    assert [result["errors"] for result in created] == [
        [
            refusal(
                "invoicingStartDate", "Must be from 2000-01-01 to 2037-12-31; 1900-01-01 is not."
            )
        ],
        [
            refusal(
                "invoicingStartDate", "Must be from 2000-01-01 to 2037-12-31; 0001-01-01 is not."
            )
        ],
        [
            refusal(
                "invoicingStartDate", "Must be from 2000-01-01 to 2037-12-31; 2038-01-01 is not."
            )
        ],
    ]
    assert updated == {
        "contract": None,
        "errors": [
            refusal(
                "invoicingStartDate", "Must be from 2000-01-01 to 2037-12-31; 1999-12-31 is not."
            )
        ],
    }
    assert item == {
        "contract": None,
        "errors": [
            refusal("startDate", "Must be from 2000-01-01 to 2037-12-31; 1900-01-01 is not."),
            refusal("endDate", "Must be from 2000-01-01 to 2037-12-31; 9999-12-31 is not."),
        ],
    }
    assert await contract_rows() == before
    edge = await draft(client, organization, name="Edge", invoicingStartDate="2000-01-01")
    assert edge["invoicingStartDate"] == "2000-01-01"


async def test_contract_end_far_in_the_past_or_future_is_a_clear_error(graphql):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    # A start stored before dates were checked: ending it must not overflow the calendar.
    await Contract.filter(id=contract.id).update(invoicing_start_date=date(1, 1, 1))
    before = await Contract.get(id=contract.id).values()
    client = graphql(key)

    past = (await client.query(END, id=str(contract.id), end="0001-01-01"))["contractEnd"]
    future = (await client.query(END, id=str(contract.id), end="9999-12-31"))["contractEnd"]

    def error(day: str) -> dict:
        return {
            "contract": None,
            "errors": [
                {
                    "field": ["endDate"],
                    "message": f"Must be from 2000-01-01 to 2037-12-31; {day} is not.",
                    "code": "INVALID",
                }
            ],
        }

    assert (past, future) == (error("0001-01-01"), error("9999-12-31"))
    assert await Contract.get(id=contract.id).values() == before
    ended = (await client.query(END, id=str(contract.id), end="2027-06-30"))["contractEnd"]
    assert ended == {"contract": {"status": "LIVE", "endDate": "2027-06-30"}, "errors": []}


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "XDR"])
async def test_codes_that_are_not_money_are_refused_as_currencies(graphql, code):
    _, client, organization = await setup_tenant(graphql)
    before = await contract_rows()
    settings_before = await InvoicingSettings.all().values()

    created = (
        await client.query(
            CREATE, input={"organizationId": str(organization.id), "name": "X", "currency": code}
        )
    )["contractCreate"]
    defaults = (await client.query(UPDATE, input={"defaultCurrency": code}))[
        "invoicingSettingsUpdate"
    ]

    message = f"'{code}' is an ISO 4217 code but not a currency invoices can be paid in."
    assert created["errors"] == [refusal("currency", message)]
    assert defaults["errors"] == [refusal("defaultCurrency", message)]
    assert await contract_rows() == before
    assert await InvoicingSettings.all().values() == settings_before


async def test_the_cfa_franc_is_a_currency(graphql):
    _, client, organization = await setup_tenant(graphql)

    contract = await draft(client, organization, currency="XOF")

    assert contract["currency"] == "XOF"


async def invoices_of(contract) -> list[tuple]:
    return [
        (invoice.period_start, invoice.status, invoice.number)
        for invoice in await Invoice.filter(contract_id=contract.id).order_by("period_start")
    ]


MONTHS = [date(2027, month, 1) for month in range(1, 6)]


async def test_a_catch_up_beyond_the_limit_is_held_then_sent_once_when_confirmed(
    graphql, mail_server, drain_jobs
):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))  # five months due
    client = graphql(key)

    preview = (await client.query(PREVIEW, id=str(contract.id)))["contract"]
    await cycle.plan(TODAY)
    await drain_jobs()
    held = await invoices_of(contract)
    reasons = await Invoice.filter(contract_id=contract.id).values_list("hold_reasons", flat=True)
    held_preview = (await client.query(PREVIEW, id=str(contract.id)))["contract"]
    run = await InvoicingRun.get(tenant=tenant, run_date=TODAY)
    sent_while_held = len(mail_server.envelopes)

    confirmed = (await client.query(CONFIRM, id=str(contract.id)))["contractCatchUpConfirm"]
    await drain_jobs()
    await cycle.plan(TODAY)  # the cycle again, and a second confirmation: nothing more
    await drain_jobs()
    again = (await client.query(CONFIRM, id=str(contract.id)))["contractCatchUpConfirm"]

    totals = await Invoice.filter(contract_id=contract.id).values_list("total", flat=True)
    assert preview == {
        "catchUpHeldThrough": None,
        "upcomingInvoice": {
            "periodStart": "2027-01-01",
            "total": {"amount": "1299.88"},
            "catchUp": {
                "periods": 5,
                "invoices": 5,
                "total": {"amount": "4099.40", "currency": "EUR"},
                "firstPeriodStart": "2027-01-01",
                "lastPeriodEnd": "2027-05-31",
                "held": True,
            },
        },
    }
    assert sum(totals) == 409940
    assert held == [(month, InvoiceStatus.ON_HOLD, None) for month in MONTHS]
    assert reasons == [[HELD_REASON]] * 5
    assert (run.contracts_due, run.invoices_issued, run.invoices_on_hold) == (1, 0, 5)
    assert held_preview["catchUpHeldThrough"] == "2027-05-01"
    assert held_preview["upcomingInvoice"]["catchUp"] is None  # the next one is June's
    assert sent_while_held == 0
    assert confirmed == {
        "contract": {"id": str(contract.id), "catchUpHeldThrough": None},
        "errors": [],
    }
    assert await invoices_of(contract) == [
        (month, InvoiceStatus.DUE, f"INV-{n:06d}") for n, month in enumerate(MONTHS, start=1)
    ]
    assert (
        sorted(envelope.rcpt_tos[0] for envelope in mail_server.envelopes) == ["ap@globex.com"] * 5
    )
    assert again == {
        "contract": None,
        "errors": [
            {
                "field": None,
                "message": "This contract has no catch-up waiting for confirmation.",
                "code": "INVALID_TRANSITION",
            }
        ],
    }


async def test_a_catch_up_within_the_limit_goes_out_at_once(graphql, mail_server, drain_jobs):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 3, 1))  # March to May

    preview = (await graphql(key).query(PREVIEW, id=str(contract.id)))["contract"]
    await cycle.plan(TODAY)
    await drain_jobs()

    assert preview["upcomingInvoice"]["catchUp"] == {
        "periods": 3,
        "invoices": 3,
        "total": {"amount": "2699.64", "currency": "EUR"},
        "firstPeriodStart": "2027-03-01",
        "lastPeriodEnd": "2027-05-31",
        "held": False,
    }
    assert await invoices_of(contract) == [
        (date(2027, month, 1), InvoiceStatus.DUE, f"INV-{n:06d}")
        for n, month in enumerate((3, 4, 5), start=1)
    ]
    assert len(mail_server.envelopes) == 3


async def test_the_limit_is_the_servers_setting(configure, mail_server, drain_jobs):
    configure(max_catch_up_periods=5)
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))

    await cycle.plan(TODAY)
    await drain_jobs()

    assert [status for _, status, _ in await invoices_of(contract)] == [InvoiceStatus.DUE] * 5
    assert len(mail_server.envelopes) == 5


async def test_releasing_one_held_invoice_sends_that_one_only(graphql, mail_server, drain_jobs):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(TODAY)
    await drain_jobs()
    first = await Invoice.filter(contract_id=contract.id).order_by("period_start").first()

    released = (await graphql(key).query(RELEASE, id=str(first.id)))["invoiceRelease"]
    await drain_jobs()

    assert released == {"invoice": {"status": "DUE", "number": "INV-000001"}, "errors": []}
    assert [status for _, status, _ in await invoices_of(contract)] == [
        InvoiceStatus.DUE,
        *[InvoiceStatus.ON_HOLD] * 4,
    ]
    assert len(mail_server.envelopes) == 1


async def test_periods_of_a_confirmed_catch_up_still_to_come_are_sent(graphql, mail_server):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await issuing.issue(contract.id, date(2027, 1, 1), TODAY)  # the rest not issued yet

    confirmed = (await graphql(key).query(CONFIRM, id=str(contract.id)))["contractCatchUpConfirm"]
    for month in MONTHS[1:]:
        await issuing.issue(contract.id, month, TODAY)

    assert confirmed["errors"] == []
    assert [status for _, status, _ in await invoices_of(contract)] == [InvoiceStatus.DUE] * 5
    stored = await Contract.get(id=contract.id)
    assert (stored.catch_up_held_through, stored.catch_up_confirmed_through) == (
        date(2027, 5, 1),
        date(2027, 5, 1),
    )


async def test_confirming_is_all_or_nothing(graphql, mail_server, drain_jobs):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(TODAY)
    await drain_jobs()
    await Contract.filter(id=contract.id).update(payment_providers=[])
    before = await Invoice.filter(contract_id=contract.id).order_by("period_start").values()

    refused = (await graphql(key).query(CONFIRM, id=str(contract.id)))["contractCatchUpConfirm"]

    assert refused["contract"] is None
    assert refused["errors"][0] == {
        "field": None,
        "message": "The invoice for the period from 2027-01-01: The contract offers no payment provider.",
        "code": "NOT_READY",
    }
    assert len(refused["errors"]) == 5
    assert await Invoice.filter(contract_id=contract.id).order_by("period_start").values() == before
    stored = await Contract.get(id=contract.id)
    assert (stored.status, stored.catch_up_confirmed_through) == (ContractStatus.LIVE, None)
    assert mail_server.envelopes == []
