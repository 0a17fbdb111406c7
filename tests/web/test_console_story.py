"""The whole invoicing story in the console, as a tenant's owner walks it in Debian's Chromium:
from the set-password link `remit user create` prints, through the settings, an organization
and its contract, to the invoice the cycle issues (`remit cycle run` in another process,
as an operator runs it), which appears in the open console without a reload, and its status
changes. Nothing but the console talks to the API; the browser reaches nothing but the app.

Each main screen is saved at phone and desktop widths in test-artifacts/console/ (and in
docs/screenshots/console/ with REMIT_CONSOLE_SCREENSHOTS=1, for the README)."""

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime

import pytest
from playwright.async_api import Page, Route, expect

from remit.app import create_app
from remit.billing import cycle
from remit.models.invoices import Invoice
from remit.models.users import UserRole
from remit.web import console
from tests import factories
from tests.camt_files import Credit, statement
from tests.conftest import ROOT
from tests.servers import free_port, serving, until_listening
from tests.web.test_browser import DESKTOP, PHONE

ARTIFACTS = ROOT / "test-artifacts" / "console"
DOCS = ROOT / "docs" / "screenshots" / "console"
OWNER = "owner@acme.example"
PASSWORD = "correct horse battery"
LIVE = 20_000  # ms: the cycle runs in another process, its invoice comes over the WebSocket


def remit_environment(settings, public_url: str) -> dict[str, str]:
    """The server's own configuration, for a `remit` command in another process."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    environment.update(
        REMIT_DATABASE_URL=settings.database_url,
        REMIT_QUEUE_NAME=settings.queue_name,
        REMIT_SECRET_KEY=settings.secret_key,
        REMIT_OUTBOX_DIR=str(settings.outbox_dir),
        REMIT_PUBLIC_URL=public_url,
    )
    if settings.redis_url:
        environment["REMIT_REDIS_URL"] = settings.redis_url
    return environment


async def remit(environment: dict[str, str], *args: str) -> str:
    """Runs `remit ARGS` without blocking the server, which shares this event loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "remit",
        *args,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    text = output.decode()
    assert process.returncode == 0, text
    return text


@pytest.fixture(scope="module")
async def base_url(settings, runtime) -> AsyncIterator[str]:
    """The app on a free port, knowing it as its public URL: the subscriptions' WebSocket,
    authenticated by the session cookie, is accepted only from a page of that origin."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    app = create_app(settings.model_copy(update={"public_url": public}), runtime=runtime)
    async with serving(app, port) as served:
        yield served


@pytest.fixture
async def page(browser, base_url, configure) -> AsyncIterator[Page]:
    """A fresh browser context whose only reachable host is the app."""
    configure(public_url=base_url)
    context = await browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(10_000)
    elsewhere: list[str] = []

    async def only_local(route: Route) -> None:
        if route.request.url.startswith((f"{base_url}/", base_url.replace("http", "ws", 1))):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_local)
    try:
        yield await context.new_page()
    finally:
        await context.close()
    assert elsewhere == [], "the console made requests beyond the app"


async def screenshot(page: Page, name: str) -> None:
    """The screen at phone and desktop widths; at the phone's, nothing sticks out sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for layout, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(viewport)
        await page.wait_for_timeout(300)  # the layout settles (navbar, tables)
        if layout == "phone":
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a phone"
        shot = await page.screenshot(full_page=True, path=ARTIFACTS / f"{name}-{layout}.png")
        if os.environ.get("REMIT_CONSOLE_SCREENSHOTS") == "1":
            DOCS.mkdir(parents=True, exist_ok=True)
            (DOCS / f"{name}-{layout}.png").write_bytes(shot)


def section(page: Page, title: str):
    return page.get_by_role("region", name=title, exact=True)


async def navigate(page: Page, label: str) -> None:
    await (
        page.get_by_role("navigation", name="Sections")
        .get_by_role("link", name=label, exact=True)
        .click()
    )


