// The signed-in frame: a header with the tenant and the user, a navigation bar that folds
// behind a burger on phones, and the screen. Signed out, it sends to the sign-in screen.
import { AppShell, Burger, Button, Group, NavLink, ScrollArea, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router-dom';

import { auth } from '../api/auth';
import type { Role } from '../api/auth';
import { LiveProvider } from '../api/live';
import { useSession } from '../api/session';

const SECTIONS = [
  { label: 'Invoices', to: '/invoices' },
  { label: 'Organizations', to: '/organizations' },
  { label: 'Bank', to: '/bank' },
  { label: 'Invoicing runs', to: '/runs' },
  { label: 'Platform fees', to: '/fees' },
];
// Who may change what is the API's to enforce; the menu only leaves out what a role could not
// use: members and viewers have no settings, only owners manage users.
const SETTINGS: { label: string; to: string; roles: Role[] }[] = [
  { label: 'Invoicing', to: '/settings/invoicing', roles: ['OWNER', 'ADMIN'] },
  { label: 'Payment methods', to: '/settings/payment-methods', roles: ['OWNER', 'ADMIN'] },
  { label: 'Webhooks', to: '/settings/webhooks', roles: ['OWNER', 'ADMIN'] },
  { label: 'Users', to: '/settings/users', roles: ['OWNER'] },
];

export function Layout() {
  const { session, loading, signedOut } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [opened, { toggle, close }] = useDisclosure();
  if (loading) return null;
  if (!session) return <Navigate to="/signin" replace state={{ from: location.pathname }} />;

  const settings = SETTINGS.filter((item) => item.roles.includes(session.user.role));
  const link = ({ label, to }: { label: string; to: string }) => (
    <NavLink
      key={to}
      component={Link}
      to={to}
      label={label}
      active={location.pathname.startsWith(to)}
      onClick={close}
    />
  );
  return (
    <LiveProvider>
      <AppShell
        header={{ height: 56 }}
        navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
              <Text fw={700} c="indigo">
                Remit
              </Text>
              <Text c="dimmed" size="sm" truncate visibleFrom="xs">
                {session.tenant.name}
              </Text>
            </Group>
            <Group gap="xs" wrap="nowrap">
              <Text size="sm" visibleFrom="sm">
                {session.user.email}
              </Text>
              <Button
                variant="subtle"
                size="compact-sm"
                onClick={() =>
                  // Signing out on purpose leaves no page to come back to: whoever signs in
                  // next starts on the invoices, not on this user's last screen.
                  auth.logout().finally(() => {
                    navigate('/signin', { replace: true });
                    signedOut();
                  })
                }
              >
                Sign out
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Sections">
          <ScrollArea>
            {SECTIONS.map(link)}
            {settings.length > 0 && (
              <NavLink label="Settings" defaultOpened childrenOffset="sm">
                {settings.map(link)}
              </NavLink>
            )}
          </ScrollArea>
        </AppShell.Navbar>
        <AppShell.Main>
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </LiveProvider>
  );
}
