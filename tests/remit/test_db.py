"""The database wiring: PostgreSQL connections go back to the pool without the default
session reset (a round trip each time), and still never carry a transaction over."""

import pytest
from tortoise import connections

from remit import db
from tests.conftest import USES_SQLITE

pytestmark = pytest.mark.skipif(USES_SQLITE, reason="PostgreSQL's connection pool")


def test_postgres_connections_are_returned_without_the_default_reset():
    config = db.tortoise_config("postgres://postgres@127.0.0.1:5432/remit")

    credentials = config["connections"]["default"]["credentials"]

    assert (credentials["database"], credentials["reset"]) == ("remit", db.keep_session)
    assert db.tortoise_config("sqlite://remit.sqlite3")["connections"]["default"] == (
        "sqlite://remit.sqlite3"
    )


async def test_a_connection_returned_inside_a_transaction_is_rolled_back():
    pool = connections.get("default")._pool

    async with pool.acquire() as connection:
        returned = connection._con  # the connection itself, which outlives the proxy
        await connection.execute("BEGIN")
        await connection.execute("CREATE TEMPORARY TABLE left_open (n int)")

    assert not returned.is_in_transaction()
    assert await returned.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
