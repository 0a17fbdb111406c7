"""The one audit every fault scenario ends with: every due contract has exactly one invoice,
each tenant's numbers run without a gap, every invoice was emailed once, every payment is
counted once.

The one exception to "emailed once", kept: a delivery cut off after the SMTP server took the
message and before `sent_at` was recorded (the worker killed, or its database connection
lost) is sent again by the job's next try with the same Message-ID, so the customer's mail
client shows it once. The scenario names the deliveries a fault may have cut off
(`may_repeat`).
"""

import inspect
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy
from uuid import UUID

from remit.billing import clock, ledger
from remit.models.contracts import Contract
from remit.models.invoices import Invoice, InvoiceEvent
from remit.models.runs import InvoicingRun
from tests import factories
from tests.faults.processes import PUBLIC_URL, hurry_retries, wait_until
from tests.servers import Collector

SENDER = "billing@acme.com"  # ready_tenant's company email, the From of every invoice
TOTAL = "€1,299.88"  # the first invoice of factories.WORKED_EXAMPLE
INVOICE_EMAIL = re.compile(r"<invoice\.[0-9a-f-]{36}@[^>]+>")


@dataclass
class Cycle:
    """The contracts due today: id -> (tenant name, billing email)."""

    tenants: dict[str, int]
    contracts: dict[UUID, tuple[str, str]] = field(default_factory=dict)


async def due_today(tenants: dict[str, int], set_up=None, **contract_fields) -> Cycle:
    """`tenants`: name -> how many of its contracts are due today; `set_up(tenant)` runs
    before its contracts are made."""
    today = clock.today()
    cycle = Cycle(tenants)
    for tenant_name, count in tenants.items():
        tenant, _ = await factories.ready_tenant(tenant_name)
        if set_up is not None:
            await set_up(tenant)
        domain = tenant_name.lower().replace(" ", "-") + ".com"
        for n in range(1, count + 1):
            email = f"ap@customer-{n:02d}.{domain}"
            contract = await factories.live_contract(
                tenant,
                today,
                organization_name=f"{tenant_name} customer {n:02d}",
                billing_email=email,
                **contract_fields,
            )
            cycle.contracts[contract.id] = (tenant_name, email)
    return cycle


async def everything_sent(cycle: Cycle) -> bool:
    issued = await Invoice.filter(contract_id__in=list(cycle.contracts)).count()
    unsent = await Invoice.filter(sent_at=None).exists()
    return issued >= len(cycle.contracts) and not unsent


async def progress(cycle: Cycle) -> str:
    issued = await Invoice.all().values_list("id", "contract_id", "number", "sent_at")
    missing = set(cycle.contracts) - {contract_id for _, contract_id, _, _ in issued}
    unsent = [(str(i), n) for i, _, n, sent in issued if sent is None]
    return (
        f"{len(issued)} of {len(cycle.contracts)} invoices issued, {len(unsent)} unsent; "
        f"contracts without an invoice {sorted(map(str, missing))}; unsent invoices {unsent}"
    )


async def wait_until_everything_sent(
    cycle: Cycle, seconds: float, context, hurry: tuple | None = None
) -> None:
    """Wait for every invoice to be issued and sent; on a failure, say how far the cycle got
    and what `context()` (a function, maybe async) adds. With `hurry` (a Redis pool and a
    queue name), the retries deferred meanwhile run at once rather than a minute later."""

    async def stuck() -> str:
        more = context()
        if inspect.isawaitable(more):
            more = await more
        return f"not every invoice sent within {seconds:.0f} s: {await progress(cycle)}\n{more}"

    async def sent() -> bool:
        if hurry is not None:
            await hurry_retries(*hurry)
        return await everything_sent(cycle)

    await wait_until(sent, seconds, stuck, every=0.2)


def received(handler: Collector) -> list:
    return [
        (envelope.rcpt_tos, message_from_bytes(envelope.original_content, policy=default_policy))
        for envelope in handler.envelopes
    ]


@dataclass
class Outcome:
    issued: int
    emailed: int
    duplicates: dict[str, int]  # Message-ID -> times received, when more than once
    failures: list  # the runs' recorded failures (a fault a retry got over)

    def __str__(self) -> str:
        return (
            f"{self.issued} invoices issued, {self.emailed} emailed; "
            f"duplicate emails: {self.duplicates or 'none'}; "
            f"failures recorded on the runs: {len(self.failures)}"
        )


