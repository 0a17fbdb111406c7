"""The body of POST /graphql: anything but a JSON object is the client's mistake, a 400 that
says what is expected, never a 500."""

import pytest

from tests import factories


@pytest.mark.parametrize("body", ["null", "5", '"query"', "true", "[]"])
async def test_a_body_that_is_not_a_json_object_is_a_400(api, body):
    _, key = await factories.tenant()

    response = await api.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )

    assert (response.status_code, response.text) == (
        400,
        'The request body must be a JSON object: {"query": "...", "variables": {}}.',
    )


async def test_an_object_body_still_answers(api):
    _, key = await factories.tenant()

    response = await api.post(
        "/graphql",
        json={"query": "{ tenant { name } }"},
        headers={"Authorization": f"Bearer {key}"},
    )

    assert (response.status_code, response.json()) == (
        200,
        {"data": {"tenant": {"name": "Acme Corp"}}},
    )
