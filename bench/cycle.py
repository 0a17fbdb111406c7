"""The daily invoicing cycle: invoices per second, with and without delivery (PDF and
email), and the PDF time per invoice.

The data is made through the product's own billing functions on an empty database: tenants
ready to invoice (company details, bank transfer, a fee payment method), each with
organizations and LIVE contracts of three line items (monthly, once, annual) starting on
the cycle day. A few contracts for a warm-up cycle, then two sets of `--contracts` each, one
per cycle day, run in this order:

- warm-up, day D - 1 (not timed): the whole cycle below on a few contracts, so that fonts,
  templates and the ORM's queries are ready.
- whole cycle, day D: `cycle.plan(D)`, then an arq worker in this process issues and
  delivers (payment options, PDF, one email to the outbox folder) until the queue is empty.
- issue only, day D + 1: `cycle.plan(D + 1)` and the worker again, but the delivery jobs
  are held back rather than queued, so only issuing is timed. (It comes last: planning
  asks again for every undelivered invoice, and these are left undelivered.)
- PDF: `render_pdf(await document(invoice))` for `--pdf-samples` invoices of the whole
  cycle, one after another; median time per render.

Baseline, measured in the same process: reading the contracts of the whole cycle back in
one query, taken after each timed cycle and at the end. Each ratio is a per-invoice time over
the baseline's per-contract time (equally: the phase's time over the baseline's, for the
same number of contracts).

The queue is on Redis database 0 by default (the test suite takes 1-15 and flushes them),
under a queue name of this process's own; nothing is flushed, and the bench removes the job
results it leaves. `--embedded` uses the in-process fakeredis instead. One process works
the queue, as one `remit worker` would, its PDFs rendered in REMIT_PDF_WORKERS processes
(by default one per core; `REMIT_PDF_WORKERS=0` renders them in threads, the GIL then
keeping the whole cycle to about one core: on two cores, 100 contracts on SQLite went
from 4.5 to 11.5 invoices a second with the processes). `--contracts 100` (about 2
minutes) is a quick check.

    python -m bench cycle [--contracts N] [--tenants N] [--database-url URL]
                          [--redis-url URL | --embedded] [--max-jobs N] [--profile FILE]
"""

import asyncio
import contextlib
import cProfile
import os
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape, unescape
from pathlib import Path

from arq.constants import health_check_key_suffix, result_key_prefix
from arq.jobs import DeserializationError, deserialize_result

from remit import db
from remit.billing import (
    clock,
    contracts,
    cycle,
    delivery,
    documents,
    invoicing_settings,
    issuing,
    jobs,
    line_items,
    organizations,
    platform,
    providers,
    tenants,
)
from remit.billing.jobs import Job
from remit.billing.roles import Actor
from remit.models.contracts import Contract
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice
from remit.runtime import Runtime, running
from remit.settings import Settings
from remit.workers import queue
from remit.workers.settings import build_worker

# Not 1-15: each test process takes one of those and flushes it between tests, which would
# empty the bench's queue under it. The bench flushes nothing: its queue is its own.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CYCLE_DAY = date(2026, 3, 2)  # the whole cycle; the warm-up the day before, issue only after
WARM_UP_CONTRACTS = 10
LINE_ITEMS = [
    {"name": "Seats", "price": "49.99", "billed": "MONTHLY", "tax_rate": "20"},
    {"name": "Setup", "price": "500.00", "billed": "ONCE", "tax_rate": "20"},
    {"name": "Support", "price": "1200.00", "billed": "ANNUALLY", "tax_rate": "0"},
]
BANK_TRANSFER = {
    "accounts": [
        {
            "currency": "EUR",
            "account_holder": "Bench GmbH",
            "bank_name": "Commerzbank",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFFXXX",
        }
    ]
}


@dataclass(frozen=True)
class WorkerOptions:
    max_jobs: int
    poll_delay: float  # seconds between the worker's looks at the queue


@dataclass
class Phase:
    label: str
    seconds: float
    invoices: int

    @property
    def per_invoice(self) -> float:
        return self.seconds / self.invoices

    @property
    def per_second(self) -> float:
        return self.invoices / self.seconds


# -- data, through the product's own functions ---------------------------------------------


