"""E-invoices (EN 16931): one frozen description of an invoice or credit note (`model`),
written as CII (`cii`: Factur-X, XRechnung CII) or UBL 2.1 (`ubl`: XRechnung UBL, Peppol BIS
Billing 3.0), checked against the XML schemas (`schemas`) and the business rules on amounts
and mandatory fields (`rules`). The VAT category of a line is decided in `vat`. docs/einvoices.md
says what is implemented and what is left to the official Schematron."""
