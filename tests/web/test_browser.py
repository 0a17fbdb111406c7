"""The hosted invoice page in a real browser: Debian's Chromium, driven by Playwright, against
the app served by uvicorn on a free port of 127.0.0.1 (in this process and event loop, so the
tests' database, queue and respx mocks are the server's).

The browser reaches nothing but the app: Stripe's checkout page is answered by a Playwright
route, and any other request leaving 127.0.0.1 is refused and fails the test. Screenshots of
the phone and desktop layouts go to test-artifacts/ and, for the README, docs/.
"""

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, quote, urlencode

import pytest
import respx
from playwright.async_api import BrowserContext, Page, Route, expect

from remit.app import create_app
from remit.billing import cycle, payments, providers
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from remit.web import graphiql
from tests import factories
from tests.conftest import ROOT
from tests.servers import serving, until_listening

ARTIFACTS = ROOT / "test-artifacts"
DOCS = ROOT / "docs"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

STRIPE = {
    "secret_key": "sk_test_tenant000000",
    "publishable_key": "pk_test_tenant000000",
    "webhook_secret": "whsec_tenant000000",
}
CHECKOUT = "https://checkout.stripe.com/c/pay/cs_browser"
CHECKOUT_PAGE = (
    "<!doctype html><html><head><title>Stripe Checkout (test double)</title></head>"
    "<body><h1>Checkout</h1></body></html>"
)


def checkout_session(session_id: str, url: str) -> dict:
    return {"id": session_id, "object": "checkout.session", "url": url, "expires_at": 1893456000}


