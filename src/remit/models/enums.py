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
