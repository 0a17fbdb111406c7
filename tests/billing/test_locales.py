"""The worked invoice (1,299.88 EUR) for a German and a French customer: its PDF, its hosted
page and its email in the customer's language, with dates, numbers and money as written
there."""

from datetime import date
from decimal import Decimal

import pytest

from remit.billing import cycle, documents, organizations, statements
from remit.billing.errors import RemitError
from remit.billing.invoicing_settings import update as update_settings
from remit.billing.money import Money
from remit.billing.roles import Actor
from remit.models.invoices import Invoice
from remit.models.organizations import Organization
from remit.models.tenants import Tenant
from tests import factories
from tests.billing.test_delivery import received
from tests.billing.test_documents import pdf_text

NNBSP, NBSP = "\N{NARROW NO-BREAK SPACE}", "\N{NO-BREAK SPACE}"


def words(text: str) -> str:
    """Text with every run of spaces (French amounts hold no-break ones) as one space."""
    return " ".join(text.split())


async def issued_for(drain_jobs, *customers: tuple[str, str | None], **settings) -> dict:
    """One tenant's worked invoices of 1 January 2027, one per (organization, locale)."""
    tenant, _ = await factories.ready_tenant(**settings)
    contracts = {}
    for name, locale in customers:
        contract = await factories.live_contract(tenant, date(2027, 1, 1), organization_name=name)
        await organizations.update(
            Actor.system(tenant), str(contract.organization_id), {"locale": locale}
        )
        contracts[name] = contract
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return {name: await Invoice.get(contract=c) for name, c in contracts.items()}


GERMAN_PDF = [
    "Rechnung INV-000001",
    "Ausstellungsdatum 1. Januar 2027",
    "Fälligkeitsdatum 31. Januar 2027",
    "Rechnungsempfänger",
    "Fälliger Betrag 1.299,88 €",
    "Menge Einzelpreis Zwischensumme Steuersatz Steuer Gesamtbetrag",
    "Seats Monatlich 10 49,99 € 499,90 € 20 % 99,98 € 599,88 €",
    "Zwischensumme 1.099,90 €",
    "Steuer 199,98 €",
    "Gesamtbetrag 1.299,88 €",
    "Zahlungsmöglichkeiten",
    # The bank transfer provider writes in the customer's language too.
    "Banküberweisung Bitte überweisen Sie den fälligen Betrag an: Kontoinhaber: Acme GmbH "
    "Bank: Commerzbank IBAN: DE89 3704 0044 0532 0130 00 BIC: COBADEFFXXX Verwendungszweck:",
    "Seite 1 von 1",
]
FRENCH_PDF = [
    "Facture INV-000001",
    "Date d'émission 1 janvier 2027",
    "Date d'échéance 31 janvier 2027",
    "Facturé à",
    "Montant dû 1 299,88 €",
    "Seats Mensuel 10 49,99 € 499,90 € 20 % 99,98 € 599,88 €",
    "Total 1 299,88 €",
    "Modes de paiement",
    "Virement bancaire Veuillez virer le montant dû à : Titulaire du compte : Acme GmbH "
    "Banque : Commerzbank IBAN : DE89 3704 0044 0532 0130 00 BIC : COBADEFFXXX Référence :",
    "Page 1 sur 1",
]


