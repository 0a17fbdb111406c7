"""A declined automatic charge walked through the days with the clock: a soft decline is
charged again 3, 5 and 7 days after the first attempt (each retry a charge of its own), a
hard one never, any payment stops the retries; each failure emails the customer (with a link
to save another card) and the tenant. The link makes a Stripe Checkout Session in setup mode
whose completion saves the new card as the organization's default, and a card about to
expire is told once."""

from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import parse_qs

import httpx

from remit.billing import cards, charge_retries, clock, cycle, organizations, payments
from remit.billing.roles import Actor
from remit.models.enums import InvoiceStatus
from remit.models.invoices import ChargeAttempt, Invoice, InvoiceEvent
from remit.models.organizations import Organization, ProviderAccount
from tests.billing import test_charging
from tests.billing.test_charging import STRIPE, auto_charge_contract
from tests.stripe_events import event, signed

ISSUED = date(2027, 1, 1)
stripe_api = test_charging.stripe_api  # the fixture: Stripe's API mocked by respx


def declined(decline_code: str) -> httpx.Response:
    return httpx.Response(
        402,
        json={
            "error": {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": decline_code,
                "message": "Your card was declined.",
            }
        },
    )


def succeeded(reference: str) -> httpx.Response:
    return httpx.Response(
        200, json={"id": reference, "object": "payment_intent", "status": "succeeded"}
    )


async def saved_card(intents: list[httpx.Response], stripe_api):
    """An issued invoice of an auto-charge contract whose saved card Stripe answers with
    `intents`, one a charge."""
    tenant, _, contract = await auto_charge_contract()
    await ProviderAccount.create(
        organization_id=contract.organization_id,
        provider="stripe",
        customer_ref="cus_1",
        payment_method_ref="pm_1",
    )
    route = stripe_api.post("/v1/payment_intents")
    route.side_effect = intents
    with clock.frozen(ISSUED):
        await cycle.plan(ISSUED)
    return tenant, contract, route


async def walk(end: date, drain_jobs, route, start: date = ISSUED) -> dict[date, list[str]]:
    """Every day from `start` to `end`: the day's retries planned and run; the idempotency
    keys Stripe got on each day that it was called."""
    calls = {}
    day = start
    while day <= end:
        before = route.call_count
        with clock.frozen(day):
            await charge_retries.plan(day)
            await drain_jobs()
        if route.call_count > before:
            calls[day] = [call.request.headers["Idempotency-Key"] for call in route.calls[before:]]
        day += timedelta(days=1)
    return calls


def messages(mailbox, to: str) -> list:
    return [
        message_from_bytes(envelope.original_content, policy=default_policy)
        for envelope in mailbox.envelopes
        if to in envelope.rcpt_tos
    ]


def text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


async def test_a_soft_decline_is_retried_on_schedule_until_it_succeeds(
    drain_jobs,
    stripe_api,
    mail_server,
):
    intents = [declined("insufficient_funds")] * 3 + [succeeded("pi_4")]
    _, contract, route = await saved_card(intents, stripe_api)

    calls = await walk(date(2027, 1, 15), drain_jobs, route)

    invoice = await Invoice.get(contract=contract)
    key = f"invoice:{invoice.id}:charge"
    assert calls == {
        date(2027, 1, 1): [key],
        date(2027, 1, 4): [f"{key}:1"],
        date(2027, 1, 6): [f"{key}:2"],
        date(2027, 1, 8): [f"{key}:3"],
    }
    failed = await InvoiceEvent.filter(invoice=invoice, type="payment_failed").order_by("at")
    assert [event.detail for event in failed] == [
        "The card was declined: Your card was declined. (attempt 1; it will be charged again "
        "on 2027-01-04)",
        "The card was declined: Your card was declined. (attempt 2; it will be charged again "
        "on 2027-01-06)",
        "The card was declined: Your card was declined. (attempt 3; it will be charged again "
        "on 2027-01-08)",
    ]
    requested = await InvoiceEvent.get(invoice=invoice, type="charge_requested")
    assert requested.detail == "succeeded: pi_4"
    customer = messages(mail_server, "ap@globex.com")
    declines = [m for m in customer if m["Subject"].startswith("Your card was not charged")]
    assert [m["Subject"] for m in declines] == [
        "Your card was not charged for invoice INV-000001 from Acme Corp"
    ] * 3
    first = text(declines[0])
    assert "Reason: The card was declined: Your card was declined.\n" in first
    assert (
        "We will try the card again on January 4, 2027, unless the invoice is paid by then."
        in first
    )
    assert f"https://pay.acme.com/i/{invoice.public_token}/card/stripe" in first
    tenant_mail = messages(mail_server, "billing@acme.com")
    assert [m["Subject"] for m in tenant_mail] == [
        "Payment failed for invoice INV-000001 (Globex)"
    ] * 3
    assert "(attempt 2; it will be charged again on 2027-01-06)" in text(tenant_mail[1])


