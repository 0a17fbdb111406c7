import { Text } from '@mantine/core';
import type { TextProps } from '@mantine/core';

import { formatMoney } from '../lib/money';
import type { MoneyValue } from '../lib/money';

export function Money({ value, ...props }: { value: MoneyValue } & TextProps) {
  return (
    <Text span ff="monospace" style={{ whiteSpace: 'nowrap' }} {...props}>
      {formatMoney(value)}
    </Text>
  );
}
