/**
 * The body of a one-click unsubscribe POST (RFC 8058 §3.1): the single field
 * `List-Unsubscribe=One-Click`, sent by a mail provider as `application/x-www-form-urlencoded` or
 * `multipart/form-data` (and by the unsubscribe page's own button as a urlencoded form). Pure:
 * the route hands over the raw body (already bounded in size) and its Content-Type.
 */
export const ONE_CLICK_FIELD = 'List-Unsubscribe';
export const ONE_CLICK_VALUE = 'One-Click';

/** Whether the body carries `List-Unsubscribe=One-Click`. Any other body (or type) is not a one-click request. */
export function isOneClickBody(contentType: string | undefined, body: string): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    return new URLSearchParams(body).getAll(ONE_CLICK_FIELD).includes(ONE_CLICK_VALUE);
  }
  if (type === 'multipart/form-data') {
    const boundary = boundaryOf(contentType ?? '');
    return boundary !== null && multipartFields(body, boundary).some(([name, value]) => name === ONE_CLICK_FIELD && value === ONE_CLICK_VALUE);
  }
  return false;
}

/** The `boundary` parameter of a multipart Content-Type (quoted or not), or null. */
function boundaryOf(contentType: string): string | null {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/** The text fields of a small multipart/form-data body: [name, value] pairs (files are skipped). */
function multipartFields(body: string, boundary: string): [string, string][] {
  const fields: [string, string][] = [];
  const parts = body.split(`--${boundary}`);
  // parts[0] is the preamble; the part after the closing delimiter starts with `--`.
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break;
    const text = part.replace(/^\r?\n/, '');
    const split = /\r?\n\r?\n/.exec(text);
    if (!split) continue;
    const headers = text.slice(0, split.index);
    const value = text.slice(split.index + split[0].length).replace(/\r?\n$/, '');
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers);
    if (!disposition || /filename\*?=/i.test(disposition[1]!)) continue;
    const name = /\bname="([^"]*)"|\bname=([^\s;]+)/i.exec(disposition[1]!);
    if (name) fields.push([name[1] ?? name[2]!, value]);
  }
  return fields;
}