async def ready_tenant(number: int):
    name = f"Bench Tenant {number}"
    tenant, _ = await tenants.create_tenant(name)
    await invoicing_settings.update(
        Actor.system(tenant),
        {
            "company": {
                "legal_name": f"{name} GmbH",
                "email": f"billing@tenant{number}.example",
                "vat_number": f"DE{number:09d}",
                "address": {
                    "line1": "Hauptstr. 1",
                    "city": "Berlin",
                    "postal_code": "10115",
                    "country": "DE",
                },
            },
            "branding": {"brand_color": "#1A73E8", "footer_note": "Thank you for your business."},
            "default_currency": "EUR",
        },
    )
    await providers.configure(tenant, "bank_transfer", enabled=True, settings=BANK_TRANSFER)
    await platform.setup(Actor.system(tenant), "bank_transfer", f"finance@tenant{number}.example")
    await invoicing_settings.enable(Actor.system(tenant))
    return tenant


async def live_contract(tenant, number: int, start: date) -> None:
    customer = await organizations.create(
        Actor.system(tenant),
        {
            "name": f"Customer {number}",
            "legal_name": f"Customer {number} Ltd",
            "billing_emails": [f"ap{number}@customer.example"],
            "tax_id": f"GB{number:09d}",
            "address": {
                "line1": f"{number} High Street",
                "city": "London",
                "postal_code": "EC1A 1BB",
                "country": "GB",
            },
        },
    )
    contract = await contracts.create(
        Actor.system(tenant),
        {
            "organization_id": customer.id,
            "name": f"Customer {number} subscription",
            "invoicing_start_date": start,
            "invoice_note": "Please quote the invoice number with your payment.",
        },
    )
    for item in LINE_ITEMS:
        quantity = {"quantity": str(1 + number % 20)} if item["billed"] == "MONTHLY" else {}
        await line_items.add(Actor.system(tenant), contract.id, {**item, **quantity})
    await contracts.go_live(Actor.system(tenant), contract.id)


async def build_data(tenant_count: int, per_day: dict[date, int], first_tenant: int = 1) -> None:
    """`per_day[day]` contracts starting on each day, spread over `tenant_count` tenants
    numbered from `first_tenant`; each tenant is built in its own task (its rows are its own,
    so the tasks never wait on each other)."""
    numbers = range(first_tenant, first_tenant + tenant_count)
    owners = [await ready_tenant(n) for n in numbers]

    async def fill(position: int, tenant) -> None:
        first = 1
        for day, count in per_day.items():
            for n in range(position, count, tenant_count):
                await live_contract(tenant, first + n, day)
            first += count

    await asyncio.gather(*(fill(position, owner) for position, owner in enumerate(owners)))


# -- the cycle, as production runs it --------------------------------------------------------


async def work_queue(runtime: Runtime, max_jobs: int, poll_delay: float) -> None:
    """An arq worker in this process, in burst mode: it stops once the queue is empty."""
    worker = build_worker(
        runtime.pool,
        in_process=True,
        burst=True,
        poll_delay=poll_delay,
        on_startup=None,
        cron_jobs=[],
        max_jobs=max_jobs,
    )
    await worker.async_run()  # leaves the pool open, unlike worker.close()
    if worker.jobs_failed or worker.jobs_retried:
        raise RuntimeError(
            f"{worker.jobs_failed} jobs failed and {worker.jobs_retried} were retried: "
            "the figures would not be those of a clean cycle"
        )


@contextlib.contextmanager
def deliveries_held(runtime: Runtime, held: list[Job]) -> Iterator[None]:
    """Delivery jobs asked for in this block are kept in `held` instead of queued."""
    send = queue.sender(runtime.pool)

    async def issue_only(job: Job) -> None:
        if job.name == issuing.DELIVER_JOB:
            held.append(job)
        else:
            await send(job)

    jobs.use_sender(issue_only)
    try:
        yield
    finally:
        jobs.use_sender(send)


@dataclass
class Jobs:
    """What arq recorded of a cycle's jobs, by function."""

    seconds: dict[str, list[float]]  # each job, start to finish
    finished: dict[str, list[float]]  # when each finished, in seconds after planning began

    def pace(self, function: str) -> str:
        """How long the first and the last tenth of the jobs took, from the finish before
        each to the finish of its last: a cycle that slows down as it goes shows here."""
        done = sorted(self.finished[function])
        tenth = len(done) // 10
        if tenth < 2:
            return f"last done at {done[-1]:.1f} s"
        first, last = done[tenth] - done[0], done[-1] - done[-tenth - 1]
        return f"{tenth} after the first in {first:.1f} s, the last {tenth} in {last:.1f} s"


