// An invoice: its lines and totals, its events, links to its PDF and hosted page, resend,
// and the status control: a click on Due/Overdue marks it paid (on a date) or voids it (with
// a note); on a manually paid invoice it undoes the payment. ON_HOLD shows why, and Release.
import { Alert, Anchor, Button, Checkbox, Group, List, Menu, Modal, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Timeline, UnstyledButton } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';

import { useInvoiceChanges } from '../api/live';
import { graphql } from '../gql';
import type { InvoiceScreenQuery, InvoiceStatus } from '../gql/graphql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Money } from '../components/Money';
import { Screen, Section } from '../components/Section';
import { StatusBadge, statusLabel } from '../components/StatusBadge';
import { saved } from '../lib/notify';
import { InvoicePayments, PaymentForm } from './Payments';

const InvoiceQuery = graphql(`
  query InvoiceScreen($id: ID!) {
    invoice(id: $id) {
      id
      number
      status
      currency
      issueDate
      dueDate
      periodStart
      periodEnd
      holdReasons
      publicUrl
      pdfUrl
      sentAt
      paidAt
      paidOn
      voidedAt
      subtotal {
        amount
        currency
        formatted
      }
      tax {
        amount
        currency
        formatted
      }
      total {
        amount
        currency
        formatted
      }
      amountPaid {
        amount
        currency
        formatted
      }
      amountDue {
        amount
        currency
        formatted
      }
      customer {
        name
        email
      }
      organization {
        id
        name
      }
      contract {
        id
        name
        oneOff
      }
      lines {
        id
        name
        billed
        quantity
        unitPrice {
          amount
          currency
          formatted
        }
        taxRate
        total {
          amount
          currency
          formatted
        }
      }
      payments {
        amount {
          amount
          currency
          formatted
        }
        fromCredit
        payment {
          id
          method
          reference
          receivedOn
        }
      }
      creditNotes {
        id
        number
        issueDate
        reason
        refund
        total {
          amount
          currency
          formatted
        }
        pdfUrl
      }
      events {
        at
        type
        fromStatus
        toStatus
        actor
        detail
      }
    }
  }
`);

