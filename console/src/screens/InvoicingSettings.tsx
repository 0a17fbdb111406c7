// Settings > Invoicing: the platform payment method, company details, branding (with a live
// preview), defaults, and enabling invoicing with a checklist of what is missing.
import {
  Alert,
  Box,
  Button,
  ColorInput,
  FileInput,
  Group,
  Image,
  List,
  NumberInput,
  Radio,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  ThemeIcon,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';

import { graphql } from '../gql';
import type { InvoicingSettingsScreenQuery } from '../gql/graphql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Screen, Section } from '../components/Section';
import { StatusBadge } from '../components/StatusBadge';
import { saved } from '../lib/notify';

const SettingsQuery = graphql(`
  query InvoicingSettingsScreen {
    tenant {
      id
      name
      invoicingEnabled
    }
    invoicingSettings {
      enabled
      defaultCurrency
      defaultDueDays
      invoiceNumberPrefix
      sendInvoicesFrom
      sendInvoicesBcc
      reminderDays
      company {
        legalName
        vatNumber
        email
        phone
        address {
          line1
          line2
          city
          region
          postalCode
          country
        }
      }
      branding {
        logoUrl
        brandColor
        footerNote
      }
      platformBilling {
        status
        method
      }
    }
  }
`);

const UpdateSettings = graphql(`
  mutation InvoicingSettingsUpdate($input: InvoicingSettingsInput!) {
    invoicingSettingsUpdate(input: $input) {
      settings {
        enabled
        defaultCurrency
        defaultDueDays
        invoiceNumberPrefix
        sendInvoicesFrom
        sendInvoicesBcc
        reminderDays
        company {
          legalName
          vatNumber
          email
          phone
          address {
            line1
            line2
            city
            region
            postalCode
            country
          }
        }
        branding {
          logoUrl
          brandColor
          footerNote
        }
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const UploadLogo = graphql(`
  mutation LogoUpload($file: Upload!) {
    logoUpload(file: $file) {
      settings {
        branding {
          logoUrl
          brandColor
          footerNote
        }
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const DeleteLogo = graphql(`
  mutation LogoDelete {
    logoDelete {
      settings {
        branding {
          logoUrl
          brandColor
          footerNote
        }
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const SetupPlatformMethod = graphql(`
  mutation PlatformPaymentMethodSetup($input: PlatformPaymentMethodInput!) {
    platformPaymentMethodSetup(input: $input) {
      platformBilling {
        status
        method
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Enable = graphql(`
  mutation InvoicingEnable {
    invoicingEnable {
      settings {
        enabled
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Disable = graphql(`
  mutation InvoicingDisable {
    invoicingDisable {
      settings {
        enabled
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

type Settings = InvoicingSettingsScreenQuery['invoicingSettings'];

const text = (value: string | null | undefined) => value ?? '';
const orNull = (value: string) => (value.trim() === '' ? null : value.trim());

export function InvoicingSettings() {
  const [result, refetch] = useQuery({ query: SettingsQuery });
  const settings = result.data?.invoicingSettings;
  return (
    <Screen title="Settings › Invoicing">
      <GeneralErrors messages={requestErrors(result.error)} />
      {settings && (
        <>
          <EnableInvoicing
            enabled={settings.enabled}
            onChange={() => refetch({ requestPolicy: 'network-only' })}
          />
          <PlatformMethod billing={settings.platformBilling} email={settings.company.email} />
          <CompanyDetails settings={settings} />
          <Branding settings={settings} />
          <Defaults settings={settings} />
        </>
      )}
    </Screen>
  );
}

function EnableInvoicing({ enabled, onChange }: { enabled: boolean; onChange: () => void }) {
  const [enabling, enable] = useMutation(Enable);
  const [disabling, disable] = useMutation(Disable);
  const [missing, setMissing] = useState<string[] | null>(null);
  const [failure, setFailure] = useState<string[]>([]);

  async function turnOn() {
    const result = await enable({});
    setFailure(requestErrors(result.error));
    const errors = result.data?.invoicingEnable.errors ?? [];
    setMissing(errors.map((error) => error.message));
    if (result.data && errors.length === 0) {
      saved('Invoicing is enabled');
      onChange();
    }
  }
  async function turnOff() {
    const result = await disable({});
    setFailure(requestErrors(result.error));
    if (result.data) onChange();
  }
  return (
    <Section
      title="Invoicing"
      description="When enabled, the daily cycle issues and sends the invoices of live contracts."
    >
      <GeneralErrors messages={failure} />
      <Group>
        <StatusBadge status={enabled ? 'ACTIVE' : 'MISSING'} />
        <Text>{enabled ? 'Invoicing is enabled.' : 'Invoicing is not enabled yet.'}</Text>
      </Group>
      {missing && missing.length > 0 && (
        <Alert color="orange" title="Before invoicing can start">
          <List aria-label="Missing for invoicing" spacing={4} icon={<ThemeIcon color="orange" size={10} radius="xl" aria-hidden />}>
            {missing.map((message) => (
              <List.Item key={message}>{message}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Group>
        {enabled ? (
          <Button variant="default" loading={disabling.fetching} onClick={turnOff}>
            Disable invoicing
          </Button>
        ) : (
          <Button loading={enabling.fetching} onClick={turnOn}>
            Enable invoicing
          </Button>
        )}
      </Group>
    </Section>
  );
}

function PlatformMethod({
  billing,
  email,
}: {
  billing: Settings['platformBilling'];
  email: string | null | undefined;
}) {
  const [, setup] = useMutation(SetupPlatformMethod);
  const form = useForm({ initialValues: { kind: 'bank_transfer', billingEmail: text(email) } });
  const { general, busy, submit } = useSubmit(form);
  return (
    <Section
      title="Platform payment method"
      description="How you pay Remit's monthly processing fee."
    >
      <Group aria-label="Current payment method">
        <StatusBadge status={billing.status} />
        <Text>{billing.method ?? 'No payment method yet.'}</Text>
      </Group>
      <form
        onSubmit={form.onSubmit((values) =>
          submit(async () => {
            const result = await setup({
              input: { kind: values.kind, billingEmail: orNull(values.billingEmail) },
            });
            return { error: result.error, errors: result.data?.platformPaymentMethodSetup.errors };
          }, 'Payment method saved'),
        )}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <Radio.Group label="Pay by" {...form.getInputProps('kind')}>
            <Stack gap="xs" mt="xs">
              <Radio value="bank_transfer" label="Bank transfer" />
              <Radio
                value="card"
                disabled
                label="Card"
                description="Unavailable: this server does not publish the Stripe key the card form needs."
              />
            </Stack>
          </Radio.Group>
          <TextInput
            label="Billing email for fee invoices"
            type="email"
            {...form.getInputProps('billingEmail')}
          />
          <Group>
            <Button type="submit" loading={busy}>
              Use bank transfer
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function companyValues(settings: Settings) {
  const { company } = settings;
  const address = company.address;
  return {
    company: {
      legalName: text(company.legalName),
      vatNumber: text(company.vatNumber),
      email: text(company.email),
      phone: text(company.phone),
      address: {
        line1: text(address?.line1),
        line2: text(address?.line2),
        city: text(address?.city),
        region: text(address?.region),
        postalCode: text(address?.postalCode),
        country: text(address?.country),
      },
    },
  };
}

type CompanyValues = ReturnType<typeof companyValues>;

function companyInput(values: CompanyValues) {
  const { company } = values;
  const address = Object.fromEntries(
    Object.entries(company.address).map(([key, value]) => [key, orNull(value)]),
  );
  return {
    company: {
      legalName: orNull(company.legalName),
      vatNumber: orNull(company.vatNumber),
      email: orNull(company.email),
      phone: orNull(company.phone),
      address,
    },
  };
}

function useSettingsUpdate() {
  const [, update] = useMutation(UpdateSettings);
  return async (input: Parameters<typeof update>[0]['input']) => {
    const result = await update({ input });
    return { error: result.error, errors: result.data?.invoicingSettingsUpdate.errors };
  };
}

function CompanyDetails({ settings }: { settings: Settings }) {
  const update = useSettingsUpdate();
  const form = useForm({ initialValues: companyValues(settings) });
  const { general, busy, submit } = useSubmit(form);
  return (
    <Section title="Company details" description="Printed on every invoice as the seller.">
      <form
        onSubmit={form.onSubmit((values) =>
          submit(() => update(companyInput(values)), 'Company details saved'),
        )}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Legal name" {...form.getInputProps('company.legalName')} />
            <TextInput label="VAT number" {...form.getInputProps('company.vatNumber')} />
            <TextInput label="Email" type="email" {...form.getInputProps('company.email')} />
            <TextInput label="Phone" {...form.getInputProps('company.phone')} />
            <TextInput label="Street" {...form.getInputProps('company.address.line1')} />
            <TextInput label="Street (line 2)" {...form.getInputProps('company.address.line2')} />
            <TextInput label="City" {...form.getInputProps('company.address.city')} />
            <TextInput label="Region" {...form.getInputProps('company.address.region')} />
            <TextInput label="Postal code" {...form.getInputProps('company.address.postalCode')} />
            <TextInput
              label="Country"
              description="Two letters, e.g. DE"
              maxLength={2}
              {...form.getInputProps('company.address.country')}
            />
          </SimpleGrid>
          <Group>
            <Button type="submit" loading={busy}>
              Save company details
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function Branding({ settings }: { settings: Settings }) {
  const update = useSettingsUpdate();
  const form = useForm({
    initialValues: {
      branding: {
        logoUrl: text(settings.branding.logoUrl),
        brandColor: text(settings.branding.brandColor),
        footerNote: text(settings.branding.footerNote),
      },
    },
  });
  const { general, busy, submit } = useSubmit(form);
  const branding = form.getValues().branding;
  return (
    <Section title="Branding" description="Your logo, colour and footer on invoices and their pages.">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <form
          onSubmit={form.onSubmit((values) =>
            submit(
              () =>
                update({
                  branding: {
                    logoUrl: orNull(values.branding.logoUrl),
                    brandColor: orNull(values.branding.brandColor),
                    footerNote: orNull(values.branding.footerNote),
                  },
                }),
              'Branding saved',
            ),
          )}
        >
          <Stack>
            <GeneralErrors messages={general} />
            <LogoFile
              logoUrl={settings.branding.logoUrl}
              onChange={(logoUrl) => form.setFieldValue('branding.logoUrl', text(logoUrl))}
            />
            <TextInput
              label="Or the logo's https address"
              description="Fetched once when saved; Remit serves the logo from then on."
              placeholder="https://…"
              {...form.getInputProps('branding.logoUrl')}
            />
            <ColorInput label="Brand colour" format="hex" {...form.getInputProps('branding.brandColor')} />
            <Textarea label="Footer" autosize minRows={2} {...form.getInputProps('branding.footerNote')} />
            <Group>
              <Button type="submit" loading={busy}>
                Save branding
              </Button>
            </Group>
          </Stack>
        </form>
        <InvoicePreview
          company={settings.company.legalName ?? settings.company.email ?? 'Your company'}
          logoUrl={branding.logoUrl}
          color={branding.brandColor || '#4c6ef5'}
          footer={branding.footerNote}
          prefix={settings.invoiceNumberPrefix}
        />
      </SimpleGrid>
    </Section>
  );
}

/** The current logo, a file to replace it (PNG, JPEG or SVG, at most 512 KB) and a way
 * to remove it; each takes effect at once. */
function LogoFile({
  logoUrl,
  onChange,
}: {
  logoUrl: string | null | undefined;
  onChange: (logoUrl: string | null) => void;
}) {
  const [, upload] = useMutation(UploadLogo);
  const [, remove] = useMutation(DeleteLogo);
  const form = useForm({ initialValues: { file: null as File | null } });
  const { general, busy, submit } = useSubmit(form);

  async function send(file: File | null) {
    form.setFieldValue('file', file);
    if (!file) return;
    const done = await submit(async () => {
      const result = await upload({ file });
      const payload = result.data?.logoUpload;
      if (payload?.settings) onChange(payload.settings.branding.logoUrl ?? null);
      return { error: result.error, errors: payload?.errors };
    }, 'Logo saved');
    if (done) form.setFieldValue('file', null);
  }
  async function removeLogo() {
    await submit(async () => {
      const result = await remove({});
      const payload = result.data?.logoDelete;
      if (payload?.settings) onChange(null);
      return { error: result.error, errors: payload?.errors };
    }, 'Logo removed');
  }
  return (
    <Stack gap="xs">
      <GeneralErrors messages={general} />
      {logoUrl && (
        <Image src={logoUrl} alt="Current logo" mah={64} maw={200} fit="contain" w="auto" />
      )}
      <Group align="flex-end">
        <FileInput
          label="Logo file"
          description="PNG, JPEG or SVG, at most 512 KB."
          placeholder="Choose a file"
          accept="image/png,image/jpeg,image/svg+xml"
          clearable
          disabled={busy}
          style={{ flex: 1 }}
          {...form.getInputProps('file')}
          onChange={send}
        />
        {logoUrl && (
          <Button variant="default" loading={busy} onClick={removeLogo}>
            Remove logo
          </Button>
        )}
      </Group>
    </Stack>
  );
}

/** What the branding looks like on an invoice, as it is typed (before saving). */
function InvoicePreview(props: {
  company: string;
  logoUrl: string;
  color: string;
  footer: string;
  prefix: string;
}) {
  return (
    <Box
      aria-label="Invoice preview"
      style={{ border: '1px solid #dee2e6', borderTop: `6px solid ${props.color}`, borderRadius: 6 }}
      p="md"
      bg="white"
    >
      <Group justify="space-between" align="flex-start">
        {props.logoUrl ? (
          <img src={props.logoUrl} alt="Logo" style={{ maxHeight: 40, maxWidth: 140 }} />
        ) : (
          <Text fw={700}>{props.company}</Text>
        )}
        <Text fw={700} style={{ color: props.color }}>
          Invoice {props.prefix}-000001
        </Text>
      </Group>
      <Text size="sm" c="dimmed" mt="xs">
        {props.company}
      </Text>
      <Group justify="space-between" mt="md" style={{ borderBottom: '1px solid #eee' }}>
        <Text size="sm">Service, monthly</Text>
        <Text size="sm">100.00</Text>
      </Group>
      <Group justify="space-between" mt={4}>
        <Text size="sm" fw={700}>
          Total
        </Text>
        <Text size="sm" fw={700} style={{ color: props.color }}>
          100.00
        </Text>
      </Group>
      {props.footer && (
        <Text size="xs" c="dimmed" mt="md" style={{ whiteSpace: 'pre-line' }}>
          {props.footer}
        </Text>
      )}
    </Box>
  );
}

function Defaults({ settings }: { settings: Settings }) {
  const update = useSettingsUpdate();
  const form = useForm({
    initialValues: {
      defaultCurrency: settings.defaultCurrency,
      defaultDueDays: settings.defaultDueDays as number | string,
      invoiceNumberPrefix: settings.invoiceNumberPrefix,
      sendInvoicesFrom: text(settings.sendInvoicesFrom),
      sendInvoicesBcc: settings.sendInvoicesBcc,
      reminderDays: settings.reminderDays.map(String),
    },
  });
  const { general, busy, submit } = useSubmit(form);
  return (
    <Section title="Defaults" description="Used for new contracts and every invoice's email.">
      <form
        onSubmit={form.onSubmit((values) =>
          submit(
            () =>
              update({
                defaultCurrency: values.defaultCurrency.trim().toUpperCase(),
                defaultDueDays: Number(values.defaultDueDays),
                invoiceNumberPrefix: values.invoiceNumberPrefix,
                sendInvoicesFrom: orNull(values.sendInvoicesFrom),
                sendInvoicesBcc: values.sendInvoicesBcc,
                reminderDays: values.reminderDays.map(Number),
              }),
            'Defaults saved',
          ),
        )}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Currency" maxLength={3} {...form.getInputProps('defaultCurrency')} />
            <NumberInput label="Days to pay" min={0} allowDecimal={false} {...form.getInputProps('defaultDueDays')} />
            <TextInput label="Invoice number prefix" {...form.getInputProps('invoiceNumberPrefix')} />
            <TextInput label="Send invoices from" type="email" {...form.getInputProps('sendInvoicesFrom')} />
            <TagsInput label="Bcc every invoice to" {...form.getInputProps('sendInvoicesBcc')} />
            <TagsInput
              label="Reminder days after due"
              description="Type a number, then Enter"
              {...form.getInputProps('reminderDays')}
            />
          </SimpleGrid>
          <Group>
            <Button type="submit" loading={busy}>
              Save defaults
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
