import asyncio

import pytest

from remit.billing import jobs, numbering
from tests import factories


async def taken(tenant_id, series: str = numbering.INVOICES) -> str:
    async with jobs.atomic():
        return await numbering.take(tenant_id, "INV", series)


async def test_a_number_taken_in_a_transaction_rolled_back_is_given_back(runtime):
    tenant, _ = await factories.tenant()

    with pytest.raises(RuntimeError):
        async with jobs.atomic():
            assert await numbering.take(tenant.id, "INV") == "INV-000001"
            raise RuntimeError

    assert await taken(tenant.id) == "INV-000001"


async def test_a_series_starts_at_its_first_number_and_each_tenant_counts_its_own(runtime):
    tenant, _ = await factories.tenant()
    other, _ = await factories.tenant("Other")

    numbers = [await taken(tenant.id, numbering.CREDIT_NOTES) for _ in range(2)]

    assert numbers == ["INV-000001", "INV-000002"]
    assert await taken(other.id, numbering.CREDIT_NOTES) == "INV-000001"
    assert await taken(tenant.id) == "INV-000001"


async def test_issuers_at_once_take_each_number_once(runtime):
    tenant, _ = await factories.tenant()

    numbers = await asyncio.gather(*(taken(tenant.id) for _ in range(8)))

    assert sorted(numbers) == [numbering.formatted("INV", n) for n in range(1, 9)]
