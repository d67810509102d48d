/**
 * Ids in request bodies. Zoho's ids are 64-bit integers written as 19-digit strings; Zoho's SDKs
 * for other languages send them as bare JSON numbers, and Zoho accepts both. The body parser
 * (`wire/json-body.ts`) keeps such a number exact as a `bigint`; smaller ones are `number`s.
 * Every place that reads an id from a body goes through these two functions, so a number is
 * accepted everywhere a string id is, and answers always carry ids as strings.
 */

const LARGEST_ID = 10n ** 19n - 1n;

/**
 * The id a JSON number names: a positive integer of at most 19 digits, as its digits. Null for
 * anything else: fractions, zero, negative numbers, longer integers, and every non-number
 * (strings included: their rules are the caller's).
 */
export function idFromNumber(value: unknown): string | null {
  if (typeof value === 'bigint') return value > 0n && value <= LARGEST_ID ? value.toString() : null;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? String(value) : null;
  return null;
}

/**
 * An id given either way: a string as it is (for the caller's own checks), or the digits of a
 * number that is a valid id; undefined for any other value.
 */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return idFromNumber(value) ?? undefined;
}
