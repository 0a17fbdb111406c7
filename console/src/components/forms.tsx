// Putting the API's UserErrors on a Mantine form's fields; the rest above the form.
import { useState } from 'react';
import { Alert, List } from '@mantine/core';
import type { UseFormReturnType } from '@mantine/form';
import type { CombinedError } from 'urql';

import { mapErrors } from '../lib/errors';
import { saved } from '../lib/notify';
import type { ApiUserError } from '../lib/errors';

/** Every path of the form's values, objects and lists included ("company.address.city"). */
export function valuePaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return prefix ? [prefix] : [];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  const nested = entries.flatMap(([key, item]) =>
    valuePaths(item, prefix ? `${prefix}.${key}` : key),
  );
  return prefix ? [prefix, ...nested] : nested;
}

/** Sets the errors on the form's fields and returns the messages that fit none. */
export function applyErrors<Values extends object>(
  form: UseFormReturnType<Values>,
  errors: readonly ApiUserError[],
): string[] {
  const { fields, general } = mapErrors(errors, valuePaths(form.getValues()));
  form.setErrors(fields);
  return general;
}

/** The messages of a failed request (network, HTTP, GraphQL), for GeneralErrors. */
export function requestErrors(error: CombinedError | undefined): string[] {
  if (!error) return [];
  if (error.networkError) return [`The server could not be reached: ${error.networkError.message}`];
  return error.graphQLErrors.map((graphQLError) => graphQLError.message);
}

export function GeneralErrors({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <Alert color="red" role="alert" title={messages.length === 1 ? messages[0] : 'Not saved'}>
      {messages.length > 1 && (
        <List size="sm">
          {messages.map((message) => (
            <List.Item key={message}>{message}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

interface Outcome {
  error?: CombinedError;
  errors?: readonly ApiUserError[] | null;
}

/** Submitting a form to a mutation: its UserErrors on the form's fields, the rest (and a
 * failed request) in `general`; true when it was accepted. */
export function useSubmit<Values extends object>(form: UseFormReturnType<Values>) {
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  async function submit(run: () => Promise<Outcome>, done?: string): Promise<boolean> {
    setBusy(true);
    try {
      const { error, errors = [] } = await run();
      const messages = [...requestErrors(error), ...applyErrors(form, errors ?? [])];
      setGeneral(messages);
      const accepted = messages.length === 0 && (errors ?? []).length === 0;
      if (accepted && done) saved(done);
      return accepted;
    } finally {
      setBusy(false);
    }
  }
  return { general, busy, submit };
}
