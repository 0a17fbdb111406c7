from tortoise import connections

from remit.graph.context import Loaders
from remit.models.organizations import Organization
from tests import factories


async def test_loads_in_one_request_are_batched_into_one_query(monkeypatch):
    tenant, _ = await factories.tenant()
    first = await factories.organization(tenant, name="First")
    second = await factories.organization(tenant, name="Second")
    loaders = Loaders(tenant.id)
    connection = connections.get("default")
    queries = []
    original = connection.execute_query

    async def counting(sql, values=None):
        queries.append(sql)
        return await original(sql, values)

    monkeypatch.setattr(connection, "execute_query", counting)
    loader = loaders[Organization]
    loaded = [loader.load(first.id), loader.load(second.id), loader.load(str(first.id))]
    results = [await item for item in loaded]

    assert [org.name for org in results] == ["First", "Second", "First"]
    assert len(queries) == 1


async def test_another_tenants_id_loads_as_nothing():
    acme, _ = await factories.tenant("Acme")
    globex, _ = await factories.tenant("Globex")
    theirs = await factories.organization(globex)

    assert await Loaders(acme.id)[Organization].load(theirs.id) is None
    assert (await Loaders(globex.id)[Organization].load(theirs.id)).id == theirs.id
