import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@mantine/notifications/styles.css';

import { MantineProvider, createTheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { StrictMode, useMemo } from 'react';
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router-dom';
import { Provider } from 'urql';

import { createClient } from './api/client';
import { SessionProvider, createSignal, useSession } from './api/session';
import { router } from './routes';

// System fonts only: the console loads nothing from elsewhere.
const theme = createTheme({ primaryColor: 'indigo' });
const expired = createSignal();

/** A client (and so a cache) per signed-in user: nothing of one session shows in the next. */
function Api({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const user = session?.user.id;
  // Keyed by the user on purpose: a new client, and an empty cache, for each one.
  const client = useMemo(() => createClient(expired.emit), [user]);
  return <Provider value={client}>{children}</Provider>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <Notifications position="top-right" />
      <SessionProvider expired={expired}>
        <Api>
          <RouterProvider router={router} />
        </Api>
      </SessionProvider>
    </MantineProvider>
  </StrictMode>,
);