async def audit(
    cycle: Cycle,
    mail: Collector,
    *,
    may_repeat: set[str] = frozenset(),
    today: date | None = None,
) -> Outcome:
    """`may_repeat`: the ids of delivery jobs ("deliver:<invoice id>") that a kill cut off."""
    today = today or clock.today()
    contracts = cycle.contracts

    # Exactly one invoice per due contract, for today's period, sent once.
    invoices = await Invoice.all().prefetch_related("tenant")
    per_contract = Counter(invoice.contract_id for invoice in invoices)
    assert per_contract == Counter({contract_id: 1 for contract_id in contracts}), per_contract
    for invoice in invoices:
        assert invoice.tenant.name == contracts[invoice.contract_id][0]
        assert (invoice.period_start, invoice.issue_date) == (today, today)
        assert invoice.total == 129988 and invoice.sent_at is not None
    for contract in await Contract.filter(id__in=list(contracts)):
        assert contract.next_invoice_date > today  # moved on, with the invoice

    # Each tenant's numbers: INV-000001 .. INV-0000NN, no gap, no repeat.
    for tenant_name, count in cycle.tenants.items():
        numbers = sorted(i.number for i in invoices if i.tenant.name == tenant_name)
        assert numbers == [f"INV-{n:06d}" for n in range(1, count + 1)], tenant_name

    # One "sent" event per invoice: a delivery cut off by a fault recorded nothing.
    sent_events = Counter(
        await InvoiceEvent.filter(type="sent").values_list("invoice_id", flat=True)
    )
    assert sent_events == Counter({invoice.id: 1 for invoice in invoices})

    # Every invoice reached the SMTP server once, but for a delivery a kill cut off after
    # the server took the message (see the module's docstring): twice at most, same id.
    host = PUBLIC_URL.removeprefix("https://")
    by_id = {f"<invoice.{invoice.id}@{host}>": invoice for invoice in invoices}
    messages = [  # invoice emails: not receipts or other notices, which have ids of their own
        (recipients, message)
        for recipients, message in received(mail)
        if INVOICE_EMAIL.fullmatch(message["Message-ID"])
    ]
    per_message = Counter(message["Message-ID"] for _, message in messages)
    assert set(per_message) == set(by_id)
    duplicates = {message_id: n for message_id, n in per_message.items() if n > 1}
    assert set(duplicates.values()) <= {2}, duplicates
    for message_id in duplicates:
        assert f"deliver:{by_id[message_id].id}" in may_repeat, (message_id, may_repeat)
    for recipients, message in messages:
        invoice = by_id[message["Message-ID"]]
        tenant_name, email = contracts[invoice.contract_id]
        assert recipients == [email]
        assert (message["From"], message["To"], message["Cc"]) == (
            f"{tenant_name} <{SENDER}>",
            email,
            None,
        )
        assert message["Subject"] == f"Invoice {invoice.number} from {tenant_name}"
        attachment, xml = list(message.iter_attachments())
        assert (attachment.get_filename(), attachment.get_content_type()) == (
            f"{invoice.number}.pdf",
            "application/pdf",
        )
        assert (xml.get_filename(), xml.get_content_type()) == (
            f"{invoice.number}.xml",
            "application/xml",
        )
        assert attachment.get_content().startswith(b"%PDF-")
        text = message.get_body(("plain",)).get_content()
        assert f"{PUBLIC_URL}/i/{invoice.public_token}" in text
        assert TOTAL in text and invoice.number in text

    # Every payment counted once: what an invoice has received is its ledger's sum, each
    # provider reference once, never more than the total.
    for invoice in invoices:
        reported = await factories.provider_ledger(invoice)
        counted = sum(max(0, e["received"] - e["refunded"]) for e in reported.values())
        assert invoice.amount_paid == counted <= invoice.total, (invoice.number, reported)
        assert invoice.amount_paid == await ledger.amount_paid(invoice.id), invoice.number

    # One run per tenant for today, every due contract counted once and issued.
    runs = await InvoicingRun.filter(run_date=today).prefetch_related("tenant")
    counted_runs = sorted(
        (r.tenant.name, r.contracts_due, r.invoices_issued, r.invoices_on_hold) for r in runs
    )
    expected = sorted((name, count, count, 0) for name, count in cycle.tenants.items())
    assert counted_runs == expected, f"(tenant, due, issued, held): {counted_runs}"
    return Outcome(
        len(invoices),
        len(per_message),
        duplicates,
        [failure for run in runs for failure in run.failures],
    )
