import pytest
import strawberry

from remit.billing.errors import (
    Invalid,
    NotFound,
    NotReady,
    RemitError,
    RemitErrors,
    Required,
    Unauthenticated,
)
from remit.graph.errors import ErrorCode, UserError, payload


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


def every_subclass(cls: type) -> list[type]:
    return [sub for child in cls.__subclasses__() for sub in (child, *every_subclass(child))]


def test_every_code_a_remit_error_carries_is_an_api_error_code():
    # Every module that may define a RemitError, loaded: the API, the jobs and the plugins.
    import remit.graph.schema
    import remit.plugins.manager
    import remit.workers.functions  # noqa: F401

    kinds = [RemitError, *every_subclass(RemitError)]
    unknown = [kind.__name__ for kind in kinds if kind.code not in set(ErrorCode)]

    assert unknown == []
    assert {kind.__name__ for kind in kinds} >= {"Invalid", "NotFound", "ProviderError"}


def test_the_api_error_codes_are_the_contracts():
    assert [code.value for code in ErrorCode] == [
        "INVALID",
        "REQUIRED",
        "NOT_FOUND",
        "CONFLICT",
        "INVALID_TRANSITION",
        "NOT_READY",
        "PROVIDER_ERROR",
        "FORBIDDEN",
    ]


def test_an_invalid_api_key_is_not_a_payload_error():
    # It is answered with HTTP 401 before any resolver runs (web/graphql.py).
    assert not issubclass(Unauthenticated, RemitError)


@strawberry.type
class ThingPayload:
    thing: str | None
    errors: list[UserError]


async def done() -> str:
    return "done"


async def refused() -> str:
    raise RemitErrors(
        [
            Invalid("Too many days.", field=["due_days"]),
            NotFound("contract", "c1", field=["id"]),
            Required("Say why."),
        ]
    )


async def test_a_mutation_payload_shows_the_result():
    assert await payload(ThingPayload, done(), str.upper) == ThingPayload(thing="DONE", errors=[])


async def test_a_mutation_payload_shows_every_expected_failure_under_the_input():
    result = await payload(ThingPayload, refused(), str.upper, prefix=["input"])

    assert result == ThingPayload(
        thing=None,
        errors=[
            UserError(field=["input", "dueDays"], message="Too many days.", code=ErrorCode.INVALID),
            UserError(field=["id"], message="No contract with id c1.", code=ErrorCode.NOT_FOUND),
            UserError(field=None, message="Say why.", code=ErrorCode.REQUIRED),
        ],
    )


async def test_a_mutation_payload_keeps_json_keys_as_they_are_when_asked():
    async def bad_setting() -> str:
        raise Invalid("Not an IBAN.", field=["settings", "accounts", "0", "iban_number"])

    result = await payload(ThingPayload, bad_setting(), str, prefix=["input"], camel_case=False)

    assert result.errors == [
        UserError(
            field=["input", "settings", "accounts", "0", "iban_number"],
            message="Not an IBAN.",
            code=ErrorCode.INVALID,
        )
    ]


async def test_an_unexpected_failure_is_not_a_payload_error():
    async def broken() -> str:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match=r"^a bug$"):
        await payload(ThingPayload, broken(), str)