async def choose(page: Page, label: str, option: str) -> None:
    """Picks an option of a Mantine Select."""
    await page.get_by_role("dialog").get_by_label(label).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def status_menu(page: Page, status: str, item: str) -> None:
    await page.get_by_role("button", name=f"Status: {status}. Change").click()
    await page.get_by_role("menuitem", name=item).click()


@pytest.fixture
def built():
    if not (console.ASSETS / "index.html").is_file():
        pytest.skip("the console is not built here: make console")


async def test_an_owner_walks_the_whole_story(page, base_url, settings, runtime, built):
    environment = remit_environment(settings, base_url)
    today = datetime.now(UTC).date().isoformat()
    tenant, _ = await factories.tenant("Acme Corp")

    # The operator makes the owner; the owner sets a password from the printed link.
    printed = await remit(environment, "user", "create", str(tenant.id), OWNER, "--role", "owner")
    (link,) = re.findall(r"https?://\S+/auth/invite/\S+", printed)
    await page.goto(link)
    await expect(page).to_have_url(re.compile(r"/app/invite/"))
    await page.get_by_label("Your name").fill("Olive Owner")
    await page.get_by_label("New password").fill(PASSWORD)
    await page.get_by_role("button", name="Set password and sign in").click()
    await expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()

    # Signing out, then in again, with a wrong password first.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{base_url}/app/signin")
    await screenshot(page, "sign-in")
    password = page.get_by_role("textbox", name="Password")
    await page.get_by_label("Email").fill(OWNER)
    await password.fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    await password.fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    await expect(page.get_by_text("No invoice.")).to_be_visible()

    await invite_a_viewer(page)
    await set_up_invoicing(page)
    await draft_a_contract_and_go_live(page, today)

    async def run_cycle() -> None:
        await until_listening(runtime.pool, tenant.id)
        await remit(environment, "cycle", "run", "--date", today)

    await see_the_cycle_issue_it(page, today, run_cycle)
    await mark_paid_undo_and_void(page, today)


async def invite_a_viewer(page: Page) -> None:
    """Settings > Users: the owner, then someone invited to read, waiting for their link."""
    await navigate(page, "Users")
    people = page.get_by_role("table")
    await expect(people.get_by_role("row")).to_have_count(2)
    await expect(people.get_by_label(f"Role of {OWNER}")).to_have_value("Owner")
    invite = section(page, "Invite someone")
    await invite.get_by_label("Email").fill("viewer@acme.example")
    await invite.get_by_label("Name").fill("Vera Viewer")
    await invite.get_by_role("textbox", name="Role").click()
    await page.get_by_role("option", name="Viewer", exact=True).click()
    await invite.get_by_role("button", name="Send invitation").click()
    await expect(page.get_by_text("Invitation sent to viewer@acme.example")).to_be_visible()
    viewer = people.get_by_role("row").filter(has_text="viewer@acme.example")
    await expect(viewer).to_contain_text("Vera Viewer")
    await expect(viewer).to_contain_text("Invited")
    await expect(viewer.get_by_label("Role of viewer@acme.example")).to_have_value("Viewer")
    await screenshot(page, "users")


