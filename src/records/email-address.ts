/**
 * Zoho's check for Email-type fields: a Unicode-aware local part, then domain labels and a TLD of
 * 2–22 letters (docs/zoho-contract.md §13.1). Runs in linear time; inputs are length-capped first.
 */
const EMAIL_PATTERN =
  /^[+\-\p{L}\p{M}\p{N}_][\p{L}\p{M}\p{N}!#$%&'*+\-/=?^_`{|}~.]*@(?:[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]{0,61}[\p{L}\p{M}\p{N}])?\.)+[\p{L}]{2,22}$/u;

export const MAX_EMAIL_LENGTH = 254;

export function isValidEmail(value: string): boolean {
  if (value.length > MAX_EMAIL_LENGTH || value.length < 6) return false;
  const at = value.lastIndexOf('@');
  const domain = value.slice(at + 1);
  if (at < 1 || at > 64 || domain.length < 4 || domain.length > 256) return false;
  if (value.includes('..')) return false;
  return EMAIL_PATTERN.test(value);
}
