import asyncio
from datetime import date
from decimal import Decimal
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from remit.billing import (
    clock,
    credit_note_delivery,
    credit_notes,
    cycle,
    documents,
    invoicing_settings,
    payments,
    providers,
)
from remit.billing.errors import RemitError
from remit.billing.roles import Actor
from remit.models.credit_notes import CreditNote, CreditNoteLine
from remit.models.enums import InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent, InvoiceLine, InvoiceNumberSequence
from tests import factories
from tests.billing.test_documents import pdf_text

START = date(2027, 1, 1)
BANK_ACCOUNTS = {
    "accounts": [
        *factories.BANK_TRANSFER["accounts"],
        {
            "currency": "BHD",
            "account_holder": "Acme GmbH",
            "bank_name": "National Bank of Bahrain",
            "iban": "BH67BMAG00001299123456",
        },
    ]
}


async def issued(drain_jobs, *, currency="EUR", items=None, tenant=None, name="Globex"):
    """An issued (DUE) invoice of a new contract, and its lines by name."""
    if tenant is None:
        tenant, _ = await factories.ready_tenant()
        await providers.configure(tenant, "bank_transfer", enabled=True, settings=BANK_ACCOUNTS)
    contract = await factories.live_contract(
        tenant, START, items=items, organization_name=name, currency=currency
    )
    await cycle.plan(START)
    await drain_jobs()
    invoice = await Invoice.get(contract=contract)
    assert invoice.status == InvoiceStatus.DUE
    lines = {line.name: line for line in await InvoiceLine.filter(invoice=invoice)}
    return tenant, invoice, lines


def line_amounts(line: CreditNoteLine) -> tuple:
    return (line.quantity, line.unit_price, line.subtotal, line.tax_rate, line.tax, line.total)


async def snapshot(invoice: Invoice) -> tuple:
    """Everything a credit note could change."""
    return (
        await CreditNote.all().count(),
        await CreditNoteLine.all().count(),
        await InvoiceEvent.filter(invoice_id=invoice.id).count(),
        await InvoiceNumberSequence.filter(series="credit_note").values_list(
            "last_number", flat=True
        ),
        (await Invoice.get(id=invoice.id)).updated_at,
    )


async def refused(actor, invoice, *args, **kwargs) -> list[tuple]:
    before = await snapshot(invoice)
    with pytest.raises(RemitError) as caught:
        await credit_notes.create(actor, *args, **kwargs)
    assert await snapshot(invoice) == before
    return [(e.field, e.code, e.message) for e in caught.value.errors()]


