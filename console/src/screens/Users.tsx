// Settings > Users: who can sign in to this tenant's console, with what role; inviting
// someone emails them a link to set their password.
import { Badge, Button, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';

import { graphql } from '../gql';
import type { UserRole } from '../gql/graphql';
import { GeneralErrors, requestErrors, useSubmit } from '../components/forms';
import { Screen, Section } from '../components/Section';
import { useSession } from '../api/session';
import { saved } from '../lib/notify';

const ROLES: { value: UserRole; label: string }[] = [
  { value: 'OWNER', label: 'Owner' },
  { value: 'ADMIN', label: 'Admin' },
  { value: 'MEMBER', label: 'Member' },
  { value: 'VIEWER', label: 'Viewer' },
];

const UsersQuery = graphql(`
  query UsersScreen {
    users {
      id
      email
      name
      role
      pending
      createdAt
    }
  }
`);

const Invite = graphql(`
  mutation UserInvite($input: UserInviteInput!) {
    userInvite(input: $input) {
      user {
        id
        email
        name
        role
        pending
        createdAt
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const ChangeRole = graphql(`
  mutation UserRoleUpdate($input: UserRoleUpdateInput!) {
    userRoleUpdate(input: $input) {
      user {
        id
        role
      }
      errors {
        ...PayloadErrors
      }
    }
  }
`);

const Remove = graphql(`
  mutation UserRemove($input: UserRemoveInput!) {
    userRemove(input: $input) {
      removedId
      errors {
        ...PayloadErrors
      }
    }
  }
`);

export function Users() {
  const { session } = useSession();
  const [result, refetch] = useQuery({ query: UsersQuery });
  const [, changeRole] = useMutation(ChangeRole);
  const [, remove] = useMutation(Remove);
  const [problems, setProblems] = useState<string[]>([]);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  async function roleChanged(id: string, role: UserRole) {
    const outcome = await changeRole({ input: { id, role } });
    const errors = outcome.data?.userRoleUpdate.errors ?? [];
    setProblems([...requestErrors(outcome.error), ...errors.map((error) => error.message)]);
    if (outcome.data && errors.length === 0) saved('Role changed');
  }
  async function removed(id: string, email: string) {
    if (!window.confirm(`Remove ${email}? They can no longer sign in.`)) return;
    const outcome = await remove({ input: { id } });
    const errors = outcome.data?.userRemove.errors ?? [];
    setProblems([...requestErrors(outcome.error), ...errors.map((error) => error.message)]);
    if (outcome.data && errors.length === 0) reload();
  }

  return (
    <Screen title="Settings › Users">
      <GeneralErrors messages={[...requestErrors(result.error), ...problems]} />
      <InviteForm onInvited={reload} />
      <Section title="People">
        <Table.ScrollContainer minWidth={520}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {result.data?.users.map((user) => (
                <Table.Tr key={user.id}>
                  <Table.Td>
                    {user.name || '—'} {user.pending && <Badge color="yellow">Invited</Badge>}
                  </Table.Td>
                  <Table.Td>{user.email}</Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={`Role of ${user.email}`}
                      data={ROLES}
                      value={user.role}
                      allowDeselect={false}
                      disabled={user.id === session?.user.id}
                      onChange={(role) => role && roleChanged(user.id, role as UserRole)}
                      w={130}
                    />
                  </Table.Td>
                  <Table.Td>
                    {user.id !== session?.user.id && (
                      <Button variant="subtle" color="red" size="compact-sm" onClick={() => removed(user.id, user.email)}>
                        Remove
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Section>
    </Screen>
  );
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const [, invite] = useMutation(Invite);
  const form = useForm({ initialValues: { email: '', name: '', role: 'MEMBER' as UserRole } });
  const { general, busy, submit } = useSubmit(form);
  return (
    <Section title="Invite someone" description="They get an email with a link to choose their password.">
      <form
        onSubmit={form.onSubmit(async (values) => {
          const accepted = await submit(async () => {
            const result = await invite({
              input: { email: values.email, role: values.role, name: values.name || null },
            });
            return { error: result.error, errors: result.data?.userInvite.errors };
          }, `Invitation sent to ${values.email}`);
          if (accepted) {
            form.reset();
            onInvited();
          }
        })}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <Group align="flex-end" grow preventGrowOverflow={false} wrap="wrap">
            <TextInput label="Email" type="email" required miw={200} {...form.getInputProps('email')} />
            <TextInput label="Name" miw={160} {...form.getInputProps('name')} />
            <Select label="Role" data={ROLES} allowDeselect={false} miw={120} {...form.getInputProps('role')} />
          </Group>
          <Group>
            <Button type="submit" loading={busy}>
              Send invitation
            </Button>
          </Group>
          <Text size="xs" c="dimmed">
            Owners can do everything; admins everything but users and the platform payment method;
            members work with organizations, contracts and invoices; viewers only read.
          </Text>
        </Stack>
      </form>
    </Section>
  );
}
