// Cursor pagination: the API gives each page's end cursor; going back pops the cursors seen.
import { Button, Group, Text } from '@mantine/core';
import { useState } from 'react';

export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    next: (endCursor: string | null | undefined) =>
      endCursor && setCursors((before) => [...before, endCursor]),
    previous: () => setCursors((before) => (before.length > 1 ? before.slice(0, -1) : before)),
    reset: () => setCursors([null]),
  };
}

export function Pager({
  pages,
  pageInfo,
  totalCount,
}: {
  pages: ReturnType<typeof useCursorPages>;
  pageInfo?: { hasNextPage: boolean; endCursor?: string | null };
  totalCount?: number;
}) {
  return (
    <Group justify="space-between">
      <Text size="sm" c="dimmed">
        {totalCount === undefined ? '' : `${totalCount} in all · page ${pages.page}`}
      </Text>
      <Group gap="xs">
        <Button variant="default" size="xs" disabled={pages.page === 1} onClick={pages.previous}>
          Previous
        </Button>
        <Button
          variant="default"
          size="xs"
          disabled={!pageInfo?.hasNextPage}
          onClick={() => pages.next(pageInfo?.endCursor)}
        >
          Next
        </Button>
      </Group>
    </Group>
  );
}