async def set_up_invoicing(page: Page) -> None:
    """Settings > Invoicing: the platform payment method and the company's details."""
    await navigate(page, "Invoicing")
    platform = section(page, "Platform payment method")
    current = platform.get_by_label("Current payment method")
    await expect(current).to_have_text("MissingNo payment method yet.")
    await expect(platform.get_by_label("Card")).to_be_disabled()
    await platform.get_by_label("Billing email for fee invoices").fill("finance@acme.example")
    await platform.get_by_role("button", name="Use bank transfer").click()
    await expect(current).to_have_text("ActiveBank transfer")

    company = section(page, "Company details")
    for label, value in (
        ("Legal name", "Acme Corporation SAS"),
        ("Email", "billing@acme.example"),
        ("VAT number", "FR40303265045"),
        ("Street", "1 rue de la Paix"),
        ("City", "Paris"),
        ("Postal code", "75002"),
        ("Country", "FR"),
    ):
        await company.get_by_label(label, exact=True).fill(value)
    await company.get_by_role("button", name="Save company details").click()
    await expect(page.get_by_text("Company details saved")).to_be_visible()

    # Enabling now lists what is still missing: a payment provider.
    invoicing = section(page, "Invoicing")
    await invoicing.get_by_role("button", name="Enable invoicing").click()
    missing = page.get_by_label("Missing for invoicing")
    await expect(missing.get_by_role("listitem")).to_have_text(
        ["Enable at least one payment provider."]
    )
    await screenshot(page, "settings-invoicing")

    # Settings > Payment methods: bank transfer and cheque, each from its provider's schema.
    await navigate(page, "Payment methods")
    bank = section(page, "Bank transfer")
    await bank.get_by_text("Offer Bank transfer on invoices").click()
    for label, value in (
        ("Currency", "EUR"),
        ("Account holder", "Acme Corporation SAS"),
        ("Bank name", "Deutsche Bank"),
        ("Iban", "DE89 3704 0044 0532 0130 00"),
        ("Bic", "DEUTDEFF"),
    ):
        await bank.get_by_label(label).fill(value)
    await bank.get_by_role("button", name="Save Bank transfer").click()
    await expect(bank.get_by_text("Enabled", exact=True)).to_be_visible()

    cheque = section(page, "Cheque")
    await cheque.get_by_text("Offer Cheque on invoices").click()
    for label, value in (
        ("Payee name", "Acme Corporation SAS"),
        ("Line1", "1 rue de la Paix"),
        ("City", "Paris"),
        ("Postal code", "75002"),
        ("Country", "FR"),
    ):
        await cheque.get_by_label(label).fill(value)
    await cheque.get_by_role("button", name="Save Cheque").click()
    await expect(cheque.get_by_text("Enabled", exact=True)).to_be_visible()
    await screenshot(page, "payment-methods")

    await navigate(page, "Invoicing")
    await section(page, "Invoicing").get_by_role("button", name="Enable invoicing").click()
    await expect(page.get_by_text("Invoicing is enabled.")).to_be_visible()


async def draft_a_contract_and_go_live(page: Page, today: str) -> None:
    """An organization with two billing emails (reached through the burger menu on a phone),
    its draft contract with a one-off and a monthly line item, the upcoming invoice, live."""
    await page.set_viewport_size(PHONE)
    await page.get_by_role("button", name="Menu").click()
    await navigate(page, "Organizations")
    await page.set_viewport_size(DESKTOP)
    await page.get_by_role("link", name="New organization").click()
    await page.get_by_role("textbox", name="Name", exact=True).fill("Globex")
    emails = page.get_by_role("textbox", name="Billing emails")
    for email in ("ap@globex.example", "cfo@globex.example"):
        await emails.fill(email)
        await emails.press("Enter")
    # Its postal address: an e-invoice (EN 16931) names the buyer's.
    for label, value in (
        ("Street", "12 avenue de l'Opéra"),
        ("City", "Paris"),
        ("Postal code", "75001"),
        ("Country", "FR"),
    ):
        await page.get_by_label(label, exact=True).fill(value)
    await page.get_by_role("button", name="Create organization").click()
    await expect(page.get_by_role("heading", name="Globex", level=1)).to_be_visible()
    await expect(page.get_by_text("ap@globex.example, cfo@globex.example")).to_be_visible()
    await screenshot(page, "organization")

    # A draft contract with a one-off and a monthly line item.
    await page.get_by_role("button", name="New contract").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Name").fill("Hosting plan")
    await dialog.get_by_label("Currency").fill("EUR")
    await dialog.get_by_label("Invoicing starts").fill(today)
    await dialog.get_by_role("button", name="Create draft").click()
    await expect(page.get_by_role("heading", name="Hosting plan")).to_contain_text("Draft")
    for name, price, billed, quantity in (
        ("Onboarding", "450.00", "Once", "1"),
        ("Hosting", "120.50", "Monthly", "2"),
    ):
        await page.get_by_role("button", name="Add line item").click()
        dialog = page.get_by_role("dialog")
        await dialog.get_by_label("Service").fill(name)
        await dialog.get_by_label("Price (EUR)").fill(price)
        await choose(page, "Billed", billed)
        await dialog.get_by_label("Quantity").fill(quantity)
        await dialog.get_by_role("button", name="Save line item").click()
        await expect(dialog).to_be_hidden()
    items = page.get_by_role("table", name="Service line items")
    await expect(items.get_by_role("row")).to_have_count(3)
    await expect(items).to_contain_text("€450.00")
    await expect(items).to_contain_text("€120.50")

    # The upcoming invoice: the one-off and two months' hosting, before it goes live.
    upcoming = section(page, "Upcoming invoice")
    await expect(upcoming).to_contain_text("Onboarding")
    await expect(upcoming).to_contain_text("€241.00")
    await expect(upcoming.get_by_role("row").last).to_have_text(re.compile(r"Total\s*€691\.00"))
    await page.get_by_role("button", name="Go live").click()
    await expect(page.get_by_role("heading", name="Hosting plan")).to_contain_text("Live")
    await expect(page.get_by_text(f"next invoice {today}")).to_be_visible()
    await screenshot(page, "contract")


