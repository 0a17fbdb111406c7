from remit.billing import tenants
from remit.billing.roles import Actor
from remit.graph.context import Context
from remit.graph.schema import build_schema
from tests import factories

TENANT = "{ tenant { id name invoicingEnabled } }"


async def test_the_key_decides_the_tenant(graphql):
    acme, acme_key = await factories.tenant("Acme")
    await factories.tenant("Globex")

    data = await graphql(acme_key).query(TENANT)

    assert data == {"tenant": {"id": str(acme.id), "name": "Acme", "invoicingEnabled": False}}


async def test_without_a_key_the_answer_is_401(graphql):
    response = await graphql(None).post(TENANT)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="remit"'
    assert response.json() == {
        "errors": [
            {
                "message": "An API key (Authorization: Bearer <key>) or a session is required.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }


async def test_with_a_bad_key_the_answer_is_401(graphql):
    await factories.tenant()

    response = await graphql("rk_000000000000_nothing").post(TENANT)

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Invalid API key."


async def test_a_query_by_get_needs_a_key_too(api):
    response = await api.get("/graphql", params={"query": TENANT})

    assert response.status_code == 401


async def test_the_graphiql_page_is_served_without_a_key(api):
    response = await api.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_a_query_nested_deeper_than_the_limit_is_refused():
    _, key = await factories.tenant()
    context = Context(actor=Actor.of_api_key(await tenants.authenticate(key)), request_id="r")

    shallow = await build_schema(max_depth=1).execute(TENANT, context_value=context)
    deep = await build_schema(max_depth=0).execute(TENANT, context_value=context)

    assert shallow.errors is None
    assert deep.data is None
    assert {error.message for error in deep.errors} == {
        "'anonymous' exceeds maximum operation depth of 0"
    }


async def test_a_syntax_error_reaches_the_client_as_it_is(graphql):
    _, key = await factories.tenant()

    body = (await graphql(key).post("{ tenant { ")).json()

    assert body["errors"][0]["message"].startswith("Syntax Error")
