"""The languages documents and emails are written in: a locale is a BCP 47 tag such as
`de-DE`, its language picks the message catalog (src/remit/locales, made with Babel: see
babel.cfg and the Makefile's translations targets), the whole tag the formats of dates,
numbers and money.

Each catalog is read once per process and then shared: a render picks its locale's
translations rather than switching a global, so renders in several languages may run at
once in one event loop or render process."""

from functools import cache
from importlib.resources import files
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.support import Translations

from remit.billing.errors import Invalid

# The languages Remit has complete catalogs for; English is the source language.
LANGUAGES = ("en", "de", "fr", "es", "nl", "it")
DEFAULT = "en"
CATALOGS = files("remit") / "locales"
DOMAIN = "messages"


def checked(tag: str, field: list[str]) -> str:
    """The BCP 47 tag as stored (`de-DE`, `fr`), or Invalid at `field` when Babel does not
    know it or Remit does not write its language."""
    written = tag.strip().replace("_", "-")
    try:
        locale = Locale.parse(written, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        locale = None
    # Babel leaves out what it does not know ("de-DEx" is de): only a tag it reads whole is
    # one.
    if locale is None or bcp47(locale).lower() != written.lower():
        raise Invalid(f"{tag!r} is not a locale such as de-DE or fr-FR.", field=field)
    if locale.language not in LANGUAGES:
        raise Invalid(
            f"Documents are not written in {locale.english_name}: use one of "
            f"{', '.join(LANGUAGES)}.",
            field=field,
        )
    return bcp47(locale)


def bcp47(locale: Locale) -> str:
    return "-".join(
        part for part in (locale.language, locale.script, locale.territory, locale.variant) if part
    )


@cache
def babel_locale(tag: str) -> Locale:
    """Parsed once: Babel would parse the tag again for each date or amount."""
    return Locale.parse(tag, sep="-")


def language(tag: str) -> str:
    return babel_locale(tag).language


def N_(message: str) -> str:
    """Marks a text for the catalogs (babel.cfg); it is translated where it is shown."""
    return message


def translated(message: str, locale: str, **values: Any) -> str:
    """`message` in the locale's language, its %(name)s placeholders filled from `values`."""
    text = translations(locale).gettext(message)
    return text % values if values else text


@cache
def translations(tag: str) -> Translations:
    """The compiled catalog of the tag's language, read once per process (English's gives
    the texts as the templates and code write them)."""
    found = Translations.load(str(CATALOGS), locales=[language(tag)], domain=DOMAIN)
    if not isinstance(found, Translations):  # Babel's stand-in for a missing file
        raise RuntimeError(
            f"The {language(tag)} message catalog is not compiled: run make translations-compile"
        )
    return found
