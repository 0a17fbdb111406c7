// A one-off invoice: drafted here for an organization, without a contract (its own lines and
// terms), edited while DRAFT, then issued from its page. Left empty, the terms are the
// tenant's defaults and the billing email the organization's.
import { ActionIcon, Button, Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Table, TagsInput, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';

import { graphql } from '../gql';
import type { InvoiceCreateInput, OneOffDefaultsQuery, OneOffDraftQuery } from '../gql/graphql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Screen, Section } from '../components/Section';

// The organizations to choose from, filtered as the name is typed: one list, asked once, so
// the choices do not change under the typing.
const Customers = graphql(`
  query OneOffCustomers {
    organizations(first: 200) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const Defaults = graphql(`
  query OneOffDefaults {
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

const Draft = graphql(`
  query OneOffDraft($id: ID!) {
    invoice(id: $id) {
      id
      status
      currency
      organization {
        id
        name
      }
      contract {
        oneOff
        dueDays
        billingEmail
        billingEmailsCc
        invoiceNote
        paymentProviders
      }
      lines {
        name
        quantity
        taxRate
        unitPrice {
          amount
        }
      }
    }
  }
`);

const Create = graphql(`
  mutation InvoiceCreate($input: InvoiceCreateInput!) {
    invoiceCreate(input: $input) {
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

const Update = graphql(`
  mutation InvoiceUpdate($id: ID!, $input: InvoiceCreateInput!) {
    invoiceUpdate(id: $id, input: $input) {
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

interface LineValues {
  name: string;
  price: string;
  quantity: string;
  taxRate: string;
}

interface Values {
  organizationId: string;
  currency: string;
  dueDays: number | string;
  billingEmail: string;
  billingEmailsCc: string[];
  note: string;
  paymentProviders: string[];
  lines: LineValues[];
}

const blankLine = (): LineValues => ({ name: '', price: '', quantity: '1', taxRate: '0' });

/** The form's values as the API's input: blank terms left out, so the defaults apply. */
function input(values: Values): InvoiceCreateInput {
  const currency = values.currency.trim().toUpperCase();
  const billingEmail = values.billingEmail.trim();
  const note = values.note.trim();
  return {
    organizationId: values.organizationId,
    lines: values.lines,
    billingEmailsCc: values.billingEmailsCc,
    ...(currency && { currency }),
    ...(values.dueDays !== '' && { dueDays: Number(values.dueDays) }),
    ...(billingEmail && { billingEmail }),
    ...(note && { note }),
    ...(values.paymentProviders.length > 0 && { paymentProviders: values.paymentProviders }),
  };
}

/** /invoices/new (?organization=<id> to start with one) and /invoices/:id/edit. */
export function OneOffInvoice() {
  const { id } = useParams();
  const [draft] = useQuery({ query: Draft, variables: { id: id ?? '' }, pause: !id });
  const [defaults] = useQuery({ query: Defaults });
  if (id && !draft.data) return <GeneralErrors messages={requestErrors(draft.error)} />;
  if (id && draft.data && !draft.data.invoice?.contract.oneOff) {
    return <GeneralErrors messages={['There is no such one-off invoice.']} />;
  }
  if (!defaults.data) return <GeneralErrors messages={requestErrors(defaults.error)} />;
  const invoice = draft.data?.invoice ?? null;
  return <OneOffForm key={invoice?.id ?? 'new'} invoice={invoice} defaults={defaults.data.invoicingSettings} />;
}

type DraftInvoice = NonNullable<OneOffDraftQuery['invoice']>;

function OneOffForm({ invoice, defaults }: { invoice: DraftInvoice | null; defaults: OneOffDefaultsQuery['invoicingSettings'] }) {
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const [, create] = useMutation(Create);
  const [, update] = useMutation(Update);
  const [choices] = useQuery({ query: Customers });
  const terms = invoice?.contract;
  const form = useForm<Values>({
    initialValues: {
      organizationId: invoice?.organization.id ?? search.get('organization') ?? '',
      currency: invoice?.currency ?? defaults.defaultCurrency,
      dueDays: terms?.dueDays ?? defaults.defaultDueDays,
      billingEmail: terms?.billingEmail ?? '',
      billingEmailsCc: terms?.billingEmailsCc ?? [],
      note: terms?.invoiceNote ?? '',
      paymentProviders: terms?.paymentProviders ?? [],
      lines: invoice?.lines.map((line) => ({
        name: line.name,
        price: line.unitPrice.amount,
        quantity: line.quantity,
        taxRate: line.taxRate,
      })) ?? [blankLine()],
    },
  });
  const { general, busy, submit } = useSubmit(form);
  const organizations = choices.data?.organizations.edges.map(({ node }) => ({ value: node.id, label: node.name })) ?? [];
  if (invoice && !organizations.some((choice) => choice.value === invoice.organization.id)) {
    organizations.push({ value: invoice.organization.id, label: invoice.organization.name });
  }
  const providers = defaults.providers.filter((p) => p.enabled).map((p) => p.provider);
  let savedId: string | null = null;
  return (
    <Screen title={invoice ? 'Edit the draft invoice' : 'New invoice'}>
      <form
        onSubmit={form.onSubmit(async (values) => {
          const accepted = await submit(async () => {
            if (invoice) {
              const result = await update({ id: invoice.id, input: input(values) });
              savedId = result.data?.invoiceUpdate.invoice?.id ?? null;
              return { error: result.error, errors: result.data?.invoiceUpdate.errors };
            }
            const result = await create({ input: input(values) });
            savedId = result.data?.invoiceCreate.invoice?.id ?? null;
            return { error: result.error, errors: result.data?.invoiceCreate.errors };
          }, 'Draft saved: issue it from its page');
          if (accepted && savedId) navigate(`/invoices/${savedId}`);
        })}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <Section title="Customer and terms" description="Left empty, the terms are your invoicing settings' and the billing email the organization's.">
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select
                label="Organization"
                required
                searchable
                data={organizations}
                {...form.getInputProps('organizationId')}
              />
              <TextInput label="Currency" maxLength={3} {...form.getInputProps('currency')} />
              <NumberInput label="Days to pay" min={0} allowDecimal={false} {...form.getInputProps('dueDays')} />
              <TextInput label="Billing email" type="email" {...form.getInputProps('billingEmail')} />
              <TagsInput label="Cc" {...form.getInputProps('billingEmailsCc')} />
              <MultiSelect label="Payment methods offered" data={providers} {...form.getInputProps('paymentProviders')} />
              <TextInput label="Note on the invoice" {...form.getInputProps('note')} />
            </SimpleGrid>
          </Section>
          <Section title="Lines">
            <Table.ScrollContainer minWidth={560}>
              <Table aria-label="Lines">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Service</Table.Th>
                    <Table.Th>Price ({form.getValues().currency.toUpperCase()})</Table.Th>
                    <Table.Th>Quantity</Table.Th>
                    <Table.Th>Tax rate (%)</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {form.getValues().lines.map((_, index) => (
                    <Table.Tr key={form.key(`lines.${index}`)}>
                      <Table.Td>
                        <TextInput aria-label={`Service of line ${index + 1}`} required {...form.getInputProps(`lines.${index}.name`)} />
                      </Table.Td>
                      <Table.Td>
                        <TextInput aria-label={`Price of line ${index + 1}`} inputMode="decimal" required {...form.getInputProps(`lines.${index}.price`)} />
                      </Table.Td>
                      <Table.Td>
                        <TextInput aria-label={`Quantity of line ${index + 1}`} inputMode="decimal" {...form.getInputProps(`lines.${index}.quantity`)} />
                      </Table.Td>
                      <Table.Td>
                        <TextInput aria-label={`Tax rate of line ${index + 1}`} inputMode="decimal" {...form.getInputProps(`lines.${index}.taxRate`)} />
                      </Table.Td>
                      <Table.Td>
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`Remove line ${index + 1}`}
                          disabled={form.getValues().lines.length === 1}
                          onClick={() => form.removeListItem('lines', index)}
                        >
                          ×
                        </ActionIcon>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group>
              <Button variant="light" onClick={() => form.insertListItem('lines', blankLine())}>
                Add line
              </Button>
            </Group>
          </Section>
          <Group>
            <Button type="submit" loading={busy}>
              Save draft
            </Button>
          </Group>
        </Stack>
      </form>
    </Screen>
  );
}
