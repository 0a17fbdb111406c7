"""Tortoise models, one module per aggregate. This package imports nothing else of Remit's."""

APP_LABEL = "remit"

MODEL_MODULES = [
    "models.tenants",
    "models.settings",
    "models.organizations",
    "models.contracts",
    "models.invoices",
    "models.provider_events",
    "models.runs",
    "models.fees",
]