async def see_the_cycle_issue_it(
    page: Page, today: str, run_cycle: Callable[[], Awaitable[object]]
) -> None:
    """The invoice list is open while the cycle runs in another process: the invoice appears."""
    await navigate(page, "Invoices")
    await expect(page.get_by_text("No invoice.")).to_be_visible()
    await run_cycle()
    row = page.get_by_role("row").filter(has_text="INV-000001")
    await expect(row).to_be_visible(timeout=LIVE)
    await expect(row).to_contain_text("Globex")
    await expect(row).to_contain_text("Due")
    await expect(row).to_contain_text("€691.00")
    await expect(page.get_by_label("Totals")).to_contain_text("Total €691.00")
    await screenshot(page, "invoices")

    # The day's run: one contract due, one invoice issued, none held or failed.
    await navigate(page, "Invoicing runs")
    runs = page.get_by_role("table", name="Invoicing runs")
    await expect(runs.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [today, "1", "1", "0", "0"]
    )
    await screenshot(page, "invoicing-runs")
    await navigate(page, "Invoices")


async def mark_paid_undo_and_void(page: Page, today: str) -> None:
    """The invoice: mark it paid from its Due status, undo, void it with a note."""
    await page.get_by_role("link", name="INV-000001").click()
    await expect(page.get_by_role("heading", name="Invoice INV-000001")).to_be_visible()
    lines = page.get_by_role("table", name="Invoice lines")
    await expect(lines.get_by_role("row")).to_have_count(3)
    await expect(lines).to_contain_text("Onboarding")
    await screenshot(page, "invoice")

    await status_menu(page, "Due", "Mark paid…")
    await expect(page.get_by_role("dialog").get_by_label("Paid on")).to_have_value(today)
    await page.get_by_role("dialog").get_by_role("button", name="Mark paid").click()
    await expect(page.get_by_role("button", name="Status: Paid. Change")).to_be_visible()
    await expect(page.get_by_text("Paid on", exact=True)).to_be_visible()

    await status_menu(page, "Paid", "Undo payment (back to due)")
    await expect(page.get_by_role("button", name="Status: Due. Change")).to_be_visible()

    await status_menu(page, "Due", "Void…")
    await (
        page.get_by_role("dialog").get_by_label("Why is it void?").fill("Sent to the wrong client")
    )
    await page.get_by_role("dialog").get_by_role("button", name="Void invoice").click()
    heading = page.get_by_role("heading", name="Invoice INV-000001")
    await expect(heading).to_contain_text("Void")
    await expect(page.get_by_role("button", name=re.compile("^Status:"))).to_have_count(0)
    await expect(page.get_by_text("Sent to the wrong client")).to_be_visible()