async def run_cycle(
    runtime: Runtime, day: date, worker: WorkerOptions, profile: cProfile.Profile | None = None
) -> tuple[float, Jobs]:
    """Seconds from planning to an empty queue, and what arq recorded of the jobs. The clock
    says `day` throughout, as in `remit cycle run`."""
    began = time.time()  # arq's results carry wall-clock times
    started = time.perf_counter()
    if profile:
        profile.enable()
    try:
        with clock.frozen(day):
            await cycle.plan(day)
            await work_queue(runtime, worker.max_jobs, worker.poll_delay)
    finally:
        if profile:
            profile.disable()
    return time.perf_counter() - started, await recorded_jobs(runtime, began)


async def recorded_jobs(runtime: Runtime, began: float) -> Jobs:
    """The results of the bench queue's jobs, read then removed. In batches: arq's own
    `all_job_results` asks for every result at once, a connection each."""
    pool = runtime.pool
    keys = [key async for key in pool.scan_iter(match=f"{result_key_prefix}*", count=1000)]
    found = Jobs({}, {})
    ours = []
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        for key, raw in zip(batch, await pool.mget(batch), strict=True):
            if raw is None:
                continue
            try:
                result = deserialize_result(raw)
            except DeserializationError:
                continue  # not arq's default serializer: not ours
            if result.queue_name != pool.default_queue_name:
                continue  # another queue's job, in the same Redis database
            ours.append(key)
            name = result.function
            found.seconds.setdefault(name, []).append(
                (result.finish_time - result.start_time).total_seconds()
            )
            finished = result.finish_time.timestamp() - began
            found.finished.setdefault(name, []).append(finished)
    for start in range(0, len(ours), 500):
        await pool.delete(*ours[start : start + 500])
    return found


async def check_issued(day: date, expected: int, *, sent: bool) -> None:
    issued = Invoice.filter(issue_date=day, status=InvoiceStatus.DUE)
    count = await issued.count()
    delivered = await issued.filter(sent_at__isnull=False).count()
    if count != expected or delivered != (expected if sent else 0):
        raise RuntimeError(
            f"cycle of {day}: {count} invoices DUE and {delivered} sent, "
            f"expected {expected} and {expected if sent else 0}"
        )


def plain_page(html: str) -> str:
    """The same words as `html`, as plain paragraphs without a stylesheet: WeasyPrint's own
    speed on that much text, the yardstick of the invoice PDF."""
    words = " ".join(texts(html)).split()
    paragraphs = (" ".join(words[start : start + 60]) for start in range(0, len(words), 60))
    return page_of(paragraphs)


def text_boxes_page(html: str) -> str:
    """Each text of `html` (what lies between two tags) as a paragraph of its own, without a
    stylesheet: the least WeasyPrint does to place that many separate texts, in any layout.
    The invoice PDF cannot come closer to the plain page than this does."""
    return page_of(texts(html))


def texts(html: str) -> list[str]:
    body = re.sub(r"<(style|title)>.*?</\1>", "", html, flags=re.S)
    pieces = (" ".join(unescape(piece).split()) for piece in re.split(r"<[^>]+>", body))
    return [piece for piece in pieces if piece]


def page_of(paragraphs) -> str:
    return "<html><body>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + "</body></html>"


@dataclass
class PdfTimes:
    """Seconds per invoice of each, one invoice after another in this thread."""

    pdf: list[float] = field(default_factory=list)  # `render_pdf`
    html: list[float] = field(default_factory=list)  # `render_html`, the template alone
    plain: list[float] = field(default_factory=list)  # WeasyPrint alone: plain_page
    boxes: list[float] = field(default_factory=list)  # WeasyPrint alone: text_boxes_page
    texts: int = 0  # the texts of the last invoice


