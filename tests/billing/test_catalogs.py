"""The message catalogs (src/remit/locales): every text the code and templates write, in
every language, translated, not fuzzy, compiled as written."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from remit import catalogs

CATALOGS = catalogs.CATALOGS
ROOT = Path(__file__).parents[2]  # where babel.cfg is


def catalog(language: str):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


def ids(messages) -> set:
    return {message.id for message in messages if message.id}


def test_the_template_holds_every_text_of_the_code_and_templates(tmp_path):
    extracted = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "translated",
            "--no-location",
            "-o",
            str(extracted),
            ".",
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    with extracted.open("rb") as fresh, (CATALOGS / "messages.pot").open("rb") as kept:
        assert ids(read_po(fresh)) == ids(read_po(kept)), "run make translations"


@pytest.mark.parametrize("language", catalogs.LANGUAGES)
def test_each_language_translates_every_text_and_none_is_fuzzy(language):
    with (CATALOGS / "messages.pot").open("rb") as file:
        wanted = ids(read_po(file))
    translated = catalog(language)

    assert not translated.fuzzy
    assert ids(translated) == wanted
    for message in translated:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: {message.id!r} is not translated"
        assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy"
        # The placeholders of the English text, no more, no fewer (Babel's python-format check).
        assert list(message.check(translated)) == [], f"{language}: {message.id!r}"


@pytest.mark.parametrize("language", catalogs.LANGUAGES)
def test_each_compiled_catalog_is_its_po_file(language):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.mo").open("rb") as file:
        compiled = read_mo(file)
    written = catalog(language)

    def strings(messages) -> dict:
        return {
            tuple(message.id) if message.pluralizable else message.id: tuple(message.string)
            if message.pluralizable
            else message.string
            for message in messages
            if message.id
        }

    assert strings(compiled) == strings(written), "run make translations-compile"
