// An organization's statement of account over chosen days: per currency, the balance
// brought forward, each invoice, credit note, voiding, payment and refund with the balance
// after it, and the PDF to send (its link works for 90 days).
import { Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useQuery } from 'urql';

import { graphql } from '../gql';
import type { StatementMovementKind } from '../gql/graphql';
import { GeneralErrors, requestErrors } from '../components/forms';
import { Money } from '../components/Money';
import { Section } from '../components/Section';

const StatementQuery = graphql(`
  query OrganizationStatement($id: ID!, $from: Date!, $to: Date!) {
    organization(id: $id) {
      id
      statement(from: $from, to: $to) {
        pdfUrl
        accounts {
          currency
          opening {
            amount
            currency
            formatted
          }
          closing {
            amount
            currency
            formatted
          }
          lines {
            date
            kind
            reference
            amount {
              amount
              currency
              formatted
            }
            balance {
              amount
              currency
              formatted
            }
          }
        }
      }
    }
  }
`);

const KINDS: Record<StatementMovementKind, string> = {
  INVOICE: 'Invoice',
  CREDIT_NOTE: 'Credit note',
  VOID: 'Invoice voided',
  PAYMENT: 'Payment',
  REFUND: 'Refund',
};

const isoDay = (day: Date) => day.toISOString().slice(0, 10);

export function StatementPanel({ organizationId }: { organizationId: string }) {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(Date.UTC(today.getUTCFullYear(), 0, 1))));
  const [to, setTo] = useState(isoDay(today));
  const [result] = useQuery({
    query: StatementQuery,
    variables: { id: organizationId, from, to },
    pause: !from || !to,
  });
  const statement = result.data?.organization?.statement;
  return (
    <Stack>
      <Group align="flex-end">
        <TextInput label="From" type="date" value={from} onChange={(event) => setFrom(event.currentTarget.value)} />
        <TextInput label="To" type="date" value={to} onChange={(event) => setTo(event.currentTarget.value)} />
        {statement && (
          <Button component="a" href={statement.pdfUrl} target="_blank" rel="noopener" variant="default">
            PDF to send
          </Button>
        )}
      </Group>
      <GeneralErrors messages={requestErrors(result.error)} />
      {statement && statement.accounts.length === 0 && <Text c="dimmed">Nothing invoiced, credited or paid up to {to}.</Text>}
      {statement?.accounts.map((account) => (
        <Section key={account.currency} title={`In ${account.currency}`}>
          <Table.ScrollContainer minWidth={520}>
            <Table aria-label={`Statement in ${account.currency}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Date</Table.Th>
                  <Table.Th>Movement</Table.Th>
                  <Table.Th>Reference</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                  <Table.Th ta="right">Balance</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                <Table.Tr>
                  <Table.Td>{from}</Table.Td>
                  <Table.Td colSpan={3}>Balance brought forward</Table.Td>
                  <Table.Td ta="right">
                    <Money value={account.opening} />
                  </Table.Td>
                </Table.Tr>
                {account.lines.map((line, index) => (
                  <Table.Tr key={index}>
                    <Table.Td>{line.date}</Table.Td>
                    <Table.Td>{KINDS[line.kind]}</Table.Td>
                    <Table.Td>{line.reference}</Table.Td>
                    <Table.Td ta="right">
                      <Money value={line.amount} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Money value={line.balance} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Text ta="right" fw={700}>
            Balance on {to} <Money value={account.closing} fw={700} />
          </Text>
        </Section>
      ))}
    </Stack>
  );
}
