import { Parser } from 'htmlparser2';
import { MAX_TRACKED_URL_LENGTH } from './tracking-token.js';

/**
 * What tracking puts in one html message (README "Tracking opens and clicks"): the open pixel's
 * URL, and the tracked URL of a link target (null: leave that link as written).
 */
export type HtmlTracking = Readonly<{
  pixelUrl: string;
  trackedUrl: (target: string) => string | null;
}>;

/**
 * Adds the open pixel and routes the html's links through tracked URLs. The html is read with
 * htmlparser2 (as sanitize-html reads it); only the opening tag of each tracked `<a>` is written
 * again (its attributes in order, `href` replaced), everything else stays byte for byte. The
 * pixel goes before `</body>`, or at the end without one.
 */
export function trackHtml(html: string, tracking: HtmlTracking): string {
  const edits: { start: number; end: number; text: string }[] = [];
  let bodyEnd: number | null = null;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name !== 'a' || typeof attribs.href !== 'string') return;
        const tracked = tracking.trackedUrl(attribs.href.trim());
        if (tracked === null) return;
        const attributes = Object.entries(attribs).map(([key, value]) => ` ${key}="${escapeAttribute(key === 'href' ? tracked : value)}"`);
        edits.push({ start: parser.startIndex, end: parser.endIndex + 1, text: `<a${attributes.join('')}>` });
      },
      onclosetag(name, implied) {
        if (name === 'body' && !implied && bodyEnd === null) bodyEnd = parser.startIndex;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  const pixel = `<img src="${escapeAttribute(tracking.pixelUrl)}" width="1" height="1" alt="" style="display:none">`;
  edits.push({ start: bodyEnd ?? html.length, end: bodyEnd ?? html.length, text: pixel });
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += html.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + html.slice(at);
}

/**
 * Whether a link target is tracked: an absolute http(s) URL up to MAX_TRACKED_URL_LENGTH that is
 * not under PUBLIC_URL (the unsubscribe and consent links stay direct). `mailto:`, `tel:`,
 * anchors (`#…`), relative and other schemes are left alone.
 */
export function isTrackable(target: string, publicUrl: string): boolean {
  // Printable ASCII only: the redirect's Location is then exactly the signed text.
  if (target.length > MAX_TRACKED_URL_LENGTH || !/^https?:\/\/[\x21-\x7e]+$/i.test(target)) return false;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  const own = new URL(publicUrl);
  return url.origin !== own.origin || !url.pathname.startsWith(own.pathname.replace(/\/?$/, '/'));
}

const escapeAttribute = (value: string): string => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
