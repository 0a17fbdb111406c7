"""Tenant isolation, swept from the schema: every query and mutation that takes an id, a
number or a token is called with tenant B's key and tenant A's values, and must answer nothing
of A and change nothing. The operations, their id arguments (`ID`s, `number`, fields named
…Id or …token, at any depth of an input) and A's values are all read from the schema and from
A's own answers, so a new operation is swept without editing this file; one the sweep cannot
fill fails it."""

import asyncio
import json
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    get_nullable_type,
)
from tortoise import Tortoise, connections

from remit.models.invoices import Invoice
from remit.models.provider_events import ProviderEvent
from tests import factories
from tests.conftest import GraphQLClient
from tests.stripe_events import event, signed
from tests.sweeps import world
from tests.sweeps.answers import Seen, document, harvest, operations

# Valid values for the arguments that are not ids, by field name, then by type: the call
# must get as far as looking the id up, so nothing else in it may be refused first.
BY_NAME: dict[str, Any] = {
    "name": "Sweep",
    "currency": "EUR",
    "country": "DE",
    "postalCode": "10115",
    "email": "sweep@example.com",
    "billingEmail": "sweep@example.com",
    "billingEmails": ["sweep@example.com"],
    "billingEmailsCc": ["sweep@example.com"],
    "taxId": "DE123456789",
    "locale": "de-DE",
    "provider": "stripe",
    "paymentProviders": ["stripe"],
    "customerRef": "cus_sweep_other",
    "paymentMethodRef": "pm_sweep_other",
    "price": "10.00",
    "quantity": "2",
    "taxRate": "20",
    "lines": [{"name": "Sweep", "price": "10.00"}],
    "billed": "MONTHLY",
    "billingCycle": "MONTHLY",
    "dueDays": 30,
    "invoicingStartDate": "2027-06-01",
    "startDate": "2027-06-01",
    "endDate": "2027-12-31",
    "paidOn": "2027-06-15",
    # Not in the future: the payment is refused for its id, not its day.
    "receivedOn": "2026-06-01",
    "refundedOn": "2026-06-01",
    "method": "manual",
    # An invoice status a user may set: the call reaches the invoice before anything else.
    "status": "VOID",
    "autoCharge": False,
    "url": world.WEBHOOK_URL,
    "events": ["invoice.paid"],
}
BY_TYPE: dict[str, Any] = {
    "String": "Sweep",
    "Int": 1,
    "Float": 1.5,
    "Boolean": False,
    "Decimal": "1",
    "Date": "2027-06-01",
    "DateTime": "2027-06-01T00:00:00+00:00",
    "JSON": {},
}


class CannotFill(Exception):
    """An argument the sweep has no value for: extend BY_NAME or BY_TYPE."""


@dataclass(frozen=True)
class Slot:
    """An argument that names something: its path from the operation's arguments."""

    path: tuple[str, ...]
    kind: str  # "id", "number" or "token"
    required: bool


# Fields named …Id that hold another system's identifier, not one of Remit's.
NOT_OURS = {"taxId", "registrationId", "legalRegistrationId"}


def kind_of(name: str, type_: GraphQLInputType) -> str | None:
    if get_named_type(type_).name == "ID" or (name.endswith("Id") and name not in NOT_OURS):
        return "id"
    if name == "number":
        return "number"
    if "token" in name.lower():
        return "token"
    return None


def slots_in(
    fields: dict, path: tuple[str, ...] = (), required: bool = True, seen: frozenset = frozenset()
) -> Iterator[Slot]:
    for name, field in fields.items():
        here = (*path, name)
        needed = required and isinstance(field.type, GraphQLNonNull)
        kind = kind_of(name, field.type)
        named = get_named_type(field.type)
        if kind is not None:
            yield Slot(here, kind, needed)
        elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            yield from slots_in(named.fields, here, needed, seen | {named.name})


OMIT = object()


