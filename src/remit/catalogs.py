"""The message catalogs documents, emails and the built-in payment providers write from: a
locale is a BCP 47 tag such as `de-DE`, its language picks the catalog (src/remit/locales,
made with Babel: see babel.cfg and the Makefile's translations targets), the whole tag the
formats of dates, numbers and money.

Each catalog is read once per process and then shared: a render picks its locale's
translations rather than switching a global, so renders in several languages may run at
once in one event loop or render process. Below billing and the plugins alike, so that
both may write in the customer's language."""

from functools import cache
from importlib.resources import files
from typing import Any

from babel import Locale
from babel.support import Translations

# The languages Remit has complete catalogs for; English is the source language.
LANGUAGES = ("en", "de", "fr", "es", "nl", "it")
DEFAULT = "en"
CATALOGS = files("remit") / "locales"
DOMAIN = "messages"


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
