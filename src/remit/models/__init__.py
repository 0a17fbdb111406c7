"""Tortoise models, one module per aggregate. This package imports nothing else of Remit's."""

APP_LABEL = "remit"

MODEL_MODULES = [
    "remit.models.tenants",
    "remit.models.settings",
    "remit.models.organizations",
    "remit.models.contracts",
    "remit.models.invoices",
    "remit.models.credit_notes",
    "remit.models.payments",
    "remit.models.bank",
    "remit.models.provider_events",
    "remit.models.runs",
    "remit.models.fees",
    "remit.models.jobs",
    "remit.models.users",
    "remit.models.webhooks",
]
