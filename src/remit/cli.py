"""The `remit` command. On bad input or an unreachable database, Redis or SMTP server it
prints one line and exits non-zero; a traceback is for bugs only."""

import asyncio
import contextlib
import functools
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from redis.exceptions import RedisError
from tortoise.exceptions import BaseORMException

from remit import db, logs
from remit.billing import tenants, users
from remit.billing.errors import RemitError
from remit.billing.roles import Actor
from remit.db import DatabaseNotMigrated
from remit.models.tenants import Tenant
from remit.models.users import UserRole
from remit.settings import DEFAULT_HOST, DEFAULT_PORT, Settings, get_settings

app = typer.Typer(
    help="Remit: invoicing that runs itself.", no_args_is_help=True, add_completion=False
)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(apikey_app, name="apikey")
app.add_typer(schema_app, name="schema")

T = TypeVar("T")

# What a misconfigured or unreachable dependency raises; reported in one line.
EXPECTED = (RemitError, DatabaseNotMigrated, BaseORMException, RedisError, OSError, ValueError)


def fail(message: str) -> typer.Exit:
    typer.echo(f"remit: {message}", err=True)
    return typer.Exit(code=1)


def describe(error: BaseException) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, (BaseORMException, OSError)) and not isinstance(
        error, DatabaseNotMigrated
    ):
        return f"cannot use the database: {message}"
    if isinstance(error, RedisError):
        return f"cannot reach Redis: {message}"
    return message


def run(coroutine_function: Callable[..., Awaitable[T]]) -> Callable[..., T]:
    """Run an async command, turning expected failures into one line and exit code 1."""

    @functools.wraps(coroutine_function)
    def wrapper(*args, **kwargs) -> T:
        try:
            return asyncio.run(coroutine_function(*args, **kwargs))
        except EXPECTED as error:
            raise fail(describe(error)) from None

    return wrapper


def settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as error:
        problems = "; ".join(
            f"REMIT_{'_'.join(map(str, problem['loc'])).upper()}: "
            + problem["msg"].removeprefix("Value error, ")
            for problem in error.errors()
        )
        raise fail(f"invalid configuration: {problems}") from None


async def with_database(work: Callable[[], Awaitable[T]] | None = None) -> T | None:
    """Connect to a migrated database, do `work` with the domain configured as in a running
    process, disconnect."""
    from remit.billing import config
    from remit.runtime import billing_config

    await db.init(settings().database_url)
    try:
        config.use(billing_config(settings()))
        await db.ensure_migrated()
        return await work() if work is not None else None
    finally:
        config.use(None)
        await db.close()


@app.command()
@run
async def migrate() -> None:
    """Apply database migrations."""
    await db.migrate(settings().database_url)
    typer.echo("remit: the database is migrated")


@tenant_app.command("create")
@run
async def tenant_create(name: str) -> None:
    """Create a tenant; prints its id and an API key (shown once)."""
    tenant, key = await with_database(lambda: tenants.create_tenant(name))
    typer.echo(f"tenant id: {tenant.id}\napi key:   {key}")


@apikey_app.command("create")
@run
async def apikey_create(tenant_id: str) -> None:
    """Print another API key for a tenant (shown once)."""
    parsed = tenants.parse_tenant_id(tenant_id, field=["tenant_id"])
    key = await with_database(lambda: tenants.create_api_key(parsed))
    typer.echo(f"api key: {key}")