const StatusUpdate = graphql(`
  mutation InvoiceStatusUpdate($id: ID!, $input: InvoiceStatusUpdateInput!) {
    invoiceStatusUpdate(id: $id, input: $input) {
      invoice {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Release = graphql(`
  mutation InvoiceRelease($id: ID!) {
    invoiceRelease(id: $id) {
      invoice {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const CreditNoteCreate = graphql(`
  mutation CreditNoteCreate($input: CreditNoteInput!) {
    creditNoteCreate(input: $input) {
      creditNote {
        id
        number
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Issue = graphql(`
  mutation InvoiceIssue($id: ID!) {
    invoiceIssue(id: $id) {
      invoice {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Delete = graphql(`
  mutation InvoiceDelete($id: ID!) {
    invoiceDelete(id: $id) {
      deletedId
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Resend = graphql(`
  mutation InvoiceResend($id: ID!) {
    invoiceResend(id: $id) {
      invoice {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

type Invoice = NonNullable<InvoiceScreenQuery['invoice']>;
type Dialog = 'paid' | 'payment' | 'void' | 'credit' | null;

const today = () => new Date().toISOString().slice(0, 10);

export function InvoicePage() {
  const { id = '' } = useParams();
  const [result, refetch] = useQuery({ query: InvoiceQuery, variables: { id } });
  useInvoiceChanges(() => refetch({ requestPolicy: 'network-only' }), id);
  const invoice = result.data?.invoice;
  if (!invoice) {
    return <GeneralErrors messages={result.data ? ['There is no such invoice.'] : requestErrors(result.error)} />;
  }
  return (
    <Screen
      title={
        <Group gap="sm" component="span">
          {invoice.number ? `Invoice ${invoice.number}` : 'Invoice (not numbered yet)'}
          <StatusControl invoice={invoice} />
        </Group>
      }
      actions={<Actions invoice={invoice} />}
    >
      <Text size="sm">
        <Link to={`/organizations/${invoice.organization.id}`}>{invoice.organization.name}</Link> ·{' '}
        {invoice.contract.oneOff ? (
          'One-off invoice'
        ) : (
          <>
            <Link to={`/contracts/${invoice.contract.id}`}>{invoice.contract.name}</Link> · {invoice.periodStart} – {invoice.periodEnd}
          </>
        )}
      </Text>
      {invoice.status === 'ON_HOLD' && <Hold invoice={invoice} />}
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Fact label="Issued" value={invoice.issueDate ?? '—'} />
        <Fact label="Due" value={invoice.dueDate ?? '—'} />
        <Fact label="Total" value={<Money value={invoice.total} />} />
        <Fact label="Amount due" value={<Money value={invoice.amountDue} />} />
        {invoice.paidOn && <Fact label="Paid on" value={invoice.paidOn} />}
      </SimpleGrid>
      <Lines invoice={invoice} />
      {invoice.payments.length > 0 && <InvoicePayments payments={invoice.payments} />}
      {invoice.creditNotes.length > 0 && <CreditNotes invoice={invoice} />}
      <Section title="Events">
        <Timeline bulletSize={14} lineWidth={2} active={invoice.events.length}>
          {invoice.events.map((event, index) => (
            <Timeline.Item key={index} title={eventTitle(event)}>
              <Text size="xs" c="dimmed">
                {new Date(event.at).toLocaleString()} · {event.actor}
              </Text>
              {event.detail && <Text size="sm">{event.detail}</Text>}
            </Timeline.Item>
          ))}
        </Timeline>
      </Section>
    </Screen>
  );
}

function eventTitle(event: Invoice['events'][number]): string {
  const words = event.type.replace(/[_.]/g, ' ');
  if (event.fromStatus && event.toStatus) {
    return `${words}: ${statusLabel(event.fromStatus)} → ${statusLabel(event.toStatus)}`;
  }
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function Fact({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase">
        {label}
      </Text>
      <Text fw={500}>{value}</Text>
    </div>
  );
}

function Actions({ invoice }: { invoice: Invoice }) {
  const [resending, resend] = useMutation(Resend);
  const [problems, setProblems] = useState<string[]>([]);
  const issued = invoice.number !== null && invoice.number !== undefined;
  return (
    <Stack gap={4} align="flex-end">
      {invoice.contract.oneOff && invoice.status === 'DRAFT' && <DraftActions invoice={invoice} />}
      <Group gap="xs">
        <Button component="a" href={invoice.pdfUrl} target="_blank" rel="noopener" variant="default" size="xs" disabled={!issued}>
          PDF
        </Button>
        <Button component="a" href={invoice.publicUrl} target="_blank" rel="noopener" variant="default" size="xs">
          Hosted page
        </Button>
        {(invoice.status === 'DUE' || invoice.status === 'OVERDUE') && (
          <Button
            size="xs"
            variant="light"
            loading={resending.fetching}
            onClick={async () => {
              const result = await resend({ id: invoice.id });
              const errors = result.data?.invoiceResend.errors ?? [];
              setProblems([...requestErrors(result.error), ...errors.map((error) => error.message)]);
              if (result.data && errors.length === 0) saved('Invoice sent again');
            }}
          >
            Resend
          </Button>
        )}
      </Group>
      <GeneralErrors messages={problems} />
    </Stack>
  );
}

/** A one-off invoice's draft: edited, issued (numbered, emailed, charged) or deleted. */
function DraftActions({ invoice }: { invoice: Invoice }) {
  const navigate = useNavigate();
  const [issuing, issue] = useMutation(Issue);
  const [deleting, remove] = useMutation(Delete);
  const [problems, setProblems] = useState<string[]>([]);
  return (
    <>
      <Group gap="xs">
        <Button component={Link} to={`/invoices/${invoice.id}/edit`} variant="default" size="xs">
          Edit
        </Button>
        <Button
          size="xs"
          color="red"
          variant="subtle"
          loading={deleting.fetching}
          onClick={async () => {
            const result = await remove({ id: invoice.id });
            const errors = result.data?.invoiceDelete.errors ?? [];
            setProblems([...requestErrors(result.error), ...errors.map((error) => error.message)]);
            if (result.data?.invoiceDelete.deletedId) {
              saved('Draft deleted');
              navigate('/invoices');
            }
          }}
        >
          Delete
        </Button>
        <Button
          size="xs"
          color="green"
          loading={issuing.fetching}
          onClick={async () => {
            const result = await issue({ id: invoice.id });
            const errors = result.data?.invoiceIssue.errors ?? [];
            setProblems([...requestErrors(result.error), ...errors.map((error) => error.message)]);
            if (result.data && errors.length === 0) saved('Invoice issued');
          }}
        >
          Issue
        </Button>
      </Group>
      <GeneralErrors messages={problems} />
    </>
  );
}

function StatusControl({ invoice }: { invoice: Invoice }) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const [, update] = useMutation(StatusUpdate);
  const [problems, setProblems] = useState<string[]>([]);
  const open = invoice.status === 'DUE' || invoice.status === 'OVERDUE';
  const manuallyPaid = invoice.status === 'PAID';
  if (!open && !manuallyPaid) return <StatusBadge status={invoice.status} />;
  const titles = { paid: 'Mark paid', payment: 'Record a payment', void: 'Void the invoice', credit: 'Credit note' };

  async function change(status: InvoiceStatus) {
    const result = await update({ id: invoice.id, input: { status } });
    const errors = result.data?.invoiceStatusUpdate.errors ?? [];
    setProblems([...requestErrors(result.error), ...errors.map((error) => error.message)]);
  }
  return (
    <>
      <Menu position="bottom-start" withinPortal>
        <Menu.Target>
          <UnstyledButton aria-label={`Status: ${statusLabel(invoice.status)}. Change`}>
            <StatusBadge status={invoice.status} />
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          {open && <Menu.Item onClick={() => setDialog('paid')}>Mark paid…</Menu.Item>}
          {open && <Menu.Item onClick={() => setDialog('payment')}>Record a payment…</Menu.Item>}
          {manuallyPaid && <Menu.Item onClick={() => change('DUE')}>Undo payment (back to due)</Menu.Item>}
          <Menu.Item onClick={() => setDialog('credit')}>Credit note…</Menu.Item>
          {open && (
            <Menu.Item color="red" onClick={() => setDialog('void')}>
              Void…
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>
      {problems.length > 0 && <GeneralErrors messages={problems} />}
      <Modal opened={dialog !== null} onClose={() => setDialog(null)} title={dialog ? titles[dialog] : ''} size={dialog === 'credit' ? 'lg' : 'md'}>
        {dialog === 'credit' && <CreditNoteForm invoice={invoice} onDone={() => setDialog(null)} />}
        {dialog === 'payment' && (
          <PaymentForm
            organizationId={invoice.organization.id}
            currency={invoice.currency}
            invoiceId={invoice.id}
            owed={invoice.amountDue}
            onDone={() => setDialog(null)}
          />
        )}
        {(dialog === 'paid' || dialog === 'void') && (
          <StatusForm invoice={invoice} status={dialog === 'paid' ? 'PAID' : 'VOID'} onDone={() => setDialog(null)} />
        )}
      </Modal>
    </>
  );
}

function StatusForm({ invoice, status, onDone }: { invoice: Invoice; status: 'PAID' | 'VOID'; onDone: () => void }) {
  const [, update] = useMutation(StatusUpdate);
  const form = useForm({ initialValues: { paidOn: today(), note: '' } });
  const { general, busy, submit } = useSubmit(form);
  return (
    <form
      onSubmit={form.onSubmit(async (values) => {
        const accepted = await submit(async () => {
          const result = await update({
            id: invoice.id,
            input: status === 'PAID' ? { status, paidOn: values.paidOn, note: values.note || null } : { status, note: values.note },
          });
          return { error: result.error, errors: result.data?.invoiceStatusUpdate.errors };
        }, status === 'PAID' ? 'Marked paid' : 'Invoice voided');
        if (accepted) onDone();
      })}
    >
      <Stack>
        <GeneralErrors messages={general} />
        {status === 'PAID' ? (
          <>
            <Text size="sm">
              {invoice.number}: <Money value={invoice.amountDue} /> received.
            </Text>
            <TextInput label="Paid on" type="date" required {...form.getInputProps('paidOn')} />
            <TextInput label="Note" {...form.getInputProps('note')} />
          </>
        ) : (
          <Textarea label="Why is it void?" required {...form.getInputProps('note')} />
        )}
        <Group>
          <Button type="submit" color={status === 'VOID' ? 'red' : undefined} loading={busy}>
            {status === 'PAID' ? 'Mark paid' : 'Void invoice'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Hold({ invoice }: { invoice: Invoice }) {
  const [releasing, release] = useMutation(Release);
  const [problems, setProblems] = useState<string[]>([]);
  return (
    <Alert color="orange" title="On hold: not sent to the customer">
      <Stack gap="xs">
        <List size="sm" aria-label="Hold reasons">
          {invoice.holdReasons.map((reason) => (
            <List.Item key={reason}>{reason}</List.Item>
          ))}
        </List>
        <GeneralErrors messages={problems} />
        <Group>
          <Button
            size="xs"
            loading={releasing.fetching}
            onClick={async () => {
              const result = await release({ id: invoice.id });
              const errors = result.data?.invoiceRelease.errors ?? [];
              setProblems([...requestErrors(result.error), ...errors.map((error) => error.message)]);
              if (result.data && errors.length === 0) saved('Invoice released');
            }}
          >
            Release
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

function Lines({ invoice }: { invoice: Invoice }) {
  return (
    <Section title="Lines">
      <Table.ScrollContainer minWidth={480}>
        <Table aria-label="Invoice lines">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Service</Table.Th>
              <Table.Th ta="right">Quantity</Table.Th>
              <Table.Th ta="right">Unit price</Table.Th>
              <Table.Th ta="right">Tax</Table.Th>
              <Table.Th ta="right">Total</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoice.lines.map((line, index) => (
              <Table.Tr key={index}>
                <Table.Td>{line.name}</Table.Td>
                <Table.Td ta="right">{line.quantity}</Table.Td>
                <Table.Td ta="right">
                  <Money value={line.unitPrice} />
                </Table.Td>
                <Table.Td ta="right">{line.taxRate}%</Table.Td>
                <Table.Td ta="right">
                  <Money value={line.total} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Stack gap={2} align="flex-end">
        <Text size="sm">
          Subtotal <Money value={invoice.subtotal} />
        </Text>
        <Text size="sm">
          Tax <Money value={invoice.tax} />
        </Text>
        <Text fw={700}>
          Total <Money value={invoice.total} fw={700} />
        </Text>
        {!/^0(\.0+)?$/.test(invoice.amountPaid.amount) && (
          <Text size="sm">
            Paid <Money value={invoice.amountPaid} />
          </Text>
        )}
        <Anchor href={invoice.publicUrl} target="_blank" rel="noopener" size="sm">
          What the customer sees
        </Anchor>
      </Stack>
    </Section>
  );
}

function CreditNotes({ invoice }: { invoice: Invoice }) {
  return (
    <Section title="Credit notes">
      <Table aria-label="Credit notes">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Number</Table.Th>
            <Table.Th>Issued</Table.Th>
            <Table.Th>Reason</Table.Th>
            <Table.Th ta="right">Credited</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoice.creditNotes.map((note) => (
            <Table.Tr key={note.id}>
              <Table.Td>
                <Anchor href={note.pdfUrl} target="_blank" rel="noopener">
                  {note.number}
                </Anchor>
              </Table.Td>
              <Table.Td>{note.issueDate}</Table.Td>
              <Table.Td>
                {note.reason}
                {note.refund && (
                  <Text span size="xs" c="dimmed">
                    {' '}
                    (refunded)
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right">
                <Money value={note.total} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Section>
  );
}

/** A credit note: the whole invoice, or per line a part of its quantity or a gross amount. */
function CreditNoteForm({ invoice, onDone }: { invoice: Invoice; onDone: () => void }) {
  const [, create] = useMutation(CreditNoteCreate);
  const form = useForm({
    initialValues: {
      reason: '',
      fullCredit: true,
      refund: false,
      lines: invoice.lines.map((line) => ({ invoiceLineId: line.id ?? '', quantity: '', amount: '' })),
    },
  });
  const { general, busy, submit } = useSubmit(form);
  const fullCredit = form.getValues().fullCredit;
  return (
    <form
      onSubmit={form.onSubmit(async (values) => {
        // Only the lines given a quantity or an amount are sent: `sent[i]` is the form's
        // index of the i-th, so the API's errors land on the field they are about.
        const sent = values.lines.flatMap((line, index) => (line.quantity.trim() || line.amount.trim() ? [index] : []));
        const lines = sent.map((index) => {
          const { invoiceLineId, quantity, amount } = values.lines[index];
          return { invoiceLineId, ...(quantity.trim() && { quantity: quantity.trim() }), ...(amount.trim() && { amount: amount.trim() }) };
        });
        const onForm = (field: readonly string[] | null | undefined) =>
          field?.[0] === 'input' && field[1] === 'lines' && !values.fullCredit
            ? ['input', 'lines', String(sent[Number(field[2])]), ...field.slice(3)]
            : field;
        const accepted = await submit(async () => {
          const result = await create({
            input: {
              invoiceId: invoice.id,
              reason: values.reason,
              refund: values.refund,
              ...(values.fullCredit ? { fullCredit: true } : { lines }),
            },
          });
          const errors = result.data?.creditNoteCreate.errors.map((error) => ({ ...error, field: onForm(error.field) }));
          return { error: result.error, errors };
        }, 'Credit note issued and emailed');
        if (accepted) onDone();
      })}
    >
      <Stack>
        <GeneralErrors messages={general} />
        <Textarea label="Reason" description="Printed on the credit note." required {...form.getInputProps('reason')} />
        <Checkbox label="Credit everything not credited yet" {...form.getInputProps('fullCredit', { type: 'checkbox' })} />
        {!fullCredit && (
          <Table aria-label="Lines to credit">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Line</Table.Th>
                <Table.Th>Quantity</Table.Th>
                <Table.Th>or amount ({invoice.currency}, tax included)</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invoice.lines.map((line, index) => (
                <Table.Tr key={form.key(`lines.${index}`)}>
                  <Table.Td>
                    {line.name}
                    <Text size="xs" c="dimmed">
                      {line.quantity} × <Money value={line.unitPrice} />
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={`Quantity of ${line.name}`} inputMode="decimal" {...form.getInputProps(`lines.${index}.quantity`)} />
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={`Amount of ${line.name}`} inputMode="decimal" {...form.getInputProps(`lines.${index}.amount`)} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Checkbox
          label="Refund what was paid of it through the provider that took the payment"
          {...form.getInputProps('refund', { type: 'checkbox' })}
        />
        <Group>
          <Button type="submit" loading={busy}>
            Issue credit note
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
