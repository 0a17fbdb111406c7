"""A migrated database for each test process, made by running the committed migrations once
per set of migrations and copied from then on.

Running the nineteen migrations costs about 15 seconds of CPU (tortoise rebuilds its model
state for every step), in each test process of each run. The first process to need a given
set migrates a template (a PostgreSQL database, or a SQLite file), under a lock so that the
other process waits rather than migrates too; every process then copies it, which takes a
fraction of a second. The template is named by a digest of the models package, migrations
included, so any change to them makes a new one (and the older ones are dropped)."""

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from remit import db

MODELS = Path(db.__file__).parent / "models"
TEMPLATE_PREFIX = "remit_test_template_"


def models_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(MODELS.rglob("*.py")):
        digest.update(str(path.relative_to(MODELS)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def machine_lock(name: str) -> Iterator[None]:
    """Held by one test process of this machine at a time."""
    with open(Path(tempfile.gettempdir()) / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


async def migrated_sqlite(path: Path) -> str:
    """A migrated SQLite database at `path`; returns its URL."""
    template = Path(tempfile.gettempdir()) / f"{TEMPLATE_PREFIX}{models_digest()}.sqlite3"
    with machine_lock(template.name):
        if not template.exists():
            for stale in template.parent.glob(f"{TEMPLATE_PREFIX}*.sqlite3"):
                stale.unlink()
            building = template.with_suffix(".building")
            building.unlink(missing_ok=True)
            await db.migrate(f"sqlite://{building}")
            os.replace(building, template)
    shutil.copyfile(template, path)
    return f"sqlite://{path}"


async def migrated_postgres(admin_url: str, name: str) -> str:
    """A migrated PostgreSQL database `name`, made anew; returns its URL."""
    template = f"{TEMPLATE_PREFIX}{models_digest()}"
    admin = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://"))
    try:
        with machine_lock(template):
            known = {
                row["datname"]
                for row in await admin.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE $1",
                    f"{TEMPLATE_PREFIX}%",
                )
            }
            if template not in known:
                for stale in known:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
                await admin.execute(f'CREATE DATABASE "{template}"')
                try:
                    await db.migrate(database_url(admin_url, template))
                except BaseException:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
                    raise
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return database_url(admin_url, name)


def database_url(admin_url: str, name: str) -> str:
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"
