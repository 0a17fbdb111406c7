from remit.billing.errors import Invalid, NotReady, RemitErrors
from remit.graph.errors import ErrorCode, UserError


def test_one_error_becomes_one_user_error_with_its_field_path():
    error = Invalid("Not an email address.", field=["input", "billingEmail"])

    assert UserError.list_from(error) == [
        UserError(
            field=["input", "billingEmail"], message="Not an email address.", code=ErrorCode.INVALID
        )
    ]


def test_several_errors_are_reported_together():
    error = RemitErrors(
        [NotReady("Company details are missing."), NotReady("No payment provider is enabled.")]
    )

    assert UserError.list_from(error) == [
        UserError(field=None, message="Company details are missing.", code=ErrorCode.NOT_READY),
        UserError(field=None, message="No payment provider is enabled.", code=ErrorCode.NOT_READY),
    ]
