"""An e-invoice written in the syntax of its format, and checked against that syntax's
schema."""

from remit.billing.einvoice import cii, schemas, ubl
from remit.billing.einvoice.model import EInvoice
from remit.models.enums import EInvoiceFormat

CII_FORMATS = (EInvoiceFormat.FACTURX, EInvoiceFormat.XRECHNUNG_CII)


def write(document: EInvoice) -> bytes:
    return cii.write(document) if document.format in CII_FORMATS else ubl.write(document)


def schema_name(document: EInvoice) -> str:
    if document.format in CII_FORMATS:
        return schemas.CII
    return schemas.UBL_CREDIT_NOTE if document.is_credit_note else schemas.UBL_INVOICE


def schema_problems(document: EInvoice, xml: bytes) -> list[str]:
    return schemas.problems(xml, schema_name(document))
