"""Bank transfer: account details per currency, checked when saved, printed on the invoice."""

import pytest
from pydantic import ValidationError

from remit import CreditTransfer, PaymentOption, PaymentRefused, WebhookRejected
from remit.plugins.bank_transfer import BankAccount, BankTransfer, BankTransferSettings
from remit.testing import sample_invoice

EUR_ACCOUNT = {
    "currency": "EUR",
    "account_holder": "Acme GmbH",
    "bank_name": "Deutsche Bank",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "deutdeff",
}
USD_ACCOUNT = {
    "currency": "USD",
    "account_holder": "Acme Inc.",
    "bank_name": "JPMorgan Chase",
    "account_number": "000123456789",
    "routing_number": "021000021",
}
provider = BankTransfer()


def settings(*accounts: dict) -> BankTransferSettings:
    return BankTransferSettings.model_validate({"accounts": list(accounts)})


def problems(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[tuple, str]]:
    return [(problem["loc"], problem["msg"]) for problem in error.value.errors()]


async def test_eur_invoice_gets_the_iban_account():
    option = await provider.payment_option(sample_invoice(), settings(USD_ACCOUNT, EUR_ACCOUNT))

    assert option == PaymentOption(
        provider="bank_transfer",
        name="Bank transfer",
        instructions=(
            "Please transfer the amount due to:\n"
            "Account holder: Acme GmbH\n"
            "Bank: Deutsche Bank\n"
            "IBAN: DE89 3704 0044 0532 0130 00\n"
            "BIC: DEUTDEFF\n"
            "Reference: RF34 0000 42"
        ),
        # For the payment QR code: compact, the reference structured.
        credit_transfer=CreditTransfer(
            "Acme GmbH", "DE89370400440532013000", "DEUTDEFF", "RF34000042"
        ),
    )


async def test_usd_invoice_gets_the_account_and_routing_number():
    option = await provider.payment_option(
        sample_invoice(currency="USD"), settings(EUR_ACCOUNT, USD_ACCOUNT)
    )

    assert option.instructions == (
        "Please transfer the amount due to:\n"
        "Account holder: Acme Inc.\n"
        "Bank: JPMorgan Chase\n"
        "Account number: 000123456789\n"
        "Routing number: 021000021\n"
        "Reference: RF34 0000 42"
    )


async def test_uk_account_with_a_sort_code():
    account = {
        "currency": "GBP",
        "account_holder": "Acme Ltd",
        "bank_name": "NatWest",
        "account_number": "31926819",
        "sort_code": "60-16-13",
    }

    option = await provider.payment_option(sample_invoice(currency="GBP"), settings(account))

    assert option.instructions == (
        "Please transfer the amount due to:\n"
        "Account holder: Acme Ltd\n"
        "Bank: NatWest\n"
        "Account number: 31926819\n"
        "Sort code: 60-16-13\n"
        "Reference: RF34 0000 42"
    )
    # No IBAN: no SEPA transfer to put in a QR code.
    assert option.credit_transfer is None


async def test_an_unnumbered_invoice_is_referenced_by_its_id():
    invoice = sample_invoice(number=None)

    option = await provider.payment_option(invoice, settings(EUR_ACCOUNT))

    assert option.instructions.splitlines()[-1] == f"Reference: {invoice.id}"
    assert option.credit_transfer is None


async def test_a_chf_invoice_paid_to_a_qr_iban_quotes_the_swiss_qr_reference():
    account = {
        "currency": "CHF",
        "account_holder": "Acme AG",
        "bank_name": "PostFinance",
        "iban": "CH44 3199 9123 0008 8901 2",
    }

    option = await provider.payment_option(sample_invoice(currency="CHF"), settings(account))

    assert option.instructions.splitlines()[-1] == "Reference: 00 00000 00000 00000 00000 00420"
    assert option.credit_transfer.reference == "000000000000000000000000420"


