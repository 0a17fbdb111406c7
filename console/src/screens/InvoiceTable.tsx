import { Table, Text } from '@mantine/core';
import { Link } from 'react-router-dom';

import { graphql } from '../gql';
import type { InvoiceRowFragment } from '../gql/graphql';
import { Money } from '../components/Money';
import { StatusBadge } from '../components/StatusBadge';

export const InvoiceRow = graphql(`
  fragment InvoiceRow on Invoice {
    id
    number
    status
    issueDate
    dueDate
    periodStart
    periodEnd
    total {
      amount
      currency
      formatted
    }
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
`);

export function InvoiceTable({ invoices, showOrganization = false }: { invoices: InvoiceRowFragment[]; showOrganization?: boolean }) {
  if (invoices.length === 0) return <Text c="dimmed">No invoice.</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table highlightOnHover aria-label="Invoices">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Number</Table.Th>
            {showOrganization && <Table.Th>Organization</Table.Th>}
            <Table.Th>Status</Table.Th>
            <Table.Th>Issued</Table.Th>
            <Table.Th>Due</Table.Th>
            <Table.Th ta="right">Total</Table.Th>
            <Table.Th ta="right">Amount due</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoices.map((invoice) => (
            <Table.Tr key={invoice.id}>
              <Table.Td>
                <Link to={`/invoices/${invoice.id}`}>{invoice.number ?? `Draft ${invoice.periodStart}`}</Link>
              </Table.Td>
              {showOrganization && <Table.Td>{invoice.organization.name}</Table.Td>}
              <Table.Td>
                <StatusBadge status={invoice.status} />
              </Table.Td>
              <Table.Td>{invoice.issueDate ?? '—'}</Table.Td>
              <Table.Td>{invoice.dueDate ?? '—'}</Table.Td>
              <Table.Td ta="right">
                <Money value={invoice.total} />
              </Table.Td>
              <Table.Td ta="right">
                <Money value={invoice.amountDue} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
