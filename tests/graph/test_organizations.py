import pytest

from remit.models.organizations import Organization
from tests import factories

FIELDS = (
    "id name legalName billingEmails taxId address { line1 line2 city region postalCode country }"
)
CREATE = f"mutation($input: OrganizationInput!) {{ organizationCreate(input: $input) {{ organization {{ {FIELDS} }} errors {{ field message code }} }} }}"
UPDATE = f"mutation($id: ID!, $input: OrganizationInput!) {{ organizationUpdate(id: $id, input: $input) {{ organization {{ {FIELDS} }} errors {{ field message code }} }} }}"


async def rows() -> list[dict]:
    return (
        await Organization.all()
        .order_by("name")
        .values("name", "legal_name", "billing_emails", "address", "tax_id")
    )


async def test_an_organization_is_created_and_read_back(graphql):
    _, key = await factories.tenant()
    client = graphql(key)

    created = (
        await client.query(
            CREATE,
            input={
                "name": " Globex ",
                "legalName": "Globex Corporation",
                "billingEmails": ["ap@globex.com", "cfo@globex.com"],
                "taxId": "US-12-3456789",
                "address": {
                    "line1": "1 Globex Way",
                    "city": "Cypress Creek",
                    "region": "OR",
                    "postalCode": "97000",
                    "country": "us",
                },
            },
        )
    )["organizationCreate"]

    assert created["errors"] == []
    organization = created["organization"]
    assert organization == {
        "id": organization["id"],
        "name": "Globex",
        "legalName": "Globex Corporation",
        "billingEmails": ["ap@globex.com", "cfo@globex.com"],
        "taxId": "US-12-3456789",
        "address": {
            "line1": "1 Globex Way",
            "line2": None,
            "city": "Cypress Creek",
            "region": "OR",
            "postalCode": "97000",
            "country": "US",
        },
    }
    assert (await client.query(f'{{ organization(id: "{organization["id"]}") {{ {FIELDS} }} }}'))[
        "organization"
    ] == organization


@pytest.mark.parametrize(
    ("input", "error"),
    [
        (
            {"name": "  "},
            {"field": ["input", "name"], "code": "INVALID", "message": "This cannot be blank."},
        ),
        (
            {"name": "Globex", "billingEmails": ["ap@globex.com", "nope"]},
            {
                "field": ["input", "billingEmails", "1"],
                "code": "INVALID",
                "message": "'nope' is not an email address: An email address must have an @-sign.",
            },
        ),
        (
            {"name": "Globex", "address": {"country": "Narnia"}},
            {
                "field": ["input", "address", "country"],
                "code": "INVALID",
                "message": "'NARNIA' is not an ISO 3166-1 alpha-2 country code, such as DE.",
            },
        ),
        (
            {"name": "Globex", "address": {"country": "xk"}},
            {
                "field": ["input", "address", "country"],
                "code": "INVALID",
                "message": "'XK' is not an ISO 3166-1 alpha-2 country code, such as DE.",
            },
        ),
        (
            {"name": "Globex", "taxId": "x" * 51},
            {"field": ["input", "taxId"], "code": "INVALID", "message": "At most 50 characters."},
        ),
    ],
)
async def test_a_bad_organization_is_refused_and_nothing_is_saved(graphql, input, error):
    _, key = await factories.tenant()

    result = (await graphql(key).query(CREATE, input=input))["organizationCreate"]

    assert result == {"organization": None, "errors": [error]}
    assert await rows() == []


async def test_an_update_keeps_what_it_leaves_out(graphql):
    tenant, key = await factories.tenant()
    organization = await factories.organization(tenant, name="Globex", tax_id="T-1")

    result = (
        await graphql(key).query(
            UPDATE, id=str(organization.id), input={"name": "Globex Corp", "legalName": None}
        )
    )["organizationUpdate"]

    assert result["errors"] == []
    assert (
        result["organization"]["name"],
        result["organization"]["taxId"],
        result["organization"]["billingEmails"],
    ) == ("Globex Corp", "T-1", ["ap@globex.com"])


async def test_another_tenants_organization_is_not_found_and_unchanged(graphql):
    _, key = await factories.tenant("Acme")
    other, _ = await factories.tenant("Initech")
    theirs = await factories.organization(other, name="Theirs")
    before = await rows()

    read = await graphql(key).query(f'{{ organization(id: "{theirs.id}") {{ id }} }}')
    result = (await graphql(key).query(UPDATE, id=str(theirs.id), input={"name": "Mine now"}))[
        "organizationUpdate"
    ]
    malformed = await graphql(key).query('{ organization(id: "not-an-id") { id } }')

    assert read == {"organization": None} and malformed == {"organization": None}
    assert result == {
        "organization": None,
        "errors": [
            {
                "field": ["id"],
                "code": "NOT_FOUND",
                "message": f"No organization with id {theirs.id}.",
            }
        ],
    }
    assert await rows() == before


async def test_organizations_are_searched_by_name_and_paged(graphql):
    tenant, key = await factories.tenant()
    for name in ("Globex", "Initech", "Globe Trotters", "Umbrella"):
        await factories.organization(tenant, name=name)
    other, _ = await factories.tenant("Other")
    await factories.organization(other, name="Global Other")
    client = graphql(key)

    first = (
        await client.query(
            '{ organizations(first: 1, search: "glob") { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }'
        )
    )["organizations"]
    rest = (
        await client.query(
            'query($after: String) { organizations(first: 5, search: "glob", after: $after) { edges { node { name } } pageInfo { hasNextPage } } }',
            after=first["pageInfo"]["endCursor"],
        )
    )["organizations"]

    assert first["totalCount"] == 2
    assert [e["node"]["name"] for e in first["edges"] + rest["edges"]] == [
        "Globex",
        "Globe Trotters",
    ]
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
