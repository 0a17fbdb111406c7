"""Configuration from `REMIT_*` environment variables; with none set, the embedded defaults."""

import os
import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = ".remit-secret-key"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# What a link to a server listening on every interface uses.
ANY_INTERFACE = {"": DEFAULT_HOST, "0.0.0.0": DEFAULT_HOST, "::": "::1"}


def local_url(host: str, port: int) -> str:
    """The base URL of a server listening on `host` and `port`, as a browser on this machine
    reaches it."""
    host = ANY_INTERFACE.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMIT_", extra="ignore")

    database_url: str = "sqlite://remit.sqlite3"
    redis_url: str | None = None
    smtp_url: str | None = None
    outbox_dir: Path = Path("outbox")
    # Unset, `remit serve` links to where it listens (see `served_at`).
    public_url: str = local_url(DEFAULT_HOST, DEFAULT_PORT)
    secret_key: str | None = None
    # Keys replaced by secret_key that still open provider secrets sealed with them.
    old_secret_keys: list[str] = Field(default_factory=list)
    # Bearer token for /metrics; unset, /metrics answers 404.
    metrics_token: str | None = None
    cycle_time: str = "08:15"
    stripe_api_base: str | None = None
    platform_stripe_secret_key: str | None = None
    platform_stripe_webhook_secret: str | None = None
    platform_fee_per_invoice: Decimal = Decimal("0.50")
    platform_fee_currency: str = "USD"
    # Who bills the processing fee, as printed on fee invoices and emails.
    platform_name: str = "Remit"
    platform_email: str = "billing@remit.invalid"
    platform_bank_details: str | None = None
    # The VIES service (its REST API) that confirms an EU VAT identifier when a tenant gives
    # one to an organization; unset, only its format is checked (python-stdnum), at issue.
    vies_url: str | None = None
    # More periods than this due at once on one contract are held until the tenant confirms.
    max_catch_up_periods: int = Field(default=3, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    # open: anyone may create a tenant and its owner at /app/signup.
    signup: Literal["closed", "open"] = "closed"
    # Days a console session lives without being used.
    session_days: int = Field(default=14, ge=1)
    queue_name: str = "remit:queue"
    max_query_depth: int = 12
    # Fields an operation may resolve, connections' `first` multiplied along the path; see
    # graph/limits.QueryCostLimit. The console's heaviest screen, an organization with its
    # contracts and invoices, costs 3,118: 16 times less (docs/limits.md).
    max_query_cost: int = 50_000
    # Seconds a GraphQL operation may run before it is stopped with a TIMEOUT error. Queries
    # within the cost limit answer in well under a second; no mutation waits on a provider.
    graphql_timeout: float = Field(default=15, gt=0)
    # How long a job may run; also how long a dead worker's running job waits before
    # another worker takes it over.
    job_timeout: int = 300
    # Tenants' webhook endpoints may be on private or loopback addresses: for an operator whose
    # tenants' receivers run inside its own network (and for tests). Refused by default, so a
    # tenant cannot make the server call into the network it runs in.
    webhooks_allow_private: bool = False
    # How long a webhook event and its deliveries' log are kept once every delivery of it is
    # over (delivered or given up); then a daily job deletes them.
    webhook_log_days: int = Field(default=30, ge=1, le=3650)
    # Processes rendering PDFs (billing/rendering.py), by default one per core: WeasyPrint
    # holds the interpreter lock, so rendered in threads a cycle's PDFs would keep a worker
    # to one core. 0 renders them in threads of the process itself.
    pdf_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=0, le=64)

    @field_validator("cycle_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise ValueError("must be HH:MM in UTC, e.g. 08:15")
        return f"{int(hours):02d}:{int(minutes):02d}"

    @field_validator(
        "redis_url",
        "smtp_url",
        "secret_key",
        "metrics_token",
        "stripe_api_base",
        "platform_stripe_secret_key",
        "platform_stripe_webhook_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    def served_at(self, host: str, port: int) -> "Settings":
        """These settings for a server listening on `host` and `port`: without
        REMIT_PUBLIC_URL, links in emails and pages lead to that server."""
        if "public_url" in self.model_fields_set:
            return self
        return self.model_copy(update={"public_url": local_url(host, port)})

    @property
    def embedded(self) -> bool:
        """True when jobs run inside the API process instead of on arq workers."""
        return self.redis_url is None

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    def resolved_secret_key(self) -> str:
        """The signing key: configured, or in the embedded mode generated once and kept on disk."""
        if self.secret_key:
            return self.secret_key
        if not self.uses_sqlite:
            raise ValueError("REMIT_SECRET_KEY is required outside the embedded SQLite mode")
        path = Path(SECRET_KEY_FILE)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def secret_keys(self) -> tuple[str, ...]:
        """The keys sealing provider secrets: the current one first, then the old ones."""
        return (self.resolved_secret_key(), *self.old_secret_keys)


@lru_cache
def get_settings() -> Settings:
    return Settings()
