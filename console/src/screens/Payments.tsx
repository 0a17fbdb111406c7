// Payments recorded by hand: on an invoice (all or part of what it owes), or for an
// organization (applied to its open invoices oldest first, the rest kept as its credit);
// and an invoice's payments, a manual one deletable (its invoices reopen).
import { Badge, Button, Group, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useMutation } from 'urql';

import { graphql } from '../gql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Money } from '../components/Money';
import { Section } from '../components/Section';

const Record = graphql(`
  mutation PaymentRecord($input: PaymentRecordInput!) {
    paymentRecord(input: $input) {
      payment {
        id
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Delete = graphql(`
  mutation PaymentDelete($id: ID!) {
    paymentDelete(id: $id) {
      deletedPaymentId
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const today = () => new Date().toISOString().slice(0, 10);

interface Owed {
  amount: string;
  currency: string;
}

/** Records money received: for one invoice when `invoiceId` is given (its amount due by
 * default), else for the organization, applied oldest invoice first. */
export function PaymentForm({
  organizationId,
  currency,
  invoiceId,
  owed,
  onDone,
}: {
  organizationId: string;
  currency: string;
  invoiceId?: string;
  owed?: Owed;
  onDone: () => void;
}) {
  const [, record] = useMutation(Record);
  const form = useForm({
    initialValues: { amount: owed?.amount ?? '', currency, receivedOn: today(), reference: '', note: '' },
  });
  const { general, busy, submit } = useSubmit(form);
  return (
    <form
      onSubmit={form.onSubmit(async (values) => {
        const accepted = await submit(async () => {
          const result = await record({
            input: {
              organizationId,
              currency: values.currency.trim().toUpperCase(),
              amount: values.amount,
              receivedOn: values.receivedOn,
              reference: values.reference.trim() || null,
              note: values.note.trim() || null,
              ...(invoiceId && { allocations: [{ invoiceId, amount: values.amount }] }),
            },
          });
          // The one allocation's amount is the form's amount: put its errors there.
          const errors = result.data?.paymentRecord.errors.map((error) =>
            error.field?.[1] === 'allocations' ? { ...error, field: ['input', 'amount'] } : error,
          );
          return { error: result.error, errors };
        }, 'Payment recorded');
        if (accepted) onDone();
      })}
    >
      <Stack>
        <GeneralErrors messages={general} />
        {!invoiceId && (
          <>
            <Text size="sm" c="dimmed">
              Applied to the organization's open invoices in its currency, oldest first; the rest is kept as its credit.
            </Text>
            <TextInput label="Currency" maxLength={3} required {...form.getInputProps('currency')} />
          </>
        )}
        <TextInput label="Amount" inputMode="decimal" required {...form.getInputProps('amount')} />
        <TextInput label="Received on" type="date" required {...form.getInputProps('receivedOn')} />
        <TextInput label="Reference" description="The bank's or the customer's, as it appears on their side." {...form.getInputProps('reference')} />
        <Textarea label="Note" {...form.getInputProps('note')} />
        <Group>
          <Button type="submit" loading={busy}>
            Record payment
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export interface InvoicePayment {
  amount: { amount: string; currency: string; formatted: string };
  fromCredit: boolean;
  payment: {
    id: string;
    method: string;
    reference?: string | null;
    receivedOn: string;
  };
}

export function InvoicePayments({ payments }: { payments: readonly InvoicePayment[] }) {
  const [, remove] = useMutation(Delete);
  const [problems, setProblems] = useState<string[]>([]);
  return (
    <Section title="Payments">
      <GeneralErrors messages={problems} />
      <Table aria-label="Payments">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Received</Table.Th>
            <Table.Th>How</Table.Th>
            <Table.Th ta="right">Applied</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {payments.map(({ amount, fromCredit, payment }) => (
            <Table.Tr key={payment.id}>
              <Table.Td>{payment.receivedOn}</Table.Td>
              <Table.Td>
                {payment.method === 'manual' ? 'By hand' : payment.method}
                {payment.reference && ` · ${payment.reference}`}
                {fromCredit && (
                  <Badge ml="xs" size="xs" variant="light">
                    from credit
                  </Badge>
                )}
              </Table.Td>
              <Table.Td ta="right">
                <Money value={amount} />
              </Table.Td>
              <Table.Td ta="right">
                {payment.method === 'manual' && (
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    onClick={async () => {
                      const result = await remove({ id: payment.id });
                      const errors = result.data?.paymentDelete.errors ?? [];
                      setProblems([...requestErrors(result.error), ...errors.map((error) => error.message)]);
                    }}
                  >
                    Delete
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Section>
  );
}
