"""UN/CEFACT Cross Industry Invoice (D16B), as Factur-X's EN 16931 profile and XRechnung's
CII syntax write it: the elements in the order of the schema."""

from datetime import date
from decimal import Decimal

from lxml import etree

from remit.billing.einvoice.elements import Elements
from remit.billing.einvoice.model import Address, EInvoice, Party
from remit.billing.money import Money
from remit.models.enums import EInvoiceFormat, VatCategory

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

EN16931 = "urn:cen.eu:en16931:2017"
XRECHNUNG = f"{EN16931}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


def decimal_text(value: Decimal) -> str:
    """A quantity or a rate without trailing zeros nor an exponent: 10, 2.5, 19."""
    return format(value.normalize(), "f")


def has_rate(category: VatCategory) -> bool:
    """A line or breakdown outside the scope of VAT carries no rate (BR-O-05, BR-O-10)."""
    return category != VatCategory.OUTSIDE_SCOPE


def require_issued(document: EInvoice) -> tuple[str, date]:
    """Its number and issue date: only an issued document is written."""
    if document.number is None or document.issue_date is None:
        raise ValueError("an e-invoice is written once the document is numbered and dated")
    return document.number, document.issue_date


def amount_text(money: Money) -> str:
    return str(money.amount)


class _Writer(Elements):
    def __init__(self) -> None:
        super().__init__(NSMAP)
        self.root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)

    def day(self, parent, name: str, value: date, qualified: bool = False) -> None:
        holder = self.add(parent, name)
        prefix = "qdt" if qualified else "udt"
        self.add(holder, f"{prefix}:DateTimeString", value.strftime("%Y%m%d"), format="102")

    def address(self, parent, address: Address) -> None:
        postal = self.add(parent, "ram:PostalTradeAddress")
        self.optional(postal, "ram:PostcodeCode", address.postal_code)
        self.optional(postal, "ram:LineOne", address.line1)
        self.optional(postal, "ram:LineTwo", address.line2)
        self.optional(postal, "ram:CityName", address.city)
        self.add(postal, "ram:CountryID", address.country or "")
        self.optional(postal, "ram:CountrySubDivisionName", address.region)

    def party(self, parent, name: str, party: Party, *, contact: bool) -> None:
        element = self.add(parent, name)
        self.add(element, "ram:Name", party.name)
        if party.registration_id or party.trading_name:
            legal = self.add(element, "ram:SpecifiedLegalOrganization")
            self.optional(legal, "ram:ID", party.registration_id)
            self.optional(legal, "ram:TradingBusinessName", party.trading_name)
        if contact and party.email:
            person = self.add(element, "ram:DefinedTradeContact")
            self.add(person, "ram:PersonName", party.trading_name or party.name)
            mail = self.add(person, "ram:EmailURIUniversalCommunication")
            self.add(mail, "ram:URIID", party.email)
        self.address(element, party.address)
        if party.email:
            uri = self.add(element, "ram:URIUniversalCommunication")
            self.add(uri, "ram:URIID", party.email, schemeID="EM")
        if party.vat_id:
            registration = self.add(element, "ram:SpecifiedTaxRegistration")
            self.add(registration, "ram:ID", party.vat_id, schemeID="VA")