async def test_signing_up_makes_a_tenant_and_opens_its_settings(page, base_url, configure, built):
    configure(signup="open")
    await page.goto(f"{base_url}/app/signin")
    await page.get_by_role("link", name="Create an account").click()

    await expect(page).to_have_url(f"{base_url}/app/signup")
    await page.get_by_label("Company").fill("Initech")
    await page.get_by_label("Your name").fill("Peter Gibbons")
    await page.get_by_label("Email").fill("peter@initech.example")
    await page.get_by_role("textbox", name="Password").fill("short")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_text("At least 10 characters")).to_be_visible()
    await page.get_by_role("textbox", name="Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()

    await expect(page).to_have_url(f"{base_url}/app/settings/invoicing")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Invoicing")
    await expect(page.get_by_role("banner")).to_contain_text("Initech")
    await expect(page.get_by_role("banner")).to_contain_text("peter@initech.example")


async def test_without_open_sign_up_the_screen_says_so(page, base_url, built):
    await page.goto(f"{base_url}/app/signin")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await expect(page.get_by_role("link", name="Create an account")).to_have_count(0)

    await page.goto(f"{base_url}/app/signup")

    await expect(page.get_by_role("heading", name="Sign-up is closed")).to_be_visible()


async def test_a_forgotten_password_is_reset_from_the_emailed_link(
    mail_server,
    page,  # after mail_server: links point at this server
    base_url,
    built,
):
    tenant, _ = await factories.tenant()
    await factories.user(tenant, "ann@acme.example")
    await page.goto(f"{base_url}/app/signin")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("Email").fill("ann@acme.example")
    await page.get_by_role("button", name="Email me a link").click()
    await expect(page.get_by_text("If an account uses this email")).to_be_visible()

    [envelope] = mail_server.envelopes
    [token] = re.findall(r"/auth/reset/([\w-]+)", envelope.content.decode())
    await page.goto(f"{base_url}/auth/reset/{token}")
    await expect(page).to_have_url(f"{base_url}/app/reset/{token}")
    await page.get_by_role("textbox", name="New password").fill("a brand new password")
    await page.get_by_role("button", name="Set password and sign in").click()

    await expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    await expect(page.get_by_role("banner")).to_contain_text("ann@acme.example")


async def sign_in(page: Page, base_url: str, email: str) -> None:
    await page.goto(f"{base_url}/app/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("textbox", name="Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()


async def sign_out(page: Page, base_url: str) -> None:
    """Signs out and waits for the sign-in screen, so the next step starts from a settled page."""
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{base_url}/app/signin")


async def test_a_credit_note_is_issued_from_the_invoice_page(page, base_url, drain_jobs, built):
    tenant, _ = await factories.ready_tenant()
    await factories.user(tenant, OWNER)
    start = date(2027, 1, 1)
    contract = await factories.live_contract(tenant, start)
    await cycle.plan(start)
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)
    await sign_in(page, base_url, OWNER)
    await page.goto(f"{base_url}/app/invoices/{invoice.id}")

    await page.get_by_role("button", name="Status: Due. Change").click()
    await page.get_by_role("menuitem", name="Credit note…").click()
    dialog = page.get_by_role("dialog", name="Credit note")
    await dialog.get_by_label("Reason").fill("Two seats were never used")
    await dialog.get_by_label("Credit everything not credited yet").uncheck()
    await dialog.get_by_label("Quantity of Seats").fill("12")
    await dialog.get_by_role("button", name="Issue credit note").click()
    await expect(
        dialog.get_by_text("At most 10 of this line's quantity 10 can still be")
    ).to_be_visible()
    await expect(dialog.get_by_label("Quantity of Seats")).to_have_attribute("aria-invalid", "true")
    await dialog.get_by_label("Quantity of Seats").fill("2")
    await dialog.get_by_role("button", name="Issue credit note").click()

    await expect(dialog).to_have_count(0)
    credit_notes = section(page, "Credit notes")
    # 2 x 49.99 and 20 % tax
    await expect(credit_notes.get_by_role("row", name="INV-CN-000001")).to_contain_text("€119.98")
    await expect(credit_notes).to_contain_text("Two seats were never used")


async def test_payments_are_recorded_and_undone_and_the_statement_shows_them(
    page, base_url, drain_jobs, built
):
    tenant, _ = await factories.ready_tenant()
    await factories.user(tenant, OWNER)
    start = date(2027, 1, 1)
    contract = await factories.live_contract(tenant, start)
    await cycle.plan(start)
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)
    await sign_in(page, base_url, OWNER)
    await page.goto(f"{base_url}/app/invoices/{invoice.id}")

    await page.get_by_role("button", name="Status: Due. Change").click()
    await page.get_by_role("menuitem", name="Record a payment…").click()
    dialog = page.get_by_role("dialog", name="Record a payment")
    await dialog.get_by_label("Amount").fill("299.88")
    await dialog.get_by_label("Reference").fill("Wire 0815")
    await dialog.get_by_role("button", name="Record payment").click()

    payments = section(page, "Payments")
    await expect(payments.get_by_role("row", name="Wire 0815")).to_contain_text("€299.88")
    await expect(page.get_by_text("Amount due", exact=True).locator("..")).to_contain_text(
        "€1,000.00"
    )
    await payments.get_by_role("button", name="Delete").click()
    await expect(section(page, "Payments")).to_have_count(0)
    await expect(page.get_by_text("Amount due", exact=True).locator("..")).to_contain_text(
        "€1,299.88"
    )

    await page.get_by_role("link", name="Globex", exact=True).click()
    await page.get_by_role("button", name="Record payment").click()
    dialog = page.get_by_role("dialog", name="Record a payment")
    await dialog.get_by_label("Amount").fill("2000")
    await dialog.get_by_role("button", name="Record payment").click()
    await expect(page.get_by_text("Credit balance:")).to_contain_text("€700.12")
    await page.get_by_role("tab", name="Statement").click()
    # The payment is received today, the invoice dated 2027: a statement over both.
    await page.get_by_label("From").fill("2000-01-01")
    await page.get_by_label("To").fill("2099-12-31")
    statement = section(page, "In EUR")
    await expect(statement.get_by_role("row", name="INV-000001")).to_contain_text("€1,299.88")
    await expect(statement).to_contain_text("-€700.12")


