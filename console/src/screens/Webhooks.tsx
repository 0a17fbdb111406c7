// Settings > Webhooks: the endpoints this tenant's events are sent to, each with its latest
// deliveries. A new endpoint's signing secret is shown once, right after it is created.
import { Alert, Badge, Button, Code, CopyButton, Group, MultiSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';

import { graphql } from '../gql';
import { Pager, useCursorPages } from '../components/Pager';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Screen, Section } from '../components/Section';
import { saved } from '../lib/notify';

// The event types of docs/webhooks.md, in its order.
const EVENTS = [
  'invoice.issued',
  'invoice.on_hold',
  'invoice.sent',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.overdue',
  'invoice.reminded',
  'invoice.voided',
  'credit_note.issued',
  'payment.received',
  'payment.refunded',
  'contract.live',
  'contract.ended',
];

const EndpointsQuery = graphql(`
  query WebhookEndpoints {
    webhookEndpoints {
      id
      url
      events
      description
      enabled
      disabledReason
    }
  }
`);

const DeliveriesQuery = graphql(`
  query WebhookDeliveries($endpointId: ID!, $after: String) {
    webhookDeliveries(endpointId: $endpointId, first: 20, after: $after) {
      edges {
        node {
          id
          eventType
          status
          attempts
          createdAt
          nextAttemptAt
          attemptLog {
            statusCode
            error
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const Create = graphql(`
  mutation WebhookEndpointCreate($input: WebhookEndpointInput!) {
    webhookEndpointCreate(input: $input) {
      endpoint {
        id
      }
      secret
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Update = graphql(`
  mutation WebhookEndpointUpdate($id: ID!, $input: WebhookEndpointUpdateInput!) {
    webhookEndpointUpdate(id: $id, input: $input) {
      endpoint {
        id
        enabled
        disabledReason
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Delete = graphql(`
  mutation WebhookEndpointDelete($id: ID!) {
    webhookEndpointDelete(id: $id) {
      deletedWebhookEndpointId
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Retry = graphql(`
  mutation WebhookDeliveryRetry($id: ID!) {
    webhookDeliveryRetry(id: $id) {
      delivery {
        id
        status
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

export function Webhooks() {
  const [result, refetch] = useQuery({ query: EndpointsQuery });
  const [, update] = useMutation(Update);
  const [, remove] = useMutation(Delete);
  const [problems, setProblems] = useState<string[]>([]);
  const [shown, setShown] = useState<string | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  async function toggled(id: string, enabled: boolean) {
    const outcome = await update({ id, input: { enabled } });
    const errors = outcome.data?.webhookEndpointUpdate.errors ?? [];
    setProblems([...requestErrors(outcome.error), ...errors.map((error) => error.message)]);
    if (outcome.data && errors.length === 0) saved(enabled ? 'Endpoint enabled' : 'Endpoint disabled');
  }
  async function removed(id: string, url: string) {
    if (!window.confirm(`Delete the endpoint ${url}? Nothing more is sent to it.`)) return;
    const outcome = await remove({ id });
    const errors = outcome.data?.webhookEndpointDelete.errors ?? [];
    setProblems([...requestErrors(outcome.error), ...errors.map((error) => error.message)]);
    if (outcome.data && errors.length === 0) reload();
  }

  return (
    <Screen title="Settings › Webhooks">
      <GeneralErrors messages={[...requestErrors(result.error), ...problems]} />
      <CreateForm onCreated={reload} />
      {result.data?.webhookEndpoints.map((endpoint) => (
        <Section
          key={endpoint.id}
          title={endpoint.url}
          description={endpoint.description ?? undefined}
        >
          <Group gap="xs">
            {endpoint.enabled ? <Badge color="green">Enabled</Badge> : <Badge color="red">Disabled</Badge>}
            {endpoint.events.map((event) => (
              <Badge key={event} variant="light" tt="none">
                {event}
              </Badge>
            ))}
          </Group>
          {endpoint.disabledReason && <Text size="sm" c="red">{endpoint.disabledReason}</Text>}
          <Group>
            <Button variant="default" size="xs" onClick={() => toggled(endpoint.id, !endpoint.enabled)}>
              {endpoint.enabled ? 'Disable' : 'Enable'}
            </Button>
            <Button variant="subtle" color="red" size="xs" onClick={() => removed(endpoint.id, endpoint.url)}>
              Delete
            </Button>
            <Button variant="subtle" size="xs" onClick={() => setShown(shown === endpoint.id ? null : endpoint.id)}>
              {shown === endpoint.id ? 'Hide deliveries' : 'Deliveries'}
            </Button>
          </Group>
          {shown === endpoint.id && <Deliveries endpointId={endpoint.id} />}
        </Section>
      ))}
    </Screen>
  );
}

function CreateForm({ onCreated }: { onCreated: () => void }) {
  const [, create] = useMutation(Create);
  const [secret, setSecret] = useState<string | null>(null);
  const form = useForm({ initialValues: { url: '', description: '', events: [] as string[] } });
  const { general, busy, submit } = useSubmit(form);
  return (
    <Section
      title="Add an endpoint"
      description="Remit POSTs each event you choose to this URL, signed with the endpoint's secret (docs/webhooks.md)."
    >
      {secret && (
        <Alert color="yellow" title="The signing secret, shown this once" withCloseButton onClose={() => setSecret(null)}>
          <Group gap="xs">
            <Code>{secret}</Code>
            <CopyButton value={secret}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="default" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      <form
        onSubmit={form.onSubmit(async (values) => {
          let made: string | null = null;
          const accepted = await submit(async () => {
            const outcome = await create({
              input: { url: values.url, events: values.events, description: values.description || null },
            });
            made = outcome.data?.webhookEndpointCreate.secret ?? null;
            return { error: outcome.error, errors: outcome.data?.webhookEndpointCreate.errors };
          }, 'Endpoint added');
          if (accepted) {
            setSecret(made);
            form.reset();
            onCreated();
          }
        })}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <TextInput label="URL" placeholder="https://erp.example.com/remit-events" required {...form.getInputProps('url')} />
          <TextInput label="Description" {...form.getInputProps('description')} />
          <MultiSelect label="Events" data={EVENTS} searchable required {...form.getInputProps('events')} />
          <Group>
            <Button type="submit" loading={busy}>
              Add endpoint
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const pages = useCursorPages();
  const [result, refetch] = useQuery({ query: DeliveriesQuery, variables: { endpointId, after: pages.after } });
  const [, retry] = useMutation(Retry);
  const [problems, setProblems] = useState<string[]>([]);

  async function retried(id: string) {
    const outcome = await retry({ id });
    const errors = outcome.data?.webhookDeliveryRetry.errors ?? [];
    setProblems([...requestErrors(outcome.error), ...errors.map((error) => error.message)]);
    if (outcome.data && errors.length === 0) {
      saved('Sent again');
      refetch({ requestPolicy: 'network-only' });
    }
  }

  const connection = result.data?.webhookDeliveries;
  return (
    <Stack gap="xs">
      <GeneralErrors messages={[...requestErrors(result.error), ...problems]} />
      <Table.ScrollContainer minWidth={620}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Event</Table.Th>
              <Table.Th>Happened</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Last answer</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {connection?.edges.map(({ node }) => {
              const last = node.attemptLog[node.attemptLog.length - 1];
              return (
                <Table.Tr key={node.id}>
                  <Table.Td>{node.eventType}</Table.Td>
                  <Table.Td>{new Date(node.createdAt).toLocaleString()}</Table.Td>
                  <Table.Td>
                    {node.status} ({node.attempts} {node.attempts === 1 ? 'attempt' : 'attempts'})
                  </Table.Td>
                  <Table.Td>{last ? (last.error ?? String(last.statusCode)) : '—'}</Table.Td>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => retried(node.id)}>
                      Send again
                    </Button>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Pager pages={pages} pageInfo={connection?.pageInfo} />
    </Stack>
  );
}
