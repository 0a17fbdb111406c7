"""A tenant's own words for the emails its customers get: per kind of email and language,
a subject and an opening text that stand in for Remit's. Both may name a few details of the
invoice in braces ("Ihre Rechnung {number}"), filled in formatted for the customer's
locale."""

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from remit import catalogs
from remit.billing import validation
from remit.billing.errors import Invalid
from remit.billing.validation import Checks

# The emails to customers a tenant may word itself (payment_failed goes to the tenant).
KINDS = ("invoice", "reminder", "receipt", "void", "credit_note", "card_declined", "card_expiring")
PLACEHOLDERS = ("number", "issuer", "customer", "total", "amount_due", "due_date")
MAX_SUBJECT = 200
MAX_INTRO = 2000
MAX_TEXTS = len(KINDS) * len(catalogs.LANGUAGES)


@dataclass(frozen=True)
class EmailText:
    subject: str | None
    intro: str | None

    def filled(self, values: Mapping[str, str]) -> "EmailText":
        """With its placeholders replaced by `values`."""
        return EmailText(
            subject=self.subject.format_map(values) if self.subject else None,
            intro=self.intro.format_map(values) if self.intro else None,
        )


def _template(text: str, field: list[str], *, max_length: int, one_line: bool) -> str:
    text = validation.text(text, field, max_length=max_length, required=True)
    if one_line and ("\n" in text or "\r" in text):
        raise Invalid("A subject is one line.", field=field)
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError:
        raise Invalid(
            "Write a placeholder as {number}, a brace itself as {{ or }}.", field=field
        ) from None
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            known = ", ".join(f"{{{placeholder}}}" for placeholder in PLACEHOLDERS)
            raise Invalid(f"Unknown placeholder {{{name}}}: use {known}.", field=field)
    return text


def cleaned(texts: Sequence[Mapping[str, Any]], field: list[str]) -> list[dict[str, str | None]]:
    """The texts as stored, each checked (Invalid errors at `field`, position, key): a known
    kind and language, once each pair, a subject or an intro or both."""
    checks = Checks()
    stored: list[dict[str, str | None]] = []
    seen: set[tuple[str, str]] = set()
    if len(texts) > MAX_TEXTS:
        raise Invalid(f"At most {MAX_TEXTS} email texts.", field=field)
    for position, text in enumerate(texts):
        at = [*field, str(position)]
        kind, language = text.get("kind"), text.get("language")
        if kind not in KINDS:
            checks.errors.append(
                Invalid(f"{kind!r} is not one of {', '.join(KINDS)}.", field=[*at, "kind"])
            )
        if language not in catalogs.LANGUAGES:
            checks.errors.append(
                Invalid(
                    f"{language!r} is not one of {', '.join(catalogs.LANGUAGES)}.",
                    field=[*at, "language"],
                )
            )
        elif (kind, language) in seen:
            checks.errors.append(
                Invalid(f"The {kind} email in {language} is worded twice.", field=at)
            )
        seen.add((kind, language))
        subject, intro = text.get("subject"), text.get("intro")
        if subject is None and intro is None:
            checks.errors.append(Invalid("Give a subject, an intro or both.", field=at))
        stored.append(
            {
                "kind": kind,
                "language": language,
                "subject": None
                if subject is None
                else checks.run(
                    _template, subject, [*at, "subject"], max_length=MAX_SUBJECT, one_line=True
                ),
                "intro": None
                if intro is None
                else checks.run(
                    _template, intro, [*at, "intro"], max_length=MAX_INTRO, one_line=False
                ),
            }
        )
    checks.raise_if_any()
    return stored


def chosen(texts: Sequence[Mapping[str, Any]], kind: str, locale: str) -> EmailText | None:
    """The tenant's wording of the `kind` email in the locale's language, if it has one."""
    language = catalogs.language(locale)
    for text in texts:
        if text["kind"] == kind and text["language"] == language:
            return EmailText(subject=text["subject"], intro=text["intro"])
    return None
