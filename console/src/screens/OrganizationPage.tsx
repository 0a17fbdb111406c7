// An organization: its details, and its Account tab: contracts (a new draft from here) and
// invoices.
import { Button, Group, Modal, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Table, Tabs, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';

import { useInvoiceChanges } from '../api/live';
import { graphql } from '../gql';
import type { BillingCycle } from '../gql/graphql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Money } from '../components/Money';
import { Screen, Section } from '../components/Section';
import { StatusBadge } from '../components/StatusBadge';
import { InvoiceTable } from './InvoiceTable';
import { PaymentForm } from './Payments';
import { StatementPanel } from './StatementPanel';

const OrganizationQuery = graphql(`
  query OrganizationScreen($id: ID!) {
    organization(id: $id) {
      id
      name
      legalName
      billingEmails
      taxId
      creditBalance {
        amount
        currency
        formatted
      }
      contracts(first: 100) {
        totalCount
        edges {
          node {
            id
            name
            status
            currency
            billingCycle
            nextInvoiceDate
            endDate
          }
        }
      }
      invoices(first: 100) {
        totalCount
        edges {
          node {
            ...InvoiceRow
          }
        }
      }
    }
    invoicingSettings {
      defaultCurrency
      defaultDueDays
      providers {
        provider
        enabled
      }
    }
  }
`);

const CreateContract = graphql(`
  mutation ContractCreate($input: ContractInput!) {
    contractCreate(input: $input) {
      contract {
        id
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

export const CYCLES: { value: BillingCycle; label: string }[] = [
  { value: 'MONTHLY', label: 'Monthly' },
  { value: 'QUARTERLY', label: 'Quarterly' },
  { value: 'ANNUALLY', label: 'Annually' },
];

export function OrganizationPage() {
  const { id = '' } = useParams();
  const [result, refetch] = useQuery({ query: OrganizationQuery, variables: { id } });
  useInvoiceChanges(() => refetch({ requestPolicy: 'network-only' }));
  const organization = result.data?.organization;
  const [creating, { open, close }] = useDisclosure();
  const [paying, setPaying] = useState(false);
  if (!organization) {
    return <GeneralErrors messages={result.data ? ['There is no such organization.'] : requestErrors(result.error)} />;
  }
  const settings = result.data!.invoicingSettings;
  return (
    <Screen
      title={organization.name}
      actions={
        <Group gap="xs">
          <Button variant="default" component={Link} to={`/organizations/${id}/edit`}>
            Edit
          </Button>
          <Button variant="default" onClick={() => setPaying(true)}>
            Record payment
          </Button>
          <Button component={Link} to={`/invoices/new?organization=${id}`}>
            New invoice
          </Button>
        </Group>
      }
    >
      <Text c="dimmed" size="sm">
        {[organization.legalName, organization.taxId, organization.billingEmails.join(', ')]
          .filter(Boolean)
          .join(' · ')}
      </Text>
      {organization.creditBalance.length > 0 && (
        <Text size="sm">
          Credit balance:{' '}
          {organization.creditBalance.map((credit, index) => (
            <span key={credit.currency}>
              {index > 0 && ', '}
              <Money value={credit} fw={700} />
            </span>
          ))}{' '}
          <Text span c="dimmed" size="sm">
            (used by its next invoices)
          </Text>
        </Text>
      )}
      <Tabs defaultValue="account">
        <Tabs.List>
          <Tabs.Tab value="account">Account</Tabs.Tab>
          <Tabs.Tab value="statement">Statement</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="account" pt="md">
          <Stack>
            <Section title="Contracts">
              <Group>
                <Button onClick={open}>New contract</Button>
              </Group>
              <Table.ScrollContainer minWidth={480}>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Contract</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Cycle</Table.Th>
                      <Table.Th>Next invoice</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {organization.contracts.edges.map(({ node }) => (
                      <Table.Tr key={node.id}>
                        <Table.Td>
                          <Link to={`/contracts/${node.id}`}>{node.name}</Link>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={node.status} />
                        </Table.Td>
                        <Table.Td>
                          {node.billingCycle.toLowerCase()} · {node.currency}
                        </Table.Td>
                        <Table.Td>{node.nextInvoiceDate ?? '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Section>
            <Section title="Invoices">
              <InvoiceTable invoices={organization.invoices.edges.map((edge) => edge.node)} />
            </Section>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="statement" pt="md">
          <StatementPanel organizationId={id} />
        </Tabs.Panel>
      </Tabs>
      <Modal opened={paying} onClose={() => setPaying(false)} title="Record a payment">
        <PaymentForm organizationId={id} currency={settings.defaultCurrency} onDone={() => setPaying(false)} />
      </Modal>
      <Modal opened={creating} onClose={close} title="New contract" size="lg">
        <ContractCreateForm
          organizationId={id}
          currency={settings.defaultCurrency}
          dueDays={settings.defaultDueDays}
          providers={settings.providers.filter((p) => p.enabled).map((p) => p.provider)}
        />
      </Modal>
    </Screen>
  );
}

function ContractCreateForm(props: {
  organizationId: string;
  currency: string;
  dueDays: number;
  providers: string[];
}) {
  const navigate = useNavigate();
  const [, create] = useMutation(CreateContract);
  const form = useForm({
    initialValues: {
      name: '',
      currency: props.currency,
      billingCycle: 'MONTHLY' as BillingCycle,
      invoicingStartDate: '',
      dueDays: props.dueDays as number | string,
      paymentProviders: props.providers,
    },
  });
  const { general, busy, submit } = useSubmit(form);
  return (
    <form
      onSubmit={form.onSubmit(async (values) => {
        let id: string | undefined;
        const accepted = await submit(async () => {
          const result = await create({
            input: {
              organizationId: props.organizationId,
              name: values.name,
              currency: values.currency.trim().toUpperCase(),
              billingCycle: values.billingCycle,
              invoicingStartDate: values.invoicingStartDate || null,
              dueDays: Number(values.dueDays),
              paymentProviders: values.paymentProviders,
            },
          });
          id = result.data?.contractCreate.contract?.id;
          return { error: result.error, errors: result.data?.contractCreate.errors };
        }, 'Draft contract created');
        if (accepted && id) navigate(`/contracts/${id}`);
      })}
    >
      <Stack>
        <GeneralErrors messages={general} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Name" required {...form.getInputProps('name')} />
          <TextInput label="Currency" maxLength={3} {...form.getInputProps('currency')} />
          <Select label="Billing cycle" data={CYCLES} allowDeselect={false} {...form.getInputProps('billingCycle')} />
          <TextInput label="Invoicing starts" type="date" {...form.getInputProps('invoicingStartDate')} />
          <NumberInput label="Days to pay" min={0} allowDecimal={false} {...form.getInputProps('dueDays')} />
          <MultiSelect label="Payment methods offered" data={props.providers} {...form.getInputProps('paymentProviders')} />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={busy}>
            Create draft
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
