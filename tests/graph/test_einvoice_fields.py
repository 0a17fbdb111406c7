from datetime import date

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from remit.billing import credit_notes, cycle
from remit.billing.roles import Actor
from remit.models.invoices import Invoice
from remit.models.organizations import Organization
from tests import factories
from tests.servers import serving

ORGANIZATION = "id taxId legalRegistrationId einvoiceFormat"
CREATE = f"mutation($input: OrganizationInput!) {{ organizationCreate(input: $input) {{ organization {{ {ORGANIZATION} }} errors {{ field message code }} }} }}"


async def test_an_organization_takes_its_einvoice_fields(graphql):
    _, key = await factories.tenant()

    created = (
        await graphql(key).query(
            CREATE,
            input={
                "name": "Globex",
                "taxId": "NL004495445B01",
                "legalRegistrationId": "KvK 12345678",
                "einvoiceFormat": "PEPPOL_UBL",
            },
        )
    )["organizationCreate"]

    assert created["errors"] == []
    assert {k: v for k, v in created["organization"].items() if k != "id"} == {
        "taxId": "NL004495445B01",
        "legalRegistrationId": "KvK 12345678",
        "einvoiceFormat": "PEPPOL_UBL",
    }


async def test_an_issued_invoice_carries_its_references_and_einvoice_url(
    graphql, drain_jobs, settings
):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(
        tenant,
        date(2027, 1, 1),
        buyer_reference="04011000-12345-34",
        purchase_order_reference="PO-7",
    )
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)

    data = await graphql(key).query(
        f'{{ invoice(id: "{invoice.id}") {{ einvoiceUrl buyerReference purchaseOrderReference lines {{ vatCategory }} }} '
        f'contract(id: "{contract.id}") {{ buyerReference purchaseOrderReference }} }}'
    )

    assert data == {
        "invoice": {
            "einvoiceUrl": f"{settings.public_url}/i/{invoice.public_token}.xml",
            "buyerReference": "04011000-12345-34",
            "purchaseOrderReference": "PO-7",
            "lines": [
                {"vatCategory": "STANDARD"},
                {"vatCategory": "STANDARD"},
                {"vatCategory": "ZERO"},
            ],
        },
        "contract": {"buyerReference": "04011000-12345-34", "purchaseOrderReference": "PO-7"},
    }


async def test_the_xml_is_downloaded_at_its_address(api, drain_jobs):
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)

    response = await api.get(f"/i/{invoice.public_token}.xml")
    missing = await api.get(f"/i/{'x' * 32}.xml")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    assert response.headers["content-disposition"] == 'attachment; filename="INV-000001.xml"'
    assert b"<ram:DuePayableAmount>1299.88</ram:DuePayableAmount>" in response.content
    assert missing.status_code == 404


async def test_a_credit_notes_xml_is_downloaded_at_its_address(api, drain_jobs, graphql):
    tenant, key = await factories.ready_tenant()
    contract = await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)
    note = await credit_notes.create(
        Actor.system(tenant), str(invoice.id), "Void", full_credit=True
    )

    data = await graphql(key).query(f'{{ creditNote(id: "{note.id}") {{ einvoiceUrl }} }}')
    response = await api.get(f"/c/{note.public_token}.xml")

    assert data["creditNote"]["einvoiceUrl"].endswith(f"/c/{note.public_token}.xml")
    assert response.status_code == 200
    assert b"<ram:TypeCode>381</ram:TypeCode>" in response.content


def vies_app(known: set[str]) -> Starlette:
    async def check(request):
        number = request.path_params["country"] + request.path_params["number"]
        return JSONResponse({"isValid": number in known})

    return Starlette(routes=[Route("/ms/{country}/vat/{number}", check)])


async def test_with_vies_configured_an_unknown_vat_id_is_refused(graphql, configure):
    _, key = await factories.tenant()
    async with serving(vies_app({"NL004495445B01"})) as base:
        configure(vies_url=base)
        known = await graphql(key).query(
            CREATE, input={"name": "Globex", "taxId": "NL004495445B01"}
        )
        unknown = await graphql(key).query(
            CREATE, input={"name": "Initech", "taxId": "DE123456788"}
        )

    assert known["organizationCreate"]["errors"] == []
    assert unknown["organizationCreate"] == {
        "organization": None,
        "errors": [
            {
                "field": ["input", "taxId"],
                "message": "VIES does not know DE123456788 as a registered VAT identifier.",
                "code": "INVALID",
            }
        ],
    }
    assert await Organization.filter(name="Initech").count() == 0