@pytest.fixture(scope="module")
async def base_url(settings, runtime) -> AsyncIterator[str]:
    """The app on a free port."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("REMIT_STRIPE_API_BASE", raising=False)
        async with serving(create_app(settings, runtime=runtime)) as base:
            yield base


@dataclass
class Tab:
    page: Page
    context: BrowserContext
    elsewhere: list[str] = field(default_factory=list)

    async def resize(self, viewport: dict) -> None:
        await self.page.set_viewport_size(viewport)


@pytest.fixture
async def tab(browser, base_url, configure) -> AsyncIterator[Tab]:
    """A fresh browser context whose only reachable hosts are the app and a fake Checkout;
    invoice links point at the app."""
    configure(public_url=base_url)
    context = await browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(5_000)
    opened = Tab(page=await context.new_page(), context=context)

    async def only_local(route: Route) -> None:
        url = route.request.url
        if url.startswith(f"{base_url}/"):
            await route.continue_()
        elif url.startswith("https://checkout.stripe.com/"):
            await route.fulfill(status=200, content_type="text/html", body=CHECKOUT_PAGE)
        else:
            opened.elsewhere.append(url)
            await route.abort()

    await context.route("**/*", only_local)
    try:
        yield opened
    finally:
        await context.close()
    assert opened.elsewhere == [], "the page made requests beyond the app"


async def issued(drain_jobs) -> tuple:
    """The worked example, issued and sent for January 2027: a DUE invoice of €1,299.88,
    payable by bank transfer or by card through Stripe Checkout."""
    tenant, _ = await factories.ready_tenant()
    await providers.configure(tenant, "stripe", enabled=True, settings=STRIPE)
    contract = await factories.live_contract(
        tenant, date(2027, 1, 1), payment_providers=["bank_transfer", "stripe"]
    )
    with respx.mock(base_url="https://api.stripe.com", assert_all_called=False) as api:
        api.post("/v1/checkout/sessions").respond(
            200, json=checkout_session("cs_1", "https://checkout.stripe.com/c/pay/cs_1")
        )
        await cycle.plan(date(2027, 1, 1))
        await drain_jobs()
    return tenant, await Invoice.get(contract=contract)


async def open_invoice(tab: Tab, base_url: str, invoice: Invoice) -> Page:
    response = await tab.page.goto(f"{base_url}/i/{invoice.public_token}")
    assert response is not None and response.status == 200
    return tab.page


def pay_button(page: Page):
    return page.get_by_role("button", name=re.compile(r"^Pay now"))


def totals(page: Page):
    return page.locator("table.totals")


async def test_the_page_renders_the_invoice_and_its_totals(tab, base_url, drain_jobs):
    _, invoice = await issued(drain_jobs)

    page = await open_invoice(tab, base_url, invoice)

    await expect(page).to_have_title(re.compile("INV-000001"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("INV-000001")
    await expect(page.locator(".badge")).to_have_text("Due")
    await expect(totals(page).locator("tr.grand")).to_have_text(re.compile(r"Total\s*€1,299\.88"))
    await expect(totals(page).locator("tr.due")).to_have_text(
        re.compile(r"Amount due\s*€1,299\.88")
    )
    await expect(page.locator("section.amount-due")).to_contain_text("€1,299.88")
    payment = page.locator("section.payment")
    await expect(payment).to_contain_text("IBAN")
    await expect(payment).to_contain_text("Commerzbank")
    await expect(payment).to_contain_text("COBADEFFXXX")
    await expect(pay_button(page)).to_be_visible()
    await expect(page.get_by_role("link", name="Download PDF")).to_be_visible()


async def test_pay_now_reaches_a_fresh_stripe_checkout(tab, base_url, drain_jobs):
    """The pay link of the email opens the invoice and makes nothing; its button makes the
    Checkout Session."""
    _, invoice = await issued(drain_jobs)
    page = tab.page

    with respx.mock(base_url="https://api.stripe.com") as stripe_api:
        sessions = stripe_api.post("/v1/checkout/sessions").respond(
            200, json=checkout_session("cs_browser", CHECKOUT)
        )
        for _ in range(2):
            opened = await page.goto(f"{base_url}/i/{invoice.public_token}/pay/stripe")
            assert opened is not None and opened.status == 200
        assert sessions.call_count == 0
        await pay_button(page).click()
        await page.wait_for_url(CHECKOUT)

    assert page.url == CHECKOUT
    await expect(page).to_have_title("Stripe Checkout (test double)")
    assert sessions.call_count == 1
    form = parse_qs(sessions.calls.last.request.content.decode())
    assert form["line_items[0][price_data][unit_amount]"] == ["129988"]
    assert form["line_items[0][price_data][currency]"] == ["eur"]


async def test_a_paid_invoice_shows_paid_and_no_pay_button(tab, base_url, drain_jobs):
    tenant, invoice = await issued(drain_jobs)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)

    page = await open_invoice(tab, base_url, invoice)

    await expect(page.locator(".badge")).to_have_text("Paid")
    await expect(totals(page).locator("tr.due")).to_have_text(re.compile(r"Amount due\s*€0\.00"))
    await expect(pay_button(page)).to_have_count(0)
    await expect(page.get_by_text("Pay now")).to_have_count(0)


async def test_a_void_invoice_shows_void_and_no_pay_button(tab, base_url, drain_jobs):
    tenant, invoice = await issued(drain_jobs)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.VOID)

    page = await open_invoice(tab, base_url, invoice)

    await expect(page.locator(".badge")).to_have_text("Void")
    await expect(pay_button(page)).to_have_count(0)
    await expect(page.get_by_text("Pay now")).to_have_count(0)


# On a phone, the height of each line's card not taken by its values or its own padding and
# border, in CSS pixels.
PHONE_CARD_GAPS = """() => [...document.querySelectorAll(".lines tbody tr")].map((card) => {
  const style = getComputedStyle(card);
  const height = (element) => element.getBoundingClientRect().height;
  const values = [...card.children].reduce((sum, cell) => sum + height(cell), 0);
  return height(card) - values - parseFloat(style.paddingTop)
    - parseFloat(style.paddingBottom) - parseFloat(style.borderBottomWidth);
})"""


@pytest.mark.parametrize(("layout", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
async def test_the_layout_fits_and_is_saved_as_a_screenshot(
    tab, base_url, drain_jobs, layout, viewport
):
    """Full-page screenshots of the due invoice, for review (test-artifacts/) and the README
    (docs/hosted-page-*.png, rewritten by every run)."""
    _, invoice = await issued(drain_jobs)
    await tab.resize(viewport)
    page = await open_invoice(tab, base_url, invoice)

    # Nothing wider than the screen: no sideways scrolling, the button and totals on screen.
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the {layout} layout scrolls sideways by {overflow}px"
    for element in (pay_button(page), totals(page)):
        box = await element.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    if layout == "phone":
        # Each line a card of its labelled values, one under the other with nothing between.
        gaps = await page.evaluate(PHONE_CARD_GAPS)
        assert len(gaps) == 3 and all(abs(gap) < 1 for gap in gaps), gaps

    ARTIFACTS.mkdir(exist_ok=True)
    shot = await page.screenshot(full_page=True, path=ARTIFACTS / f"hosted-page-{layout}.png")
    assert shot.startswith(b"\x89PNG")
    (DOCS / f"hosted-page-{layout}.png").write_bytes(shot)


async def test_graphiql_runs_on_the_apps_own_files(tab, base_url):
    if not graphiql.installed(graphiql.strawberry_page()):
        pytest.skip("GraphiQL's files are not fetched here: make graphiql")

    response = await tab.page.goto(f"{base_url}/graphql")

    assert response is not None and response.status == 200
    # Rendered by React: the query editor and the run button, with nothing fetched elsewhere
    # (the tab fails the test on any request beyond the app).
    await expect(tab.page.locator(".graphiql-query-editor")).to_be_visible()
    await expect(tab.page.locator(".graphiql-execute-button")).to_be_visible()


async def open_graphiql(tab: Tab, base_url: str, query: str, key: str) -> list[str]:
    """GraphiQL with `query` in its editor and the key in its headers pane (both from the
    address, as a shared link has them); returns the list the page's console errors go to."""
    errors: list[str] = []
    tab.page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    headers = json.dumps({"Authorization": f"Bearer {key}"})
    response = await tab.page.goto(
        # The page decodes with decodeURIComponent: spaces as %20, not +.
        f"{base_url}/graphql?{urlencode({'q': query, 'headers': headers}, quote_via=quote)}"
    )
    assert response is not None and response.status == 200
    await expect(tab.page.locator(".graphiql-execute-button")).to_be_visible()
    return errors


