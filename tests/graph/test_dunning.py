"""Dunning over GraphQL: an organization's own steps, an invoice's schedule (`Invoice.dunning`),
and pausing and resuming reminders for an invoice or a whole organization."""

from datetime import date

from remit.billing import clock, cycle, reminders
from remit.models.invoices import Invoice
from remit.models.organizations import Organization
from remit.models.users import UserRole
from tests import factories

DUNNING = """
dunning {
  sent { offsetDays tone lateFeeInvoiceId }
  nextStep { offsetDays tone text lateFee { percent fixed { amount currency } } }
  nextOn
  pause { reason until byOrganization }
}"""
INVOICE = f"query($id: ID!) {{ invoice(id: $id) {{ {DUNNING} }} }}"
ORGANIZATION_UPDATE = """
mutation($id: ID!, $input: OrganizationInput!) {
  organizationUpdate(id: $id, input: $input) {
    organization { dunningSteps { offsetDays tone text } }
    errors { field code message }
  }
}"""
INVOICE_PAUSE = f"""
mutation($id: ID!, $input: DunningPauseInput!) {{
  invoiceDunningPause(id: $id, input: $input) {{
    invoice {{ {DUNNING} }} errors {{ field code message }}
  }}
}}"""
INVOICE_RESUME = f"""
mutation($id: ID!) {{
  invoiceDunningResume(id: $id) {{ invoice {{ {DUNNING} }} errors {{ field code message }} }}
}}"""
ORGANIZATION_PAUSE = """
mutation($id: ID!, $input: DunningPauseInput!) {
  organizationDunningPause(id: $id, input: $input) {
    organization { dunningPause { reason until byOrganization } }
    errors { field code message }
  }
}"""
ORGANIZATION_RESUME = """
mutation($id: ID!) {
  organizationDunningResume(id: $id) {
    organization { dunningPause { reason } } errors { field code message }
  }
}"""


async def issued(drain_jobs):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return key, await Invoice.get(contract=contract)


async def test_an_invoice_shows_its_schedule_and_its_pauses(graphql, drain_jobs):
    key, invoice = await issued(drain_jobs)
    client = graphql(key)
    invoice_id, organization_id = str(invoice.id), str(invoice.organization_id)
    steps = [
        {"offsetDays": -3, "text": "Due soon."},
        {"offsetDays": 7, "tone": "FINAL", "lateFee": {"percent": "2"}},
    ]
    updated = await client.query(
        ORGANIZATION_UPDATE, id=organization_id, input={"name": "Globex", "dunningSteps": steps}
    )
    assert updated["organizationUpdate"] == {
        "organization": {
            "dunningSteps": [
                {"offsetDays": -3, "tone": "FRIENDLY", "text": "Due soon."},
                {"offsetDays": 7, "tone": "FINAL", "text": None},
            ]
        },
        "errors": [],
    }

    with clock.frozen(date(2027, 1, 10)):
        before = (await client.query(INVOICE, id=invoice_id))["invoice"]["dunning"]
    assert before == {
        "sent": [],
        "nextStep": {"offsetDays": -3, "tone": "FRIENDLY", "text": "Due soon.", "lateFee": None},
        "nextOn": "2027-01-28",
        "pause": None,
    }

    with clock.frozen(date(2027, 1, 28)):
        await reminders.plan(date(2027, 1, 28))
        await drain_jobs()
        paused = (
            await client.query(
                INVOICE_PAUSE, id=invoice_id, input={"reason": "Disputed", "until": "2027-02-20"}
            )
        )["invoiceDunningPause"]
    assert paused == {
        "invoice": {
            "dunning": {
                "sent": [{"offsetDays": -3, "tone": "FRIENDLY", "lateFeeInvoiceId": None}],
                "nextStep": {
                    "offsetDays": 7,
                    "tone": "FINAL",
                    "text": None,
                    "lateFee": {"percent": "2", "fixed": None},
                },
                # Day 7 (7 Feb) falls in the pause: it goes when the pause ends.
                "nextOn": "2027-02-20",
                "pause": {"reason": "Disputed", "until": "2027-02-20", "byOrganization": False},
            }
        },
        "errors": [],
    }

    with clock.frozen(date(2027, 1, 29)):
        resumed = (await client.query(INVOICE_RESUME, id=invoice_id))["invoiceDunningResume"]
        assert resumed["invoice"]["dunning"]["pause"] is None
        assert resumed["invoice"]["dunning"]["nextOn"] == "2027-02-07"

        paused = (
            await client.query(
                ORGANIZATION_PAUSE, id=organization_id, input={"reason": "Insolvency"}
            )
        )["organizationDunningPause"]
        assert paused == {
            "organization": {
                "dunningPause": {"reason": "Insolvency", "until": None, "byOrganization": True}
            },
            "errors": [],
        }
        shown = (await client.query(INVOICE, id=invoice_id))["invoice"]["dunning"]
        assert (shown["pause"], shown["nextOn"]) == (
            {"reason": "Insolvency", "until": None, "byOrganization": True},
            None,
        )

        resumed = (await client.query(ORGANIZATION_RESUME, id=organization_id))[
            "organizationDunningResume"
        ]
        assert resumed == {"organization": {"dunningPause": None}, "errors": []}


async def test_a_pause_without_a_reason_is_refused_and_changes_nothing(graphql, drain_jobs):
    key, invoice = await issued(drain_jobs)
    organization_id = str(invoice.organization_id)

    with clock.frozen(date(2027, 1, 10)):
        result = (
            await graphql(key).query(
                ORGANIZATION_PAUSE, id=organization_id, input={"reason": " ", "until": "2027-01-09"}
            )
        )["organizationDunningPause"]

    assert result == {
        "organization": None,
        "errors": [
            {"field": ["input", "reason"], "code": "INVALID", "message": "This cannot be blank."},
            {"field": ["input", "until"], "code": "INVALID", "message": "Give a day after today."},
        ],
    }
    organization = await Organization.get(id=invoice.organization_id)
    assert organization.dunning_paused_at is None


async def test_a_viewer_cannot_pause(console, drain_jobs):
    _, invoice = await issued(drain_jobs)
    tenant = await invoice.tenant
    await factories.user(tenant, "vic@acme.com", UserRole.VIEWER)
    browser = await console("vic@acme.com", factories.PASSWORD)

    result = await browser.query(INVOICE_PAUSE, id=str(invoice.id), input={"reason": "No"})

    assert result["invoiceDunningPause"] == {
        "invoice": None,
        "errors": [
            {
                "field": None,
                "code": "FORBIDDEN",
                "message": "A VIEWER may not change organizations, contracts or invoices.",
            }
        ],
    }
    assert (await Invoice.get(id=invoice.id)).dunning_paused_at is None
