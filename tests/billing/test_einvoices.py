import dataclasses
import io
from datetime import date
from decimal import Decimal
from email import message_from_bytes
from email.policy import default as default_policy

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from remit.billing import credit_note_delivery, credit_notes, cycle, delivery, einvoices, issuing
from remit.billing.einvoice import schemas
from remit.billing.roles import Actor
from remit.models.contracts import Contract
from remit.models.credit_notes import CreditNote
from remit.models.enums import EInvoiceFormat, InvoiceStatus
from remit.models.invoices import Invoice, InvoiceEvent, InvoiceLine
from remit.models.organizations import Organization
from tests import factories
from tests.billing.test_documents import pdf_text
from tests.billing.test_locales import words

CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
DUTCH_COMPANY = {
    "line1": "Damrak 1",
    "city": "Amsterdam",
    "postal_code": "1012 LG",
    "country": "NL",
}
DUTCH_VAT_ID = "NL004495445B01"


async def issued(drain_jobs, organization_fields=None, **contract_fields) -> Invoice:
    """The worked invoice (1,299.88 EUR) issued on 1 Jan 2027, or held."""
    tenant, _ = await factories.ready_tenant()
    contract = await factories.live_contract(
        tenant, date(2027, 1, 1), organization_fields=organization_fields, **contract_fields
    )
    await cycle.plan(date(2027, 1, 1))
    await drain_jobs()
    return await Invoice.get(contract=contract)


def embedded_xml(pdf: bytes) -> bytes:
    attachments = PdfReader(io.BytesIO(pdf)).attachments
    assert list(attachments) == ["factur-x.xml"]
    [content] = attachments["factur-x.xml"]
    return content


def texts(xml: bytes, path: str, namespaces: dict) -> list[str]:
    return [element.text for element in etree.fromstring(xml).iterfind(path, namespaces)]


@pytest.mark.parametrize("format", list(EInvoiceFormat))
async def test_the_worked_invoice_is_an_einvoice_in_each_format(drain_jobs, format):
    invoice = await issued(
        drain_jobs, {"einvoice_format": format}, buyer_reference="04011000-12345-34"
    )

    files = await einvoices.of_invoice(invoice)
    pdf = await delivery.render_pdf(await delivery.document(invoice), files.facturx)

    assert invoice.status == InvoiceStatus.DUE
    assert files.problems == []
    facturx_xml = embedded_xml(pdf)
    assert facturx_xml == files.facturx
    assert schemas.problems(facturx_xml, schemas.CII) == []
    assert texts(facturx_xml, ".//ram:DuePayableAmount", CII) == ["1299.88"]
    assert texts(facturx_xml, ".//ram:TaxBasisTotalAmount", CII) == ["1099.90"]
    assert texts(facturx_xml, ".//ram:TaxTotalAmount", CII) == ["199.98"]
    assert texts(facturx_xml, ".//ram:BuyerReference", CII) == ["04011000-12345-34"]
    assert texts(facturx_xml, ".//ram:IBANID", CII) == [factories.IBAN]
    if format in (EInvoiceFormat.FACTURX, EInvoiceFormat.XRECHNUNG_CII):
        assert schemas.problems(files.xml, schemas.CII) == []
        assert texts(
            files.xml,
            ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode",
            CII,
        ) == ["S", "Z"]
    else:
        assert schemas.problems(files.xml, schemas.UBL_INVOICE) == []
        assert texts(files.xml, "cac:LegalMonetaryTotal/cbc:PayableAmount", UBL) == ["1299.88"]
        assert texts(files.xml, "cbc:InvoiceTypeCode", UBL) == ["380"]
        assert texts(files.xml, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", UBL) == [
            "S",
            "Z",
        ]
    # factur-x's own reading of the PDF: the XML found and valid against its schema.
    flavor, found = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert (flavor, found) == ("factur-x.xml", files.facturx)