def write(document: EInvoice) -> bytes:
    """The document as CII XML, UTF-8 with a declaration."""
    number, issue_date = require_issued(document)
    w = _Writer()
    context = w.add(w.root, "rsm:ExchangedDocumentContext")
    if document.format == EInvoiceFormat.XRECHNUNG_CII:
        process = w.add(context, "ram:BusinessProcessSpecifiedDocumentContextParameter")
        w.add(process, "ram:ID", PEPPOL_PROCESS)
    guideline = w.add(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    w.add(
        guideline,
        "ram:ID",
        XRECHNUNG if document.format == EInvoiceFormat.XRECHNUNG_CII else EN16931,
    )

    header = w.add(w.root, "rsm:ExchangedDocument")
    w.add(header, "ram:ID", number)
    w.add(header, "ram:TypeCode", document.type_code)
    w.day(header, "ram:IssueDateTime", issue_date)
    if document.note:
        note = w.add(header, "ram:IncludedNote")
        w.add(note, "ram:Content", document.note)

    transaction = w.add(w.root, "rsm:SupplyChainTradeTransaction")
    for line in document.lines:
        item = w.add(transaction, "ram:IncludedSupplyChainTradeLineItem")
        w.add(w.add(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.id)
        w.add(w.add(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.name)
        agreement = w.add(item, "ram:SpecifiedLineTradeAgreement")
        price = w.add(agreement, "ram:NetPriceProductTradePrice")
        w.add(price, "ram:ChargeAmount", amount_text(line.price))
        delivery = w.add(item, "ram:SpecifiedLineTradeDelivery")
        w.add(delivery, "ram:BilledQuantity", decimal_text(line.quantity), unitCode="C62")
        settlement = w.add(item, "ram:SpecifiedLineTradeSettlement")
        tax = w.add(settlement, "ram:ApplicableTradeTax")
        w.add(tax, "ram:TypeCode", "VAT")
        w.add(tax, "ram:CategoryCode", str(line.category))
        if has_rate(line.category):
            w.add(tax, "ram:RateApplicablePercent", decimal_text(line.rate))
        summation = w.add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        w.add(summation, "ram:LineTotalAmount", amount_text(line.net))

    agreement = w.add(transaction, "ram:ApplicableHeaderTradeAgreement")
    w.optional(agreement, "ram:BuyerReference", document.buyer_reference)
    w.party(agreement, "ram:SellerTradeParty", document.seller, contact=True)
    w.party(agreement, "ram:BuyerTradeParty", document.buyer, contact=False)
    if document.purchase_order_reference:
        order = w.add(agreement, "ram:BuyerOrderReferencedDocument")
        w.add(order, "ram:IssuerAssignedID", document.purchase_order_reference)

    w.add(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = w.add(transaction, "ram:ApplicableHeaderTradeSettlement")
    w.optional(settlement, "ram:PaymentReference", document.remittance)
    w.add(settlement, "ram:InvoiceCurrencyCode", document.currency)
    for means in document.payment_means:
        element = w.add(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        w.add(element, "ram:TypeCode", means.code)
        w.add(element, "ram:Information", means.text)
        if means.iban:
            account = w.add(element, "ram:PayeePartyCreditorFinancialAccount")
            w.add(account, "ram:IBANID", means.iban)
            w.optional(account, "ram:AccountName", means.account_name)
        if means.bic:
            bank = w.add(element, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            w.add(bank, "ram:BICID", means.bic)
    for breakdown in document.vat_breakdown:
        tax = w.add(settlement, "ram:ApplicableTradeTax")
        w.add(tax, "ram:CalculatedAmount", amount_text(breakdown.tax))
        w.add(tax, "ram:TypeCode", "VAT")
        w.optional(tax, "ram:ExemptionReason", breakdown.exemption_reason)
        w.add(tax, "ram:BasisAmount", amount_text(breakdown.taxable))
        w.add(tax, "ram:CategoryCode", str(breakdown.category))
        w.optional(tax, "ram:ExemptionReasonCode", breakdown.exemption_code)
        if has_rate(breakdown.category):
            w.add(tax, "ram:RateApplicablePercent", decimal_text(breakdown.rate))
    period = w.add(settlement, "ram:BillingSpecifiedPeriod")
    w.day(period, "ram:StartDateTime", document.period_start)
    w.day(period, "ram:EndDateTime", document.period_end)
    if document.due_date or document.payment_terms:
        terms = w.add(settlement, "ram:SpecifiedTradePaymentTerms")
        w.optional(terms, "ram:Description", document.payment_terms)
        if document.due_date:
            w.day(terms, "ram:DueDateDateTime", document.due_date)
    totals = w.add(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    w.add(totals, "ram:LineTotalAmount", amount_text(document.line_total))
    w.add(totals, "ram:TaxBasisTotalAmount", amount_text(document.tax_exclusive))
    w.add(
        totals, "ram:TaxTotalAmount", amount_text(document.tax_total), currencyID=document.currency
    )
    w.add(totals, "ram:GrandTotalAmount", amount_text(document.tax_inclusive))
    w.add(totals, "ram:TotalPrepaidAmount", amount_text(document.prepaid))
    w.add(totals, "ram:DuePayableAmount", amount_text(document.payable))
    if document.preceding_invoice:
        preceding = w.add(settlement, "ram:InvoiceReferencedDocument")
        w.add(preceding, "ram:IssuerAssignedID", document.preceding_invoice)
        if document.preceding_issue_date:
            w.day(preceding, "ram:FormattedIssueDateTime", document.preceding_issue_date, True)
    return etree.tostring(w.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
