"""An invoice walked day by day through a dunning schedule with the clock: reminded before,
on and after its due date, in each step's tone, never after it is paid, never while it or its
organization is paused; late fees billed as one-off invoices of their own, once per step;
and the dry run that says all this and changes nothing."""

from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from remit.billing import clock, cycle, dunning_pauses, organizations, payments, reminders
from remit.billing.errors import RemitError
from remit.billing.roles import Actor
from remit.cycle_command import reminder_lines
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent, Reminder
from remit.models.jobs import OutboxJob
from tests import factories
from tests.billing.test_reminders import on, subjects

ISSUED = date(2027, 1, 1)
DUE = date(2027, 1, 31)


async def walk(start: date, end: date, drain_jobs, handler) -> dict[date, list[str]]:
    """Run every day from `start` to `end`; the emails sent on each day that sent any."""
    sent = {}
    day = start
    while day <= end:
        before = len(handler.envelopes)
        await on(day, drain_jobs)
        if len(handler.envelopes) > before:
            sent[day] = subjects(handler)[before:]
        day += timedelta(days=1)
    return sent


async def issued_invoice(drain_jobs, **settings) -> tuple:
    tenant, _ = await factories.ready_tenant(**settings)
    contract = await factories.live_contract(tenant, ISSUED)
    await cycle.plan(ISSUED)
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)
    assert invoice.due_date == DUE
    return tenant, invoice


STEPS = [
    {"offset_days": -3, "tone": "friendly", "text": "Just a heads-up."},
    {"offset_days": 0, "tone": "firm"},
    {"offset_days": 7, "tone": "final"},
]


async def test_a_schedule_reminds_before_on_and_after_the_due_date(mail_server, drain_jobs):
    _, invoice = await issued_invoice(drain_jobs, dunning_steps=STEPS)

    sent = await walk(date(2027, 1, 20), date(2027, 2, 20), drain_jobs, mail_server)

    assert sent == {
        date(2027, 1, 28): [
            "Reminder: invoice INV-000001 from Acme Corp is due on January 31, 2027"
        ],
        date(2027, 1, 31): ["Payment due: invoice INV-000001 from Acme Corp is due today"],
        date(2027, 2, 7): ["Final notice: invoice INV-000001 from Acme Corp is overdue"],
    }
    first = message_from_bytes(mail_server.envelopes[1].original_content, policy=default_policy)
    text = first.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "\n\nJust a heads-up.\n\n" in text
    rows = await Reminder.filter(invoice=invoice).order_by("offset_days")
    assert [(row.offset_days, row.tone, row.sent_at is not None) for row in rows] == [
        (-3, "friendly", True),
        (0, "firm", True),
        (7, "final", True),
    ]
    events = await InvoiceEvent.filter(invoice=invoice, type="reminded").order_by("at")
    assert [event.detail for event in events] == [
        "3 days before the due date (friendly)",
        "the due date (firm)",
        "7 days after the due date (final)",
    ]


async def test_no_reminder_once_paid(mail_server, drain_jobs):
    tenant, invoice = await issued_invoice(drain_jobs, reminder_days=[-3, 0, 7])
    await walk(date(2027, 1, 28), date(2027, 1, 31), drain_jobs, mail_server)
    with clock.frozen(date(2027, 2, 2)):
        await payments.change_status(Actor.system(tenant), str(invoice.id), InvoiceStatus.PAID)
    await drain_jobs()

    sent = await walk(date(2027, 2, 2), date(2027, 2, 20), drain_jobs, mail_server)

    assert sent == {}
    assert subjects(mail_server)[1:] == [
        "Reminder: invoice INV-000001 from Acme Corp is due on January 31, 2027",
        "Reminder: invoice INV-000001 from Acme Corp is due today",
        "Receipt for invoice INV-000001 from Acme Corp",
    ]
    assert await Reminder.filter(invoice=invoice).count() == 2


