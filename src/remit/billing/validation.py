"""Checks shared by every input Remit takes. Each raises `Invalid` with the field's path;
`Checks` gathers several so one answer lists every problem at once."""

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlparse

import pycountry
from email_validator import EmailNotValidError, validate_email
from tortoise.models import Model

from remit.billing import clock
from remit.billing.errors import Invalid, RemitError, RemitErrors
from remit.models.base import EMAIL_LENGTH

T = TypeVar("T")


def email(value: str, field: Sequence[str]) -> str:
    # Measured first: no address is longer, and the validator takes seconds over a megabyte.
    if len(value) > EMAIL_LENGTH:
        raise Invalid(
            f"At most {EMAIL_LENGTH} characters: no email address is longer.", field=field
        )
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise Invalid(f"{value!r} is not an email address: {error}", field=field) from None


# Copies of one email: more would make Remit a way to send mail to many.
MAX_COPY_ADDRESSES = 10


def email_list(values: Sequence[str], field: Sequence[str]) -> list[str]:
    """Addresses a message is copied to: at most MAX_COPY_ADDRESSES, each checked."""
    if len(values) > MAX_COPY_ADDRESSES:
        raise Invalid(f"At most {MAX_COPY_ADDRESSES} addresses; {len(values)} given.", field=field)
    checks = Checks()
    found = [checks.run(email, value, [*field, str(n)]) for n, value in enumerate(values)]
    checks.raise_if_any()
    return found


def country(value: str, field: Sequence[str]) -> str:
    """An ISO 3166-1 alpha-2 code, as pycountry knows them: no CLDR-only territories (AC, CP,
    EA, IC), no user-assigned codes (XK, ZZ)."""
    found = pycountry.countries.get(alpha_2=value)
    if found is None or found.alpha_2 != value:
        raise Invalid(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code, such as DE.", field=field
        )
    return value


# The days a contract or a service can start or end on. Before 2000 is a typo, not a contract
# to invoice (a start in 1900 would issue a thousand invoices); more than ten years ahead is
# no plan an invoice can follow ("never" is no end date at all). Every period computed from
# such a day stays far inside what a date can hold.
EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 10


def latest_day(today: date) -> date:
    return date(today.year + YEARS_AHEAD, 12, 31)


def day(value: date, field: Sequence[str]) -> date:
    latest = latest_day(clock.today())
    if not EARLIEST_DAY <= value <= latest:
        raise Invalid(
            f"Must be from {EARLIEST_DAY.isoformat()} to {latest.isoformat()}; "
            f"{value.isoformat()} is not.",
            field=field,
        )
    return value


# Characters no text column can hold: PostgreSQL stores no NUL, and a lone surrogate (half
# of a UTF-16 pair) is no character at all, with no UTF-8 form to store or send.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any, field: Sequence[str]) -> None:
    """Refuse, with its path, every text in `value` (a string, or the strings, keys included,
    of a JSON-like input) that holds a character no database or page can keep."""
    checks = Checks()
    for path, text in _texts(value, list(field)):
        if UNSTORABLE.search(text):
            checks.errors.append(
                Invalid("Text cannot hold NUL characters or lone surrogates.", field=path)
            )
    checks.raise_if_any()


def _texts(value: Any, path: list[str]):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _texts(key, path)
            yield from _texts(inner, [*path, str(key)])
    elif isinstance(value, list | tuple):
        for position, inner in enumerate(value):
            yield from _texts(inner, [*path, str(position)])


# Free text (notes, footers) kept in a column of unbounded text: a note, not a document.
FREE_TEXT_LENGTH = 2000


def length_of(model: type[Model], column: str) -> int:
    """The most characters `model.column` takes: the column's own length, so the check of
    an input and the column it fills are one number; FREE_TEXT_LENGTH for unbounded text."""
    return getattr(model._meta.fields_map[column], "max_length", None) or FREE_TEXT_LENGTH


def text(
    value: str, field: Sequence[str], *, max_length: int, required: bool = False
) -> str | None:
    value = value.strip()
    if not value:
        if required:
            raise Invalid("This cannot be blank.", field=field)
        return None
    if len(value) > max_length:
        raise Invalid(f"At most {max_length} characters.", field=field)
    return value


def web_url(value: str, field: Sequence[str], *, max_length: int) -> str:
    if len(value) > max_length:
        raise Invalid(f"At most {max_length} characters.", field=field)
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise Invalid(f"{value!r} is not an http(s) URL.", field=field)
    return value


def matches(pattern: str, message: str) -> Callable[[str, Sequence[str]], str]:
    compiled = re.compile(pattern)

    def check(value: str, field: Sequence[str]) -> str:
        if not compiled.fullmatch(value):
            raise Invalid(message.format(value=value), field=field)
        return value

    return check


def within(low: int, high: int) -> Callable[[int, Sequence[str]], int]:
    def check(value: int, field: Sequence[str]) -> int:
        if not low <= value <= high:
            raise Invalid(f"Must be from {low} to {high}; {value} is not.", field=field)
        return value

    return check


class Checks:
    """Run checks, keep going after a failure, and raise them all together at the end."""

    def __init__(self) -> None:
        self.errors: list[RemitError] = []

    def run(self, check: Callable[..., T], value: Any, field: Sequence[str], **options) -> T | None:
        try:
            return check(value, field, **options)
        except RemitError as error:
            self.errors.extend(error.errors())
            return None

    async def run_async(self, awaitable: Awaitable[T]) -> T | None:
        try:
            return await awaitable
        except RemitError as error:
            self.errors.extend(error.errors())
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise RemitErrors.of(self.errors)


ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")


def address(value: dict | None, field: Sequence[str], checks: Checks) -> dict | None:
    """A postal address as stored: the known keys, blanks as None, the country checked."""
    if value is None:
        return None
    cleaned = {}
    for key in ADDRESS_FIELDS:
        raw = value.get(key)
        cleaned[key] = (
            checks.run(text, raw, [*field, key], max_length=200) if raw is not None else None
        )
    if cleaned["country"] is not None:
        cleaned["country"] = checks.run(country, cleaned["country"].upper(), [*field, "country"])
    return cleaned if any(cleaned.values()) else None
