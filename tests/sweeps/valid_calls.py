"""Valid calls of every operation, built from the schema: the starting point of the bad-input
sweep, which spoils one value of such a call at a time.

A tenant's world holds one thing of each kind an id can name (an organization, a DRAFT
contract with an item, a LIVE contract with a DUE invoice, a contract whose catch-up is held
with an ON_HOLD invoice, a LIVE contract due today and not invoiced yet, a DRAFT one-off
invoice). Every argument and every input field gets a valid value: from
VALID by the field's name (or its type and name) when it needs one, else from its type, so
a new operation or field is swept without editing the sweep; a guess that turns out invalid
fails the sweep's baseline check, loudly."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

from remit.billing import (
    bank,
    contracts,
    credit_notes,
    issuing,
    line_items,
    one_off,
    payments,
    users,
    webhooks,
)
from remit.billing.roles import Actor
from remit.graph.pagination import encode_cursor
from remit.models.contracts import ServiceLineItem
from remit.models.invoices import Invoice, InvoiceLine
from remit.models.users import UserRole
from remit.models.webhooks import WebhookDelivery
from tests import factories
from tests.camt_files import Credit, statement

TODAY = date(2027, 5, 15)
# The logo's address in the valid calls: the sweeps' fixtures answer it with an image.
LOGO_URL = "https://acme.example/logo.png"
WEBHOOK_URL = "https://93.184.215.14/remit-events"


@dataclass(frozen=True)
class Upload:
    """A file for an `Upload` argument: a call holding one is sent as a multipart request
    (`request`), the file in place of the variable."""

    content: bytes


def request(query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of httpx's post for a GraphQL call: a JSON body (encoded here,
    ASCII-escaped, since a lone surrogate cannot be sent as UTF-8), or a multipart one when
    an argument is a file."""
    files = {name: value for name, value in variables.items() if isinstance(value, Upload)}
    if not files:
        body = json.dumps({"query": query, "variables": variables})
        return {"content": body, "headers": {"Content-Type": "application/json"}}
    operations = {"query": query, "variables": {**variables, **dict.fromkeys(files)}}
    return {
        "data": {
            "operations": json.dumps(operations),
            "map": json.dumps({str(n): [f"variables.{name}"] for n, name in enumerate(files)}),
        },
        "files": {
            str(n): (f"{name}.png", upload.content, "image/png")
            for n, (name, upload) in enumerate(files.items())
        },
    }


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" or "mutation"
    name: str
    field: GraphQLField


def swept_operations(schema: GraphQLSchema) -> list[Operation]:
    """Every mutation and every query that takes arguments."""
    roots = (("query", schema.query_type), ("mutation", schema.mutation_type))
    return [
        Operation(kind, name, field)
        for kind, root in roots
        for name, field in root.fields.items()
        if field.args
    ]


@dataclass(frozen=True)
class World:
    key: str
    organization: str
    draft_contract: str
    draft_item: str
    live_contract: str
    due_invoice: str
    due_invoice_number: str
    due_invoice_line: str
    credit_note: str
    due_organization: str
    payment: str
    held_contract: str
    held_invoice: str
    due_contract: str
    draft_invoice: str
    user: str
    bank_transaction: str
    webhook_endpoint: str
    webhook_delivery: str


