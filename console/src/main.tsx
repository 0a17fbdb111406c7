import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@mantine/notifications/styles.css';

import { MantineProvider, createTheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router-dom';
import { Provider } from 'urql';

import { createClient } from './api/client';
import { SessionProvider, createSignal } from './api/session';
import { router } from './routes';

// System fonts only: the console loads nothing from elsewhere.
const theme = createTheme({ primaryColor: 'indigo' });
const expired = createSignal();
const client = createClient(expired.emit);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <Notifications position="top-right" />
      <Provider value={client}>
        <SessionProvider expired={expired}>
          <RouterProvider router={router} />
        </SessionProvider>
      </Provider>
    </MantineProvider>
  </StrictMode>,
);