async def fill_line(page: Page, number: int, **values: str) -> None:
    for label, value in values.items():
        await page.get_by_label(f"{label} of line {number}", exact=True).fill(value)


async def test_a_one_off_invoice_is_drafted_edited_and_issued(page, base_url, built):
    tenant, _ = await factories.ready_tenant()
    await factories.user(tenant, OWNER)
    await factories.organization(tenant, "Globex")
    await sign_in(page, base_url, OWNER)

    await page.get_by_role("link", name="New invoice").click()
    await expect(page.get_by_role("textbox", name="Currency")).to_have_value("EUR")
    await page.get_by_role("textbox", name="Organization").click()
    await page.get_by_role("option", name="Globex", exact=True).click()
    await expect(page.get_by_role("textbox", name="Organization")).to_have_value("Globex")
    await fill_line(page, 1, Service="Setup", Price="1200", **{"Tax rate": "19"})
    await page.get_by_role("button", name="Add line").click()
    await fill_line(page, 2, Service="Training", Price="450.50", Quantity="2")
    await page.get_by_role("button", name="Save draft").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice (not numbered yet)")
    await expect(page.get_by_text("One-off invoice")).to_be_visible()
    await screenshot(page, "one-off-draft")
    await page.get_by_role("link", name="Edit").click()
    await fill_line(page, 2, Quantity="3", **{"Tax rate": "19"})
    await page.get_by_role("button", name="Save draft").click()
    # 1,200.00 + 19 % and 3 x 450.50 + 19 % (256.785, half-up per line)
    await expect(page.get_by_text("Total €3,036.29")).to_be_visible()

    await page.get_by_role("button", name="Issue").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice INV-000001")
    await expect(page.get_by_role("button", name="Status: Due. Change")).to_be_visible()
    await expect(page.get_by_role("button", name="Issue")).to_have_count(0)


async def test_a_live_contract_is_invoiced_now_from_its_page(page, base_url, built):
    tenant, _ = await factories.ready_tenant()
    await factories.user(tenant, OWNER)
    contract = await factories.live_contract(tenant, datetime.now(UTC).date())
    await sign_in(page, base_url, OWNER)
    await page.goto(f"{base_url}/app/contracts/{contract.id}")

    await page.get_by_role("button", name="Invoice now").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice INV-000001")
    await page.go_back()
    await page.get_by_role("button", name="Invoice now").click()
    await expect(page.get_by_role("alert", name="Nothing is due today")).to_be_visible()