async def test_a_currency_without_an_account_is_refused():
    with pytest.raises(PaymentRefused) as refused:
        await provider.payment_option(sample_invoice(currency="CHF"), settings(EUR_ACCOUNT))

    assert str(refused.value) == "No bank account is set up for CHF payments."


async def test_no_automatic_charge_and_no_callbacks():
    with pytest.raises(PaymentRefused) as refused:
        await provider.charge(sample_invoice(), settings(EUR_ACCOUNT))
    assert str(refused.value) == "Bank transfer cannot charge automatically."

    with pytest.raises(WebhookRejected) as rejected:
        provider.parse_webhook({}, b"{}", settings(EUR_ACCOUNT))
    assert str(rejected.value) == "Bank transfer sends no callbacks."


@pytest.mark.parametrize(
    ("iban", "stored"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
        ("gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"),
    ],
)
def test_valid_ibans_are_stored_compact(iban, stored):
    account = BankAccount.model_validate({**EUR_ACCOUNT, "iban": iban})

    assert account.iban == stored


STRUCTURE = (
    "is not a valid IBAN (it must be a country code, two check digits and the account in that "
    "country's format, e.g. DE89 3704 0044 0532 0130 00)"
)
CHECK_DIGITS = "is not a valid IBAN (its check digits do not match)"


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("DE89 3704 0044 0532 0130 01", CHECK_DIGITS),  # one digit changed
        ("DE88 3704 0044 0532 0130 00", CHECK_DIGITS),  # the check digits changed
        ("GB82 WEST 1234 5698 7654 33", CHECK_DIGITS),
        ("DE\uff189370400440532013000", CHECK_DIGITS),  # a fullwidth digit
        # Passes mod 97, but a German IBAN has 22 characters.
        (
            "DE64 3704 0044 0532 01",
            "is not a valid IBAN (DE IBANs have 22 characters; this one has 18)",
        ),
        ("GB82 WEST 1234", "is not a valid IBAN (GB IBANs have 22 characters; this one has 12)"),
        # Passes mod 97, but ZZ is no country.
        ("ZZ22 3704 0044 0532 0130 00", "is not a valid IBAN (ZZ is not a country that has IBANs)"),
        ("DE58 3704 0044 0532 0130 AB", STRUCTURE),  # letters where Germany has digits
        ("8289 3704 0044 0532 0130 00", STRUCTURE),  # no country
        ("DE89-3704-0044-0532-0130-00", STRUCTURE),
        ("", STRUCTURE),
    ],
)
def test_invalid_ibans_are_refused(iban, message):
    with pytest.raises(ValidationError) as error:
        BankAccount.model_validate({**EUR_ACCOUNT, "iban": iban})

    assert problems(error) == [(("iban",), f"Value error, {message}")]


def mod_97_holds(iban: str) -> bool:
    """The check that used to be the whole test: a sample that passes it must fail for
    another reason."""
    compact = iban.replace(" ", "")
    return int("".join(str(int(char, 36)) for char in compact[4:] + compact[:4])) % 97 == 1


def test_the_refused_samples_with_good_check_digits_pass_mod_97():
    assert mod_97_holds("DE64 3704 0044 0532 01")
    assert mod_97_holds("ZZ22 3704 0044 0532 0130 00")
    assert mod_97_holds("DE58 3704 0044 0532 0130 AB")


@pytest.mark.parametrize(
    ("bic", "stored"), [("deutdeff", "DEUTDEFF"), ("DEUT DEFF 500", "DEUTDEFF500")]
)
def test_valid_bics(bic, stored):
    account = BankAccount.model_validate({**EUR_ACCOUNT, "bic": bic})

    assert account.bic == stored


@pytest.mark.parametrize("bic", ["DEUTDEF", "DEUTDEFF5", "DEUT1EFF", "DEUTDEFF-00", "DEUTDEFF50"])
def test_misshapen_bics_are_refused(bic):
    with pytest.raises(ValidationError) as error:
        BankAccount.model_validate({**EUR_ACCOUNT, "bic": bic})

    assert problems(error) == [
        (("bic",), "Value error, must be 8 or 11 letters and digits, e.g. DEUTDEFF")
    ]


