"""Remit: multi-tenant invoicing. This module is the plugin API and nothing else:

    from remit import hookimpl, BaseProvider, PaymentOption, ...

See remit/plugins/hookspecs.py (the hooks) and docs/plugins.md (a complete example).
"""

from remit.plugins.api import (
    BaseProvider,
    CardUpdatingProvider,
    ChargeResult,
    ChargeStatus,
    CreditTransfer,
    CustomerAccount,
    EInvoiceChannel,
    EInvoiceMessage,
    InvoiceView,
    Party,
    PaymentEvent,
    PaymentEventKind,
    PaymentOption,
    PaymentProvider,
    PaymentRefused,
    ProviderError,
    ProviderUnavailable,
    RefundingProvider,
    RefundResult,
    WebhookRejected,
    hookimpl,
)

__all__ = [
    "BaseProvider",
    "CardUpdatingProvider",
    "ChargeResult",
    "ChargeStatus",
    "CreditTransfer",
    "CustomerAccount",
    "EInvoiceChannel",
    "EInvoiceMessage",
    "InvoiceView",
    "Party",
    "PaymentEvent",
    "PaymentEventKind",
    "PaymentOption",
    "PaymentProvider",
    "PaymentRefused",
    "ProviderError",
    "ProviderUnavailable",
    "RefundResult",
    "RefundingProvider",
    "WebhookRejected",
    "hookimpl",
]
