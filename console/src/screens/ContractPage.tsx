// A contract: its terms (editable), its service line items, a dry run of its next invoice,
// going live (with a checklist of what is missing) and ending it; then its invoices.
import { Alert, Button, Group, List, Modal, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';

import { useInvoiceChanges } from '../api/live';
import { graphql } from '../gql';
import type { BilledType, BillingCycle, ContractScreenQuery } from '../gql/graphql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Money } from '../components/Money';
import { Screen, Section } from '../components/Section';
import { StatusBadge } from '../components/StatusBadge';
import { saved } from '../lib/notify';
import { InvoiceTable } from './InvoiceTable';
import { CYCLES } from './OrganizationPage';

const ContractQuery = graphql(`
  query ContractScreen($id: ID!) {
    contract(id: $id) {
      id
      name
      oneOff
      status
      currency
      billingCycle
      invoicingStartDate
      nextInvoiceDate
      endDate
      dueDays
      billingEmail
      billingEmailsCc
      invoiceNote
      paymentProviders
      organization {
        id
        name
      }
      serviceLineItems {
        id
        name
        price {
          amount
          currency
          formatted
        }
        quantity
        billed
        taxRate
        startDate
        endDate
      }
      upcomingInvoice {
        periodStart
        periodEnd
        issueDate
        dueDate
        lines {
          name
          billed
          quantity
          unitPrice {
            amount
            currency
            formatted
          }
          total {
            amount
            currency
            formatted
          }
        }
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
        catchUp {
          periods
          invoices
          held
          total {
            amount
            currency
            formatted
          }
        }
      }
      invoices(first: 100) {
        edges {
          node {
            ...InvoiceRow
          }
        }
      }
    }
    invoicingSettings {
      providers {
        provider
        enabled
      }
    }
  }
`);


const Update = graphql(`
  mutation ContractUpdate($id: ID!, $input: ContractInput!) {
    contractUpdate(id: $id, input: $input) {
      contract {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const AddItem = graphql(`
  mutation ServiceLineItemAdd($contractId: ID!, $input: ServiceLineItemInput!) {
    serviceLineItemAdd(contractId: $contractId, input: $input) {
      contract {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const UpdateItem = graphql(`
  mutation ServiceLineItemUpdate($id: ID!, $input: ServiceLineItemInput!) {
    serviceLineItemUpdate(id: $id, input: $input) {
      contract {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const RemoveItem = graphql(`
  mutation ServiceLineItemRemove($id: ID!) {
    serviceLineItemRemove(id: $id) {
      contract {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const InvoiceNow = graphql(`
  mutation ContractInvoiceNow($id: ID!) {
    contractInvoiceNow(id: $id) {
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

const GoLive = graphql(`
  mutation ContractGoLive($id: ID!) {
    contractGoLive(id: $id) {
      contract {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const End = graphql(`
  mutation ContractEnd($id: ID!, $endDate: Date!) {
    contractEnd(id: $id, endDate: $endDate) {
      contract {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

type Contract = NonNullable<ContractScreenQuery['contract']>;
type Item = Contract['serviceLineItems'][number];

const BILLED: { value: BilledType; label: string }[] = [
  { value: 'ONCE', label: 'Once' },
  { value: 'MONTHLY', label: 'Monthly' },
  { value: 'QUARTERLY', label: 'Quarterly' },
  { value: 'ANNUALLY', label: 'Annually' },
];

export function ContractPage() {
  const { id = '' } = useParams();
  const [result, refetch] = useQuery({ query: ContractQuery, variables: { id } });
  useInvoiceChanges(() => refetch({ requestPolicy: 'network-only' }));
  const contract = result.data?.contract;
  if (!contract) {
    return <GeneralErrors messages={result.data ? ['There is no such contract.'] : requestErrors(result.error)} />;
  }
  const providers = result.data!.invoicingSettings.providers.filter((p) => p.enabled).map((p) => p.provider);
  return (
    <Screen
      title={
        <Group gap="sm" component="span">
          {contract.name} <StatusBadge status={contract.status} />
        </Group>
      }
      actions={contract.status === 'LIVE' && !contract.oneOff && <InvoiceNowButton contract={contract} />}
    >
      <Text size="sm">
        <Link to={`/organizations/${contract.organization.id}`}>{contract.organization.name}</Link> ·{' '}
        {contract.billingCycle.toLowerCase()} in {contract.currency}
        {contract.nextInvoiceDate && ` · next invoice ${contract.nextInvoiceDate}`}
        {contract.endDate && ` · ends ${contract.endDate}`}
      </Text>
      {contract.oneOff ? (
        <Alert color="blue" title="A one-off invoice's contract">
          It holds the terms and lines of its one invoice: change them from the invoice while it is a draft.
        </Alert>
      ) : (
        <>
          <Lifecycle contract={contract} />
          <LineItems contract={contract} />
          <UpcomingInvoice contract={contract} />
          <Terms key={contract.id} contract={contract} providers={providers} />
        </>
      )}
      <Section title="Invoices">
        <InvoiceTable invoices={contract.invoices.edges.map((edge) => edge.node)} />
      </Section>
    </Screen>
  );
}

/** Issues the invoice the cycle would issue next, now, and opens it. */
function InvoiceNowButton({ contract }: { contract: Contract }) {
  const navigate = useNavigate();
  const [issuing, invoiceNow] = useMutation(InvoiceNow);
  const [problems, setProblems] = useState<string[]>([]);
  return (
    <Stack gap={4} align="flex-end">
      <Button
        loading={issuing.fetching}
        onClick={async () => {
          const result = await invoiceNow({ id: contract.id });
          const errors = result.data?.contractInvoiceNow.errors ?? [];
          setProblems([...requestErrors(result.error), ...errors.map((error) => error.message)]);
          const invoice = result.data?.contractInvoiceNow.invoice;
          if (invoice && errors.length === 0) {
            saved('Invoice issued');
            navigate(`/invoices/${invoice.id}`);
          }
        }}
      >
        Invoice now
      </Button>
      <GeneralErrors messages={problems} />
    </Stack>
  );
}

function Lifecycle({ contract }: { contract: Contract }) {
  const [live, goLive] = useMutation(GoLive);
  const [, end] = useMutation(End);
  const [missing, setMissing] = useState<string[]>([]);
  const form = useForm({ initialValues: { endDate: '' } });
  const { general, busy, submit } = useSubmit(form);
  if (contract.status === 'ENDED') return null;
  return (
    <Section title={contract.status === 'DRAFT' ? 'Go live' : 'End the contract'}>
      {contract.status === 'DRAFT' ? (
        <Stack>
          <Text size="sm">Once live, the daily cycle invoices this contract from its start date.</Text>
          {missing.length > 0 && (
            <Alert color="orange" title="Before it can go live">
              <List aria-label="Missing to go live">
                {missing.map((message) => (
                  <List.Item key={message}>{message}</List.Item>
                ))}
              </List>
            </Alert>
          )}
          <Group>
            <Button
              color="green"
              loading={live.fetching}
              onClick={async () => {
                const result = await goLive({ id: contract.id });
                const errors = result.data?.contractGoLive.errors ?? [];
                setMissing([...requestErrors(result.error), ...errors.map((error) => error.message)]);
                if (result.data && errors.length === 0) saved('The contract is live');
              }}
            >
              Go live
            </Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={form.onSubmit((values) =>
            submit(async () => {
              const result = await end({ id: contract.id, endDate: values.endDate });
              return { error: result.error, errors: result.data?.contractEnd.errors };
            }, 'The contract ends on ' + values.endDate),
          )}
        >
          <Stack>
            <GeneralErrors messages={general} />
            <Group align="flex-end">
              <TextInput label="Last day" type="date" required {...form.getInputProps('endDate')} />
              <Button type="submit" color="red" variant="light" loading={busy}>
                End contract
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Section>
  );
}

function LineItems({ contract }: { contract: Contract }) {
  const [editing, setEditing] = useState<Item | 'new' | null>(null);
  const [, remove] = useMutation(RemoveItem);
  const [problems, setProblems] = useState<string[]>([]);
  return (
    <Section title="Service line items">
      <GeneralErrors messages={problems} />
      <Table.ScrollContainer minWidth={520}>
        <Table aria-label="Service line items">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Service</Table.Th>
              <Table.Th>Billed</Table.Th>
              <Table.Th ta="right">Quantity</Table.Th>
              <Table.Th ta="right">Price</Table.Th>
              <Table.Th ta="right">Tax</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {contract.serviceLineItems.map((item) => (
              <Table.Tr key={item.id}>
                <Table.Td>{item.name}</Table.Td>
                <Table.Td>{item.billed.toLowerCase()}</Table.Td>
                <Table.Td ta="right">{item.quantity}</Table.Td>
                <Table.Td ta="right">
                  <Money value={item.price} />
                </Table.Td>
                <Table.Td ta="right">{item.taxRate}%</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <Button size="compact-xs" variant="subtle" onClick={() => setEditing(item)}>
                      Edit
                    </Button>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={async () => {
                        const result = await remove({ id: item.id });
                        const errors = result.data?.serviceLineItemRemove.errors ?? [];
                        setProblems([...requestErrors(result.error), ...errors.map((error) => error.message)]);
                      }}
                    >
                      Remove
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group>
        <Button variant="light" onClick={() => setEditing('new')}>
          Add line item
        </Button>
      </Group>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? 'New line item' : 'Edit line item'}>
        {editing !== null && (
          <ItemForm
            contractId={contract.id}
            currency={contract.currency}
            item={editing === 'new' ? null : editing}
            onDone={() => setEditing(null)}
          />
        )}
      </Modal>
    </Section>
  );
}

function ItemForm({ contractId, currency, item, onDone }: { contractId: string; currency: string; item: Item | null; onDone: () => void }) {
  const [, add] = useMutation(AddItem);
  const [, update] = useMutation(UpdateItem);
  const form = useForm({
    initialValues: {
      name: item?.name ?? '',
      price: item?.price.amount ?? '',
      billed: (item?.billed ?? 'MONTHLY') as BilledType,
      quantity: item?.quantity ?? '1',
      taxRate: item?.taxRate ?? '0',
      startDate: item?.startDate ?? '',
      endDate: item?.endDate ?? '',
    },
  });
  const { general, busy, submit } = useSubmit(form);
  return (
    <form
      onSubmit={form.onSubmit(async (values) => {
        const input = { ...values, startDate: values.startDate || null, endDate: values.endDate || null };
        const accepted = await submit(async () => {
          if (item) {
            const result = await update({ id: item.id, input });
            return { error: result.error, errors: result.data?.serviceLineItemUpdate.errors };
          }
          const result = await add({ contractId, input });
          return { error: result.error, errors: result.data?.serviceLineItemAdd.errors };
        }, 'Line item saved');
        if (accepted) onDone();
      })}
    >
      <Stack>
        <GeneralErrors messages={general} />
        <TextInput label="Service" required {...form.getInputProps('name')} />
        <SimpleGrid cols={2}>
          <TextInput label={`Price (${currency})`} inputMode="decimal" required {...form.getInputProps('price')} />
          <Select label="Billed" data={BILLED} allowDeselect={false} {...form.getInputProps('billed')} />
          <TextInput label="Quantity" inputMode="decimal" {...form.getInputProps('quantity')} />
          <TextInput label="Tax rate (%)" inputMode="decimal" {...form.getInputProps('taxRate')} />
          <TextInput label="From" type="date" {...form.getInputProps('startDate')} />
          <TextInput label="Until" type="date" {...form.getInputProps('endDate')} />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={busy}>
            Save line item
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function UpcomingInvoice({ contract }: { contract: Contract }) {
  const upcoming = contract.upcomingInvoice;
  return (
    <Section title="Upcoming invoice" description="A dry run of the next invoice, as the cycle would issue it.">
      {upcoming ? (
        <Stack gap="xs">
          <Text size="sm">
            {upcoming.periodStart} – {upcoming.periodEnd} · issued {upcoming.issueDate} · due {upcoming.dueDate}
          </Text>
          <Table>
            <Table.Tbody>
              {upcoming.lines.map((line, index) => (
                <Table.Tr key={index}>
                  <Table.Td>
                    {line.name} <Text span size="xs" c="dimmed">({line.billed.toLowerCase()}, × {line.quantity})</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Money value={line.total} />
                  </Table.Td>
                </Table.Tr>
              ))}
              <Table.Tr>
                <Table.Td>Tax</Table.Td>
                <Table.Td ta="right">
                  <Money value={upcoming.tax} />
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Td fw={700}>Total</Table.Td>
                <Table.Td ta="right" fw={700}>
                  <Money value={upcoming.total} fw={700} />
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          {upcoming.catchUp && (
            <Alert color={upcoming.catchUp.held ? 'orange' : 'blue'}>
              {upcoming.catchUp.periods} periods are already due: the next cycle issues {upcoming.catchUp.invoices} invoices
              totalling <Money value={upcoming.catchUp.total} />
              {upcoming.catchUp.held && ', on hold until you confirm them'}.
            </Alert>
          )}
        </Stack>
      ) : (
        <Text c="dimmed">No invoice would be issued.</Text>
      )}
    </Section>
  );
}

function Terms({ contract, providers }: { contract: Contract; providers: string[] }) {
  const [, update] = useMutation(Update);
  const form = useForm({
    initialValues: {
      name: contract.name,
      currency: contract.currency,
      billingCycle: contract.billingCycle as BillingCycle,
      invoicingStartDate: contract.invoicingStartDate ?? '',
      dueDays: contract.dueDays as number | string,
      billingEmail: contract.billingEmail ?? '',
      billingEmailsCc: contract.billingEmailsCc,
      invoiceNote: contract.invoiceNote ?? '',
      paymentProviders: contract.paymentProviders,
    },
  });
  const { general, busy, submit } = useSubmit(form);
  const draft = contract.status === 'DRAFT';
  return (
    <Section title="Terms">
      <form
        onSubmit={form.onSubmit((values) =>
          submit(async () => {
            const result = await update({
              id: contract.id,
              input: {
                name: values.name,
                currency: values.currency.trim().toUpperCase(),
                billingCycle: values.billingCycle,
                invoicingStartDate: values.invoicingStartDate || null,
                dueDays: Number(values.dueDays),
                billingEmail: values.billingEmail.trim() || null,
                billingEmailsCc: values.billingEmailsCc,
                invoiceNote: values.invoiceNote.trim() || null,
                paymentProviders: values.paymentProviders,
              },
            });
            return { error: result.error, errors: result.data?.contractUpdate.errors };
          }, 'Contract saved'),
        )}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Name" {...form.getInputProps('name')} />
            <TextInput label="Currency" maxLength={3} disabled={!draft} {...form.getInputProps('currency')} />
            <Select label="Billing cycle" data={CYCLES} allowDeselect={false} disabled={!draft} {...form.getInputProps('billingCycle')} />
            <TextInput label="Invoicing starts" type="date" disabled={!draft} {...form.getInputProps('invoicingStartDate')} />
            <NumberInput label="Days to pay" min={0} allowDecimal={false} {...form.getInputProps('dueDays')} />
            <TextInput label="Billing email" description="Else the organization's" type="email" {...form.getInputProps('billingEmail')} />
            <TagsInput label="Cc" {...form.getInputProps('billingEmailsCc')} />
            <MultiSelect label="Payment methods offered" data={providers} {...form.getInputProps('paymentProviders')} />
            <TextInput label="Note on invoices" {...form.getInputProps('invoiceNote')} />
          </SimpleGrid>
          <Group>
            <Button type="submit" loading={busy}>
              Save terms
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
