"""`POST /bank/{tenant_id}/statements`: a bank or an aggregator pushing a statement with one of
the tenant's API keys."""

from datetime import date

import pytest

from remit.billing import clock
from remit.models.bank import BankTransaction
from tests import factories
from tests.camt_files import Credit, statement

DATA = statement([Credit("5.00", debtor_name="Someone", bank_reference="B-1")], "camt.054.001.04")


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(date(2027, 3, 10)):
        yield


async def test_a_statement_pushed_with_the_tenants_key_is_imported_once(api):
    tenant, key = await factories.ready_tenant()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/xml"}

    first = await api.post(f"/bank/{tenant.id}/statements", content=DATA, headers=headers)
    again = await api.post(f"/bank/{tenant.id}/statements", content=DATA, headers=headers)

    assert (first.status_code, first.json()) == (
        200,
        {"kind": "camt.054.001.04", "imported": 1, "duplicates": 0, "matched": 0, "unmatched": 1},
    )
    assert again.json()["duplicates"] == 1
    assert await BankTransaction.filter(tenant=tenant).count() == 1


async def test_without_a_valid_key_or_for_another_tenant_nothing_is_stored(api):
    tenant, key = await factories.ready_tenant()
    other, other_key = await factories.ready_tenant("Initech")
    path = f"/bank/{tenant.id}/statements"

    answers = [
        await api.post(path, content=DATA),
        await api.post(path, content=DATA, headers={"Authorization": "Bearer rk_nope_nope"}),
        await api.post(path, content=DATA, headers={"Authorization": f"Bearer {other_key}"}),
        await api.post(path, content=b"<Document/>", headers={"Authorization": f"Bearer {key}"}),
    ]

    assert [answer.status_code for answer in answers] == [401, 401, 404, 400]
    assert answers[2].json() == {"error": "unknown tenant"}
    assert answers[3].json() == {
        "error": "This file is not a bank statement Remit reads: CAMT.053 or CAMT.054, "
        "versions .001.02 to .001.08, not no namespace.",
        "code": "INVALID",
    }
    assert await BankTransaction.all().count() == 0
    assert other.id != tenant.id
