// Live updates: one `invoiceChanged` subscription for the whole console while signed in.
// Each change bumps a counter; screens that show invoices refetch their query when it moves
// (simplest robust choice: lists are filtered and paginated server-side, so patching them in
// place would duplicate the server's rules).
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useSubscription } from 'urql';

import { graphql } from '../gql';

const InvoiceChanged = graphql(`
  subscription InvoiceChanged {
    invoiceChanged {
      id
      number
      status
    }
  }
`);

interface Change {
  version: number;
  invoiceId: string | null;
}

const LiveContext = createContext<Change>({ version: 0, invoiceId: null });

export function LiveProvider({ children }: { children: ReactNode }) {
  const [change, setChange] = useState<Change>({ version: 0, invoiceId: null });
  const [result] = useSubscription({ query: InvoiceChanged });
  useEffect(() => {
    const invoice = result.data?.invoiceChanged;
    if (invoice) setChange((before) => ({ version: before.version + 1, invoiceId: invoice.id }));
  }, [result.data]);
  return <LiveContext.Provider value={change}>{children}</LiveContext.Provider>;
}

/** Calls `refetch` after every invoice change (or only changes of `invoiceId`, if given). */
export function useInvoiceChanges(refetch: () => void, invoiceId?: string) {
  const change = useContext(LiveContext);
  const latest = useRef(refetch);
  latest.current = refetch;
  useEffect(() => {
    if (change.version === 0) return;
    if (invoiceId && change.invoiceId !== invoiceId) return;
    latest.current();
  }, [change, invoiceId]);
}
