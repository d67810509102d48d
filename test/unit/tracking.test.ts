import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { readUnsubscribeToken, unsubscribeToken } from '../../src/compliance/unsubscribe-token.js';
import { createSecretBox } from '../../src/secrets.js';
import { flagOf, isNonBrowserAgent, QUICK_FETCH_MS } from '../../src/tracking/prefetch.js';
import { isTrackable, trackHtml } from '../../src/tracking/track-html.js';
import { clickToken, MAX_TRACKED_URL_LENGTH, openToken, readClickToken, readOpenToken } from '../../src/tracking/tracking-token.js';

const keys = createSecretBox(randomBytes(32));
const id = '1234567890123456789';
const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === '0' ? '1' : '0') + s.slice(i + 1);

describe('tracking tokens', () => {
  test('the open token names the recipient under its own purpose: not an unsubscribe token, nor the reverse', () => {
    const token = openToken(keys, id);
    assert.match(token, /^[0-9]+z[0-9a-f]{32}$/);
    assert.equal(readOpenToken(keys, token), id);
    assert.equal(openToken(keys, id), token, 'stable: computed again at each build');
    assert.equal(readUnsubscribeToken(keys, token), null);
    assert.equal(readOpenToken(keys, unsubscribeToken(keys, id)), null);
    assert.equal(readOpenToken(keys, flip(token, token.length - 1)), null, 'altered');
    assert.equal(readOpenToken(keys, token.slice(0, -1)), null, 'cut');
    assert.equal(readOpenToken(createSecretBox(randomBytes(32)), token), null, 'another key');
    assert.throws(() => openToken(keys, 'abc'));
  });

  test('the click token authenticates the recipient and the exact target', () => {
    const url = 'https://example.com/a?b=1&c=2#d';
    const { token, u } = clickToken(keys, id, url);
    assert.deepEqual(readClickToken(keys, token, u), { recipientId: id, url });
    assert.equal(readOpenToken(keys, token), null, 'not an open token');
    assert.equal(readClickToken(keys, token, Buffer.from('https://evil.example/').toString('base64url')), null, 'another target');
    assert.equal(readClickToken(keys, token, Buffer.from(`${url}x`).toString('base64url')), null, 'a longer target');
    assert.equal(readClickToken(keys, flip(token, token.length - 1), u), null, 'altered MAC');
    assert.equal(readClickToken(keys, `7${token.slice(id.length)}`, u), null, 'another recipient');
    assert.equal(readClickToken(keys, token, `${u}=`), null, 'not base64url');
    assert.equal(readClickToken(keys, token, ''), null, 'no target');
  });
});

describe('prefetch and scanner flags (src/tracking/prefetch.ts)', () => {
  const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
  const base = { remoteAddress: '198.51.100.7', at: 10 * QUICK_FETCH_MS, lastAttemptAt: 0 };

  test('known proxies and scanners by user agent', () => {
    assert.equal(flagOf({ ...base, userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' }), 'prefetch');
    assert.equal(flagOf({ ...base, userAgent: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html' }), 'prefetch');
    assert.equal(flagOf({ ...base, userAgent: 'Mozilla/5.0' }), 'prefetch', "Apple Mail Privacy Protection's bare agent");
    assert.equal(flagOf({ ...base, userAgent: `${browser} Barracuda` }), 'scanner');
    assert.equal(flagOf({ ...base, userAgent: 'mimecast-url-protect' }), 'scanner');
    assert.equal(flagOf({ ...base, userAgent: 'Proofpoint URL Defense' }), 'scanner');
  });

  test("Apple's network, also written IPv4-mapped", () => {
    assert.equal(flagOf({ ...base, userAgent: browser, remoteAddress: '17.58.100.1' }), 'prefetch');
    assert.equal(flagOf({ ...base, userAgent: browser, remoteAddress: '::ffff:17.1.2.3' }), 'prefetch');
    assert.equal(flagOf({ ...base, userAgent: browser, remoteAddress: '18.0.0.1' }), null);
  });

  test('a non-browser agent within the window after delivery is a scanner; after it, or a browser, counts', () => {
    assert.equal(flagOf({ ...base, userAgent: 'curl/8.5.0', at: QUICK_FETCH_MS - 1 }), 'scanner');
    assert.equal(flagOf({ ...base, userAgent: null, at: 1000 }), 'scanner');
    assert.equal(flagOf({ ...base, userAgent: 'curl/8.5.0', at: QUICK_FETCH_MS }), null);
    assert.equal(flagOf({ ...base, userAgent: browser, at: 1000 }), null);
    assert.equal(flagOf({ ...base, userAgent: 'curl/8.5.0', lastAttemptAt: null }), null);
    assert.equal(isNonBrowserAgent('python-requests/2.31'), true);
    assert.equal(isNonBrowserAgent(`${browser} HeadlessChrome`), true);
    assert.equal(isNonBrowserAgent(browser), false);
  });
});

describe('html tracking (src/tracking/track-html.ts)', () => {
  const publicUrl = 'https://mailroom.example';
  const tracking = { pixelUrl: `${publicUrl}/t/o/1z00`, trackedUrl: (t: string) => (isTrackable(t, publicUrl) ? `${publicUrl}/t/c/1z00?u=${Buffer.from(t).toString('base64url')}` : null) };

  test('only http(s) links outside PUBLIC_URL, printable and bounded, are tracked', () => {
    assert.equal(isTrackable('https://example.com/x', publicUrl), true);
    assert.equal(isTrackable('HTTP://example.com', publicUrl), true);
    for (const t of ['mailto:a@example.com', 'tel:+1555', '#top', '/relative', 'javascript:alert(1)', `${publicUrl}/unsubscribe/1z0`, 'https://example.com/a b', 'https://exämple.com/']) {
      assert.equal(isTrackable(t, publicUrl), false, t);
    }
    assert.equal(isTrackable(`https://example.com/${'a'.repeat(MAX_TRACKED_URL_LENGTH)}`, publicUrl), false, 'too long');
  });

  test('rewrites only the href of tracked links, keeps the rest byte for byte, puts the pixel before </body>', () => {
    const source = '<html><body><!-- <a href="https://c.example/"> --><A HREF=\'https://x.example/?a=1&amp;b=2\' data-x="&quot;q">x</A> <a href="mailto:a@b">m</a><style>a[href="https://s.example/"]{}</style></body></html>';
    const out = trackHtml(source, tracking);
    const u = Buffer.from('https://x.example/?a=1&b=2').toString('base64url');
    assert.equal(
      out,
      `<html><body><!-- <a href="https://c.example/"> --><a href="${publicUrl}/t/c/1z00?u=${u}" data-x="&quot;q">x</A> <a href="mailto:a@b">m</a><style>a[href="https://s.example/"]{}</style>` +
        `<img src="${publicUrl}/t/o/1z00" width="1" height="1" alt="" style="display:none"></body></html>`,
    );
    assert.equal(trackHtml('<p>no body</p>', tracking), `<p>no body</p><img src="${publicUrl}/t/o/1z00" width="1" height="1" alt="" style="display:none">`);
  });
});
