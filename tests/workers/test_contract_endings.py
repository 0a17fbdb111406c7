from datetime import date

from remit.models.contracts import Contract
from remit.models.enums import ContractStatus
from remit.workers.contracts import plan_contract_endings
from tests import factories


async def contract(tenant, organization, name, status, end_date):
    return await Contract.create(
        tenant=tenant,
        organization=organization,
        name=name,
        currency="EUR",
        status=status,
        end_date=end_date,
    )


async def test_live_contracts_past_their_end_date_are_ended_once(runtime, drain_jobs):
    tenant, _ = await factories.tenant()
    organization = await factories.organization(tenant)
    await contract(tenant, organization, "a", ContractStatus.LIVE, date(2027, 5, 31))
    await contract(tenant, organization, "b", ContractStatus.LIVE, date(2027, 6, 1))
    await contract(tenant, organization, "c", ContractStatus.LIVE, None)
    await contract(tenant, organization, "d", ContractStatus.DRAFT, date(2027, 1, 1))

    assert await plan_contract_endings({}, "2027-06-01") == 1
    assert await plan_contract_endings({}, "2027-06-01") == 1  # the cron fired twice: one job id
    assert await drain_jobs() == 1

    statuses = {c.name: c.status for c in await Contract.all()}
    assert statuses == {
        "a": ContractStatus.ENDED,
        "b": ContractStatus.LIVE,
        "c": ContractStatus.LIVE,
        "d": ContractStatus.DRAFT,
    }
    assert await plan_contract_endings({}, "2027-06-01") == 0
