"""schema.graphql is generated from the code and kept; the contract in shared/ is kept too,
but for the items tests/contract_todo.txt says are not built yet. That list only shrinks."""

import subprocess
import sys

import pytest

from remit.graph.schema import build_schema
from tests.conftest import ROOT

CONTRACT_CHECK = ROOT.parent / "shared" / "contract" / "check_schema.py"
TODO = ROOT / "tests" / "contract_todo.txt"


def test_the_committed_schema_is_fresh():
    committed = (ROOT / "schema.graphql").read_text()

    assert committed == build_schema().as_str() + "\n", (
        "schema.graphql is stale: run `remit schema export`"
    )


def listed_todo() -> set[str]:
    lines = (line.strip() for line in TODO.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


@pytest.mark.skipif(
    not CONTRACT_CHECK.exists(), reason="../shared/contract is not beside this checkout"
)
def test_the_contract_is_kept_but_for_what_is_listed_as_not_built_yet():
    result = subprocess.run(
        [sys.executable, str(CONTRACT_CHECK), str(ROOT / "schema.graphql")],
        capture_output=True,
        text=True,
        check=False,
    )
    breaking = {
        line.split(": ", 1)[1]
        for line in result.stdout.splitlines()
        if line.split(": ", 1)[0].isupper() and ": " in line
    }
    todo = listed_todo()

    assert "the contract" in result.stdout.splitlines()[-1], result.stdout + result.stderr
    assert sorted(breaking - todo) == [], (
        "breaks the contract where contract_todo.txt does not expect it"
    )
    assert sorted(todo - breaking) == [], "built now: remove these from tests/contract_todo.txt"
