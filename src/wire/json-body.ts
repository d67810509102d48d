import { parse as parseLossless } from 'lossless-json';
import secureJsonParse from 'secure-json-parse';
import { AppError } from '../errors.js';

/**
 * Request bodies as JSON, the one reader for every route (`http/server.ts` wires it in as the
 * content-type parser). Three promises:
 *
 * - **Bounded depth** (docs/reliability.md P8): a body nested deeper than `MAX_JSON_DEPTH` containers is
 *   refused before it is parsed, so nothing later (the Idempotency-Key fingerprint, validation,
 *   storage) ever walks a deeper value: 400 `INVALID_DATA` with `details.maximum_depth`.
 * - **Exact integers**: Zoho's SDKs for other languages send 64-bit ids as bare JSON numbers
 *   (`{"template":{"id":1096694392965701632}}`), which `JSON.parse` rounds. An integer literal
 *   of 16 to 19 digits that a `number` cannot hold exactly becomes a `bigint`; every other
 *   number is the `number` `JSON.parse` would give (so a 20-digit or fractional value behaves as
 *   before). Readers of ids take bigints through `wire/json-ids.ts`; readers of numeric fields
 *   convert them with `Number()`; anything that serialises a body uses `bodyText`.
 * - **No prototype poisoning**: `__proto__` keys and `constructor.prototype` are dropped, never
 *   applied (secure-json-parse, as Fastify's own parser does).
 *
 * Speed: one pass over the text finds the depth and whether any digit run outside strings is 16
 * digits or longer. Without such a run (the common body: ids travel as strings) the text goes
 * through `JSON.parse` (secure-json-parse); with one, through lossless-json, which is a few times
 * slower. `npm run bench` prints both against `JSON.parse`.
 */
export const MAX_JSON_DEPTH = 32;

/** Shortest digit run that may be an integer beyond 2^53 (2^53 itself has 16 digits). */
const LONG_DIGIT_RUN = 16;
/** Zoho ids are 64-bit: at most 19 digits. Longer integers are plain (rounded) numbers, as before. */
const MAX_ID_DIGITS = 19;

const SECURE = { protoAction: 'remove', constructorAction: 'remove' } as const;

const invalidBody = (): AppError => new AppError('INVALID_BODY', { details: { expected_data_type: 'jsonobject' } });

/**
 * Parses a request body. Throws `INVALID_BODY` (wire code `INVALID_DATA`) for malformed JSON and
 * for JSON nested deeper than `MAX_JSON_DEPTH` (`details: {maximum_depth: 32}`).
 */
export function parseJsonBody(raw: string): unknown {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const shape = scanJson(text);
  if (shape === 'too-deep') throw new AppError('INVALID_BODY', { details: { maximum_depth: MAX_JSON_DEPTH } });
  try {
    if (!shape.longDigits) return secureJsonParse(text, SECURE);
    const value: unknown = parseLossless(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
    // As secure-json-parse does, only a text that may name `__proto__` or `constructor` is scanned:
    // written plainly, or with a \u escape (the only way JSON can escape a letter or `_`).
    const suspect = text.includes('__proto__') || text.includes('constructor') || text.includes('\\u');
    return suspect && value !== null && typeof value === 'object' ? secureJsonParse.scan(value, SECURE) : value;
  } catch {
    throw invalidBody();
  }
}

/** lossless-json hands every number over as its text; only unsafe integers of ≤ 19 digits stay exact. */
function parseNumber(digits: string): number | bigint {
  const value = Number(digits);
  if (digits.length >= LONG_DIGIT_RUN && digits.length <= MAX_ID_DIGITS && !Number.isSafeInteger(value) && /^\d+$/.test(digits)) {
    return BigInt(digits);
  }
  return value;
}

/**
 * One pass over the text, outside strings: the nesting depth (stopping at the first container
 * beyond the bound) and whether a run of `LONG_DIGIT_RUN` or more digits occurs. Malformed text
 * is left to the parser; this only counts.
 */
function scanJson(text: string): 'too-deep' | { longDigits: boolean } {
  let depth = 0;
  let longDigits = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = endOfString(text, i);
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return 'too-deep';
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c >= 0x30 && c <= 0x39) {
      let end = i + 1;
      while (end < length && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++;
      if (end - i >= LONG_DIGIT_RUN) longDigits = true;
      i = end - 1;
    }
  }
  return { longDigits };
}

/** Index of the quote closing the string opened at `start` (or the end of the text). */
function endOfString(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/**
 * `JSON.stringify` for values that came from a request body: a bigint (an exact integer, see
 * above) is written as its digits in a string, never a TypeError. Identical to `JSON.stringify`
 * for every value without a bigint.
 */
export function bodyText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
}
