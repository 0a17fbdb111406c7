"""Invoice payment references: ISO 11649 creditor references and Swiss QR references, and
the invoice counter a reference on a bank statement names."""

from stdnum import iso11649
from stdnum.ch import esr

from remit.plugins import references


def test_the_creditor_reference_has_iso_11649_check_digits():
    # The standard's own example: RF18 5390 0754 7034.
    assert references.creditor_reference(539007547034) == "RF18539007547034"
    assert references.creditor_reference(42) == "RF34000042"
    assert iso11649.is_valid(references.creditor_reference(42))


def test_the_qr_reference_has_the_recursive_modulo_10_check_digit():
    # SIX's example QR reference: 21 00000 00003 13947 14300 09017.
    assert references.qr_reference(21000000000313947143000901) == "210000000003139471430009017"
    assert references.qr_reference(42) == "000000000000000000000000420"
    assert esr.is_valid(references.qr_reference(42))


def test_an_invoice_reference_follows_its_number_and_account():
    assert references.payment_reference("INV-000042") == "RF34000042"
    assert references.payment_reference("A-B-000042", qr_iban=True) == "000000000000000000000000420"
    assert references.payment_reference(None) is None


def test_a_qr_iban_has_a_qr_bank_id():
    assert references.is_qr_iban("CH44 3199 9123 0008 8901 2")
    assert not references.is_qr_iban("CH9300762011623852957")
    assert not references.is_qr_iban(None)


def test_a_reference_names_a_counter_only_with_valid_check_digits():
    assert references.sequence_referred("RF34 0000 42") == 42
    assert references.sequence_referred("rf34000042") == 42
    assert references.sequence_referred("RF35000042") is None
    assert references.sequence_referred("000000000000000000000000420") == 42
    assert references.sequence_referred("000000000000000000000000421") is None
    assert references.sequence_referred(None) is None


def test_creditor_references_are_found_in_free_text():
    text = "Payment rf34 0000 42 2027, and RF18 5390 0754 7034; not RF35000042"

    assert references.sequences_in(text) == [42, 539007547034]
    assert references.sequences_in("Invoice INV-000042") == []
