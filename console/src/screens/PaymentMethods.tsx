// Settings > Payment methods: every installed provider, its settings form generated from the
// provider's JSON Schema (secrets come back masked and are kept when sent back as they are),
// enabled or not, and the webhook URL to give the provider.
import { Badge, Button, Code, CopyButton, Group, Stack, Switch, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMemo } from 'react';
import { useMutation, useQuery } from 'urql';

import { graphql } from '../gql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { SchemaFields } from '../components/SchemaForm';
import { Screen, Section } from '../components/Section';
import { describe, formValue, settingsValue } from '../lib/jsonSchema';
import type { FormValue, JsonSchema } from '../lib/jsonSchema';

const ProvidersQuery = graphql(`
  query PaymentMethodsScreen {
    tenant {
      id
    }
    paymentProviders {
      key
      name
      supportsOnlinePayment
      supportsAutoCharge
      settingsSchema
    }
    invoicingSettings {
      providers {
        provider
        enabled
        settings
      }
    }
  }
`);

const Configure = graphql(`
  mutation PaymentProviderConfigure($input: PaymentProviderConfigureInput!) {
    paymentProviderConfigure(input: $input) {
      settings {
        providers {
          provider
          enabled
          settings
        }
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

export function PaymentMethods() {
  const [result] = useQuery({ query: ProvidersQuery });
  const data = result.data;
  return (
    <Screen title="Settings › Payment methods">
      <GeneralErrors messages={requestErrors(result.error)} />
      {data?.paymentProviders.map((provider) => {
        const stored = data.invoicingSettings.providers.find((p) => p.provider === provider.key);
        return (
          <ProviderCard
            key={provider.key}
            provider={provider}
            tenantId={data.tenant.id}
            enabled={stored?.enabled ?? false}
            stored={stored?.settings ?? null}
          />
        );
      })}
    </Screen>
  );
}

function ProviderCard({
  provider,
  tenantId,
  enabled,
  stored,
}: {
  provider: { key: string; name: string; supportsOnlinePayment: boolean; settingsSchema: unknown };
  tenantId: string;
  enabled: boolean;
  stored: unknown;
}) {
  const field = useMemo(() => describe(provider.settingsSchema as JsonSchema), [provider.settingsSchema]);
  const [, configure] = useMutation(Configure);
  const form = useForm<{ enabled: boolean; settings: FormValue }>({
    initialValues: { enabled, settings: formValue(field, stored) },
  });
  const { general, busy, submit } = useSubmit(form);
  const webhook = `${window.location.origin}/webhooks/${provider.key}/${tenantId}`;
  return (
    <Section
      title={provider.name}
      description={
        <Group gap="xs" component="span">
          {enabled ? <Badge color="green">Enabled</Badge> : <Badge color="gray">Disabled</Badge>}
          {provider.supportsOnlinePayment && <span>Customers pay online.</span>}
        </Group>
      }
    >
      <form
        aria-label={`${provider.name} settings`}
        onSubmit={form.onSubmit((values) =>
          submit(async () => {
            const result = await configure({
              input: {
                provider: provider.key,
                enabled: values.enabled,
                settings: settingsValue(field, values.settings),
              },
            });
            return { error: result.error, errors: result.data?.paymentProviderConfigure.errors };
          }, `${provider.name} saved`),
        )}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <Switch label={`Offer ${provider.name} on invoices`} {...form.getInputProps('enabled', { type: 'checkbox' })} key={form.key('enabled')} />
          <SchemaFields field={field} path="settings" form={form} />
          {provider.supportsOnlinePayment && (
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Webhook URL (paste it into {provider.name}'s dashboard)
              </Text>
              <Group gap="xs">
                <Code style={{ overflowWrap: 'anywhere' }}>{webhook}</Code>
                <CopyButton value={webhook}>
                  {({ copied, copy }) => (
                    <Button size="compact-xs" variant="light" onClick={copy}>
                      {copied ? 'Copied' : 'Copy'}
                    </Button>
                  )}
                </CopyButton>
              </Group>
            </Stack>
          )}
          <Group>
            <Button type="submit" loading={busy}>
              Save {provider.name}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
