import { MantineProvider } from '@mantine/core';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { Client, Provider, fetchExchange } from 'urql';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import type { Role } from '../api/auth';
import { SessionProvider, createSignal } from '../api/session';
import { Bank } from './Bank';

const money = (amount: string) => ({ amount, currency: 'EUR', formatted: `€${amount}` });

// A credit larger than what the one suggested invoice still owes.
const WAITING = {
  __typename: 'BankTransaction',
  id: 'btx_1',
  status: 'UNMATCHED',
  credit: true,
  returned: false,
  amount: money('150.00'),
  bookingDate: '2027-03-09',
  valueDate: '2027-03-09',
  debtorName: 'Globex Inc.',
  debtorIban: 'NL91ABNA0417164300',
  reference: null,
  remittanceInformation: 'March',
  settledBy: null,
  organization: null,
  suggestions: [
    {
      __typename: 'BankTransactionSuggestion',
      sameAmount: false,
      nameSimilarity: 75,
      invoice: {
        __typename: 'Invoice',
        id: 'inv_7',
        number: 'INV-000007',
        dueDate: '2027-03-31',
        amountDue: money('100.00'),
        organization: { __typename: 'Organization', id: 'org_1', name: 'Globex' },
      },
    },
  ],
};

const REFUSED = {
  field: ['allocations', '0', 'amount'],
  message: "More than the invoice's amount due (€90.00).",
  code: 'INVALID',
};

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
}

/** The API as the screen sees it: the signed-in user of `role`, one waiting transaction, and
 * a match refused (the invoice was partly paid meanwhile). The operations it got, in order. */
function serve(role: Role) {
  const operations: { operationName: string; variables: Record<string, unknown> }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input) === '/auth/session') {
        return json({ user: { id: 'u', email: 'u@acme.example', name: 'U', role }, tenant: { id: 't', name: 'Acme' } });
      }
      // Queries come as GET (their variables in the URL), mutations as POST.
      const query = new URL(String(input), 'http://console.test').searchParams;
      const operation = init?.body
        ? JSON.parse(String(init.body))
        : { operationName: query.get('operationName'), variables: JSON.parse(query.get('variables') ?? '{}') };
      operations.push(operation);
      if (operation.operationName === 'BankTransactionMatch') {
        return json({ data: { bankTransactionMatch: { __typename: 'BankTransactionPayload', bankTransaction: null, errors: [REFUSED] } } });
      }
      return json({
        data: {
          bankTransactions: {
            __typename: 'BankTransactionConnection',
            totalCount: 1,
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
            edges: [{ __typename: 'BankTransactionEdge', node: WAITING }],
          },
        },
      });
    }),
  );
  const client = new Client({ url: '/graphql', exchanges: [fetchExchange] });
  render(
    <MantineProvider>
      <SessionProvider expired={createSignal()}>
        <Provider value={client}>
          <MemoryRouter>
            <Bank />
          </MemoryRouter>
        </Provider>
      </SessionProvider>
    </MantineProvider>,
  );
  return operations;
}

beforeAll(() => {
  // Mantine asks for media queries, which jsdom lacks.
  window.matchMedia ??= (query: string) =>
    ({ matches: false, media: query, addEventListener() {}, removeEventListener() {} }) as unknown as MediaQueryList;
  window.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Bank', () => {
  it('lists the unmatched credits, the IBAN in groups of four', async () => {
    const operations = serve('OWNER');
    const row = await screen.findByRole('row', { name: 'Globex Inc. €150.00' });
    expect(row.textContent).toContain('NL91 ABNA 0417 1643 00');
    expect(operations[0].variables.filter).toEqual({ status: ['UNMATCHED'] });
  });

  it('matches what the invoice owes, at most, and shows why the API refused', async () => {
    const operations = serve('OWNER');
    fireEvent.click(await screen.findByRole('button', { name: 'Match to INV-000007' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain("allocations.0.amount: More than the invoice's amount due (€90.00).");
    const match = operations.find((operation) => operation.operationName === 'BankTransactionMatch');
    expect(match?.variables).toEqual({ id: 'btx_1', allocations: [{ invoiceId: 'inv_7', amount: '100.00' }] });
  });

  it('shows a viewer the suggestions without a way to act on them', async () => {
    serve('VIEWER');
    const suggested = await screen.findByLabelText('Suggested INV-000007');
    expect(within(suggested).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Ignore' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Import a statement' })).toBeNull();
  });
});