@pytest.mark.parametrize(("locale", "expected"), [("de-DE", GERMAN_PDF), ("fr-FR", FRENCH_PDF)])
async def test_the_pdf_and_the_hosted_page_are_in_the_customers_language(
    api, drain_jobs, mail_server, locale, expected
):
    invoice = (await issued_for(drain_jobs, ("Globex", locale)))["Globex"]

    pdf = await api.get(f"/i/{invoice.public_token}.pdf")
    page = await api.get(f"/i/{invoice.public_token}")

    text = words(pdf_text(pdf.content))
    for line in expected:
        assert line in text
    assert "Invoice" not in text and "Due date" not in text
    assert "Please transfer" not in text and "Account holder" not in text
    assert f'<html lang="{locale}">' in page.text
    page_text = words(page.text)
    if locale == "de-DE":
        assert "<h1>Rechnung <span" in page_text
        assert '<th scope="row">Fälligkeitsdatum</th><td>31. Januar 2027</td>' in page_text
        assert '<p class="issuer-name">1.299,88 €</p>' in page_text
        assert "Jetzt bezahlen" not in page_text  # bank transfer only: nothing to click
    else:
        assert "<h1>Facture <span" in page_text
        assert '<th scope="row">Date d\'échéance</th><td>31 janvier 2027</td>' in page_text
        assert '<p class="issuer-name">1 299,88 €</p>' in page_text


async def test_the_email_is_in_the_customers_language(drain_jobs, mail_server):
    invoices = await issued_for(drain_jobs, ("Globex", "de-DE"), ("Initech", "fr-FR"))
    german_number, french_number = invoices["Globex"].number, invoices["Initech"].number

    by_subject = {message["Subject"]: message for _, message in received(mail_server)}
    german = by_subject[f"Rechnung {german_number} von Acme Corp"]
    french = by_subject[f"Facture {french_number} de Acme Corp"]

    text = german.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "Guten Tag,\n\n"
        f"Acme Corp hat Ihnen die Rechnung {german_number} über 1.299,88{NBSP}€ gesendet.\n\n"
        f"Fälliger Betrag: 1.299,88{NBSP}€\n"
        "Fälligkeitsdatum: 31. Januar 2027\n"
        "Leistungszeitraum: 1. Januar 2027 \N{EN DASH} 31. Januar 2027\n\n"
        "Rechnung online ansehen und bezahlen:\n"
    )
    assert f"Die Rechnung ist als {german_number}.pdf angehängt." in text
    html = german.get_body(("html",)).get_content()
    assert '<html lang="de-DE">' in html and ">Rechnung ansehen und bezahlen</a>" in html
    attachment, einvoice = german.iter_attachments()
    assert "Fälliger Betrag 1.299,88 €" in words(pdf_text(attachment.get_content()))
    assert einvoice.get_content_type() == "application/xml"

    text = french.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "Bonjour,\n\n"
        f"Acme Corp vous a envoyé la facture {french_number} d'un montant de "
        f"1{NNBSP}299,88{NBSP}€.\n\n"
        f"Montant dû: 1{NNBSP}299,88{NBSP}€\n"
        "Date d'échéance: 31 janvier 2027\n"
        "Période: 1 janvier 2027 \N{EN DASH} 31 janvier 2027\n"
    )


async def test_a_tenants_own_subject_and_intro_are_used_in_their_language(drain_jobs, mail_server):
    own = {
        "kind": "invoice",
        "language": "de",
        "subject": "Ihre Rechnung {number} über {total}",
        "intro": "Sehr geehrte Damen und Herren,\n\nanbei unsere Rechnung {number}, "
        "zahlbar bis {due_date}.",
    }
    invoices = await issued_for(
        drain_jobs, ("Globex", "de-DE"), ("Initech", "fr-FR"), email_texts=[own]
    )
    german_number, french_number = invoices["Globex"].number, invoices["Initech"].number

    by_subject = {message["Subject"]: message for _, message in received(mail_server)}
    assert set(by_subject) == {
        f"Ihre Rechnung {german_number} über 1.299,88 €",
        f"Facture {french_number} de Acme Corp",  # no French wording of the tenant's own
    }
    german = by_subject[f"Ihre Rechnung {german_number} über 1.299,88 €"]
    text = german.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "Sehr geehrte Damen und Herren,\n\n"
        f"anbei unsere Rechnung {german_number}, zahlbar bis 31. Januar 2027.\n\n"
        f"Fälliger Betrag: 1.299,88{NBSP}€\n"
    )
    assert "Guten Tag" not in text