user_app = typer.Typer(help="The tenants' users.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("create")
@run
async def user_create(
    tenant_id: str,
    email: str,
    role: Annotated[
        UserRole, typer.Option(case_sensitive=False, help="What the user may do.")
    ] = UserRole.OWNER,
) -> None:
    """Add a user to a tenant; prints a one-time link to set a password."""
    parsed = tenants.parse_tenant_id(tenant_id, field=["tenant_id"])

    async def create() -> str:
        tenant = await tenants.get(parsed)
        return await users.create(Actor.system(tenant), email, role)

    link = await with_database(create)
    days = users.INVITE_LIFETIME.days
    typer.echo(f"set-password link (works once, for {days} days): {link}")


@app.command()
@run
async def demo(
    host: Annotated[
        str, typer.Option(help="Interface `remit serve` will listen on.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port `remit serve` will listen on.")] = DEFAULT_PORT,
) -> None:
    """Seed a demo tenant; print the console's address (on the server `remit serve --host
    --port` starts, unless REMIT_PUBLIC_URL says otherwise), its owner's sign-in and an API
    key."""
    from remit.demo import DEMO_OWNER, owner_password, seed

    async def seeded() -> tuple[Tenant, str, str]:
        tenant, key = await seed()
        return tenant, key, await owner_password(tenant)

    tenant, key, password = await with_database(seeded)
    console = f"{settings().served_at(host, port).public_url.rstrip('/')}/app"
    typer.echo(
        f"demo tenant: {tenant.name} ({tenant.id})\n"
        f"console:     {console}\n"
        f"sign in:     {DEMO_OWNER}  password: {password}\n"
        f"api key:     {key}"
    )


@schema_app.command("export")
def schema_export(path: Annotated[Path, typer.Argument()] = Path("schema.graphql")) -> None:
    """Write the GraphQL SDL."""
    from remit.graph.schema import build_schema

    path.write_text(build_schema().as_str() + "\n")
    typer.echo(f"remit: wrote {path}")


cycle_app = typer.Typer(help="The daily invoicing cycle.", no_args_is_help=True)
app.add_typer(cycle_app, name="cycle")


def parse_day(value: str | None, option: str) -> date:
    from remit.billing import clock

    if value is None:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} takes a date as YYYY-MM-DD, not {value!r}") from None


@cycle_app.command("run")
def cycle_run(
    day: Annotated[
        str | None,
        typer.Option("--date", help="Run as of this day (YYYY-MM-DD); default today, UTC."),
    ] = None,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this tenant's contracts.")
    ] = None,
) -> None:
    """Run the daily invoicing cycle now: the same planner and jobs as the scheduled one."""
    from remit.cycle_command import run_cycle

    as_of = parse_day(day, "--date")
    tenant_id = tenants.parse_tenant_id(tenant, field=["tenant"]) if tenant else None
    run(run_cycle)(settings(), as_of, tenant_id)


reminders_app = typer.Typer(help="Overdue invoices and reminders.", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")


@reminders_app.command("run")
def reminders_run(
    day: Annotated[
        str | None, typer.Option("--date", help="As of this day (YYYY-MM-DD); default today, UTC.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print what would be marked overdue and sent; change nothing."
        ),
    ] = False,
) -> None:
    """Mark overdue invoices and send due reminders, as of that date."""
    from remit.cycle_command import preview_reminders, run_reminders

    command = preview_reminders if dry_run else run_reminders
    run(command)(settings(), parse_day(day, "--date"))


fees_app = typer.Typer(help="The monthly invoicing processing fee.", no_args_is_help=True)
app.add_typer(fees_app, name="fees")


@fees_app.command("run")
def fees_run(
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM; default last month.")
    ] = None,
) -> None:
    """Bill tenants the invoicing processing fee for that month, and list failed fees. A month
    not over yet is refused."""
    from remit.billing import clock, fees
    from remit.cycle_command import run_fees

    if month is None:
        chosen = fees.last_month(clock.today())
    else:
        try:
            chosen = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise fail(f"--month takes YYYY-MM, not {month!r}") from None
    try:
        fees.check_month_over(chosen, clock.today())
    except RemitError as error:
        raise fail(error.message) from None
    run(run_fees)(settings(), chosen)


@fees_app.command("paid")
@run
async def fees_paid(fee_id: str) -> None:
    """Mark a fee paid: the tenant paid its fee invoice by bank transfer."""
    from remit.billing import fees

    fee = await with_database(lambda: fees.mark_paid(fee_id))
    typer.echo(f"remit: fee {fee.id} ({fee.month:%Y-%m}) is paid")


bank_app = typer.Typer(help="Bank statements.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")