async def test_the_pdf_is_pdf_a_3b_with_the_facturx_metadata(drain_jobs):
    invoice = await issued(drain_jobs)
    files = await einvoices.of_invoice(invoice)

    pdf = await delivery.render_pdf(await delivery.document(invoice), files.facturx)

    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp or "<pdfaid:part>3</pdfaid:part>" in xmp
    assert 'pdfaid:conformance="B"' in xmp or "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "/OutputIntents" in reader.trailer["/Root"]
    specs = {spec.get_object()["/F"]: spec.get_object() for spec in reader.trailer["/Root"]["/AF"]}
    assert list(specs) == ["factur-x.xml"]
    assert specs["factur-x.xml"]["/AFRelationship"] == "/Alternative"
    assert facturx.get_level(etree.fromstring(embedded_xml(pdf))) == "en16931"


async def test_a_reverse_charge_invoice_to_a_dutch_company(drain_jobs):
    invoice = await issued(drain_jobs, {"address": DUTCH_COMPANY, "tax_id": DUTCH_VAT_ID})

    files = await einvoices.of_invoice(invoice)
    lines = await InvoiceLine.filter(invoice=invoice).order_by("position")
    page = await delivery.document(invoice)

    assert invoice.status == InvoiceStatus.DUE
    assert (invoice.subtotal, invoice.tax, invoice.total) == (109990, 0, 109990)
    assert [(line.vat_category, line.tax_rate, line.tax) for line in lines] == [
        ("AE", Decimal(0), 0),
        ("AE", Decimal(0), 0),
        ("AE", Decimal(0), 0),
    ]
    assert files.problems == []
    settlement = ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
    assert texts(files.xml, settlement + "ram:CategoryCode", CII) == ["AE"]
    assert texts(files.xml, settlement + "ram:CalculatedAmount", CII) == ["0.00"]
    assert texts(files.xml, settlement + "ram:ExemptionReason", CII) == ["Reverse charge"]
    assert texts(files.xml, ".//ram:BuyerTradeParty//ram:ID[@schemeID='VA']", CII) == [DUTCH_VAT_ID]
    assert page.vat_notes == ["Reverse charge"]
    assert "Reverse charge" in delivery.documents.render_html(page)
    # In the customer's language on the page, in English in the XML.
    german = dataclasses.replace(page, locale="de-DE")
    note = "Steuerschuldnerschaft des Leistungsempfängers"
    assert note in delivery.documents.render_html(german)
    assert note in words(pdf_text(delivery.documents.render_pdf(german)))


async def test_a_reverse_charge_invoice_without_the_buyers_vat_id_is_held(drain_jobs):
    invoice = await issued(drain_jobs, {"address": DUTCH_COMPANY})

    assert invoice.status == InvoiceStatus.ON_HOLD
    assert invoice.number is None
    assert invoice.hold_reasons == [
        "BR-AE-02: The reverse charge needs the customer's VAT identifier (BT-48)."
    ]


async def test_an_invalid_buyer_vat_id_under_reverse_charge_is_held(drain_jobs):
    invoice = await issued(drain_jobs, {"address": DUTCH_COMPANY, "tax_id": "NL123"})

    assert invoice.status == InvoiceStatus.ON_HOLD
    assert [reason.split(":")[0] for reason in invoice.hold_reasons] == ["BR-AE-02"]


async def test_xrechnung_without_a_leitweg_id_is_held(drain_jobs):
    invoice = await issued(drain_jobs, {"einvoice_format": EInvoiceFormat.XRECHNUNG_UBL})

    assert invoice.status == InvoiceStatus.ON_HOLD
    assert invoice.hold_reasons == [
        "BR-DE-15: XRechnung needs the buyer reference (Leitweg-ID, BT-10)."
    ]


