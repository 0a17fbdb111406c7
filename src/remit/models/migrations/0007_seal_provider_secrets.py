"""Seal the provider secrets stored in plain JSON before 0007. A migration is wiring, not
billing: it reads the process settings for the key (`remit migrate` runs with them), and only
when there is a row to seal, so an empty database migrates without REMIT_SECRET_KEY."""

import json
import logging

from pydantic import ValidationError
from tortoise import migrations
from tortoise.migrations import operations as ops

from remit.billing.providers import installed, sealed_for_storage
from remit.billing.sealing import Sealer
from remit.settings import get_settings

log = logging.getLogger(__name__)


async def seal_rows(client, sealer: Sealer | None = None) -> int:
    """Seal every installed provider's secrets in place; returns how many rows changed.
    Rows that no longer validate are left as they are (they cannot be used either)."""
    rows = await client.execute_query_dict("SELECT id, provider, settings FROM provider_settings")
    postgres = client.capabilities.dialect == "postgres"
    update = (
        "UPDATE provider_settings SET settings = $1::jsonb WHERE id = $2"
        if postgres
        else "UPDATE provider_settings SET settings = ? WHERE id = ?"
    )
    changed = 0
    for row in rows:
        payment_provider = installed().get(row["provider"])
        stored = row["settings"]
        if isinstance(stored, str):
            stored = json.loads(stored)
        if payment_provider is None or not isinstance(stored, dict):
            continue
        sealer = sealer or Sealer(get_settings().secret_keys())
        try:
            values = sealed_for_storage(payment_provider, stored, sealer)
        except ValidationError:
            log.warning("provider settings %s no longer validate; left unsealed", row["id"])
            continue
        if values == stored:
            continue
        await client.execute_query(update, [json.dumps(values), row["id"]])
        changed += 1
    return changed


async def seal_provider_secrets(apps, schema_editor) -> None:
    await seal_rows(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("remit", "0006_contract_catch_up")]

    initial = False

    operations = [ops.RunPython(seal_provider_secrets, ops.RunPython.noop)]
