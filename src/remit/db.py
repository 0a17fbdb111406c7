"""Database wiring: the tortoise configuration, start-up, migrations and the check that
refuses to serve an unmigrated database."""

from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as apply_migrations
from tortoise.migrations.executor import MigrationExecutor

from remit.models import APP_LABEL, MODEL_MODULES

MIGRATIONS_MODULE = "remit.models.migrations"
ASYNCPG_SCHEMES = ("postgres://", "asyncpg://")


class DatabaseNotMigrated(RuntimeError):
    pass


def tortoise_config(database_url: str) -> dict:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def connection_config(database_url: str) -> str | dict:
    if not database_url.startswith(ASYNCPG_SCHEMES):
        return database_url
    config = expand_db_url(database_url)
    config["credentials"]["reset"] = keep_session
    return config


async def keep_session(connection: object) -> None:
    """What a pooled PostgreSQL connection needs on its way back to the pool once asyncpg has
    rolled back any transaction left open: nothing. Remit leaves no session state behind (no
    advisory locks, LISTEN, SET or cursors outside a transaction), and the default reset
    (`RESET ALL`, `UNLISTEN *`...) costs a round trip on each release, several per job."""


# For tortoise's own CLI (`make migrations`): the database is not touched to write a migration.
MIGRATIONS_CONFIG = tortoise_config("sqlite://:memory:")


def check_sqlite_folder(database_url: str) -> None:
    """SQLite makes its file but not the folder; say so before the driver fails obscurely."""
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if database_url.startswith("sqlite://") and path != ":memory:":
        folder = Path(path).parent
        if not folder.is_dir():
            raise FileNotFoundError(f"no folder {folder} for the SQLite database {path}")


async def init(database_url: str) -> None:
    """Connect, and check the connection now rather than at the first request. The state is
    global to the process: uvicorn starts the app in one task and serves requests in others."""
    check_sqlite_folder(database_url)
    try:
        await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        await connections.get("default").execute_query("SELECT 1")
    except BaseException:
        await close()  # a half-opened driver must not outlive the failed start
        raise


async def close() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    check_sqlite_folder(database_url)
    config = tortoise_config(database_url)
    try:
        await apply_migrations(config=config)
    finally:
        await Tortoise.close_connections()


async def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connections.get("default"), tortoise_config("")["apps"])
    return [f"{step.migration.app_label}.{step.migration.name}" for step in await executor.plan()]


async def ensure_migrated() -> None:
    pending = await pending_migrations()
    if pending:
        raise DatabaseNotMigrated(
            f"the database is not migrated ({len(pending)} pending: {', '.join(pending)}); "
            "run `remit migrate` first"
        )
