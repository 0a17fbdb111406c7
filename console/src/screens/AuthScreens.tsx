// Signing in, setting a password from an invitation, resetting it, and signing up.
import { Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { Link, Navigate, useLocation, useNavigate, useParams } from 'react-router-dom';

import { AuthError, auth } from '../api/auth';
import type { Session } from '../api/auth';
import { useSession } from '../api/session';
import { GeneralErrors } from '../components/forms';

const MIN_PASSWORD = 10;

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420}>
        <Stack>
          <Text fw={700} c="indigo" size="lg">
            Remit
          </Text>
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

/** Runs an /auth call for a form: field errors on the field, the rest above the form. */
function useAuthSubmit<Values extends object>() {
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  async function submit(
    form: ReturnType<typeof useForm<Values>>,
    call: () => Promise<void>,
  ): Promise<void> {
    setBusy(true);
    setGeneral([]);
    try {
      await call();
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      if (error.field && error.field in form.getValues()) {
        form.setFieldError(error.field, error.message);
      } else {
        setGeneral([error.message]);
      }
    } finally {
      setBusy(false);
    }
  }
  return { general, busy, submit };
}

function useSignedIn() {
  const { signedIn } = useSession();
  const navigate = useNavigate();
  return (session: Session, next = '/') => {
    signedIn(session);
    navigate(next, { replace: true });
  };
}

const passwordRule = (value: string) =>
  value.length < MIN_PASSWORD ? `At least ${MIN_PASSWORD} characters` : null;

export function SignIn() {
  const { session } = useSession();
  const location = useLocation();
  const next = (location.state as { from?: string } | null)?.from ?? '/';
  const done = useSignedIn();
  const [signup, setSignup] = useState(false);
  const form = useForm({ initialValues: { email: '', password: '' } });
  const { general, busy, submit } = useAuthSubmit<{ email: string; password: string }>();
  useEffect(() => {
    auth.options().then((options) => setSignup(options.signup), () => setSignup(false));
  }, []);
  if (session) return <Navigate to={next} replace />;
  return (
    <Card title="Sign in">
      <form
        onSubmit={form.onSubmit((values) =>
          submit(form, async () => done(await auth.login(values.email, values.password), next)),
        )}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <TextInput label="Email" type="email" autoComplete="username" required {...form.getInputProps('email')} />
          <PasswordInput label="Password" autoComplete="current-password" required {...form.getInputProps('password')} />
          <Button type="submit" loading={busy}>
            Sign in
          </Button>
          <Anchor component={Link} to="/reset" size="sm">
            Forgot your password?
          </Anchor>
          {signup && (
            <Text size="sm">
              New to Remit?{' '}
              <Anchor component={Link} to="/signup">
                Create an account
              </Anchor>
            </Text>
          )}
        </Stack>
      </form>
    </Card>
  );
}

export function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const form = useForm({ initialValues: { email: '' } });
  const { general, busy, submit } = useAuthSubmit<{ email: string }>();
  return (
    <Card title="Reset your password">
      {sent ? (
        <Text>If an account uses this email, a link to set a new password is on its way.</Text>
      ) : (
        <form
          onSubmit={form.onSubmit((values) =>
            submit(form, async () => {
              await auth.requestReset(values.email);
              setSent(true);
            }),
          )}
        >
          <Stack>
            <GeneralErrors messages={general} />
            <TextInput label="Email" type="email" required {...form.getInputProps('email')} />
            <Button type="submit" loading={busy}>
              Email me a link
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to="/signin" size="sm">
        Back to sign in
      </Anchor>
    </Card>
  );
}

/** Set password: from an invitation (`/invite/:token`, with a name) or a reset link. */
export function SetPassword({ kind }: { kind: 'invite' | 'reset' }) {
  const { token = '' } = useParams();
  const done = useSignedIn();
  const form = useForm({
    initialValues: { name: '', password: '' },
    validate: { password: passwordRule },
  });
  const { general, busy, submit } = useAuthSubmit<{ name: string; password: string }>();
  return (
    <Card title={kind === 'invite' ? 'Welcome: choose your password' : 'Choose a new password'}>
      <form
        onSubmit={form.onSubmit((values) =>
          submit(form, async () =>
            done(
              kind === 'invite'
                ? await auth.acceptInvite(token, values.password, values.name || undefined)
                : await auth.reset(token, values.password),
            ),
          ),
        )}
      >
        <Stack>
          <GeneralErrors messages={general} />
          {kind === 'invite' && (
            <TextInput label="Your name" autoComplete="name" {...form.getInputProps('name')} />
          )}
          <PasswordInput
            label="New password"
            description={`At least ${MIN_PASSWORD} characters`}
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <Button type="submit" loading={busy}>
            Set password and sign in
          </Button>
        </Stack>
      </form>
    </Card>
  );
}

export function SignUp() {
  const done = useSignedIn();
  const [open, setOpen] = useState<boolean | null>(null);
  const form = useForm({
    initialValues: { tenantName: '', name: '', email: '', password: '' },
    validate: { password: passwordRule },
  });
  const { general, busy, submit } = useAuthSubmit<{
    tenantName: string;
    name: string;
    email: string;
    password: string;
  }>();
  useEffect(() => {
    auth.options().then((options) => setOpen(options.signup), () => setOpen(false));
  }, []);
  if (open === false) {
    return (
      <Card title="Sign-up is closed">
        <Text>Ask the operator of this Remit for an account.</Text>
        <Anchor component={Link} to="/signin">
          Sign in
        </Anchor>
      </Card>
    );
  }
  return (
    <Card title="Create your Remit account">
      <form
        onSubmit={form.onSubmit((values) =>
          submit(form, async () => done(await auth.signup(values), '/settings/invoicing')),
        )}
      >
        <Stack>
          <GeneralErrors messages={general} />
          <TextInput label="Company" required {...form.getInputProps('tenantName')} />
          <TextInput label="Your name" required {...form.getInputProps('name')} />
          <TextInput label="Email" type="email" required {...form.getInputProps('email')} />
          <PasswordInput label="Password" required {...form.getInputProps('password')} />
          <Button type="submit" loading={busy} disabled={open === null}>
            Create account
          </Button>
        </Stack>
      </form>
    </Card>
  );
}