@pytest.mark.parametrize("bic", ["DEUTZZFF", "DEUTXKFF", "DEUTEUFF500"])
def test_a_bic_of_no_iso_country_is_refused(bic):
    with pytest.raises(ValidationError) as error:
        BankAccount.model_validate({**EUR_ACCOUNT, "bic": bic})

    assert problems(error) == [
        (("bic",), f"Value error, is not a valid BIC ({bic[4:6]} is not an ISO 3166 country code)")
    ]


def test_a_bic_with_non_ascii_letters_is_refused():
    with pytest.raises(ValidationError):
        BankAccount.model_validate({**EUR_ACCOUNT, "bic": "ÄEUTDEFF"})


@pytest.mark.parametrize(
    ("routing_number", "stored"),
    [("021000021", "021000021"), ("011000015", "011000015"), (" 111000025 ", "111000025")],
)
def test_valid_routing_numbers(routing_number, stored):
    account = BankAccount.model_validate({**USD_ACCOUNT, "routing_number": routing_number})

    assert account.routing_number == stored


@pytest.mark.parametrize(
    ("routing_number", "message"),
    [
        ("021000022", "is not a valid ABA routing number (its check digit does not match)"),
        ("123456789", "is not a valid ABA routing number (its check digit does not match)"),
        ("02100002", "must be the 9 digits of an ABA routing number, e.g. 021000021"),
        ("0210-0002-1", "must be the 9 digits of an ABA routing number, e.g. 021000021"),
        ("", "must be the 9 digits of an ABA routing number, e.g. 021000021"),
    ],
)
def test_invalid_routing_numbers_are_refused(routing_number, message):
    with pytest.raises(ValidationError) as error:
        BankAccount.model_validate({**USD_ACCOUNT, "routing_number": routing_number})

    assert problems(error) == [(("routing_number",), f"Value error, {message}")]


@pytest.mark.parametrize(
    "account",
    [
        {**EUR_ACCOUNT, "iban": None},
        {**USD_ACCOUNT, "account_number": None},
        {**USD_ACCOUNT, "routing_number": None},
    ],
    ids=["no-iban", "no-account-number", "no-routing-number"],
)
def test_an_account_needs_an_iban_or_an_account_number_with_a_bank_code(account):
    with pytest.raises(ValidationError) as error:
        settings(account)

    assert problems(error) == [
        (
            ("accounts", 0),
            "Value error, give an IBAN, or an account number with a sort code or routing number",
        )
    ]


def test_one_account_per_currency():
    second_eur = {**EUR_ACCOUNT, "iban": "GB82 WEST 1234 5698 7654 32", "bic": None}

    with pytest.raises(ValidationError) as error:
        settings(EUR_ACCOUNT, USD_ACCOUNT, second_eur, USD_ACCOUNT)

    assert problems(error) == [
        (("accounts",), "Value error, one account per currency; more than one for EUR, USD")
    ]


def test_at_least_one_account():
    with pytest.raises(ValidationError) as error:
        settings()

    assert problems(error) == [
        (("accounts",), "List should have at least 1 item after validation, not 0")
    ]


@pytest.mark.parametrize("currency", ["eur", "EURO", "E1R", ""])
def test_currency_is_an_iso_code(currency):
    with pytest.raises(ValidationError) as error:
        settings({**EUR_ACCOUNT, "currency": currency})

    assert problems(error) == [
        (("accounts", 0, "currency"), "Value error, must be an ISO 4217 code such as EUR")
    ]


@pytest.mark.parametrize("field", ["account_holder", "bank_name"])
def test_holder_and_bank_are_required(field):
    with pytest.raises(ValidationError) as error:
        settings({**EUR_ACCOUNT, field: ""})

    assert problems(error) == [(("accounts", 0, field), "String should have at least 1 character")]
