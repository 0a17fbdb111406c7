"""The tenant's monthly invoicing processing fees."""

from datetime import date

import strawberry

from remit.billing import fees
from remit.graph.context import Info
from remit.graph.enums import PlatformFeeStatus
from remit.graph.money import Money
from remit.graph.pagination import Connection, paginate
from remit.models.fees import PlatformFee as FeeModel


@strawberry.type
class PlatformFee:
    id: strawberry.ID
    month: date = strawberry.field(description="First day of the month billed.")
    invoices_processed: int
    amount: Money
    status: PlatformFeeStatus

    @classmethod
    def from_model(cls, fee: FeeModel) -> "PlatformFee":
        return cls(
            id=strawberry.ID(str(fee.id)),
            month=fee.month,
            invoices_processed=fee.invoices_processed,
            amount=Money.of(fee.amount, fee.currency),
            status=fee.status,
        )


@strawberry.type
class FeeQuery:
    @strawberry.field
    async def platform_fees(
        self, info: Info, first: int = 12, after: str | None = None
    ) -> Connection[PlatformFee]:
        found = fees.for_tenant(info.context.tenant)
        return await paginate(
            found, PlatformFee.from_model, first=first, after=after, newest_first=True
        )
