// Money is never a float: amounts are the API's decimal strings, added as integers of the
// smallest unit shown (BigInt), and formatted by Intl for people.

export interface MoneyValue {
  amount: string;
  currency: string;
  formatted?: string;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

function scaled(amount: string, scale: number): bigint {
  const match = DECIMAL.exec(amount.trim());
  if (!match) throw new Error(`not a decimal amount: ${amount}`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > scale) throw new Error(`more than ${scale} decimals: ${amount}`);
  const value = BigInt(whole + fraction.padEnd(scale, '0'));
  return sign ? -value : value;
}

function unscaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale ? `.${fraction}` : ''}`;
}

function decimals(amount: string): number {
  return amount.includes('.') ? amount.split('.')[1].length : 0;
}

/** The exact sum of decimal strings, with as many decimals as the longest of them. */
export function addAmounts(amounts: readonly string[]): string {
  const scale = Math.max(0, ...amounts.map(decimals));
  return unscaled(
    amounts.reduce((sum, amount) => sum + scaled(amount, scale), 0n),
    scale,
  );
}

/** The smaller of two decimal strings, as given. */
export function smallerAmount(first: string, second: string): string {
  const scale = Math.max(decimals(first), decimals(second));
  return scaled(second, scale) < scaled(first, scale) ? second : first;
}

/** Totals by currency, in the order the currencies first appear. */
export function totalsByCurrency(values: readonly MoneyValue[]): MoneyValue[] {
  const grouped = new Map<string, string[]>();
  for (const value of values) {
    grouped.set(value.currency, [...(grouped.get(value.currency) ?? []), value.amount]);
  }
  return [...grouped].map(([currency, amounts]) => ({ currency, amount: addAmounts(amounts) }));
}

/** "€1,250.00" for en-US; the API's own `formatted` when it sent one. Intl takes the amount
 * as a string, so no precision is lost on the way. */
export function formatMoney(value: MoneyValue, locale = 'en-US'): string {
  if (value.formatted) return value.formatted;
  const digits = new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency })
    .resolvedOptions().maximumFractionDigits;
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: value.currency,
    minimumFractionDigits: Math.max(digits ?? 2, decimals(value.amount)),
  });
  return format.format(value.amount as unknown as number);
}

/** Quantity × unit price, exactly, for a preview before the API has priced it. */
export function multiply(quantity: string, price: string): string {
  const scale = decimals(quantity) + decimals(price);
  return unscaled(scaled(quantity, decimals(quantity)) * scaled(price, decimals(price)), scale);
}