async def test_a_hard_decline_is_never_retried(drain_jobs, stripe_api, mail_server):
    _, contract, route = await saved_card([declined("stolen_card")], stripe_api)

    calls = await walk(date(2027, 1, 15), drain_jobs, route)

    invoice = await Invoice.get(contract=contract)
    assert list(calls) == [date(2027, 1, 1)]
    attempt = await ChargeAttempt.get(invoice=invoice)
    assert (attempt.number, attempt.hard_decline) == (0, True)
    assert (await InvoiceEvent.get(invoice=invoice, type="payment_failed")).detail == (
        "The card was declined: Your card was declined. (attempt 1; a hard decline: the card "
        "will not be charged again)"
    )
    [notice] = [
        m
        for m in messages(mail_server, "ap@globex.com")
        if m["Subject"].startswith("Your card was not charged")
    ]
    assert "We will not try this card again." in text(notice)


async def test_any_payment_stops_the_retries(drain_jobs, stripe_api):
    tenant, contract, route = await saved_card([declined("insufficient_funds")], stripe_api)
    await walk(date(2027, 1, 2), drain_jobs, route)
    invoice = await Invoice.get(contract=contract)
    # Part of the amount, by bank transfer, before the first retry.
    with clock.frozen(date(2027, 1, 3)):
        await payments.record(
            Actor.system(tenant),
            payments.PaymentInput(
                organization_id=str(contract.organization_id),
                amount="100.00",
                currency="EUR",
                received_on=date(2027, 1, 3),
                allocations=[payments.AllocationInput(str(invoice.id), "100.00")],
            ),
        )

    calls = await walk(date(2027, 1, 15), drain_jobs, route, start=date(2027, 1, 3))

    assert calls == {}
    assert route.call_count == 1
    assert (await Invoice.get(id=invoice.id)).status == InvoiceStatus.DUE
    assert await ChargeAttempt.filter(invoice=invoice).count() == 1


async def test_a_failure_reported_by_webhook_is_retried_too(
    api,
    drain_jobs,
    stripe_api,
):
    processing = httpx.Response(
        200, json={"id": "pi_1", "object": "payment_intent", "status": "processing"}
    )
    tenant, contract, route = await saved_card([processing, succeeded("pi_2")], stripe_api)
    await walk(date(2027, 1, 1), drain_jobs, route)
    invoice = await Invoice.get(contract=contract)
    failure = event(
        "payment_intent.payment_failed",
        {
            "id": "pi_1",
            "object": "payment_intent",
            "amount": 129988,
            "currency": "eur",
            "metadata": {"remit_invoice_id": str(invoice.id), "remit_tenant_id": str(tenant.id)},
            "last_payment_error": {
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
            },
        },
        event_id="evt_failed",
    )
    headers, body = signed(failure, STRIPE["webhook_secret"])
    with clock.frozen(date(2027, 1, 2)):
        for _ in range(2):  # Stripe delivers an event at least once
            response = await api.post(
                f"/webhooks/stripe/{tenant.id}", content=body, headers=headers
            )
            assert response.status_code == 200

    calls = await walk(date(2027, 1, 15), drain_jobs, route)

    assert calls == {date(2027, 1, 4): [f"invoice:{invoice.id}:charge:1"]}
    failed = await InvoiceEvent.filter(invoice=invoice, type="payment_failed")
    assert [(e.actor, e.detail) for e in failed] == [
        (
            "provider:stripe",
            "Your card has insufficient funds. (attempt 1; it will be charged again on 2027-01-04)",
        )
    ]