async def pdf_times(day: date, samples: int) -> PdfTimes:
    from weasyprint import HTML

    invoices = await Invoice.filter(issue_date=day).order_by("number").limit(samples)
    times = PdfTimes()
    for invoice in invoices:
        shown = await delivery.document(invoice)
        started = time.perf_counter()
        page = documents.render_html(shown, for_pdf=True)
        times.html.append(time.perf_counter() - started)
        started = time.perf_counter()
        rendered = documents.render_pdf(shown)
        times.pdf.append(time.perf_counter() - started)
        assert rendered.startswith(b"%PDF-"), "not a PDF"
        for made, kept in ((plain_page, times.plain), (text_boxes_page, times.boxes)):
            words = made(page)
            started = time.perf_counter()
            HTML(string=words).write_pdf()
            kept.append(time.perf_counter() - started)
        times.texts = len(texts(page))
    return times


async def read_back(day: date, expected: int) -> list[float]:
    """The baseline: the contracts of a cycle read back in one query (model instances), ten
    times after a warm-up. Taken several times, so a machine that slows down or speeds up
    during the run moves the baseline too."""
    rounds = []
    for _ in range(11):
        started = time.perf_counter()
        rows = await Contract.filter(invoicing_start_date=day)
        rounds.append(time.perf_counter() - started)
        assert len(rows) == expected, len(rows)
    return rounds[1:]


# -- wiring -----------------------------------------------------------------------------------


async def main(
    contract_count: int,
    tenant_count: int,
    database_url: str | None,
    redis_url: str | None,
    max_jobs: int,
    poll_delay: float,
    pdf_samples: int,
    profile_path: str | None,
) -> None:
    if contract_count < tenant_count:
        raise SystemExit("--contracts must be at least --tenants")
    try:
        documents.check_pdf_engine()
    except RuntimeError as problem:
        print(f"warning: {problem}")
    worker = WorkerOptions(max_jobs, poll_delay)
    warm_up_day, cycle_day = CYCLE_DAY - timedelta(days=1), CYCLE_DAY
    issue_day = CYCLE_DAY + timedelta(days=1)
    with tempfile.TemporaryDirectory() as folder:
        outbox = Path(folder) / "outbox"
        url = database_url or f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        settings = Settings(
            database_url=url,
            redis_url=redis_url,
            smtp_url=None,
            outbox_dir=outbox,
            secret_key="bench",
            queue_name=f"remit:bench:{os.getpid()}",
        )
        await db.migrate(url)
        async with running(settings, run_jobs=False) as runtime:
            if await Contract.exists():
                raise SystemExit(f"{url} holds contracts already: give the bench an empty database")

            started = time.perf_counter()
            warm_ups = max(WARM_UP_CONTRACTS, tenant_count)
            await build_data(
                tenant_count,
                {warm_up_day: warm_ups, cycle_day: contract_count, issue_day: contract_count},
            )
            setup = time.perf_counter() - started

            await run_cycle(runtime, warm_up_day, worker)
            await check_issued(warm_up_day, warm_ups, sent=True)

            profile = cProfile.Profile() if profile_path else None
            cycle_seconds, cycle_jobs = await run_cycle(runtime, cycle_day, worker, profile)
            await check_issued(cycle_day, contract_count, sent=True)
            sent = len(list(outbox.glob("*.eml")))
            assert sent == warm_ups + contract_count, f"{sent} emails in the outbox"
            if profile:
                profile.dump_stats(profile_path)
            # Not before: right after the setup's inserts PostgreSQL is still busy with them
            # (autovacuum, first reads setting hint bits), and the read takes twice as long.
            baselines = [await read_back(cycle_day, contract_count)]

            held: list[Job] = []
            with deliveries_held(runtime, held):
                issue_seconds, issue_jobs = await run_cycle(runtime, issue_day, worker)
            await check_issued(issue_day, contract_count, sent=False)
            assert len(held) == contract_count, f"{len(held)} deliveries held back"
            baselines.append(await read_back(cycle_day, contract_count))

            pdf = await pdf_times(cycle_day, pdf_samples)
            baselines.append(await read_back(cycle_day, contract_count))
            await runtime.pool.delete(f"{runtime.pool.default_queue_name}{health_check_key_suffix}")

    report(
        url=url,
        redis_url=redis_url,
        contract_count=contract_count,
        tenant_count=tenant_count,
        worker=worker,
        setup=(2 * contract_count + warm_ups, setup),
        baselines=baselines,
        issue=Phase("issue only (deliveries held back)", issue_seconds, contract_count),
        whole=Phase("whole cycle: issue, PDF, email", cycle_seconds, contract_count),
        pdf=pdf,
        pdf_workers=settings.pdf_workers,
        recorded={"whole cycle": cycle_jobs, "issue only": issue_jobs},
    )
    if profile_path:
        print(f"profile of the whole cycle (event loop thread only): {profile_path}")


