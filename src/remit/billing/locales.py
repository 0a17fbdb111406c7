"""Locale tags as Remit stores them: BCP 47 (`de-DE`, `fr`), read whole by Babel, in one of
the languages Remit writes (remit.catalogs)."""

from babel import Locale, UnknownLocaleError

from remit.billing.errors import Invalid
from remit.catalogs import LANGUAGES


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