async def test_a_logo_is_uploaded_shown_refused_and_removed(page, base_url, built):
    tenant, _ = await factories.ready_tenant()
    await factories.user(tenant, OWNER)
    await sign_in(page, base_url, OWNER)
    await navigate(page, "Invoicing")
    branding = section(page, "Branding")
    chooser = branding.locator("input[type=file]")

    await chooser.set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": factories.png()}]
    )

    await expect(page.get_by_text("Logo saved")).to_be_visible()
    current = branding.get_by_role("img", name="Current logo")
    await expect(current).to_have_attribute("src", re.compile(rf"/logos/{tenant.id}/\w+\.png$"))
    assert await current.evaluate("image => image.naturalWidth") == 120
    await expect(branding.get_by_label("Invoice preview").get_by_role("img")).to_be_visible()
    await screenshot(page, "branding-logo")

    await chooser.set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": b"<html></html>"}]
    )
    await expect(branding.get_by_text("The logo must be a PNG, JPEG or SVG image.")).to_be_visible()

    await branding.get_by_role("button", name="Remove logo").click()
    await expect(page.get_by_text("Logo removed")).to_be_visible()
    await expect(current).to_have_count(0)


async def test_a_bank_statement_is_imported_and_its_waiting_credits_settled(
    page, base_url, drain_jobs, built, tmp_path
):
    tenant, _ = await factories.ready_tenant()
    await factories.user(tenant, OWNER)
    await factories.user(tenant, "viewer@acme.example", UserRole.VIEWER)
    start = date(2027, 1, 1)
    contract = await factories.live_contract(tenant, start)
    await cycle.plan(start)
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)
    # No credit names an invoice, and their payers' IBANs are new: all wait.
    file = tmp_path / "statement.xml"
    file.write_bytes(
        statement(
            [
                Credit(
                    "1299.88",
                    debtor_name="Globex Inc.",
                    debtor_iban="NL91ABNA0417164300",
                    text="January hosting",
                    bank_reference="B-1",
                ),
                Credit("25.00", debtor_name="Paper & Co", text="Refund", bank_reference="B-2"),
                Credit("300.00", debtor_name="J. Smith", text="For Globex", bank_reference="B-3"),
            ]
        )
    )
    await sign_in(page, base_url, OWNER)
    await navigate(page, "Bank")
    upload = page.get_by_role("button", name="Import a statement")
    async with page.expect_file_chooser() as chosen:
        await upload.click()
    wrong = {"name": "payments.xml", "mimeType": "application/xml", "buffer": b"<Document/>"}
    await (await chosen.value).set_files(wrong)
    await expect(page.get_by_role("alert")).to_contain_text(
        "file: This file is not a bank statement Remit reads"
    )
    async with page.expect_file_chooser() as chosen:
        await upload.click()
    await (await chosen.value).set_files(file)

    await expect(page.get_by_role("alert", name="Statement imported")).to_contain_text(
        "3 imported, 0 already imported, 0 matched, 3 unmatched"
    )
    transactions = page.get_by_role("table", name="Bank transactions")
    globex = transactions.get_by_role("row", name="Globex Inc. €1,299.88")
    await expect(globex).to_contain_text("NL91 ABNA 0417 1643 00")
    await expect(globex).to_contain_text("January hosting")
    suggested = page.get_by_label("Suggested INV-000001")
    await expect(suggested).to_contain_text("Globex")
    await expect(suggested).to_contain_text("same amount")
    await expect(page.get_by_label("Suggestions for Paper & Co")).to_have_count(0)
    smith = transactions.get_by_role("row", name="J. Smith €300.00")
    await expect(smith.locator("xpath=following-sibling::tr[1]")).to_contain_text("No suggestion")
    await screenshot(page, "bank")

    # A viewer sees what waits and can neither import, match nor ignore.
    await sign_out(page, base_url)
    await sign_in(page, base_url, "viewer@acme.example")
    await navigate(page, "Bank")
    await expect(suggested).to_contain_text("same amount")
    await expect(upload).to_have_count(0)
    await expect(transactions.get_by_role("button")).to_have_count(0)
    await sign_out(page, base_url)

    # A part paid by someone else, matched by hand; then the rest from the suggestion.
    await sign_in(page, base_url, OWNER)
    await navigate(page, "Bank")
    await smith.get_by_role("button", name="Match…").click()
    await choose(page, "Organization", "Globex")
    await choose(page, "Invoice", "INV-000001 · owes €1,299.88")
    await expect(page.get_by_role("dialog").get_by_label("Amount applied")).to_have_value("300.00")
    await page.get_by_role("dialog").get_by_role("button", name="Match").click()
    await expect(smith).to_have_count(0)
    await expect(suggested).to_contain_text("owes €999.88")
    await expect(suggested).not_to_contain_text("same amount")
    await page.get_by_role("button", name="Match to INV-000001").click()
    await expect(globex).to_have_count(0)
    paper = transactions.get_by_role("row", name="Paper & Co €25.00")
    await paper.get_by_role("button", name="Ignore").click()
    await expect(page.get_by_text("No transaction.")).to_be_visible()

    statuses = page.get_by_role("radiogroup", name="Status")
    await statuses.get_by_text("Matched", exact=True).click()
    await expect(globex.get_by_role("link", name="Globex", exact=True)).to_be_visible()
    await expect(globex).to_contain_text(f"user:{OWNER}")
    await expect(smith.get_by_role("link", name="Globex", exact=True)).to_be_visible()
    await statuses.get_by_text("Ignored", exact=True).click()
    await expect(paper).to_contain_text(f"Ignored by user:{OWNER}")

    await page.goto(f"{base_url}/app/invoices/{invoice.id}")
    await expect(page.get_by_role("button", name="Status: Paid. Change")).to_be_visible()
    payments = section(page, "Payments")
    await expect(payments.get_by_role("row")).to_have_count(3)
    await expect(payments).to_contain_text("€999.88")
    await expect(payments).to_contain_text("€300.00")
    # The rest of the transfer the suggestion matched is the organization's credit.
    await page.get_by_role("link", name="Globex", exact=True).click()
    await expect(page.get_by_text("Credit balance:")).to_contain_text("€300.00")


