// Invoicing runs (one per daily cycle: due, issued, on hold, failed) and platform fees.
import { Table, Text } from '@mantine/core';
import { useQuery } from 'urql';

import { graphql } from '../gql';
import { GeneralErrors, requestErrors } from '../components/forms';
import { Money } from '../components/Money';
import { Pager, useCursorPages } from '../components/Pager';
import { Screen, Section } from '../components/Section';
import { StatusBadge } from '../components/StatusBadge';

const RunsQuery = graphql(`
  query InvoicingRunsScreen($after: String) {
    invoicingRuns(first: 30, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          runDate
          startedAt
          finishedAt
          contractsDue
          invoicesIssued
          invoicesOnHold
          failures {
            contractId
            message
            errorId
          }
        }
      }
    }
  }
`);

const FeesQuery = graphql(`
  query PlatformFeesScreen($after: String) {
    platformFees(first: 12, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          month
          invoicesProcessed
          status
          amount {
            amount
            currency
            formatted
          }
        }
      }
    }
  }
`);

export function InvoicingRuns() {
  const pages = useCursorPages();
  const [result] = useQuery({ query: RunsQuery, variables: { after: pages.after } });
  const connection = result.data?.invoicingRuns;
  return (
    <Screen title="Invoicing runs">
      <GeneralErrors messages={requestErrors(result.error)} />
      <Section title="Daily cycles">
        <Table.ScrollContainer minWidth={520}>
          <Table aria-label="Invoicing runs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Day</Table.Th>
                <Table.Th ta="right">Due</Table.Th>
                <Table.Th ta="right">Issued</Table.Th>
                <Table.Th ta="right">On hold</Table.Th>
                <Table.Th>Failed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {connection?.edges.map(({ node }) => (
                <Table.Tr key={node.id}>
                  <Table.Td>{node.runDate}</Table.Td>
                  <Table.Td ta="right">{node.contractsDue}</Table.Td>
                  <Table.Td ta="right">{node.invoicesIssued}</Table.Td>
                  <Table.Td ta="right">{node.invoicesOnHold}</Table.Td>
                  <Table.Td>
                    {node.failures.length === 0
                      ? '0'
                      : node.failures.map((failure) => (
                          <Text key={failure.errorId} size="sm" c="red">
                            {failure.message} (error {failure.errorId})
                          </Text>
                        ))}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {connection?.totalCount === 0 && <Text c="dimmed">No cycle has run yet.</Text>}
        <Pager pages={pages} pageInfo={connection?.pageInfo} totalCount={connection?.totalCount} />
      </Section>
    </Screen>
  );
}

export function PlatformFees() {
  const pages = useCursorPages();
  const [result] = useQuery({ query: FeesQuery, variables: { after: pages.after } });
  const connection = result.data?.platformFees;
  return (
    <Screen title="Platform fees">
      <GeneralErrors messages={requestErrors(result.error)} />
      <Section title="Processing fees" description="What Remit bills you each month for the invoices it processed.">
        <Table.ScrollContainer minWidth={420}>
          <Table aria-label="Platform fees">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Month</Table.Th>
                <Table.Th ta="right">Invoices</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {connection?.edges.map(({ node }) => (
                <Table.Tr key={node.id}>
                  <Table.Td>{node.month.slice(0, 7)}</Table.Td>
                  <Table.Td ta="right">{node.invoicesProcessed}</Table.Td>
                  <Table.Td ta="right">
                    <Money value={node.amount} />
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={node.status} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {connection?.totalCount === 0 && <Text c="dimmed">No fee billed yet.</Text>}
        <Pager pages={pages} pageInfo={connection?.pageInfo} totalCount={connection?.totalCount} />
      </Section>
    </Screen>
  );
}
