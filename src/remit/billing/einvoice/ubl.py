"""UBL 2.1 Invoice and CreditNote, as XRechnung's UBL syntax and Peppol BIS Billing 3.0
write them: the elements in the order of the schema."""

from datetime import date

from lxml import etree

from remit.billing.einvoice.cii import amount_text, decimal_text, has_rate, require_issued
from remit.billing.einvoice.elements import Elements
from remit.billing.einvoice.model import EInvoice, Party
from remit.billing.money import Money
from remit.models.enums import EInvoiceFormat, VatCategory

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

EN16931 = "urn:cen.eu:en16931:2017"
CUSTOMIZATIONS = {
    EInvoiceFormat.XRECHNUNG_UBL: f"{EN16931}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    EInvoiceFormat.PEPPOL_UBL: f"{EN16931}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
}
PEPPOL_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


class _Writer(Elements):
    def __init__(self, credit_note: bool) -> None:
        super().__init__({"cac": CAC, "cbc": CBC})
        self.document_ns = CREDIT_NOTE_NS if credit_note else INVOICE_NS
        nsmap = {None: self.document_ns, "cac": CAC, "cbc": CBC}
        self.root = etree.Element(
            f"{{{self.document_ns}}}{'CreditNote' if credit_note else 'Invoice'}", nsmap=nsmap
        )

    def money(self, parent, name: str, amount: Money) -> None:
        self.add(parent, name, amount_text(amount), currencyID=amount.currency)

    @staticmethod
    def day(value: date) -> str:
        return value.isoformat()

    def category(self, parent, name: str, category: VatCategory, rate, reason=None, code=None):
        element = self.add(parent, name)
        self.add(element, "cbc:ID", str(category))
        if has_rate(category):
            self.add(element, "cbc:Percent", decimal_text(rate))
        self.optional(element, "cbc:TaxExemptionReasonCode", code)
        self.optional(element, "cbc:TaxExemptionReason", reason)
        self.add(self.add(element, "cac:TaxScheme"), "cbc:ID", "VAT")

    def party(self, parent, name: str, party: Party, *, contact: bool) -> None:
        holder = self.add(self.add(parent, name), "cac:Party")
        if party.email:
            self.add(holder, "cbc:EndpointID", party.email, schemeID="EM")
        if party.trading_name:
            self.add(self.add(holder, "cac:PartyName"), "cbc:Name", party.trading_name)
        address = self.add(holder, "cac:PostalAddress")
        self.optional(address, "cbc:StreetName", party.address.line1)
        self.optional(address, "cbc:AdditionalStreetName", party.address.line2)
        self.optional(address, "cbc:CityName", party.address.city)
        self.optional(address, "cbc:PostalZone", party.address.postal_code)
        self.optional(address, "cbc:CountrySubentity", party.address.region)
        country = self.add(address, "cac:Country")
        self.add(country, "cbc:IdentificationCode", party.address.country or "")
        if party.vat_id:
            scheme = self.add(holder, "cac:PartyTaxScheme")
            self.add(scheme, "cbc:CompanyID", party.vat_id)
            self.add(self.add(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
        legal = self.add(holder, "cac:PartyLegalEntity")
        self.add(legal, "cbc:RegistrationName", party.name)
        self.optional(legal, "cbc:CompanyID", party.registration_id)
        if contact and party.email:
            person = self.add(holder, "cac:Contact")
            self.add(person, "cbc:Name", party.trading_name or party.name)
            self.add(person, "cbc:ElectronicMail", party.email)


def write(document: EInvoice) -> bytes:
    """The document as a UBL Invoice, or a UBL CreditNote for a credit note."""
    number, issue_date = require_issued(document)
    credit_note = document.is_credit_note
    w = _Writer(credit_note)
    root = w.root
    w.add(root, "cbc:CustomizationID", CUSTOMIZATIONS[document.format])
    w.add(root, "cbc:ProfileID", PEPPOL_PROCESS)
    w.add(root, "cbc:ID", number)
    w.add(root, "cbc:IssueDate", w.day(issue_date))
    if document.due_date and not credit_note:  # a UBL 2.1 CreditNote has no DueDate
        w.add(root, "cbc:DueDate", w.day(document.due_date))
    w.add(
        root, "cbc:CreditNoteTypeCode" if credit_note else "cbc:InvoiceTypeCode", document.type_code
    )
    w.optional(root, "cbc:Note", document.note)
    w.add(root, "cbc:DocumentCurrencyCode", document.currency)
    w.optional(root, "cbc:BuyerReference", document.buyer_reference)
    period = w.add(root, "cac:InvoicePeriod")
    w.add(period, "cbc:StartDate", w.day(document.period_start))
    w.add(period, "cbc:EndDate", w.day(document.period_end))
    if document.purchase_order_reference:
        w.add(w.add(root, "cac:OrderReference"), "cbc:ID", document.purchase_order_reference)
    if document.preceding_invoice:
        reference = w.add(w.add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        w.add(reference, "cbc:ID", document.preceding_invoice)
        if document.preceding_issue_date:
            w.add(reference, "cbc:IssueDate", w.day(document.preceding_issue_date))
    w.party(root, "cac:AccountingSupplierParty", document.seller, contact=True)
    w.party(root, "cac:AccountingCustomerParty", document.buyer, contact=False)
    for means in document.payment_means:
        element = w.add(root, "cac:PaymentMeans")
        w.add(element, "cbc:PaymentMeansCode", means.code, name=means.text)
        w.optional(element, "cbc:PaymentID", document.remittance)
        if means.iban:
            account = w.add(element, "cac:PayeeFinancialAccount")
            w.add(account, "cbc:ID", means.iban)
            w.optional(account, "cbc:Name", means.account_name)
            if means.bic:
                w.add(w.add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", means.bic)
    if document.payment_terms:
        w.add(w.add(root, "cac:PaymentTerms"), "cbc:Note", document.payment_terms)
    tax_total = w.add(root, "cac:TaxTotal")
    w.money(tax_total, "cbc:TaxAmount", document.tax_total)
    for breakdown in document.vat_breakdown:
        subtotal = w.add(tax_total, "cac:TaxSubtotal")
        w.money(subtotal, "cbc:TaxableAmount", breakdown.taxable)
        w.money(subtotal, "cbc:TaxAmount", breakdown.tax)
        w.category(
            subtotal,
            "cac:TaxCategory",
            breakdown.category,
            breakdown.rate,
            breakdown.exemption_reason,
            breakdown.exemption_code,
        )
    totals = w.add(root, "cac:LegalMonetaryTotal")
    w.money(totals, "cbc:LineExtensionAmount", document.line_total)
    w.money(totals, "cbc:TaxExclusiveAmount", document.tax_exclusive)
    w.money(totals, "cbc:TaxInclusiveAmount", document.tax_inclusive)
    w.money(totals, "cbc:PrepaidAmount", document.prepaid)
    w.money(totals, "cbc:PayableAmount", document.payable)
    for line in document.lines:
        element = w.add(root, "cac:CreditNoteLine" if credit_note else "cac:InvoiceLine")
        w.add(element, "cbc:ID", line.id)
        w.add(
            element,
            "cbc:CreditedQuantity" if credit_note else "cbc:InvoicedQuantity",
            decimal_text(line.quantity),
            unitCode="C62",
        )
        w.money(element, "cbc:LineExtensionAmount", line.net)
        item = w.add(element, "cac:Item")
        w.add(item, "cbc:Name", line.name)
        w.category(item, "cac:ClassifiedTaxCategory", line.category, line.rate)
        w.money(w.add(element, "cac:Price"), "cbc:PriceAmount", line.price)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