def graphiql_result(page: Page):
    return page.locator(".graphiql-response")


async def test_graphiql_runs_a_query_with_the_key_of_its_headers_pane(tab, base_url):
    if not graphiql.installed(graphiql.strawberry_page()):
        pytest.skip("GraphiQL's files are not fetched here: make graphiql")
    _, key = await factories.ready_tenant()
    # With the console's cookies present, the page echoes the CSRF token as the console does.
    await tab.context.add_cookies([{"name": "remit_csrf", "value": "csrf123", "url": base_url}])
    errors = await open_graphiql(tab, base_url, "{ tenant { name } }", key)

    async with tab.page.expect_request(
        lambda request: request.url == f"{base_url}/graphql" and request.method == "POST"
    ) as sent:
        await tab.page.locator(".graphiql-execute-button").click()

    await expect(graphiql_result(tab.page)).to_contain_text('"name": "Acme Corp"')
    request = await sent.value
    assert request.headers["authorization"] == f"Bearer {key}"
    assert request.headers["x-csrf-token"] == "csrf123"
    assert errors == []  # nothing refused by the page's Content-Security-Policy


async def test_graphiql_runs_a_subscription_over_its_websocket(tab, base_url, runtime, drain_jobs):
    if not graphiql.installed(graphiql.strawberry_page()):
        pytest.skip("GraphiQL's files are not fetched here: make graphiql")
    tenant, key = await factories.ready_tenant()
    await factories.live_contract(tenant, date(2027, 1, 1))
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    invoice = await Invoice.get(tenant=tenant)
    query = "subscription { invoiceChanged { number status } }"
    errors = await open_graphiql(tab, base_url, query, key)

    await tab.page.locator(".graphiql-execute-button").click()
    await until_listening(runtime.pool, tenant.id)
    await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)

    await expect(graphiql_result(tab.page)).to_contain_text('"number": "INV-000001"')
    await expect(graphiql_result(tab.page)).to_contain_text('"status": "PAID"')
    assert errors == []
