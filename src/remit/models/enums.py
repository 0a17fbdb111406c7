"""Statuses and kinds, stored as their string values."""

from enum import StrEnum


class ContractStatus(StrEnum):
    DRAFT = "DRAFT"
    LIVE = "LIVE"
    ENDED = "ENDED"


class BillingCycle(StrEnum):
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    ANNUALLY = "ANNUALLY"


class BilledType(StrEnum):
    ONCE = "ONCE"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    ANNUALLY = "ANNUALLY"


class InvoiceStatus(StrEnum):
    DRAFT = "DRAFT"
    ON_HOLD = "ON_HOLD"
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    PAID = "PAID"
    VOID = "VOID"


class PlatformBillingStatus(StrEnum):
    MISSING = "MISSING"
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"


class PlatformFeeStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"


class BankTransactionStatus(StrEnum):
    UNMATCHED = "UNMATCHED"  # a credit that waits for the tenant to match it or ignore it
    MATCHED = "MATCHED"  # recorded as a payment
    IGNORED = "IGNORED"  # set aside by the tenant: not a payment of any invoice
    NOT_A_PAYMENT = "NOT_A_PAYMENT"  # a debit or a returned transfer: shown, never matched


class EInvoiceFormat(StrEnum):
    """The e-invoice an organization receives: Factur-X (CII, EN 16931 profile, also
    embedded in every PDF), XRechnung in its CII or UBL syntax, or Peppol BIS Billing 3.0."""

    FACTURX = "FACTURX"
    XRECHNUNG_CII = "XRECHNUNG_CII"
    XRECHNUNG_UBL = "XRECHNUNG_UBL"
    PEPPOL_UBL = "PEPPOL_UBL"


class VatCategory(StrEnum):
    """EN 16931 VAT category codes (UNTDID 5305) of an invoice line."""

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    OUTSIDE_SCOPE = "O"
