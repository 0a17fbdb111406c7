// Bank: statements imported (CAMT.053 or CAMT.054, as the bank exports them), and their
// transactions by status. A credit no rule matched waits with the open invoices it may pay:
// one click records it as that invoice's payment, or sets it aside. Viewers only look.
import { Alert, Badge, Button, Chip, FileButton, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';

import { useSession } from '../api/session';
import { graphql } from '../gql';
import type { BankScreenQuery, BankStatementUploadMutation, BankTransactionStatus } from '../gql/graphql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Money } from '../components/Money';
import { Pager, useCursorPages } from '../components/Pager';
import { Screen, Section } from '../components/Section';
import { mapErrors } from '../lib/errors';
import type { ApiUserError } from '../lib/errors';
import { groupIban } from '../lib/iban';
import { smallerAmount } from '../lib/money';
import { saved } from '../lib/notify';
import { OrganizationChoices } from './Invoices';

const PAGE = 25;
const STATUSES: { value: BankTransactionStatus; label: string }[] = [
  { value: 'UNMATCHED', label: 'Unmatched' },
  { value: 'MATCHED', label: 'Matched' },
  { value: 'IGNORED', label: 'Ignored' },
  { value: 'NOT_A_PAYMENT', label: 'Not a payment' },
];

const BankQuery = graphql(`
  query BankScreen($first: Int!, $after: String, $filter: BankTransactionFilter) {
    bankTransactions(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          status
          credit
          returned
          amount {
            amount
            currency
            formatted
          }
          bookingDate
          valueDate
          debtorName
          debtorIban
          reference
          remittanceInformation
          settledBy
          organization {
            id
            name
          }
          suggestions {
            sameAmount
            nameSimilarity
            invoice {
              id
              number
              dueDate
              amountDue {
                amount
                currency
                formatted
              }
              organization {
                id
                name
              }
            }
          }
        }
      }
    }
  }
`);

const Import = graphql(`
  mutation BankStatementUpload($file: Upload!) {
    bankStatementImport(file: $file) {
      statementImport {
        kind
        imported
        duplicates
        matched
        unmatched
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Match = graphql(`
  mutation BankTransactionMatch($id: ID!, $allocations: [PaymentAllocationInput!]!) {
    bankTransactionMatch(id: $id, allocations: $allocations) {
      bankTransaction {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const OpenInvoices = graphql(`
  query BankOpenInvoices($organizationId: ID!) {
    invoices(first: 50, filter: { organizationId: $organizationId, status: [DUE, OVERDUE] }) {
      edges {
        node {
          id
          number
          amountDue {
            amount
            currency
            formatted
          }
        }
      }
    }
  }
`);

const Ignore = graphql(`
  mutation BankTransactionIgnore($id: ID!) {
    bankTransactionIgnore(id: $id) {
      bankTransaction {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

type Transaction = BankScreenQuery['bankTransactions']['edges'][number]['node'];
type Suggestion = Transaction['suggestions'][number];
type ImportCounts = NonNullable<BankStatementUploadMutation['bankStatementImport']['statementImport']>;

/** The messages of a mutation that was not done: the request's, then its typed errors (no
 * form here: each with the argument it is about). */
function problemsOf(error: Parameters<typeof requestErrors>[0], errors: readonly ApiUserError[] = []) {
  return [...requestErrors(error), ...mapErrors(errors, []).general];
}

export function Bank() {
  const { session } = useSession();
  const canAct = session?.user.role !== 'VIEWER';
  const pages = useCursorPages();
  const [status, setStatus] = useState<BankTransactionStatus>('UNMATCHED');
  const [result, refetch] = useQuery({
    query: BankQuery,
    variables: { first: PAGE, after: pages.after, filter: { status: [status] } },
  });
  const [problems, setProblems] = useState<string[]>([]);
  const [counts, setCounts] = useState<ImportCounts | null>(null);
  const connection = result.data?.bankTransactions;
  const transactions = connection?.edges.map((edge) => edge.node) ?? [];
  return (
    <Screen
      title="Bank"
      actions={
        canAct && (
          <StatementUpload
            onImported={(imported) => {
              setCounts(imported);
              setProblems([]);
              // The import answers with counts, no transaction: the cache cannot tell what it changed.
              refetch({ requestPolicy: 'network-only' });
            }}
            onRefused={(messages) => {
              setCounts(null);
              setProblems(messages);
            }}
          />
        )
      }
    >
      {counts && (
        <Alert
          color="green"
          title={`Statement imported (${counts.kind})`}
          aria-label="Statement imported"
          withCloseButton
          onClose={() => setCounts(null)}
        >
          {counts.imported} imported, {counts.duplicates} already imported, {counts.matched} matched,{' '}
          {counts.unmatched} unmatched
        </Alert>
      )}
      <GeneralErrors messages={[...problems, ...requestErrors(result.error)]} />
      <Chip.Group
        multiple={false}
        value={status}
        onChange={(value) => {
          setStatus(value as BankTransactionStatus);
          pages.reset();
        }}
      >
        <Group gap="xs" aria-label="Status" role="radiogroup">
          {STATUSES.map(({ value, label }) => (
            <Chip key={value} value={value} size="sm">
              {label}
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      <Section title="Transactions">
        {transactions.length === 0 ? (
          <Text c="dimmed">No transaction.</Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label="Bank transactions" verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Date</Table.Th>
                  <Table.Th>Payer</Table.Th>
                  <Table.Th>Reference</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {transactions.map((transaction) => (
                  <TransactionRows key={transaction.id} transaction={transaction} canAct={canAct} onProblems={setProblems} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <Pager pages={pages} pageInfo={connection?.pageInfo} totalCount={connection?.totalCount} />
      </Section>
    </Screen>
  );
}

function StatementUpload({
  onImported,
  onRefused,
}: {
  onImported: (counts: ImportCounts) => void;
  onRefused: (messages: string[]) => void;
}) {
  const [{ fetching }, upload] = useMutation(Import);
  // Cleared after each upload, so that the same file can be chosen again.
  const reset = useRef<() => void>(null);
  return (
    <FileButton
      resetRef={reset}
      accept=".xml,application/xml,text/xml"
      onChange={async (file) => {
        if (!file) return;
        const outcome = await upload({ file });
        reset.current?.();
        const payload = outcome.data?.bankStatementImport;
        const messages = problemsOf(outcome.error, payload?.errors);
        if (payload?.statementImport && messages.length === 0) onImported(payload.statementImport);
        else onRefused(messages);
      }}
    >
      {(props) => (
        <Button {...props} loading={fetching}>
          Import a statement
        </Button>
      )}
    </FileButton>
  );
}

function TransactionRows({
  transaction,
  canAct,
  onProblems,
}: {
  transaction: Transaction;
  canAct: boolean;
  onProblems: (messages: string[]) => void;
}) {
  const [{ fetching: matching }, match] = useMutation(Match);
  const [{ fetching: ignoring }, ignore] = useMutation(Ignore);
  const [choosing, setChoosing] = useState(false);
  const waiting = transaction.status === 'UNMATCHED';
  const payer = transaction.debtorName ?? (transaction.credit ? 'Unknown payer' : 'Debit');

  async function matchTo({ invoice }: Suggestion) {
    const amount = applicable(transaction, invoice);
    const outcome = await match({ id: transaction.id, allocations: [{ invoiceId: invoice.id, amount }] });
    const messages = problemsOf(outcome.error, outcome.data?.bankTransactionMatch.errors);
    onProblems(messages);
    if (messages.length === 0) saved(`Recorded as a payment of ${invoice.number}`);
  }

  async function setAside() {
    const outcome = await ignore({ id: transaction.id });
    const messages = problemsOf(outcome.error, outcome.data?.bankTransactionIgnore.errors);
    onProblems(messages);
    if (messages.length === 0) saved('Transaction ignored');
  }

  return (
    <>
      <Table.Tr aria-label={`${payer} ${transaction.amount.formatted}`}>
        <Table.Td style={{ whiteSpace: 'nowrap' }}>{transaction.valueDate ?? transaction.bookingDate ?? '—'}</Table.Td>
        <Table.Td>
          <Text size="sm">{payer}</Text>
          {transaction.debtorIban && (
            <Text size="xs" c="dimmed" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
              {groupIban(transaction.debtorIban)}
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          {transaction.reference && (
            <Text size="sm" ff="monospace">
              {transaction.reference}
            </Text>
          )}
          {transaction.remittanceInformation && (
            <Text size="sm" c={transaction.reference ? 'dimmed' : undefined}>
              {transaction.remittanceInformation}
            </Text>
          )}
        </Table.Td>
        <Table.Td ta="right">
          <Money value={transaction.amount} c={transaction.credit ? undefined : 'red'} />
        </Table.Td>
        <Table.Td ta="right">
          <Outcome transaction={transaction} />
          {waiting && canAct && (
            <Group gap={4} justify="flex-end" wrap="nowrap">
              <Button size="compact-xs" variant="subtle" onClick={() => setChoosing(true)}>
                Match…
              </Button>
              <Button size="compact-xs" variant="subtle" color="gray" loading={ignoring} onClick={setAside}>
                Ignore
              </Button>
            </Group>
          )}
          <Modal opened={choosing} onClose={() => setChoosing(false)} title="Match to an invoice">
            <MatchForm transaction={transaction} onDone={() => setChoosing(false)} />
          </Modal>
        </Table.Td>
      </Table.Tr>
      {waiting && (
        <Table.Tr>
          <Table.Td />
          <Table.Td colSpan={4}>
            <Suggestions transaction={transaction} canAct={canAct} busy={matching} onMatch={matchTo} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

interface Owing {
  amountDue: { amount: string };
}

/** What of the transfer goes to the invoice: what the invoice still owes, at most (a payment
 * may not apply more to it); the rest of a larger transfer stays its organization's credit. */
function applicable(transaction: Transaction, invoice: Owing): string {
  return smallerAmount(transaction.amount.amount, invoice.amountDue.amount);
}

/** Any open invoice in the transfer's currency, of an organization searched by name, and how
 * much of the transfer goes to it. */
function MatchForm({ transaction, onDone }: { transaction: Transaction; onDone: () => void }) {
  const [, match] = useMutation(Match);
  const [search, setSearch] = useState('');
  const form = useForm({ initialValues: { organizationId: '', invoiceId: '', amount: '' } });
  const { general, busy, submit } = useSubmit(form);
  const [organizations] = useQuery({ query: OrganizationChoices, variables: { search: search || null } });
  const organizationId = form.getValues().organizationId;
  const [open] = useQuery({
    query: OpenInvoices,
    variables: { organizationId },
    pause: !organizationId,
  });
  const invoices = (open.data?.invoices.edges ?? [])
    .map((edge) => edge.node)
    .filter((invoice) => invoice.amountDue.currency === transaction.amount.currency);
  return (
    <form
      onSubmit={form.onSubmit(async (values) => {
        const accepted = await submit(async () => {
          const outcome = await match({
            id: transaction.id,
            allocations: [{ invoiceId: values.invoiceId, amount: values.amount }],
          });
          // The one allocation's fields are the form's own: ["allocations", "0", "amount"].
          const errors = outcome.data?.bankTransactionMatch.errors.map((error) =>
            error.field?.[0] === 'allocations' && error.field.length === 3 ? { ...error, field: [error.field[2]] } : error,
          );
          return { error: outcome.error, errors };
        }, 'Recorded as a payment');
        if (accepted) onDone();
      })}
    >
      <Stack>
        <Text size="sm">
          <Money value={transaction.amount} /> from {transaction.debtorName ?? 'an unknown payer'}: what is not applied to
          the invoice is its organization's credit.
        </Text>
        <GeneralErrors messages={general} />
        <Select
          label="Organization"
          searchable
          required
          data={organizations.data?.organizations.edges.map(({ node }) => ({ value: node.id, label: node.name })) ?? []}
          onSearchChange={setSearch}
          {...form.getInputProps('organizationId')}
          onChange={(value) => form.setValues({ organizationId: value ?? '', invoiceId: '', amount: '' })}
        />
        <Select
          label="Invoice"
          required
          disabled={!organizationId}
          nothingFoundMessage={`No open invoice in ${transaction.amount.currency}`}
          data={invoices.map((invoice) => ({
            value: invoice.id,
            label: `${invoice.number} · owes ${invoice.amountDue.formatted}`,
          }))}
          {...form.getInputProps('invoiceId')}
          onChange={(value) => {
            const invoice = invoices.find((each) => each.id === value);
            form.setValues({ invoiceId: value ?? '', amount: invoice ? applicable(transaction, invoice) : '' });
          }}
        />
        <TextInput label="Amount applied" inputMode="decimal" required {...form.getInputProps('amount')} />
        <Group>
          <Button type="submit" loading={busy}>
            Match
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** What became of a transaction that does not wait any more. */
function Outcome({ transaction }: { transaction: Transaction }) {
  switch (transaction.status) {
    case 'MATCHED':
      return (
        <Text size="sm">
          {transaction.organization ? (
            <Link to={`/organizations/${transaction.organization.id}`}>{transaction.organization.name}</Link>
          ) : (
            'Matched'
          )}
          {transaction.settledBy && (
            <Text span size="xs" c="dimmed" display="block">
              {transaction.settledBy}
            </Text>
          )}
        </Text>
      );
    case 'IGNORED':
      return (
        <Text size="xs" c="dimmed">
          Ignored{transaction.settledBy && ` by ${transaction.settledBy}`}
        </Text>
      );
    case 'NOT_A_PAYMENT':
      return (
        <Badge variant="light" color="gray">
          {transaction.returned ? 'Returned' : 'Debit'}
        </Badge>
      );
    default:
      return null;
  }
}

function Suggestions({
  transaction,
  canAct,
  busy,
  onMatch,
}: {
  transaction: Transaction;
  canAct: boolean;
  busy: boolean;
  onMatch: (suggestion: Suggestion) => void;
}) {
  if (transaction.suggestions.length === 0) {
    return (
      <Text size="xs" c="dimmed">
        No suggestion: no open invoice owes this amount, and no organization's name is like the payer's.
      </Text>
    );
  }
  return (
    <Stack gap={4} aria-label={`Suggestions for ${transaction.debtorName ?? 'the payer'}`}>
      {transaction.suggestions.map((suggestion) => {
        const { invoice } = suggestion;
        return (
          <Group key={invoice.id} gap="xs" wrap="wrap" aria-label={`Suggested ${invoice.number}`}>
            <Text size="sm">
              <Link to={`/invoices/${invoice.id}`}>{invoice.number}</Link> · {invoice.organization.name}
              {invoice.dueDate && ` · due ${invoice.dueDate}`} · owes <Money value={invoice.amountDue} />
            </Text>
            {suggestion.sameAmount && (
              <Badge size="xs" variant="light" color="green">
                same amount
              </Badge>
            )}
            {suggestion.nameSimilarity > 0 && (
              <Badge size="xs" variant="light" color="gray">
                name {suggestion.nameSimilarity}% alike
              </Badge>
            )}
            {canAct && (
              <Button
                size="compact-xs"
                variant="light"
                loading={busy}
                aria-label={`Match to ${invoice.number}`}
                onClick={() => onMatch(suggestion)}
              >
                Match
              </Button>
            )}
          </Group>
        );
      })}
    </Stack>
  );
}
