// IBANs arrive from bank statements in their electronic form, without spaces; people read and
// compare them in groups of four, as printed on paper.

/** "DE89370400440532013000" → "DE89 3704 0044 0532 0130 00". */
export function groupIban(iban: string): string {
  const compact = iban.replace(/\s+/g, '').toUpperCase();
  return compact.match(/.{1,4}/g)?.join(' ') ?? '';
}
