"""The statuses and kinds of the API are the models' own enums: one list of values."""

import strawberry

from remit.models import enums

ContractStatus = strawberry.enum(enums.ContractStatus)
BillingCycle = strawberry.enum(enums.BillingCycle)
BilledType = strawberry.enum(enums.BilledType)
InvoiceStatus = strawberry.enum(enums.InvoiceStatus)
PlatformBillingStatus = strawberry.enum(enums.PlatformBillingStatus)
PlatformFeeStatus = strawberry.enum(enums.PlatformFeeStatus)

ALL = [
    ContractStatus,
    BillingCycle,
    BilledType,
    InvoiceStatus,
    PlatformBillingStatus,
    PlatformFeeStatus,
]