async def test_a_webhook_endpoint_is_added_its_secret_shown_once_and_disabled(
    page, base_url, built
):
    tenant, _ = await factories.tenant()
    await factories.user(tenant, OWNER)
    await sign_in(page, base_url, OWNER)
    await navigate(page, "Webhooks")
    add = section(page, "Add an endpoint")
    await add.get_by_label("URL").fill("http://127.0.0.1:9000/hooks")
    await add.get_by_role("textbox", name="Events").click()
    await page.get_by_role("option", name="invoice.paid", exact=True).click()
    await page.keyboard.press("Escape")  # the list stays open for more choices
    await add.get_by_role("button", name="Add endpoint").click()
    await expect(
        add.get_by_text("The URL points at a private or loopback address (127.0.0.1).")
    ).to_be_visible()

    await add.get_by_label("URL").fill("https://93.184.215.14/remit-events")
    await add.get_by_role("button", name="Add endpoint").click()

    secret = add.get_by_role("alert").filter(has_text="The signing secret, shown this once")
    await expect(secret).to_contain_text(re.compile(r"whsec_\S{43}"))
    endpoint = section(page, "https://93.184.215.14/remit-events")
    await expect(endpoint).to_contain_text("Enabled")
    await expect(endpoint).to_contain_text("invoice.paid")
    await screenshot(page, "webhooks")
    await endpoint.get_by_role("button", name="Disable").click()
    await expect(endpoint).to_contain_text("Disabled")
    await page.reload()
    await expect(page.get_by_text(re.compile("whsec_"))).to_have_count(0)  # shown once
    await expect(section(page, "https://93.184.215.14/remit-events")).to_contain_text("Disabled")
