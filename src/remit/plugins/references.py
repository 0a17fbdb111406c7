"""The reference a customer quotes when paying an invoice by bank transfer, and the invoice a
reference on a bank statement names.

An invoice's reference is built from the counter of its number (`INV-000042`: 42), which is
unique per tenant and never changes once the invoice is issued, whatever the tenant later
does to its number prefix: an ISO 11649 creditor reference (`RF` and two check digits, by
python-stdnum), or, for a Swiss account with a QR-IBAN, the 27-digit QR reference (its
check digit by the same recursive modulo 10 as the Swiss ESR). An invoice without a number
(a draft) has no reference."""

import re

from stdnum import iso11649
from stdnum.ch import esr
from stdnum.iso7064 import mod_97_10

QR_REFERENCE_DIGITS = 27
# Our RF references quoted in a payer's free text (digits only after RF), spaces inside
# allowed, as printed in groups of four.
_RF_IN_TEXT = re.compile(r"\bRF\s?(\d\d)((?:\s?\d){1,21})", re.IGNORECASE)
# A QR-IBAN: a Swiss or Liechtenstein IBAN whose bank id (QR-IID) is 30000 to 31999.
_QR_IID = range(30000, 32000)


def sequence_of(number: str | None) -> int | None:
    """The counter of an invoice number (`<prefix>-<digits>`), None for no number."""
    if not number:
        return None
    digits = number.rsplit("-", 1)[-1]
    return int(digits) if digits.isdigit() else None


def creditor_reference(sequence: int) -> str:
    """The ISO 11649 reference of the invoice with this counter, compact: `RF18000042`."""
    body = f"{sequence:06d}"
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def qr_reference(sequence: int) -> str:
    """The Swiss QR reference of the invoice with this counter: 26 digits and a check digit."""
    body = f"{sequence:0{QR_REFERENCE_DIGITS - 1}d}"
    return body + esr.calc_check_digit(body)


def is_qr_iban(iban: str | None) -> bool:
    compact = (iban or "").replace(" ", "").upper()
    return compact[:2] in ("CH", "LI") and compact[4:9].isdigit() and int(compact[4:9]) in _QR_IID


def payment_reference(number: str | None, *, qr_iban: bool = False) -> str | None:
    """The reference of the invoice with this number: the QR reference when it is paid to a
    QR-IBAN, its creditor reference otherwise; None before it has a number."""
    sequence = sequence_of(number)
    if sequence is None:
        return None
    return qr_reference(sequence) if qr_iban else creditor_reference(sequence)


def printed(reference: str) -> str:
    """A reference as people read and type it: a creditor reference in groups of four from
    the left (`RF18 0000 42`), a QR reference as `21 00000 00003 13947 14300 09017`."""
    if reference.startswith("RF"):
        return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
    return " ".join([reference[:2], *(reference[i : i + 5] for i in range(2, len(reference), 5))])


def sequence_referred(reference: str | None) -> int | None:
    """The invoice counter a structured reference names, when it is one of ours with valid
    check digits."""
    compact = (reference or "").replace(" ", "").upper()
    if compact.startswith("RF") and iso11649.is_valid(compact):
        body = compact[4:]
        return int(body) if body.isdigit() else None
    if len(compact) == QR_REFERENCE_DIGITS and esr.is_valid(compact):
        return int(compact[:-1])
    return None


def sequences_in(text: str | None) -> list[int]:
    """The invoice counters of the valid creditor references quoted in free text."""
    found = []
    for match in _RF_IN_TEXT.finditer(text or ""):
        check, digits = match.group(1), match.group(2).replace(" ", "")
        # The digits may run on into others ("RF18 000042 2027"): the longest valid start.
        for end in range(len(digits), 0, -1):
            sequence = sequence_referred(f"RF{check}{digits[:end]}")
            if sequence is not None:
                if sequence not in found:
                    found.append(sequence)
                break
    return found