def report(
    *,
    url: str,
    redis_url: str | None,
    contract_count: int,
    tenant_count: int,
    worker: WorkerOptions,
    setup: tuple[int, float],
    baselines: list[list[float]],
    issue: Phase,
    whole: Phase,
    pdf: PdfTimes,
    pdf_workers: int,
    recorded: dict[str, Jobs],
) -> None:
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    baseline = statistics.median([seconds for rounds in baselines for seconds in rounds])
    per_contract = baseline / contract_count
    pdf_median, html_median = statistics.median(pdf.pdf), statistics.median(pdf.html)
    deliver = whole.per_invoice - issue.per_invoice
    print(
        f"cycle: {contract_count} contracts a cycle ({tenant_count} tenants, 3 line items each) "
        f"on {backend}, queue on {redis_url or 'embedded fakeredis'}, one process, "
        f"{worker.max_jobs} jobs at a time, poll delay {worker.poll_delay} s; setup (not timed) {setup[0]} contracts in {setup[1]:.1f} s"
    )
    print(f"{'':<44}{'seconds':>9}{'invoices/s':>12}{'ms/invoice':>12}{'ratio':>8}")
    print(
        f"{f'baseline: read {contract_count} contracts, 1 query':<44}{baseline:9.4f}{'':>12}"
        f"{per_contract * 1e3:12.4f}{1:8.0f}"
    )
    for phase in (whole, issue):
        print(
            f"{phase.label:<44}{phase.seconds:9.2f}{phase.per_second:12.1f}"
            f"{phase.per_invoice * 1e3:12.2f}{phase.per_invoice / per_contract:8.0f}"
        )
    print(
        f"{f'PDF render alone, median of {len(pdf.pdf)}':<44}{'':>9}{1 / pdf_median:12.1f}"
        f"{pdf_median * 1e3:12.2f}{pdf_median / per_contract:8.0f}"
    )
    plain_median, boxes_median = statistics.median(pdf.plain), statistics.median(pdf.boxes)
    for label, median in (
        ("WeasyPrint alone: its words as plain text", plain_median),
        (f"WeasyPrint alone: its {pdf.texts} texts, 1 <p> each", boxes_median),
    ):
        print(
            f"{label:<44}{'':>9}{1 / median:12.1f}{median * 1e3:12.2f}{median / per_contract:8.0f}"
        )
    renderers = max(pdf_workers, 1)
    print(
        f"the invoice PDF is {pdf_median / plain_median:.1f}x WeasyPrint's plain page (its texts "
        f"alone, each a paragraph, the floor of any layout of them: {boxes_median / plain_median:.1f}x); the whole "
        f"cycle makes {whole.per_second * pdf_median / renderers:.2f}x the PDF rate times its "
        f"{renderers} render process(es) (REMIT_PDF_WORKERS={pdf_workers})"
    )
    print(
        "ratio: ms/invoice over the baseline's ms/contract; baseline medians after the whole "
        "cycle, after issuing only and at the end: "
        + " / ".join(f"{statistics.median(rounds) * 1e3:.1f}" for rounds in baselines)
        + " ms"
    )
    print(
        f"PDF render: min {min(pdf.pdf) * 1e3:.0f} ms, max {max(pdf.pdf) * 1e3:.0f} ms, its HTML "
        f"template alone {html_median * 1e3:.1f} ms; the PDF is {pdf_median / whole.per_invoice:.0%} "
        f"of the whole cycle's time per invoice; delivery adds {deliver * 1e3:.0f} ms per "
        f"invoice to issuing ({whole.per_invoice / issue.per_invoice:.1f}x)"
    )
    for phase, phase_jobs in recorded.items():
        each = ", ".join(
            f"{len(seconds)} {function} (median {statistics.median(seconds) * 1e3:.0f} ms each; "
            f"{phase_jobs.pace(function)})"
            for function, seconds in sorted(phase_jobs.seconds.items())
        )
        print(f"jobs, start to finish, {phase}: {each}")
