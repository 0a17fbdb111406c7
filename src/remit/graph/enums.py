"""The statuses and kinds of the API are the models' own enums: one list of values."""

import strawberry

from remit.models import enums

ContractStatus = strawberry.enum(enums.ContractStatus)
BillingCycle = strawberry.enum(enums.BillingCycle)
BilledType = strawberry.enum(enums.BilledType)
InvoiceStatus = strawberry.enum(enums.InvoiceStatus)
PlatformBillingStatus = strawberry.enum(enums.PlatformBillingStatus)
PlatformFeeStatus = strawberry.enum(enums.PlatformFeeStatus)
EInvoiceFormat = strawberry.enum(
    enums.EInvoiceFormat,
    description="The e-invoice an organization receives (the PDF always embeds Factur-X).",
)
VatCategory = strawberry.enum(
    enums.VatCategory,
    description="EN 16931 VAT category of a line: S, Z, E, AE (reverse charge), K, O.",
)

ALL = [
    ContractStatus,
    BillingCycle,
    BilledType,
    InvoiceStatus,
    PlatformBillingStatus,
    PlatformFeeStatus,
    EInvoiceFormat,
    VatCategory,
]