async def test_the_card_link_saves_a_new_card_through_a_setup_session(
    api,
    drain_jobs,
    stripe_api,
):
    tenant, contract, route = await saved_card([declined("expired_card")], stripe_api)
    await walk(date(2027, 1, 1), drain_jobs, route)
    invoice = await Invoice.get(contract=contract)
    sessions = stripe_api.post("/v1/checkout/sessions").respond(
        200,
        json={
            "id": "cs_setup_1",
            "object": "checkout.session",
            "url": "https://checkout.stripe.com/c/setup/cs_setup_1",
            "expires_at": 1893456000,
        },
    )
    expiry = stripe_api.get("/v1/payment_methods/pm_new").respond(
        200,
        json={
            "id": "pm_new",
            "object": "payment_method",
            "card": {"exp_month": 2, "exp_year": 2028},
        },
    )
    link = f"/i/{invoice.public_token}/card/stripe"
    await Organization.filter(id=invoice.organization_id).update(locale="fr-FR")

    shown = await api.get(link)
    assert (shown.status_code, sessions.call_count) == (200, 0)
    assert '<form method="post">' in shown.text
    made = await api.post(link, headers={"Origin": "http://remit.test"})

    assert (made.status_code, made.headers["location"]) == (
        303,
        "https://checkout.stripe.com/c/setup/cs_setup_1",
    )
    sent = {k: v[0] for k, v in parse_qs(sessions.calls.last.request.content.decode()).items()}
    metadata = {"remit_invoice_id": str(invoice.id), "remit_tenant_id": str(tenant.id)}
    assert {k: sent[k] for k in ("mode", "customer", "currency", "locale")} == {
        "mode": "setup",
        "customer": "cus_1",
        "currency": "eur",
        "locale": "fr",  # Stripe's page in the organization's language
    }
    assert sent["setup_intent_data[metadata][remit_invoice_id]"] == str(invoice.id)

    # The customer completes the session: Stripe reports the SetupIntent with its card.
    completed = event(
        "setup_intent.succeeded",
        {
            "id": "seti_1",
            "object": "setup_intent",
            "customer": "cus_1",
            "payment_method": "pm_new",
            "metadata": metadata,
        },
        event_id="evt_setup",
    )
    headers, body = signed(completed, STRIPE["webhook_secret"])
    with clock.frozen(date(2027, 1, 2)):
        response = await api.post(f"/webhooks/stripe/{tenant.id}", content=body, headers=headers)
        await drain_jobs()

    assert response.status_code == 200
    account = await ProviderAccount.get(organization_id=contract.organization_id)
    assert (account.customer_ref, account.payment_method_ref, account.card_expires_on) == (
        "cus_1",
        "pm_new",
        date(2028, 2, 29),
    )
    assert expiry.call_count == 1
    # Declined for good, the invoice is paid by its pay link; the new card is charged
    # for the next invoices.
    assert (await ChargeAttempt.get(invoice=invoice)).hard_decline is True


