"""Bank statements imported (CAMT.053 and CAMT.054), their transactions, and the credits that
wait to be matched to invoices by hand."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.file_uploads import Upload

from remit.billing import bank, payments
from remit.graph import uploads
from remit.graph.context import Info
from remit.graph.errors import UserError, payload
from remit.graph.money import Money
from remit.graph.nodes import Node
from remit.graph.pagination import Connection, paginate
from remit.graph.payments import PaymentAllocationInput
from remit.models import enums
from remit.models.bank import BankTransaction as BankTransactionModel
from remit.models.invoices import Invoice as InvoiceModel
from remit.models.organizations import Organization as OrganizationModel
from remit.models.payments import Payment as PaymentModel

if TYPE_CHECKING:
    from remit.graph.invoices import Invoice
    from remit.graph.organizations import Organization
    from remit.graph.payments import Payment

BankTransactionStatus = strawberry.enum(
    enums.BankTransactionStatus,
    description="UNMATCHED: a credit waiting to be matched or ignored. MATCHED: recorded as a "
    "payment. IGNORED: set aside by hand. NOT_A_PAYMENT: a debit or a returned transfer, "
    "shown and never matched.",
)


@strawberry.type
class BankTransactionSuggestion:
    model: strawberry.Private[InvoiceModel]
    same_amount: bool = strawberry.field(description="The invoice owes exactly the amount.")
    name_similarity: int = strawberry.field(
        description="How like the payer's name its organization's is, 0 to 100."
    )

    @strawberry.field
    def invoice(self) -> Annotated["Invoice", strawberry.lazy("remit.graph.invoices")]:
        from remit.graph.invoices import Invoice

        return Invoice.from_model(self.model)


@strawberry.type
class BankTransaction(Node):
    model: strawberry.Private[BankTransactionModel]
    status: BankTransactionStatus
    credit: bool = strawberry.field(description="Money in; false for a debit.")
    returned: bool = strawberry.field(description="A transfer sent back or reversed.")
    amount: Money
    booking_date: date | None
    value_date: date | None
    account_iban: str | None = strawberry.field(description="The tenant's account.")
    debtor_name: str | None
    debtor_iban: str | None
    reference: str | None = strawberry.field(description="The structured creditor reference.")
    remittance_information: str | None = strawberry.field(description="The payer's free text.")
    end_to_end_id: str | None
    bank_reference: str | None = strawberry.field(description="The bank's entry reference.")
    statement_kind: str = strawberry.field(description='e.g. "camt.053.001.08"')
    settled_by: str | None = strawberry.field(
        description="Who matched or ignored it: user:<email>, apikey:<prefix>, system"
    )
    created_at: datetime

    @strawberry.field(description="Whose payment it is, once matched.")
    async def organization(
        self, info: Info
    ) -> Annotated["Organization", strawberry.lazy("remit.graph.organizations")] | None:
        from remit.graph.organizations import Organization

        if self.model.organization_id is None:
            return None
        found = await info.context.loaders[OrganizationModel].load(self.model.organization_id)
        return Organization.from_model(found)

    @strawberry.field(description="The payment recorded for it, once matched.")
    async def payment(
        self, info: Info
    ) -> Annotated["Payment", strawberry.lazy("remit.graph.payments")] | None:
        from remit.graph.payments import Payment

        if self.model.payment_id is None:
            return None
        found = await info.context.loaders[PaymentModel].load(self.model.payment_id)
        return Payment.from_model(found) if found else None

    @strawberry.field(
        description="For an UNMATCHED credit, the open invoices it may pay: those owing its "
        "amount first, then by how like the payer's name their organization's is."
    )
    async def suggestions(self, info: Info) -> list[BankTransactionSuggestion]:
        found = await info.context.loaders.each(bank.suggestions).load(self.model.id)
        return [
            BankTransactionSuggestion(
                model=each.invoice,
                same_amount=each.same_amount,
                name_similarity=each.name_similarity,
            )
            for each in found
        ]

    @classmethod
    def from_model(cls, row: BankTransactionModel) -> "BankTransaction":
        return cls(
            model=row,
            id=strawberry.ID(str(row.id)),
            status=row.status,
            credit=row.credit,
            returned=row.returned,
            amount=Money.of(row.amount, row.currency),
            booking_date=row.booking_date,
            value_date=row.value_date,
            account_iban=row.account_iban,
            debtor_name=row.debtor_name,
            debtor_iban=row.debtor_iban,
            reference=row.reference,
            remittance_information=row.remittance,
            end_to_end_id=row.end_to_end_id,
            bank_reference=row.bank_reference,
            statement_kind=row.statement_kind,
            settled_by=row.settled_by,
            created_at=row.created_at,
        )


@strawberry.type
class BankStatementImport:
    kind: str = strawberry.field(description='The document read, e.g. "camt.053.001.08".')
    imported: int = strawberry.field(description="Entries stored now.")
    duplicates: int = strawberry.field(description="Entries stored before: left as they were.")
    matched: int = strawberry.field(description="Credits of this file recorded as payments.")
    unmatched: int = strawberry.field(description="Credits of this file waiting to be matched.")

    @classmethod
    def of(cls, result: bank.ImportResult) -> "BankStatementImport":
        return cls(
            kind=result.kind,
            imported=result.imported,
            duplicates=result.duplicates,
            matched=result.matched,
            unmatched=result.unmatched,
        )


@strawberry.type
class BankStatementImportPayload:
    statement_import: BankStatementImport | None
    errors: list[UserError]


@strawberry.type
class BankTransactionPayload:
    bank_transaction: BankTransaction | None
    errors: list[UserError]


@strawberry.input
class BankTransactionFilter:
    status: list[BankTransactionStatus] | None = None


@strawberry.type
class BankQuery:
    @strawberry.field
    async def bank_transaction(self, info: Info, id: strawberry.ID) -> BankTransaction | None:
        found = await info.context.loaders[BankTransactionModel].load(id)
        return BankTransaction.from_model(found) if found else None

    @strawberry.field(description="The tenant's bank transactions, newest first.")
    async def bank_transactions(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        filter: BankTransactionFilter | None = None,
    ) -> Connection[BankTransaction]:
        chosen = filter or BankTransactionFilter()
        found = bank.listed(info.context.tenant, chosen.status)
        return await paginate(
            found, BankTransaction.from_model, first=first, after=after, newest_first=True
        )


@strawberry.type
class BankMutation:
    @strawberry.mutation(
        description="Import a CAMT.053 or CAMT.054 bank statement (versions .001.02 to "
        ".001.08), sent as a multipart file upload. Entries stored before are left as they "
        "were; the credits are matched to invoices by reference, invoice number, or the "
        "payer's known IBAN and amount, and each match is a payment."
    )
    async def bank_statement_import(self, info: Info, file: Upload) -> BankStatementImportPayload:
        async def imported() -> bank.ImportResult:
            return await bank.import_statement(info.context.actor, await uploads.contents(file))

        return await payload(BankStatementImportPayload, imported(), BankStatementImport.of)

    @strawberry.mutation(
        description="Match a waiting (or ignored) credit to invoices by hand: a payment of "
        "their organization, applied as listed; the rest is its credit balance."
    )
    async def bank_transaction_match(
        self, info: Info, id: strawberry.ID, allocations: list[PaymentAllocationInput]
    ) -> BankTransactionPayload:
        given = [
            payments.AllocationInput(invoice_id=each.invoice_id, amount=each.amount)
            for each in allocations
        ]
        return await payload(
            BankTransactionPayload,
            bank.match(info.context.actor, id, given),
            BankTransaction.from_model,
        )

    @strawberry.mutation(description="Set a waiting credit aside: it pays no invoice.")
    async def bank_transaction_ignore(
        self, info: Info, id: strawberry.ID
    ) -> BankTransactionPayload:
        return await payload(
            BankTransactionPayload,
            bank.ignore(info.context.actor, id),
            BankTransaction.from_model,
        )