async def test_without_a_locale_of_its_own_an_organization_reads_the_tenants_default(
    drain_jobs, mail_server
):
    invoice = (await issued_for(drain_jobs, ("Globex", None), default_locale="nl-NL"))["Globex"]

    [(_, message)] = received(mail_server)
    assert message["Subject"] == f"Factuur {invoice.number} van Acme Corp"
    assert f"Te betalen bedrag: €{NBSP}1.299,88" in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("klingon", "'klingon' is not a locale such as de-DE or fr-FR."),
        ("de-XX", "'de-XX' is not a locale such as de-DE or fr-FR."),
        # Babel would read it as de, leaving out what it does not know.
        ("de-DEx", "'de-DEx' is not a locale such as de-DE or fr-FR."),
        (
            "pt-BR",
            "Documents are not written in Portuguese (Brazil): use one of en, de, fr, es, nl, it.",
        ),
    ],
)
async def test_a_bad_locale_is_refused_with_its_field_and_nothing_changes(locale, message):
    tenant, _ = await factories.tenant()
    organization = await factories.organization(tenant, locale="fr-FR")
    before = await Organization.get(id=organization.id).values()

    with pytest.raises(RemitError) as refused:
        await organizations.update(
            Actor.system(tenant), str(organization.id), {"name": "Renamed", "locale": locale}
        )
    with pytest.raises(RemitError) as refused_default:
        await update_settings(Actor.system(tenant), {"default_locale": locale})

    assert [(e.code, e.field, e.message) for e in refused.value.errors()] == [
        ("INVALID", ["locale"], message)
    ]
    assert [(e.code, e.field, e.message) for e in refused_default.value.errors()] == [
        ("INVALID", ["default_locale"], message)
    ]
    assert await Organization.get(id=organization.id).values() == before


def test_amounts_dates_and_numbers_are_formatted_for_the_locale_given():
    amount, day = Money(129988, "EUR"), date(2027, 3, 1)

    assert [documents.format_money(amount, tag) for tag in ("en", "de-DE", "fr-FR", "nl")] == [
        "€1,299.88",
        f"1.299,88{NBSP}€",
        f"1{NNBSP}299,88{NBSP}€",
        f"€{NBSP}1.299,88",
    ]
    assert [documents.format_day(day, tag) for tag in ("en", "de-DE", "fr-FR", "es", "it")] == [
        "March 1, 2027",
        "1. März 2027",
        "1 mars 2027",
        "1 de marzo de 2027",
        "1 marzo 2027",
    ]
    assert documents.format_quantity(Decimal("1000.50"), "de-DE") == "1.000,5"
    assert documents.format_percent(Decimal("19"), "de-DE") == f"19{NBSP}%"
    assert documents.format_percent(Decimal("7.5"), "en") == "7.5%"


async def test_the_statement_is_in_the_customers_language(drain_jobs, mail_server):
    invoice = (await issued_for(drain_jobs, ("Globex", "de-DE")))["Globex"]
    tenant = await Tenant.get(id=invoice.tenant_id)

    document = await statements.statement(
        tenant, str(invoice.organization_id), date(2027, 1, 1), date(2027, 1, 31)
    )

    text = words(pdf_text(statements.render_pdf(document)))
    assert "Kontoauszug" in text
    assert "Von 1. Januar 2027" in text and "Bis 31. Januar 2027" in text
    assert "Offene Beträge sind positiv, Zahlungen und Gutschriften negativ." in text
    assert "Saldo am 31. Januar 2027" in text and "1.299,88 € offen" in text
    assert "Vortrag 0,00 € In Rechnung gestellt 1.299,88 € Saldo 1.299,88 €" in text
    assert "1. Januar 2027 Saldovortrag 0,00 €" in text
    assert "1. Januar 2027 Rechnung INV-000001 1.299,88 € 1.299,88 €" in text
