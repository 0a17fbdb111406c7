import { Badge } from '@mantine/core';

const COLORS: Record<string, string> = {
  DRAFT: 'gray',
  ON_HOLD: 'orange',
  DUE: 'blue',
  OVERDUE: 'red',
  PAID: 'green',
  VOID: 'dark',
  LIVE: 'green',
  ENDED: 'gray',
  PENDING: 'yellow',
  FAILED: 'red',
  ACTIVE: 'green',
  MISSING: 'gray',
};

export function statusLabel(status: string): string {
  return status.charAt(0) + status.slice(1).toLowerCase().replace('_', ' ');
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={COLORS[status] ?? 'gray'} variant="light">
      {statusLabel(status)}
    </Badge>
  );
}