async def build_world() -> World:
    """Call within `clock.frozen(TODAY)`."""
    tenant, key = await factories.ready_tenant()
    actor = Actor.system(tenant)
    organization = await factories.organization(tenant)
    member = await users.invite(actor, "member@example.com", UserRole.MEMBER, "Member")
    draft = await contracts.create(
        actor,
        {"organization_id": organization.id, "name": "Draft deal", "invoicing_start_date": TODAY},
    )
    await line_items.add(actor, draft.id, factories.WORKED_EXAMPLE[0])
    item = await ServiceLineItem.get(contract=draft)
    # Told of the invoice issued below: one delivery, whose job the sweep never runs.
    endpoint = await webhooks.create(actor, WEBHOOK_URL, ["invoice.issued"], "Sweep")
    live = await factories.live_contract(tenant, date(2027, 5, 1), organization_name="Initech")
    due = await Invoice.get(id=(await issuing.issue(live.id, date(2027, 5, 1), TODAY)).invoice_id)
    # Five monthly periods due at once: more than the catch-up limit, so the first is held.
    held_contract = await factories.live_contract(
        tenant, date(2027, 1, 1), organization_name="Hooli"
    )
    held = await issuing.issue(held_contract.id, date(2027, 1, 1), TODAY)
    seats = await InvoiceLine.get(invoice=due, name="Seats")
    credit_note = await credit_notes.create(
        actor, due.id, "Sweep", [{"invoice_line_id": seats.id, "quantity": "1"}]
    )
    # Money paid ahead by the first organization: its credit, left to refund or delete.
    payment = await payments.record(
        actor,
        payments.PaymentInput(
            organization_id=str(organization.id), amount="10.00", currency="EUR", received_on=TODAY
        ),
    )
    due_contract = await factories.live_contract(tenant, TODAY, organization_name="Umbrella")
    drafted = await one_off.create(
        actor,
        {"organization_id": organization.id, "lines": [{"name": "Workshop", "price": "900"}]},
    )
    # A credit from a payer Remit does not know, waiting to be matched or ignored.
    await bank.import_statement(actor, STATEMENT)
    [waiting] = await bank.listed(tenant)
    return World(
        key=key,
        organization=str(organization.id),
        draft_contract=str(draft.id),
        draft_item=str(item.id),
        live_contract=str(live.id),
        due_invoice=str(due.id),
        due_invoice_number=due.number,
        due_invoice_line=str(seats.id),
        credit_note=str(credit_note.id),
        due_organization=str(due.organization_id),
        payment=str(payment.id),
        held_contract=str(held_contract.id),
        held_invoice=str(held.invoice_id),
        due_contract=str(due_contract.id),
        draft_invoice=str(drafted.id),
        user=str(member.id),
        bank_transaction=str(waiting.id),
        webhook_endpoint=str(endpoint.endpoint.id),
        webhook_delivery=str((await WebhookDelivery.get()).id),
    )


# The object an `id` argument names, by the operation's name: a prefix gives the kind, and
# a few operations need one in a particular state.
ID_BY_OPERATION = {
    "contractEnd": "live_contract",
    "contractCatchUpConfirm": "held_contract",
    "invoiceRelease": "held_invoice",
    "contractInvoiceNow": "due_contract",
    "invoiceUpdate": "draft_invoice",
    "invoiceDelete": "draft_invoice",
    "invoiceIssue": "draft_invoice",
}
ID_BY_PREFIX = {
    "bankTransaction": "bank_transaction",
    "creditNote": "credit_note",
    "serviceLineItem": "draft_item",
    "organization": "organization",
    "contract": "draft_contract",
    "invoice": "due_invoice",
    "user": "user",
    "payment": "payment",
    "webhookEndpoint": "webhook_endpoint",
    "webhookDelivery": "webhook_delivery",
}
IDS_BY_NAME = {
    # A payment applied to the DUE invoice: paid by that invoice's organization.
    "paymentRecord.organizationId": "due_organization",
    "organizationId": "organization",
    "contractId": "draft_contract",
    "invoiceId": "due_invoice",
    "paymentId": "payment",
    "invoiceLineId": "due_invoice_line",
    "endpointId": "webhook_endpoint",
}


def world_id(world: World, operation: str, name: str) -> str:
    for key in (f"{operation}.{name}", name):
        if key in IDS_BY_NAME:
            return getattr(world, IDS_BY_NAME[key])
    if name == "id":
        if operation in ID_BY_OPERATION:
            return getattr(world, ID_BY_OPERATION[operation])
        for prefix, attribute in ID_BY_PREFIX.items():
            if operation.startswith(prefix):
                return getattr(world, attribute)
    raise LookupError(f"The sweep knows no object for {operation}({name}: ID): add it above.")


STATEMENT = statement(
    [Credit("50.00", debtor_name="Nobody Known", text="Sweep", bank_reference="SWEEP-1")],
    "camt.053.001.08",
)