async def test_a_pause_holds_reminders_and_resuming_sends_the_latest_step(mail_server, drain_jobs):
    tenant, invoice = await issued_invoice(drain_jobs, reminder_days=[-3, 0, 7, 15])
    organization_id = str(invoice.organization_id)
    actor = Actor.system(tenant)
    with clock.frozen(date(2027, 1, 20)):
        await dunning_pauses.pause_organization(actor, organization_id, "Disputed", None)

    assert await walk(date(2027, 1, 20), date(2027, 2, 10), drain_jobs, mail_server) == {}

    with clock.frozen(date(2027, 2, 11)):
        await dunning_pauses.resume_organization(actor, organization_id)
    sent = await walk(date(2027, 2, 11), date(2027, 2, 12), drain_jobs, mail_server)
    # Days -3, 0 and 7 passed while paused: only the latest goes.
    assert sent == {date(2027, 2, 11): ["Reminder: invoice INV-000001 from Acme Corp is overdue"]}
    assert await Reminder.filter(invoice=invoice).values_list("offset_days", flat=True) == [7]

    # Paused until a day: held until then, and the step due meanwhile goes on that day.
    with clock.frozen(date(2027, 2, 12)):
        await dunning_pauses.pause_invoice(actor, str(invoice.id), "Plan agreed", date(2027, 2, 20))
    sent = await walk(date(2027, 2, 12), date(2027, 2, 25), drain_jobs, mail_server)
    assert sent == {date(2027, 2, 20): ["Reminder: invoice INV-000001 from Acme Corp is overdue"]}
    assert await Reminder.filter(invoice=invoice).order_by("offset_days").values_list(
        "offset_days", flat=True
    ) == [7, 15]
    events = await InvoiceEvent.filter(invoice=invoice, type="dunning_paused")
    assert [event.detail for event in events] == ["Plan agreed (until 2027-02-20)"]


async def test_a_pause_needs_a_reason_and_a_day_to_come(drain_jobs):
    tenant, invoice = await issued_invoice(drain_jobs)
    actor = Actor.system(tenant)

    with clock.frozen(date(2027, 1, 10)), pytest.raises(RemitError) as refused:
        await dunning_pauses.pause_invoice(actor, str(invoice.id), "  ", date(2027, 1, 10))

    assert [(e.field, e.message) for e in refused.value.errors()] == [
        (["reason"], "This cannot be blank."),
        (["until"], "Give a day after today."),
    ]
    unchanged = await Invoice.get(id=invoice.id)
    assert unchanged.dunning_paused_at is None
    assert not await InvoiceEvent.exists(invoice=invoice, type="dunning_paused")


async def test_an_organizations_own_schedule_replaces_the_tenants(mail_server, drain_jobs):
    tenant, invoice = await issued_invoice(drain_jobs, reminder_days=[15])
    await organizations.update(
        Actor.system(tenant),
        str(invoice.organization_id),
        {"dunning_steps": [{"offset_days": 2, "tone": "FIRM"}]},
    )

    sent = await walk(date(2027, 1, 31), date(2027, 2, 20), drain_jobs, mail_server)

    assert sent == {date(2027, 2, 2): ["Payment due: invoice INV-000001 from Acme Corp is overdue"]}


LATE_FEES = [
    {"offset_days": 0, "tone": "friendly"},
    {"offset_days": 7, "tone": "firm", "late_fee": {"fixed": {"amount": "5", "currency": "EUR"}}},
    {"offset_days": 15, "tone": "final", "late_fee": {"percent": "2.5"}},
]