async def test_a_partial_credit_by_quantity_on_an_unpaid_invoice(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    seats = lines["Seats"]  # 10 x €49.99 at 20%: €499.90 + €99.98

    note = await credit_notes.create(
        Actor.system(tenant),
        str(invoice.id),
        "  Three seats were never used.  ",
        [{"invoice_line_id": str(seats.id), "quantity": "3"}],
    )

    assert (note.number, note.issue_date, note.reason, note.currency) == (
        "INV-CN-000001",
        clock.today(),
        "Three seats were never used.",
        "EUR",
    )
    # 499.90 x 3/10 = 149.97; 20% of it 29.994 -> 29.99.
    assert (note.subtotal, note.tax, note.total, note.refund) == (14997, 2999, 17996, False)
    assert (note.customer, note.provider) == (invoice.customer, invoice.provider)
    assert note.created_by == "system"
    assert note.organization_id == invoice.organization_id
    [line] = await credit_notes.lines_of([note.id])
    assert (line.invoice_line_id, line.position, line.name) == (seats.id, 1, "Seats")
    assert line_amounts(line) == (Decimal(3), 4999, 14997, Decimal(20), 2999, 17996)
    assert await credited(invoice) == 17996
    event = await InvoiceEvent.get(invoice_id=invoice.id, type="credit_note_issued")
    assert (event.actor, event.detail) == ("system", "INV-CN-000001: €179.96 credited")
    # The invoice itself is never edited.
    after = await Invoice.get(id=invoice.id)
    assert (after.status, after.total, after.amount_paid) == (InvoiceStatus.DUE, 129988, 0)


async def credited(invoice: Invoice) -> int:
    return await credit_notes.credited(invoice.id)


async def test_a_partial_credit_by_amount_splits_the_tax_at_the_line_rate(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)

    note = await credit_notes.create(
        Actor.system(tenant),
        invoice.id,
        "Goodwill",
        [{"invoice_line_id": lines["Seats"].id, "amount": "100.00"}],
    )

    # 100.00 / 1.20 = 83.333... -> 83.33 before tax, 16.67 tax.
    assert (note.subtotal, note.tax, note.total, note.refund) == (8333, 1667, 10000, False)
    [line] = await credit_notes.lines_of([note.id])
    assert line_amounts(line) == (None, 4999, 8333, Decimal(20), 1667, 10000)
    event = await InvoiceEvent.get(invoice_id=invoice.id, type="credit_note_issued")
    assert event.detail == "INV-CN-000001: €100.00 credited"


YEN = [{"name": "Licence", "price": "1000", "quantity": "3", "billed": "MONTHLY", "tax_rate": "10"}]
DINAR = [
    {"name": "Hosting", "price": "12.345", "quantity": "2", "billed": "MONTHLY", "tax_rate": "10"}
]


async def test_yen_credits_round_half_up_to_whole_yen(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs, currency="JPY", items=YEN)
    licence = lines["Licence"]  # ¥3,000 + ¥300
    actor = Actor.system(tenant)

    by_quantity = await credit_notes.create(
        actor, invoice.id, "One licence", [{"invoice_line_id": licence.id, "quantity": "1"}]
    )
    by_amount = await credit_notes.create(
        actor, invoice.id, "Discount", [{"invoice_line_id": licence.id, "amount": "555"}]
    )

    assert (by_quantity.subtotal, by_quantity.tax, by_quantity.total) == (1000, 100, 1100)
    # 555 / 1.1 = 504.545... -> 505, tax 50.
    assert (by_amount.subtotal, by_amount.tax, by_amount.total) == (505, 50, 555)
    assert await credited(invoice) == 1655
    assert await refused(
        actor, invoice, invoice.id, "Too much", [{"invoice_line_id": licence.id, "amount": "1646"}]
    ) == [
        (
            ["lines", "0", "amount"],
            "INVALID",
            "At most ¥1,645 can still be credited on this line.",
        )
    ]
    assert await refused(
        actor, invoice, invoice.id, "Sen", [{"invoice_line_id": licence.id, "amount": "1.5"}]
    ) == [
        (
            ["lines", "0", "amount"],
            "INVALID",
            "JPY amounts have at most 0 decimal places; 1.5 has more.",
        )
    ]


async def test_dinar_credits_by_quantity_add_up_to_exactly_the_line(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs, currency="BHD", items=DINAR)
    hosting = lines["Hosting"]  # 2 x 12.345 = 24.690 + 2.469 tax = 27.159
    assert (hosting.subtotal, hosting.tax, hosting.total) == (24690, 2469, 27159)
    actor = Actor.system(tenant)

    first = await credit_notes.create(
        actor, invoice.id, "Half", [{"invoice_line_id": hosting.id, "quantity": "1"}]
    )
    second = await credit_notes.create(
        actor, invoice.id, "The rest", [{"invoice_line_id": hosting.id, "quantity": "1"}]
    )

    # 10% of 12.345 is 1.2345 -> 1.235; the last unit takes what is left: 1.234.
    assert (first.subtotal, first.tax, first.total) == (12345, 1235, 13580)
    assert (second.subtotal, second.tax, second.total) == (12345, 1234, 13579)
    assert await credited(invoice) == hosting.total
    # Its one line credited in full, the invoice is void: nothing more to credit.
    assert await refused(
        actor, invoice, invoice.id, "More", [{"invoice_line_id": hosting.id, "quantity": "0.5"}]
    ) == [
        (
            ["invoice_id"],
            "INVALID_TRANSITION",
            "Only an issued invoice (DUE, OVERDUE or PAID) can be credited; this one is VOID.",
        )
    ]


async def test_a_full_credit_credits_everything_not_credited_yet(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    actor = Actor.system(tenant)
    await credit_notes.create(
        actor, invoice.id, "Seats", [{"invoice_line_id": lines["Seats"].id, "quantity": "3"}]
    )

    note = await credit_notes.create(actor, invoice.id, "Contract cancelled", full_credit=True)

    credited_lines = await credit_notes.lines_of([note.id])
    assert [(line.name, *line_amounts(line)) for line in credited_lines] == [
        ("Seats", Decimal(7), 4999, 34993, Decimal(20), 6999, 41992),
        ("Setup", Decimal(1), 50000, 50000, Decimal(20), 10000, 60000),
        ("Support", Decimal(1), 10000, 10000, Decimal(0), 0, 10000),
    ]
    assert (note.subtotal, note.tax, note.total) == (94993, 16999, 111992)
    assert await credited(invoice) == invoice.total == 129988
    assert await refused(actor, invoice, invoice.id, "Again", full_credit=True) == [
        (
            ["invoice_id"],
            "INVALID_TRANSITION",
            "Only an issued invoice (DUE, OVERDUE or PAID) can be credited; this one is VOID.",
        )
    ]


async def test_two_credit_notes_on_a_line_reach_exactly_its_total_then_one_more_is_refused(
    drain_jobs,
):
    tenant, invoice, lines = await issued(drain_jobs)
    setup = lines["Setup"]  # €600.00
    actor = Actor.system(tenant)

    first = await credit_notes.create(
        actor, invoice.id, "Part", [{"invoice_line_id": setup.id, "amount": "400.00"}]
    )
    second = await credit_notes.create(
        actor, invoice.id, "Rest", [{"invoice_line_id": setup.id, "amount": "200"}]
    )

    # 400 / 1.2 = 333.333... -> 333.33 + 66.67; the rest is what the line has left.
    assert (first.subtotal, first.tax, first.total) == (33333, 6667, 40000)
    assert (second.subtotal, second.tax, second.total) == (16667, 3333, 20000)
    assert first.subtotal + second.subtotal == setup.subtotal
    assert await refused(
        actor, invoice, invoice.id, "Once more", [{"invoice_line_id": setup.id, "amount": "0.01"}]
    ) == [
        (["lines", "0", "amount"], "INVALID", "At most €0.00 can still be credited on this line.")
    ]
    assert await refused(
        actor, invoice, invoice.id, "By unit", [{"invoice_line_id": setup.id, "quantity": "1"}]
    ) == [
        (
            ["lines", "0", "quantity"],
            "INVALID",
            "At most €0.00 can still be credited on this line.",
        )
    ]


async def test_numbers_are_gapless_and_their_own_series(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    actor = Actor.system(tenant)
    seats = lines["Seats"].id

    one = await credit_notes.create(
        actor, invoice.id, "One", [{"invoice_line_id": seats, "quantity": "1"}]
    )
    await refused(
        actor, invoice, invoice.id, "Nope", [{"invoice_line_id": seats, "quantity": "99"}]
    )
    two = await credit_notes.create(
        actor, invoice.id, "Two", [{"invoice_line_id": seats, "quantity": "1"}]
    )
    await invoicing_settings.update(actor, {"credit_note_number_prefix": "GUT-2027"})
    three = await credit_notes.create(
        actor, invoice.id, "Three", [{"invoice_line_id": seats, "quantity": "1"}]
    )
    await invoicing_settings.update(actor, {"credit_note_number_prefix": None})
    await invoicing_settings.update(actor, {"invoice_number_prefix": "RE"})
    four = await credit_notes.create(
        actor, invoice.id, "Four", [{"invoice_line_id": seats, "quantity": "1"}]
    )

    assert [one.number, two.number, three.number, four.number] == [
        "INV-CN-000001",
        "INV-CN-000002",
        "GUT-2027-000003",
        "RE-CN-000004",
    ]
    assert invoice.number == "INV-000001"
    sequences = await InvoiceNumberSequence.filter(tenant=tenant).order_by("series")
    assert [(s.series, s.last_number) for s in sequences] == [("credit_note", 4), ("invoice", 1)]


async def test_each_tenant_numbers_its_own_credit_notes(drain_jobs):
    first_tenant, first_invoice, _ = await issued(drain_jobs)
    other_tenant, other_invoice, _ = await issued(drain_jobs, tenant=None, name="Initech")

    a = await credit_notes.create(
        Actor.system(first_tenant), first_invoice.id, "A", full_credit=True
    )
    b = await credit_notes.create(
        Actor.system(other_tenant), other_invoice.id, "B", full_credit=True
    )

    assert (a.number, b.number) == ("INV-CN-000001", "INV-CN-000001")
    # Another tenant's invoice is not found, never forbidden.
    assert await refused(
        Actor.system(first_tenant), other_invoice, other_invoice.id, "C", full_credit=True
    ) == [(["invoice_id"], "NOT_FOUND", f"No invoice with id {other_invoice.id}.")]


@pytest.mark.parametrize("status", [InvoiceStatus.DRAFT, InvoiceStatus.ON_HOLD, InvoiceStatus.VOID])
async def test_an_invoice_that_is_not_issued_and_standing_cannot_be_credited(drain_jobs, status):
    tenant, invoice, _ = await issued(drain_jobs)
    await Invoice.filter(id=invoice.id).update(status=status)

    assert await refused(Actor.system(tenant), invoice, invoice.id, "X", full_credit=True) == [
        (
            ["invoice_id"],
            "INVALID_TRANSITION",
            f"Only an issued invoice (DUE, OVERDUE or PAID) can be credited; this one is {status}.",
        )
    ]


async def test_a_paid_invoice_can_be_credited(drain_jobs):
    tenant, invoice, _ = await issued(drain_jobs)
    actor = Actor.system(tenant)
    await payments.change_status(actor, str(invoice.id), InvoiceStatus.PAID)

    note = await credit_notes.create(actor, invoice.id, "Paid twice", full_credit=True)

    assert (note.total, note.refund) == (129988, False)


async def test_every_bad_line_is_reported_on_its_field_and_nothing_changes(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    _, other_invoice, other_lines = await issued(drain_jobs, tenant=tenant, name="Initech")
    seats = lines["Seats"].id
    foreign = other_lines["Seats"].id

    errors = await refused(
        Actor.system(tenant),
        invoice,
        invoice.id,
        "Bad lines",
        [
            {"invoice_line_id": "not-a-line"},
            {"invoice_line_id": foreign, "quantity": "1"},
            {"invoice_line_id": seats, "quantity": "1", "amount": "1.00"},
            {"invoice_line_id": lines["Setup"].id},
            {"invoice_line_id": lines["Support"].id, "quantity": "-1"},
            {"invoice_line_id": seats, "quantity": "1"},
        ],
    )
    more = await refused(
        Actor.system(tenant),
        invoice,
        invoice.id,
        "Bad amounts",
        [
            {"invoice_line_id": seats, "amount": "0"},
            {"invoice_line_id": lines["Setup"].id, "amount": "1.001"},
            {"invoice_line_id": lines["Support"].id, "quantity": "0.0000001"},
        ],
    )

    assert errors == [
        (["lines", "0", "invoice_line_id"], "NOT_FOUND", "No invoice line with id not-a-line."),
        (["lines", "1", "invoice_line_id"], "NOT_FOUND", f"No invoice line with id {foreign}."),
        (["lines", "2"], "INVALID", "Give either a quantity or an amount to credit."),
        (["lines", "3"], "INVALID", "Give either a quantity or an amount to credit."),
        (["lines", "4", "quantity"], "INVALID", "The quantity must be more than zero."),
        (["lines", "5", "invoice_line_id"], "INVALID", "Give each line once."),
    ]
    assert more == [
        (["lines", "0", "amount"], "INVALID", "The amount must be more than zero."),
        (
            ["lines", "1", "amount"],
            "INVALID",
            "EUR amounts have at most 2 decimal places; 1.001 has more.",
        ),
        (
            ["lines", "2", "quantity"],
            "INVALID",
            "At most 6 decimal places and below 10^12.",
        ),
    ]
    assert await credited(other_invoice) == 0


async def test_the_request_itself_is_checked_before_anything_is_read(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    actor = Actor.system(tenant)
    line = {"invoice_line_id": lines["Seats"].id, "quantity": "1"}

    assert await refused(actor, invoice, invoice.id, "Nothing") == [
        (["lines"], "INVALID", "Give at least one line to credit, or credit the full invoice.")
    ]
    assert await refused(actor, invoice, invoice.id, "Both", [line], full_credit=True) == [
        (["lines"], "INVALID", "Credit either the lines given or the full invoice, not both.")
    ]
    assert await refused(actor, invoice, invoice.id, "   ", [line]) == [
        (["reason"], "INVALID", "This cannot be blank.")
    ]
    assert await refused(actor, invoice, invoice.id, "x" * 501, [line]) == [
        (["reason"], "INVALID", "At most 500 characters.")
    ]
    viewer = Actor("user:v@acme.com", tenant, "VIEWER")
    assert await refused(viewer, invoice, invoice.id, "Viewer", [line]) == [
        (None, "FORBIDDEN", "A VIEWER may not change organizations, contracts or invoices.")
    ]


async def test_the_credit_note_is_emailed_once_with_its_pdf(mail_server, drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    mail_server.envelopes.clear()  # the invoice's own email

    note = await credit_notes.create(
        Actor.system(tenant),
        invoice.id,
        "Three seats were never used.",
        [{"invoice_line_id": lines["Seats"].id, "quantity": "3"}],
    )
    await drain_jobs()
    again = await credit_note_delivery.deliver(note.id)

    assert again == "already sent"
    [envelope] = mail_server.envelopes
    message = message_from_bytes(envelope.original_content, policy=default_policy)
    assert envelope.rcpt_tos == ["ap@globex.com"]
    assert message["Subject"] == "Credit note INV-CN-000001 from Acme Corp"
    assert message["From"] == "Acme Corp <billing@acme.com>"
    assert message["Message-ID"] == f"<credit_note.{note.id}@pay.acme.com>"
    text = message.get_body(("plain",)).get_content()
    assert (
        "Acme Corp has issued credit note INV-CN-000001 for €179.96, correcting invoice "
        f"INV-000001 of {invoice.issue_date:%B %-d, %Y}." in text
    )
    assert f"https://pay.acme.com/c/{note.public_token}" in text
    attachment, xml = message.iter_attachments()
    assert attachment.get_filename() == "INV-CN-000001.pdf"
    assert (xml.get_filename(), xml.get_content_type()) == ("INV-CN-000001.xml", "application/xml")
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml.get_content()
    shown = pdf_text(attachment.get_content())
    assert "Credit note INV-CN-000001" in shown
    event = await InvoiceEvent.get(invoice_id=invoice.id, type="credit_note_sent")
    assert event.detail == "INV-CN-000001 to ap@globex.com"


async def test_the_pdf_states_the_number_the_invoice_it_corrects_and_the_totals(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    note = await credit_notes.create(
        Actor.system(tenant),
        invoice.id,
        "Three seats were never used.",
        [
            {"invoice_line_id": lines["Seats"].id, "quantity": "3"},
            {"invoice_line_id": lines["Setup"].id, "amount": "120.00"},
        ],
    )

    pdf = documents.render_pdf(await credit_note_delivery.document(note))
    # Each line of the page, its words one space apart, whatever the layout.
    text = [" ".join(line.split()) for line in pdf_text(pdf).splitlines()]

    assert text[0] == "Acme Corp Credit note INV-CN-000001"
    assert f"Hauptstr. 1 Issue date {note.issue_date:%B %-d, %Y}" in text
    assert "10115 Berlin Corrects invoice INV-000001" in text
    assert f"Germany Invoice date {invoice.issue_date:%B %-d, %Y}" in text
    assert "Three seats were never used." in text
    assert "Seats 3 €49.99 €149.97 20% €29.99 €179.96" in text
    assert "Setup By amount €500.00 €100.00 20% €20.00 €120.00" in text
    assert [line for line in text if line.startswith(("Subtotal ", "Tax ", "Total "))] == [
        "Subtotal €249.97",
        "Tax €49.99",
        "Total credited €299.96",
    ]


async def test_credit_notes_made_at_once_take_each_number_once_and_never_over_credit(drain_jobs):
    tenant, invoice, lines = await issued(drain_jobs)
    seats = lines["Seats"].id  # 10 seats: 9 credit notes of 2 cannot all fit

    outcomes = await asyncio.gather(
        *(
            credit_notes.create(
                Actor.system(tenant),
                invoice.id,
                f"Request {n}",
                [{"invoice_line_id": seats, "quantity": "2"}],
            )
            for n in range(9)
        ),
        return_exceptions=True,
    )

    made = [outcome for outcome in outcomes if isinstance(outcome, CreditNote)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, RemitError)]
    assert (len(made), len(refusals)) == (5, 4)
    assert sorted(note.number for note in made) == [f"INV-CN-00000{n}" for n in range(1, 6)]
    # 2 seats are 99.98 + 20.00 tax (19.996): four such, and the last two seats take what is
    # left of the line, 119.96, so the five add up to the line's total.
    assert sorted(note.total for note in made) == [11996, 11998, 11998, 11998, 11998]
    assert await credited(invoice) == lines["Seats"].total == 59988