# Valid values where the type alone does not give one: by "Type.field", then by field name.
VALID: dict[str, Any] = {
    "BankTransactionFilter.status": ["UNMATCHED"],
    # A new statement: its one entry is not the world's, so the import stores it.
    "bankStatementImport.file": Upload(STATEMENT.replace(b"SWEEP-1", b"SWEEP-2")),
    "InvoiceStatusUpdateInput.status": "PAID",
    "ProviderAccountInput.provider": "stripe",
    "PaymentProviderConfigureInput.provider": "bank_transfer",
    "PaymentProviderConfigureInput.settings": factories.BANK_TRANSFER,
    "ContractFilter.status": ["DRAFT"],
    "InvoiceFilter.status": ["DUE"],
    # A credit note of lines, each by quantity: not also the full invoice, nor an amount.
    "CreditNoteInput.fullCredit": False,
    "CreditNoteLineInput.amount": None,
    # The DUE invoice is unpaid: a credit note lowers what it owes, there is nothing to refund.
    "CreditNoteInput.refund": False,
    "name": "Sweep",
    "legalName": "Sweep GmbH",
    "vatNumber": "DE123456789",
    "email": "billing@acme.com",
    "phone": "+49 30 123456",
    "logoUrl": LOGO_URL,
    # A file: sent in a multipart request (see `Upload`).
    "file": Upload(factories.png()),
    "brandColor": "#1A73E8",
    "defaultCurrency": "EUR",
    "defaultLocale": "fr-FR",
    "locale": "de-DE",
    "EmailTextInput.kind": "invoice",
    "EmailTextInput.language": "de",
    "EmailTextInput.subject": "Ihre Rechnung {number}",
    "EmailTextInput.intro": "Guten Tag,\n\nanbei Ihre Rechnung {number}.",
    "currency": "EUR",
    "invoiceNumberPrefix": "ACME",
    "sendInvoicesFrom": "billing@acme.com",
    "sendInvoicesBcc": ["audit@acme.com"],
    # The days of the steps given with them (each DunningStepInput), as they must be.
    "reminderDays": [7],
    "DunningStepInput.offsetDays": 7,
    # A late fee is a percent or a fixed amount, not both.
    "LateFeeInput.percent": None,
    "cardRetryDays": [3, 5],
    "dueDays": 14,
    "defaultDueDays": 14,
    "country": "DE",
    "billingEmails": ["ap@globex.com"],
    "billingEmail": "ap@globex.com",
    "billingEmailsCc": ["cc@globex.com"],
    "paymentProviders": ["bank_transfer"],
    "autoCharge": False,
    "price": "12.50",
    "quantity": "2",
    "taxRate": "19",
    "startDate": "2027-06-01",
    "endDate": "2027-12-31",
    "invoicingStartDate": "2027-06-01",
    "issuedFrom": "2027-01-01",
    "issuedTo": "2027-12-31",
    "paidOn": TODAY.isoformat(),
    "receivedOn": TODAY.isoformat(),
    "refundedOn": TODAY.isoformat(),
    "PaymentRecordInput.method": "manual",
    "kind": "bank_transfer",
    "customerRef": "cus_sweep",
    "paymentMethodRef": "pm_sweep",
    "search": "Glo",
    # A public address, given as one: no name to resolve.
    "url": WEBHOOK_URL,
    "events": ["invoice.paid"],
    "first": 10,
}
BY_SCALAR = {"String": "Sweep", "Int": 1, "Boolean": True, "Date": "2027-06-01", "Decimal": "1"}


def valid_value(world: World, operation: str, owner: str, name: str, kind: GraphQLInputType):
    """A valid value for the argument or input field `name` of `owner` (the input type's
    name, or the operation's for an argument)."""
    for key in (f"{owner}.{name}", name):
        if key in VALID:
            return VALID[key]
    if name == "after":
        return encode_cursor(datetime(2020, 1, 1, tzinfo=UTC), world_id(world, "contract", "id"))
    named = get_named_type(kind)
    if named.name == "ID":
        value = world_id(world, operation, name)
    elif isinstance(named, GraphQLInputObjectType):
        value = {
            field: valid_value(world, operation, named.name, field, inner.type)
            for field, inner in named.fields.items()
        }
    elif isinstance(named, GraphQLEnumType):
        value = next(iter(named.values))
    elif isinstance(named, GraphQLScalarType) and named.name in BY_SCALAR:
        value = BY_SCALAR[named.name]
    else:
        raise LookupError(f"The sweep has no valid value for {owner}.{name}: add one to VALID.")
    kind = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    return [value] if isinstance(kind, GraphQLList) else value


def baseline(world: World, operation: Operation) -> dict[str, Any]:
    """A valid value for every argument of `operation`, as the call's variables."""
    return {
        name: valid_value(world, operation.name, operation.name, name, argument.type)
        for name, argument in operation.field.args.items()
    }


def document(operation: Operation) -> str:
    """The operation with every argument a variable, asking for its errors when it has
    them (a mutation's payload) and its type's name otherwise."""
    definitions = ", ".join(f"${name}: {arg.type}" for name, arg in operation.field.args.items())
    arguments = ", ".join(f"{name}: ${name}" for name in operation.field.args)
    returned = get_named_type(operation.field.type)
    selection = ""
    if isinstance(returned, GraphQLObjectType):
        asked = "errors { field message code }" if "errors" in returned.fields else ""
        selection = f"{{ __typename {asked} }}"
    return f"{operation.kind} Sweep({definitions}) {{ {operation.name}({arguments}) {selection} }}"