async def test_the_references_are_copied_onto_the_invoice_at_issue(drain_jobs):
    invoice = await issued(
        drain_jobs, buyer_reference="04011000-12345-34", purchase_order_reference="PO-77"
    )
    await Contract.filter(id=invoice.contract_id).update(purchase_order_reference="PO-78")

    files = await einvoices.of_invoice(invoice)

    assert (invoice.buyer_reference, invoice.purchase_order_reference) == (
        "04011000-12345-34",
        "PO-77",
    )
    assert texts(files.xml, ".//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", CII) == [
        "PO-77"
    ]


@pytest.mark.parametrize("format", list(EInvoiceFormat))
async def test_a_credit_note_is_an_einvoice_of_type_381_that_references_its_invoice(
    drain_jobs, format
):
    invoice = await issued(
        drain_jobs, {"einvoice_format": format}, buyer_reference="04011000-12345-34"
    )
    tenant = await invoice.tenant
    lines = await InvoiceLine.filter(invoice=invoice).order_by("position")
    await credit_notes.create(
        Actor.system(tenant),
        str(invoice.id),
        "Setup not done",
        [{"invoice_line_id": str(lines[1].id), "quantity": "1"}],
    )
    note = await CreditNote.get(invoice=invoice)

    files = await einvoices.of_credit_note(note)
    pdf = await delivery.render_pdf(await credit_note_delivery.document(note), files.facturx)

    assert files.problems == []
    assert embedded_xml(pdf) == files.facturx
    assert texts(files.facturx, ".//rsm:ExchangedDocument/ram:TypeCode", CII) == ["381"]
    assert texts(files.facturx, ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", CII) == [
        "INV-000001"
    ]
    assert texts(files.facturx, ".//ram:GrandTotalAmount", CII) == ["600.00"]
    if format in (EInvoiceFormat.XRECHNUNG_UBL, EInvoiceFormat.PEPPOL_UBL):
        assert schemas.problems(files.xml, schemas.UBL_CREDIT_NOTE) == []
        assert texts(files.xml, "cbc:CreditNoteTypeCode", UBL) == ["381"]
        assert texts(
            files.xml, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", UBL
        ) == ["INV-000001"]


async def test_a_held_reverse_charge_invoice_is_released_once_the_vat_id_is_given(drain_jobs):
    invoice = await issued(drain_jobs, {"address": DUTCH_COMPANY})
    await Organization.filter(id=invoice.organization_id).update(tax_id=DUTCH_VAT_ID)

    released = await issuing.release(Actor.system(await invoice.tenant), str(invoice.id))

    assert (released.status, released.number) == (InvoiceStatus.DUE, "INV-000001")
    assert released.customer["tax_id"] == DUTCH_VAT_ID
    files = await einvoices.of_invoice(await Invoice.get(id=invoice.id))
    assert files.problems == []


async def test_a_credit_note_of_an_invoice_issued_before_einvoices_goes_out_as_a_plain_pdf(
    mail_server, drain_jobs
):
    invoice = await issued(drain_jobs)
    # As an invoice issued before customers had to have an address.
    await Invoice.filter(id=invoice.id).update(customer={**invoice.customer, "address": None})
    mail_server.envelopes.clear()
    lines = await InvoiceLine.filter(invoice=invoice).order_by("position")

    note = await credit_notes.create(
        Actor.system(await invoice.tenant),
        str(invoice.id),
        "Setup not done",
        [{"invoice_line_id": str(lines[1].id), "quantity": "1"}],
    )
    await drain_jobs()

    [envelope] = mail_server.envelopes
    message = message_from_bytes(envelope.original_content, policy=default_policy)
    [pdf] = message.iter_attachments()
    assert PdfReader(io.BytesIO(pdf.get_content())).attachments == {}
    event = await InvoiceEvent.get(invoice_id=invoice.id, type="einvoice_invalid")
    assert event.detail == (
        f"{note.number}: BR-10: The customer's postal address is missing (BG-8).; "
        "BR-11: The customer's address has no country (BT-55)."
    )