@bank_app.command("import")
def bank_import(
    file: Annotated[Path, typer.Argument(help="A CAMT.053 or CAMT.054 file.")],
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant whose account it is.")],
) -> None:
    """Import a bank statement and match its credits to the tenant's invoices (receipts go
    out for those paid); entries imported before are left as they were."""
    from remit.cycle_command import run_bank_import

    try:
        tenant_id = tenants.parse_tenant_id(tenant, field=["tenant"])
    except RemitError as error:
        raise fail(error.message) from None
    try:
        data = file.read_bytes()
    except OSError as error:
        raise fail(f"cannot read {file}: {error.strerror or error}") from None
    run(run_bank_import)(settings(), tenant_id, file.name, data)


@app.command("plugins")
def list_plugins() -> None:
    """List the installed plugins, the payment providers they offer, and those that failed."""
    from rich.console import Console
    from rich.table import Table

    from remit.plugins import manager

    loaded = manager.installed()
    table = Table("plugin", "provider", "name", "online", "auto-charge", title="Remit plugins")
    for plugin in loaded.loaded:
        offered = [
            p for key, p in loaded.providers.items() if loaded.provider_plugin[key] == plugin
        ]
        for provider in offered or [None]:
            if provider is None:
                table.add_row(plugin, "-", "-", "-", "-")
                continue
            flags = (
                "yes" if provider.supports_online_payment else "no",
                "yes" if provider.supports_auto_charge else "no",
            )
            table.add_row(plugin, provider.key, provider.name, *flags)
    console = Console()
    console.print(table)
    for failure in loaded.failures:
        console.print(f"[red]failed[/red] {failure.plugin}: {failure.error}", highlight=False)


@run
async def preflight(config: Settings, *, redis: bool) -> None:
    """Fail fast, in one line, before a long-running process starts."""
    from remit.billing import rendering
    from remit.billing.mail import smtp_server
    from remit.workers import queue

    try:
        rendering.check_engine(config.pdf_workers)
    except RuntimeError as error:
        raise ValueError(str(error)) from None
    if config.smtp_url:
        smtp_server(config.smtp_url)

    await with_database()
    if redis:
        pool = await queue.connect(config.redis_url, config.queue_name)
        await pool.aclose()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
) -> None:
    """Serve the API; without REMIT_REDIS_URL, also run the scheduled jobs in-process.
    Without REMIT_PUBLIC_URL, links in emails and pages lead to this host and port."""
    import uvicorn

    from remit.app import create_app

    config = settings().served_at(host, port)
    preflight(config, redis=not config.embedded)
    logs.configure()
    # log_config=None: uvicorn's lines go through the capped handler, in the same format.
    uvicorn.run(create_app(config), host=host, port=port, proxy_headers=True, log_config=None)


@app.command()
def worker() -> None:
    """Run an arq worker: the cron entries and the job functions. Needs REMIT_REDIS_URL."""
    config = settings()
    if config.embedded:
        raise fail("`remit worker` needs REMIT_REDIS_URL; without it `remit serve` runs the jobs")
    preflight(config, redis=True)
    logs.configure()
    run(_work)(config)


async def _work(config: Settings) -> None:
    from remit.runtime import running
    from remit.workers.settings import build_worker

    async with running(config, run_jobs=False) as runtime:
        # Built here, not by running(): a standalone worker owns the process's signals and
        # finishes its jobs on SIGTERM.
        worker = build_worker(
            runtime.pool,
            in_process=False,
            cycle_time=config.cycle_time,
            job_timeout=config.job_timeout,
        )
        try:
            await worker.async_run()
        except asyncio.CancelledError:
            pass
        finally:
            # The jobs under way end first, whatever stopped the worker (a signal, Redis
            # gone): close() gives up at the first job ending in an error, and the process's
            # configuration and connections would then go while the others still run.
            if worker.tasks:
                await asyncio.wait(list(worker.tasks.values()))
            # A job the shutdown cancelled can be cancelled again in arq's own clean-up of
            # it, and close() re-raises that: what it leaves undone does not matter here
            # (the health-check key expires; `running` closes the pool).
            with contextlib.suppress(asyncio.CancelledError):
                await worker.close()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
