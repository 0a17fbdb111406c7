"""Values no provider key, tenant id or token can be, in the paths anyone may call: a 404,
never a 500, and nothing logged at ERROR."""

import logging

from remit.billing import clock
from remit.models.invoices import Invoice
from tests.sweeps.valid_calls import TODAY, build_world

BAD = ["%00", "%ED%A0%80", "x" * 300]


async def test_a_webhook_for_a_provider_or_tenant_that_cannot_be_is_a_404(api, caplog):
    with clock.frozen(TODAY):
        world = await build_world()
        tenant_id = (await Invoice.get(id=world.due_invoice)).tenant_id

        answers = [
            (await api.post(path, content=b"{}")).status_code
            for bad in BAD
            for path in (f"/webhooks/{bad}/{tenant_id}", f"/webhooks/bank_transfer/{bad}")
        ]

    assert answers == [404] * 6
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_pay_link_for_a_provider_or_token_that_cannot_be_is_a_404(api, caplog):
    with clock.frozen(TODAY):
        world = await build_world()
        token = (await Invoice.get(id=world.due_invoice)).public_token

        answers = [
            (await api.get(path)).status_code
            for bad in BAD
            for path in (f"/i/{token}/pay/{bad}", f"/i/{token}{bad}/pay/stripe", f"/i/{bad}")
        ]

    assert answers == [404] * 9
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