async def test_each_late_fee_is_one_one_off_invoice_per_step(mail_server, drain_jobs):
    tenant, invoice = await issued_invoice(drain_jobs, dunning_steps=LATE_FEES)

    await walk(date(2027, 1, 31), date(2027, 2, 20), drain_jobs, mail_server)
    # The steps' days again, and each step's job once more, as after a crash.
    for day in (date(2027, 2, 7), date(2027, 2, 15)):
        await on(day, drain_jobs)
    with clock.frozen(date(2027, 2, 16)):
        assert await reminders.remind(invoice.id, 7) is False
        assert await reminders.remind(invoice.id, 15) is False

    rows = await Reminder.filter(invoice=invoice).order_by("offset_days")
    assert [row.offset_days for row in rows] == [0, 7, 15]
    assert rows[0].late_fee_invoice_id is None
    fees = [await Invoice.get(id=row.late_fee_invoice_id) for row in rows[1:]]
    assert [(fee.number, fee.status, fee.total, fee.currency) for fee in fees] == [
        ("INV-000002", InvoiceStatus.DUE, 500, "EUR"),
        # 2.5% of 1,299.88 is 32.497: rounded half-up.
        ("INV-000003", InvoiceStatus.DUE, 3250, "EUR"),
    ]
    assert [fee.organization_id for fee in fees] == [invoice.organization_id] * 2
    assert await Invoice.filter(tenant=tenant).count() == 3
    # The invoice itself is never edited.
    assert (await Invoice.get(id=invoice.id)).total == 129988
    assert "Invoice INV-000002 from Acme Corp" in subjects(mail_server)
    assert "Invoice INV-000003 from Acme Corp" in subjects(mail_server)


async def test_the_dry_run_says_what_would_happen_and_changes_nothing(drain_jobs):
    await issued_invoice(drain_jobs, dunning_steps=LATE_FEES)
    before = (
        await Reminder.all().count(),
        await InvoiceEvent.all().count(),
        await OutboxJob.all().count(),
        await Invoice.all().values_list("id", "status"),
    )

    with clock.frozen(date(2027, 2, 8)):
        lines = await reminder_lines(date(2027, 2, 8))

    assert lines == [
        "INV-000001 Globex: would be marked overdue (due 2027-01-31)",
        "INV-000001 Globex: would be reminded, 7 days after the due date (firm), late fee €5.00",
        "2027-02-08 (dry run): 1 invoice(s) would be marked overdue, 1 reminder(s) would be "
        "sent; nothing was changed",
    ]
    after = (
        await Reminder.all().count(),
        await InvoiceEvent.all().count(),
        await OutboxJob.all().count(),
        await Invoice.all().values_list("id", "status"),
    )
    assert after == before


async def test_a_german_customer_is_reminded_in_german(mail_server, drain_jobs):
    tenant, invoice = await issued_invoice(
        drain_jobs, dunning_steps=[{"offset_days": -3, "tone": "firm"}]
    )
    await organizations.update(
        Actor.system(tenant), str(invoice.organization_id), {"locale": "de-DE"}
    )

    sent = await walk(date(2027, 1, 28), date(2027, 1, 28), drain_jobs, mail_server)

    assert sent == {
        date(2027, 1, 28): [
            "Zahlung fällig: Rechnung INV-000001 von Acme Corp ist am 31. Januar 2027 fällig"
        ]
    }
    reminder = message_from_bytes(mail_server.envelopes[-1].original_content, policy=default_policy)
    text = reminder.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "Guten Tag,\n\n"
        "Die Rechnung INV-000001 von Acme Corp ist am 31. Januar 2027 fällig: "
        "1.299,88\N{NO-BREAK SPACE}€ sind noch offen. Bitte bezahlen Sie sie bis dahin.\n\n"
        "Fälliger Betrag: 1.299,88\N{NO-BREAK SPACE}€\n"
        "Fälligkeitsdatum: 31. Januar 2027\n\n"
        "Rechnung online ansehen und bezahlen:\n"
    )
    assert (
        "Die Rechnung ist als INV-000001.pdf angehängt. Falls Sie bereits bezahlt haben, vielen "
        "Dank; betrachten Sie diese Erinnerung dann bitte als gegenstandslos.\n"
    ) in text
    html = reminder.get_body(("html",)).get_content()
    assert (
        '<h1 style="font-size:22px;line-height:1.25;margin:0 0 16px;">Rechnung INV-000001 von '
        "Acme Corp ist am 31. Januar 2027 fällig</h1>"
    ) in html
    assert ">Rechnung ansehen und bezahlen</a>" in html
    assert "Reminder" not in text and "Hello" not in html