def fill(
    type_: GraphQLInputType,
    path: tuple[str, ...],
    chosen: dict[tuple[str, ...], Any],
    slot_paths: set[tuple[str, ...]],
    every_field: bool,
    has_default: bool = False,
) -> Any:
    """The value at `path`: the chosen one for a slot, OMIT for an optional argument the
    call can do without, a valid value otherwise (every field of a mutation's input)."""
    if path in chosen:
        return chosen[path]
    required = isinstance(type_, GraphQLNonNull) and not has_default
    if path in slot_paths:
        if required:
            raise CannotFill(f"no value chosen for the required {'.'.join(path)}")
        return OMIT
    named = get_nullable_type(type_)
    holds_a_choice = any(chosen_path[: len(path)] == path for chosen_path in chosen)
    if isinstance(named, GraphQLList) and isinstance(get_named_type(named), GraphQLInputObjectType):
        # A list of inputs (a payment's allocations, a credit note's lines): one item, when
        # the list is required or holds a chosen id.
        if not (required or holds_a_choice):
            return OMIT
        item = fill(named.of_type, path, chosen, slot_paths, every_field)
        return OMIT if item is OMIT else [item]
    if isinstance(named, GraphQLInputObjectType):
        inner = {}
        for name, field in named.fields.items():
            value = fill(
                field.type,
                (*path, name),
                chosen,
                slot_paths,
                every_field,
                field.default_value is not Undefined,
            )
            if value is not OMIT:
                inner[name] = value
        return inner if required or every_field or holds_a_choice else OMIT
    if not (required or every_field):
        return OMIT
    return leaf(named, path[-1])


def leaf(type_: GraphQLInputType, name: str) -> Any:
    if isinstance(type_, GraphQLList):
        if name in BY_NAME:
            return BY_NAME[name]
        return [leaf(get_nullable_type(type_.of_type), name)]
    if isinstance(type_, GraphQLEnumType):
        wanted = BY_NAME.get(name)
        return wanted if wanted in type_.values else next(iter(type_.values))
    if isinstance(type_, GraphQLScalarType):
        if name in BY_NAME:
            return BY_NAME[name]
        if type_.name in BY_TYPE:
            return BY_TYPE[type_.name]
    raise CannotFill(f"no valid value for {name}: {type_}")


def arguments(
    field: GraphQLField, chosen: dict, slot_paths: set, every_field: bool
) -> dict[str, Any]:
    values = {}
    for name, arg in field.args.items():
        value = fill(
            arg.type, (name,), chosen, slot_paths, every_field, arg.default_value is not Undefined
        )
        if value is not OMIT:
            values[name] = value
    return values


async def snapshot() -> dict[str, list[str]]:
    """Every row of every table, in a stable order."""
    connection = connections.get("default")
    rows = {}
    for model in Tortoise.apps["remit"].values():
        table = model._meta.db_table
        found = await connection.execute_query_dict(f'SELECT * FROM "{table}"')
        rows[table] = sorted(json.dumps(row, sort_keys=True, default=str) for row in found)
    return rows


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [
        f"{table}: -{sorted(set(before[table]) - set(rows))} +{sorted(set(rows) - set(before[table]))}"
        for table, rows in after.items()
        if rows != before[table]
    ]


def empty(answer: Any) -> bool:
    """Nothing found: null, an empty list, or a connection with no edges."""
    if answer is None or answer == []:
        return True
    return isinstance(answer, dict) and answer.get("edges") == [] and answer.get("totalCount") == 0


def leaks(text: str, secrets: set[str], sent: dict) -> list[str]:
    """A's values in an answer to B, but for those B sent itself (an error may quote them)."""
    quoted = json.dumps(sent)
    return sorted(secret for secret in secrets if secret in text and secret not in quoted)


def refusal_problems(kind: str, answer: Any, needs_not_found: bool) -> list[str]:
    if kind == "query":
        return [] if empty(answer) else ["answered with data"]
    (result,) = (value for key, value in answer.items() if key != "errors")
    problems = [] if result is None else ["returned an object"]
    codes = [error["code"] for error in answer["errors"]]
    if not codes:
        problems.append("no error")
    elif needs_not_found and "NOT_FOUND" not in codes:
        problems.append(f"refused with {codes}, not NOT_FOUND: the sweep's other values are wrong")
    return problems


