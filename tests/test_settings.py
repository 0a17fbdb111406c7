from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from remit.settings import Settings


def test_the_embedded_defaults(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("REMIT_"):
            monkeypatch.delenv(name)

    settings = Settings()

    assert settings.database_url == "sqlite://remit.sqlite3"
    assert settings.redis_url is None and settings.embedded
    assert settings.smtp_url is None
    assert settings.outbox_dir == Path("outbox")
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.cycle_time == "08:15"
    assert settings.platform_fee_per_invoice == Decimal("0.50")
    assert settings.platform_fee_currency == "USD"
    assert settings.max_catch_up_periods == 3


def test_variables_are_read_with_their_prefix(monkeypatch):
    monkeypatch.setenv("REMIT_REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("REMIT_CYCLE_TIME", "7:05")
    monkeypatch.setenv("REMIT_PLATFORM_FEE_PER_INVOICE", "0.25")

    settings = Settings()

    assert (settings.redis_url, settings.embedded) == ("redis://cache:6379/0", False)
    assert settings.cycle_time == "07:05"
    assert settings.platform_fee_per_invoice == Decimal("0.25")


def test_the_catch_up_limit_reaches_billing(monkeypatch):
    from remit.runtime import billing_config

    monkeypatch.setenv("REMIT_MAX_CATCH_UP_PERIODS", "6")

    assert billing_config(Settings(secret_key="k")).max_catch_up_periods == 6
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Settings(max_catch_up_periods=0)


def test_signup_and_the_session_lifetime_reach_billing(monkeypatch):
    from datetime import timedelta

    from remit.runtime import billing_config

    closed = billing_config(Settings(secret_key="k"))
    monkeypatch.setenv("REMIT_SIGNUP", "open")
    monkeypatch.setenv("REMIT_SESSION_DAYS", "2")
    opened = billing_config(Settings(secret_key="k"))

    assert (closed.signup_open, closed.session_lifetime) == (False, timedelta(days=14))
    assert (opened.signup_open, opened.session_lifetime) == (True, timedelta(days=2))
    with pytest.raises(ValidationError, match="'closed' or 'open'"):
        Settings(signup="maybe")


def test_the_secret_keys_reach_billing_current_first(monkeypatch):
    from remit.runtime import billing_config

    monkeypatch.setenv("REMIT_SECRET_KEY", "new-key")
    monkeypatch.setenv("REMIT_OLD_SECRET_KEYS", '["old-key", "older-key"]')

    assert billing_config(Settings()).secret_keys == ("new-key", "old-key", "older-key")


@pytest.mark.parametrize("value", ["8", "24:00", "08:60", "noon"])
def test_a_bad_cycle_time_is_refused(value):
    with pytest.raises(ValidationError, match="must be HH:MM in UTC"):
        Settings(cycle_time=value)


def test_the_embedded_secret_key_is_made_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(secret_key=None, database_url="sqlite://remit.sqlite3")

    first = settings.resolved_secret_key()

    assert len(first) >= 64
    assert settings.resolved_secret_key() == first
    assert (tmp_path / ".remit-secret-key").stat().st_mode & 0o777 == 0o600


def test_outside_the_embedded_mode_the_secret_key_is_required():
    settings = Settings(secret_key=None, database_url="postgres://db/remit")

    with pytest.raises(ValueError, match="REMIT_SECRET_KEY is required"):
        settings.resolved_secret_key()
