// Invoices: filtered by status, organization and issue dates, a page at a time, with the
// page's totals by currency; live: a change of any invoice refetches the page.
import { Button, Group, MultiSelect, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery } from 'urql';

import { useInvoiceChanges } from '../api/live';
import { graphql } from '../gql';
import type { InvoiceStatus } from '../gql/graphql';
import { GeneralErrors, requestErrors } from '../components/forms';
import { Money } from '../components/Money';
import { Pager, useCursorPages } from '../components/Pager';
import { Screen, Section } from '../components/Section';
import { statusLabel } from '../components/StatusBadge';
import { totalsByCurrency } from '../lib/money';
import { InvoiceTable } from './InvoiceTable';

const PAGE = 25;
const STATUSES: InvoiceStatus[] = ['DRAFT', 'ON_HOLD', 'DUE', 'OVERDUE', 'PAID', 'VOID'];

const InvoicesQuery = graphql(`
  query InvoicesScreen($first: Int!, $after: String, $filter: InvoiceFilter) {
    invoices(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...InvoiceRow
        }
      }
    }
  }
`);

export const OrganizationChoices = graphql(`
  query OrganizationChoices($search: String) {
    organizations(first: 50, search: $search) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

export function Invoices() {
  const pages = useCursorPages();
  const [status, setStatus] = useState<string[]>([]);
  const [organizationId, setOrganizationId] = useState<string | null>(null);
  const [organizationSearch, setOrganizationSearch] = useState('');
  const [issuedFrom, setIssuedFrom] = useState('');
  const [issuedTo, setIssuedTo] = useState('');
  const filter = {
    status: status.length ? (status as InvoiceStatus[]) : null,
    organizationId,
    issuedFrom: issuedFrom || null,
    issuedTo: issuedTo || null,
  };
  const [result, refetch] = useQuery({
    query: InvoicesQuery,
    variables: { first: PAGE, after: pages.after, filter },
  });
  const [choices] = useQuery({ query: OrganizationChoices, variables: { search: organizationSearch || null } });
  useInvoiceChanges(() => refetch({ requestPolicy: 'network-only' }));
  const connection = result.data?.invoices;
  const invoices = connection?.edges.map((edge) => edge.node) ?? [];
  const refilter = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    pages.reset();
  };
  return (
    <Screen
      title="Invoices"
      actions={
        <Button component={Link} to="/invoices/new">
          New invoice
        </Button>
      }
    >
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <MultiSelect
          label="Status"
          data={STATUSES.map((value) => ({ value, label: statusLabel(value) }))}
          value={status}
          onChange={refilter(setStatus)}
          clearable
        />
        <Select
          label="Organization"
          searchable
          clearable
          data={choices.data?.organizations.edges.map(({ node }) => ({ value: node.id, label: node.name })) ?? []}
          value={organizationId}
          onChange={refilter(setOrganizationId)}
          onSearchChange={setOrganizationSearch}
        />
        <TextInput label="Issued from" type="date" value={issuedFrom} onChange={(event) => refilter(setIssuedFrom)(event.currentTarget.value)} />
        <TextInput label="Issued until" type="date" value={issuedTo} onChange={(event) => refilter(setIssuedTo)(event.currentTarget.value)} />
      </SimpleGrid>
      <GeneralErrors messages={requestErrors(result.error)} />
      <Section title="Invoices">
        <InvoiceTable invoices={invoices} showOrganization />
        {invoices.length > 0 && (
          <Stack gap={2} aria-label="Totals">
            {totalsByCurrency(invoices.map((invoice) => invoice.total)).map((total, index) => {
              const due = totalsByCurrency(invoices.map((invoice) => invoice.amountDue)).find((value) => value.currency === total.currency);
              return (
                <Group key={total.currency} justify="flex-end" gap="lg">
                  {index === 0 && <Text size="sm" c="dimmed">This page</Text>}
                  <Text size="sm">
                    Total <Money value={total} fw={700} />
                  </Text>
                  {due && (
                    <Text size="sm">
                      Due <Money value={due} fw={700} />
                    </Text>
                  )}
                </Group>
              );
            })}
          </Stack>
        )}
        <Pager pages={pages} pageInfo={connection?.pageInfo} totalCount={connection?.totalCount} />
      </Section>
    </Screen>
  );
}