def named_kind(slot: Slot, seen: Seen) -> list[str]:
    """A's ids of the type a slot names (`organizationId`: organizations), one of each type
    for a bare `id`."""
    named = slot.path[-1].removesuffix("Id")
    typed = named[:1].upper() + named[1:]
    if slot.kind == "id" and typed in seen.ids:
        return seen.ids[typed]
    return [values[0] for values in seen.ids.values()] if slot.kind == "id" else seen.of(slot.kind)


def assignments(
    slots: list[Slot], of_a: Seen, of_b: Seen
) -> Iterator[tuple[dict[tuple[str, ...], str], bool]]:
    """(values, whether NOT_FOUND must answer): each slot in turn takes each of A's values,
    the other required slots the same value; then, where another slot is required, that
    one takes one of B's own ids of each type while the slot takes A's (B's own contract
    pointed at A's organization)."""
    for slot in slots:
        others = [other for other in slots if other != slot and other.required]
        for value in of_a.of(slot.kind):
            chosen = {slot.path: value}
            for other in others:
                chosen[other.path] = value if other.kind == slot.kind else of_a.of(other.kind)[0]
            yield chosen, True
        if others:
            for own in (values[0] for values in of_b.ids.values()):
                for value in named_kind(slot, of_a):
                    yield {slot.path: value, **{other.path: own for other in others}}, False


@dataclass
class Sweep:
    """Calls as tenant B, and what was wrong with their answers."""

    client: GraphQLClient
    secrets: set[str]
    problems: list[str]

    async def call(self, kind: str, name: str, query: str, values: dict, not_found: bool) -> None:
        response = await self.client.post(query, **values)
        body = response.json()
        found = [
            *([f"HTTP {response.status_code}"] if response.status_code != 200 else []),
            *([f"errors {body['errors']}"] if body.get("errors") else []),
        ]
        if not found:
            found += refusal_problems(kind, body["data"][name], not_found)
        found += [f"shows A's {secret!r}" for secret in leaks(response.text, self.secrets, values)]
        if found:
            self.problems.append(f"{name}({values}) as B: {'; '.join(found)}: {response.text}")


# Calls of one operation run together, as a busy server gets them; few enough for one
# SQLite connection.
AT_ONCE = 8


async def test_another_tenants_ids_numbers_and_tokens_find_and_change_nothing(graphql, drain_jobs):
    a = await world.everything(drain_jobs, "Acme Corp", "Globex", "ACME")
    b = await world.everything(drain_jobs, "Initech", "Umbrella", "INI")
    of_a, of_b = await harvest(graphql(a.key)), await harvest(graphql(b.key))
    assert sorted(of_a.ids) == [
        "BankTransaction",
        "Contract",
        "CreditNote",
        "Invoice",
        "InvoiceLine",
        "InvoicingRun",
        "Organization",
        "Payment",
        "PlatformFee",
        "ServiceLineItem",
        "Tenant",
        "User",
        "WebhookEndpoint",
    ]
    assert sorted(of_a.numbers) == [f"ACME-00000{n}" for n in range(1, 4)] + ["ACME-CN-000001"]
    # Each invoice's hosted page, and the credit note's.
    assert len(of_a.tokens) == len(of_a.ids["Invoice"]) + len(of_a.ids["CreditNote"]) == 5
    # B's own answers to the queries that take no argument name nothing of A's.
    named = [*of_a.of("id"), *of_a.numbers, *of_a.tokens]
    assert [value for value in named if any(value in text for text in of_b.texts)] == []
    # Dates, amounts and statuses both tenants share say nothing; A's own texts do.
    sweep = Sweep(graphql(b.key), {text for text in of_a.texts - of_b.texts if len(text) >= 6}, [])
    before = await snapshot()
    swept: dict[str, int] = {}
    found_by_a: dict[str, bool] = {}
    gate = asyncio.Semaphore(AT_ONCE)

    async def gated(call: Awaitable[None]) -> None:
        async with gate:
            await call

    for kind, name, field in operations():
        slots = list(slots_in(field.args))
        if not slots:
            continue
        slot_paths = {slot.path for slot in slots}
        calls = []
        for chosen, not_found in assignments(slots, of_a, of_b):
            try:
                values = arguments(field, chosen, slot_paths, kind == "mutation")
            except CannotFill as error:
                sweep.problems.append(f"{name}: cannot fill: {error}")
                break
            query = document(kind, name, field, values)
            calls.append(sweep.call(kind, name, query, values, not_found))
            if kind == "query" and not found_by_a.get(name):
                own = await graphql(a.key).query(query, **values)
                found_by_a[name] = not empty(own[name])
        await asyncio.gather(*map(gated, calls))
        swept[name] = len(calls)
        after = await snapshot()
        sweep.problems += [f"{name} changed rows: {change}" for change in changes(before, after)]
        before = after

    assert sweep.problems == [], "\n".join(sweep.problems)
    # Every operation that names something was reached (new ones join this list on their
    # own), and A's own key finds A's things with the same values: the calls could find.
    assert set(swept) >= {
        "organization",
        "contract",
        "contracts",
        "invoice",
        "invoiceByNumber",
        "invoices",
        "organizationProviderAccountLink",
        "organizationUpdate",
        "contractCreate",
        "contractUpdate",
        "serviceLineItemAdd",
        "serviceLineItemUpdate",
        "serviceLineItemRemove",
        "contractGoLive",
        "contractEnd",
        "contractCatchUpConfirm",
        "contractDelete",
        "invoiceStatusUpdate",
        "invoiceRelease",
        "invoiceResend",
        "creditNote",
        "creditNotes",
        "creditNoteCreate",
        "userRoleUpdate",
        "userRemove",
        "payment",
        "payments",
        "paymentRecord",
        "paymentDelete",
        "refundRecord",
        "bankTransaction",
        "bankTransactionMatch",
        "bankTransactionIgnore",
        "webhookDeliveries",
        "webhookEndpointUpdate",
        "webhookEndpointDelete",
        "webhookDeliveryRetry",
    }
    assert all(swept.values())
    print(f"isolation: {len(swept)} operations, {sum(swept.values())} calls")
    assert found_by_a == {
        name: True for kind, name, _ in operations() if kind == "query" and name in swept
    }