async def test_a_card_about_to_expire_is_told_once(drain_jobs, stripe_api, mail_server):
    _, contract, route = await saved_card([succeeded("pi_1")], stripe_api)
    await walk(date(2027, 1, 1), drain_jobs, route)
    await ProviderAccount.filter(organization_id=contract.organization_id).update(
        card_expires_on=date(2027, 2, 28)
    )
    told = {}

    for day in (date(2027, 1, 28), date(2027, 1, 29), date(2027, 1, 30), date(2027, 2, 20)):
        before = len(mail_server.envelopes)
        with clock.frozen(day):
            await cards.plan_expiry_notices(day)
            await drain_jobs()
        told[day] = [
            message_from_bytes(e.original_content, policy=default_policy)["Subject"]
            for e in mail_server.envelopes[before:]
        ]

    assert told == {
        date(2027, 1, 28): [],
        date(2027, 1, 29): ["Your card for invoices from Acme Corp expires soon"],
        date(2027, 1, 30): [],
        date(2027, 2, 20): [],
    }
    notice = messages(mail_server, "ap@globex.com")[-1]
    invoice = await Invoice.get(contract=contract)
    assert "expires on February 28, 2027" in text(notice)
    assert f"https://pay.acme.com/i/{invoice.public_token}/card/stripe" in text(notice)


async def test_the_card_link_makes_nothing_from_elsewhere_nor_for_a_provider_that_cannot(
    api, drain_jobs, stripe_api
):
    _, contract, route = await saved_card([succeeded("pi_1")], stripe_api)
    await walk(date(2027, 1, 1), drain_jobs, route)
    invoice = await Invoice.get(contract=contract)
    sessions = stripe_api.post("/v1/checkout/sessions")

    elsewhere = await api.post(
        f"/i/{invoice.public_token}/card/stripe", headers={"Origin": "https://evil.example"}
    )
    by_transfer = await api.get(f"/i/{invoice.public_token}/card/bank_transfer")
    unknown = await api.get("/i/" + "x" * 32 + "/card/stripe")

    assert [r.status_code for r in (elsewhere, by_transfer, unknown)] == [403, 404, 404]
    assert not sessions.called


async def test_a_french_customer_is_told_of_the_decline_in_french(
    drain_jobs, stripe_api, mail_server
):
    tenant, contract, route = await saved_card([declined("insufficient_funds")], stripe_api)
    await organizations.update(
        Actor.system(tenant), str(contract.organization_id), {"locale": "fr-FR"}
    )

    await walk(ISSUED, drain_jobs, route)

    by_subject = {m["Subject"]: m for m in messages(mail_server, "ap@globex.com")}
    assert set(by_subject) == {
        "Facture INV-000001 de Acme Corp",
        "Votre carte n'a pas été débitée pour la facture INV-000001 de Acme Corp",
    }
    notice = by_subject["Votre carte n'a pas été débitée pour la facture INV-000001 de Acme Corp"]
    invoice = await Invoice.get(contract=contract)
    page = f"https://pay.acme.com/i/{invoice.public_token}"
    assert text(notice) == (
        "Bonjour,\n\n"
        "Nous n'avons pas pu débiter votre carte enregistrée pour la facture INV-000001 de "
        "Acme Corp : il reste 1\N{NARROW NO-BREAK SPACE}299,88\N{NO-BREAK SPACE}€ à payer.\n\n"
        "Motif: The card was declined: Your card was declined.\n"
        "Nous tenterons à nouveau de débiter la carte le 4 janvier 2027, sauf si la facture est "
        "réglée d'ici là.\n\n"
        f"Payer la facture maintenant :\n{page}\n\n"
        "Ou enregistrez une autre carte pour cette facture et les suivantes :\n"
        f"{page}/card/stripe\n\n"
        "Si vous l'avez déjà payée, merci, et veuillez ne pas tenir compte de cet e-mail.\n"
    )
    html = notice.get_body(("html",)).get_content()
    assert '<html lang="fr-FR">' in html
    assert (
        f'<a href="{page}/card/stripe">Enregistrez une autre carte</a> pour cette facture et '
        "les suivantes."
    ) in html
    # The tenant reads its own notice in its default language.
    [tenant_notice] = messages(mail_server, "billing@acme.com")
    assert tenant_notice["Subject"] == "Payment failed for invoice INV-000001 (Globex)"
