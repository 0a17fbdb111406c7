"""`remit bank import FILE --tenant ID` as an operator runs it: a real process."""

import asyncio

from remit.models.bank import BankTransaction
from tests import factories
from tests.camt_files import Credit, statement
from tests.remit.test_cli import one_line_error, remit


def environment(settings) -> dict:
    return {"REMIT_DATABASE_URL": settings.database_url, "REMIT_SECRET_KEY": "test-secret"}


async def test_a_statement_file_is_imported_and_matched(settings, tmp_path):
    tenant, _ = await factories.ready_tenant()
    path = tmp_path / "statement.xml"
    path.write_bytes(
        statement(
            [
                Credit("5.00", debtor_name="Someone", bank_reference="B-1"),
                Credit("7.00", bank_reference="B-2", debit=True),
            ]
        )
    )

    first, again = [
        await asyncio.to_thread(
            remit,
            "bank",
            "import",
            str(path),
            "--tenant",
            str(tenant.id),
            cwd=tmp_path,
            env=environment(settings),
        )
        for _ in range(2)
    ]

    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        "remit: statement.xml (camt.053.001.08): 2 imported, 0 already imported, "
        "0 matched, 1 unmatched\n"
    )
    assert again.stdout == (
        "remit: statement.xml (camt.053.001.08): 0 imported, 2 already imported, "
        "0 matched, 0 unmatched\n"
    )
    assert await BankTransaction.filter(tenant=tenant).count() == 2


async def test_a_bad_file_or_tenant_is_one_line_and_stores_nothing(settings, tmp_path):
    tenant, _ = await factories.ready_tenant()
    (tmp_path / "bad.xml").write_bytes(b"<Document/>")

    def run(*args: str):
        return remit("bank", "import", *args, cwd=tmp_path, env=environment(settings))

    not_xml, missing, unknown, malformed = [
        one_line_error(await asyncio.to_thread(run, *args))
        for args in (
            ("bad.xml", "--tenant", str(tenant.id)),
            ("nowhere.xml", "--tenant", str(tenant.id)),
            ("bad.xml", "--tenant", "00000000-0000-0000-0000-000000000000"),
            ("bad.xml", "--tenant", "nope"),
        )
    ]

    assert not_xml == (
        "remit: This file is not a bank statement Remit reads: CAMT.053 or CAMT.054, "
        "versions .001.02 to .001.08, not no namespace."
    )
    assert missing == "remit: cannot read nowhere.xml: No such file or directory"
    assert unknown == "remit: No tenant with id 00000000-0000-0000-0000-000000000000."
    assert malformed == "remit: 'nope' is not a tenant id."
    assert await BankTransaction.all().count() == 0