async def test_a_provider_event_naming_another_tenants_invoice_changes_nothing(api, drain_jobs):
    a = await world.everything(drain_jobs, "Acme Corp", "Globex", "ACME")
    b = await world.everything(drain_jobs, "Initech", "Umbrella", "INI")
    due = await Invoice.get(tenant=a.tenant, number="ACME-000003")
    metadata = {"remit_invoice_id": str(due.id), "remit_tenant_id": str(a.tenant.id)}
    paid = {
        "id": "pi_sweep",
        "object": "payment_intent",
        "amount": 129988,
        "amount_received": 129988,
        "currency": "eur",
        "customer": "cus_sweep",
        "payment_method": "pm_sweep",
        "status": "succeeded",
        "metadata": metadata,
    }
    refunded = {
        "id": "ch_sweep",
        "object": "charge",
        "amount": 129988,
        "amount_refunded": 129988,
        "currency": "eur",
        "payment_intent": "pi_sweep",
        "refunded": True,
        "metadata": metadata,
    }
    before = await snapshot()

    answers = []
    for number, (type_, obj) in enumerate(
        (("payment_intent.succeeded", paid), ("charge.refunded", refunded))
    ):
        for tenant_id in (str(a.tenant.id), str(b.tenant.id)):
            payload = event(type_, {**obj, "metadata": {**metadata, "remit_tenant_id": tenant_id}})
            payload["id"] = f"evt_sweep_{number}_{tenant_id[:8]}"
            headers, body = signed(payload, factories.STRIPE["webhook_secret"])
            response = await api.post(
                f"/webhooks/stripe/{b.tenant.id}", content=body, headers=headers
            )
            answers.append((response.status_code, response.json()["outcomes"]))

    assert answers == [(200, ["other tenant"]), (200, ["unknown invoice"])] * 2
    # B's route keeps the events it was sent as B's (so a replay is known), and nothing else.
    assert [change.split(":")[0] for change in changes(before, await snapshot())] == [
        "provider_event"
    ]
    assert sorted(await ProviderEvent.all().values_list("tenant_id", "type")) == [
        (b.tenant.id, "paid"),
        (b.tenant.id, "refunded"),
    ]
