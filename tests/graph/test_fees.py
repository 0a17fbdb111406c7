from datetime import date

from remit.models.enums import PlatformFeeStatus
from remit.models.fees import PlatformFee
from tests import factories


async def test_a_tenant_sees_its_own_fees_newest_first(graphql):
    tenant, key = await factories.tenant()
    other, _ = await factories.tenant("Other")
    for owner, month, count in ((tenant, 1, 3), (tenant, 2, 5), (other, 2, 9)):
        await PlatformFee.create(
            tenant=owner,
            month=date(2027, month, 1),
            invoices_processed=count,
            currency="EUR",
            amount=25 * count,
        )
    await PlatformFee.filter(tenant=tenant, month=date(2027, 1, 1)).update(
        status=PlatformFeeStatus.PAID
    )

    data = await graphql(key).query(
        "{ platformFees { totalCount edges { node { month invoicesProcessed status amount { amount currency } } } } }"
    )

    assert data["platformFees"] == {
        "totalCount": 2,
        "edges": [
            {
                "node": {
                    "month": "2027-02-01",
                    "invoicesProcessed": 5,
                    "status": "PENDING",
                    "amount": {"amount": "1.25", "currency": "EUR"},
                }
            },
            {
                "node": {
                    "month": "2027-01-01",
                    "invoicesProcessed": 3,
                    "status": "PAID",
                    "amount": {"amount": "0.75", "currency": "EUR"},
                }
            },
        ],
    }
