// Organizations: the list with search, creating and editing one.
import { Button, Group, SimpleGrid, Stack, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';

import { graphql } from '../gql';
import type { OrganizationInput } from '../gql/graphql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Pager, useCursorPages } from '../components/Pager';
import { Screen, Section } from '../components/Section';

const PAGE = 25;

const OrganizationsQuery = graphql(`
  query OrganizationsScreen($first: Int!, $after: String, $search: String) {
    organizations(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          legalName
          billingEmails
        }
      }
    }
  }
`);

const OrganizationQuery = graphql(`
  query OrganizationEdit($id: ID!) {
    organization(id: $id) {
      id
      name
      legalName
      billingEmails
      taxId
      address {
        line1
        line2
        city
        region
        postalCode
        country
      }
    }
  }
`);

const Create = graphql(`
  mutation OrganizationCreate($input: OrganizationInput!) {
    organizationCreate(input: $input) {
      organization {
        id
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Update = graphql(`
  mutation OrganizationUpdate($id: ID!, $input: OrganizationInput!) {
    organizationUpdate(id: $id, input: $input) {
      organization {
        id
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

export function Organizations() {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const pages = useCursorPages();
  const [result] = useQuery({
    query: OrganizationsQuery,
    variables: { first: PAGE, after: pages.after, search: debounced || null },
  });
  const connection = result.data?.organizations;
  return (
    <Screen
      title="Organizations"
      actions={
        <Button component={Link} to="/organizations/new">
          New organization
        </Button>
      }
    >
      <TextInput
        placeholder="Search by name"
        aria-label="Search organizations"
        value={search}
        onChange={(event) => {
          setSearch(event.currentTarget.value);
          pages.reset();
        }}
      />
      <GeneralErrors messages={requestErrors(result.error)} />
      <Table.ScrollContainer minWidth={480}>
        <Table highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Billing emails</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {connection?.edges.map(({ node }) => (
              <Table.Tr key={node.id}>
                <Table.Td>
                  <Link to={`/organizations/${node.id}`}>{node.name}</Link>
                  {node.legalName && (
                    <Text size="xs" c="dimmed">
                      {node.legalName}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{node.billingEmails.join(', ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {connection && connection.totalCount === 0 && <Text c="dimmed">No organization yet.</Text>}
      <Pager pages={pages} pageInfo={connection?.pageInfo} totalCount={connection?.totalCount} />
    </Screen>
  );
}

type Organization = {
  name: string;
  legalName?: string | null;
  billingEmails: string[];
  taxId?: string | null;
  address?: Record<string, string | null | undefined> | null;
};

const ADDRESS = ['line1', 'line2', 'city', 'region', 'postalCode', 'country'] as const;

function organizationValues(organization?: Organization | null) {
  return {
    name: organization?.name ?? '',
    legalName: organization?.legalName ?? '',
    billingEmails: organization?.billingEmails ?? [],
    taxId: organization?.taxId ?? '',
    address: Object.fromEntries(
      ADDRESS.map((key) => [key, organization?.address?.[key] ?? '']),
    ) as Record<(typeof ADDRESS)[number], string>,
  };
}

function organizationInput(values: ReturnType<typeof organizationValues>): OrganizationInput {
  const orNull = (value: string) => (value.trim() ? value.trim() : null);
  const address = Object.fromEntries(ADDRESS.map((key) => [key, orNull(values.address[key])]));
  return {
    name: values.name.trim(),
    legalName: orNull(values.legalName),
    billingEmails: values.billingEmails,
    taxId: orNull(values.taxId),
    address: Object.values(address).some(Boolean) ? address : null,
  };
}

export function OrganizationEdit() {
  const { id } = useParams();
  const [result] = useQuery({ query: OrganizationQuery, variables: { id: id ?? '' }, pause: !id });
  if (id && !result.data) return <GeneralErrors messages={requestErrors(result.error)} />;
  return <OrganizationForm id={id} organization={result.data?.organization} />;
}

function OrganizationForm({ id, organization }: { id?: string; organization?: Organization | null }) {
  const navigate = useNavigate();
  const [, create] = useMutation(Create);
  const [, update] = useMutation(Update);
  const form = useForm({ initialValues: organizationValues(organization) });
  const { general, busy, submit } = useSubmit(form);
  return (
    <Screen title={id ? `Edit ${organization?.name ?? 'organization'}` : 'New organization'}>
      <Section title="Organization">
        <form
          onSubmit={form.onSubmit(async (values) => {
            let savedId: string | undefined;
            const accepted = await submit(async () => {
              const input = organizationInput(values);
              if (id) {
                const result = await update({ id, input });
                savedId = result.data?.organizationUpdate.organization?.id;
                return { error: result.error, errors: result.data?.organizationUpdate.errors };
              }
              const result = await create({ input });
              savedId = result.data?.organizationCreate.organization?.id;
              return { error: result.error, errors: result.data?.organizationCreate.errors };
            }, 'Organization saved');
            if (accepted && savedId) navigate(`/organizations/${savedId}`);
          })}
        >
          <Stack>
            <GeneralErrors messages={general} />
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label="Name" required {...form.getInputProps('name')} />
              <TextInput label="Legal name" {...form.getInputProps('legalName')} />
              <TagsInput
                label="Billing emails"
                description="Invoices go to these addresses; Enter after each"
                splitChars={[',', ' ']}
                {...form.getInputProps('billingEmails')}
              />
              <TextInput label="Tax ID" {...form.getInputProps('taxId')} />
              <TextInput label="Street" {...form.getInputProps('address.line1')} />
              <TextInput label="Street (line 2)" {...form.getInputProps('address.line2')} />
              <TextInput label="City" {...form.getInputProps('address.city')} />
              <TextInput label="Region" {...form.getInputProps('address.region')} />
              <TextInput label="Postal code" {...form.getInputProps('address.postalCode')} />
              <TextInput label="Country" maxLength={2} description="Two letters, e.g. FR" {...form.getInputProps('address.country')} />
            </SimpleGrid>
            <Group>
              <Button type="submit" loading={busy}>
                {id ? 'Save organization' : 'Create organization'}
              </Button>
              <Button variant="default" onClick={() => navigate(-1)}>
                Cancel
              </Button>
            </Group>
          </Stack>
        </form>
      </Section>
    </Screen>
  );
}
