import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { MAX_UNSUBSCRIBE_TOKEN_LENGTH, readUnsubscribeToken, unsubscribeToken } from '../../src/compliance/unsubscribe-token.js';
import { maskAddress } from '../../src/compliance/render-unsubscribe-page.js';
import { createSecretBox } from '../../src/secrets.js';
import { isOneClickBody } from '../../src/wire/one-click-form.js';

describe('one-click unsubscribe token', () => {
  const keys = createSecretBox(randomBytes(32));
  const id = '1234567890123456789';

  test('names the recipient, lowercase [a-z0-9] only, and reads back to the same id', () => {
    const token = unsubscribeToken(keys, id);
    assert.match(token, /^[a-z0-9]+$/);
    assert.ok(token.startsWith(`${id}z`));
    assert.equal(token.length, MAX_UNSUBSCRIBE_TOKEN_LENGTH);
    assert.equal(token.length - id.length - 1, 32, '128 bits of MAC');
    assert.equal(readUnsubscribeToken(keys, token), id);
    assert.equal(unsubscribeToken(keys, id), token, 'the same every time the message is built');
    assert.equal(readUnsubscribeToken(keys, unsubscribeToken(keys, '7')), '7');
  });

  test('a forged, altered, cut or foreign-key token reads as nothing', () => {
    const token = unsubscribeToken(keys, id);
    const mac = token.slice(id.length + 1);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === '0' ? '1' : '0') + s.slice(i + 1);
    assert.equal(readUnsubscribeToken(keys, flip(token, token.length - 1)), null, 'altered MAC');
    assert.equal(readUnsubscribeToken(keys, `1234567890123456788z${mac}`), null, 'another recipient with this MAC');
    assert.equal(readUnsubscribeToken(keys, token.slice(0, -1)), null, 'cut');
    assert.equal(readUnsubscribeToken(keys, `${token}0`), null, 'lengthened');
    assert.equal(readUnsubscribeToken(keys, token.toUpperCase()), null, 'upper case');
    assert.equal(readUnsubscribeToken(keys, `${id}z${'0'.repeat(32)}`), null, 'zero MAC');
    assert.equal(readUnsubscribeToken(keys, ''), null);
    assert.equal(readUnsubscribeToken(keys, `12345678901234567890z${mac}`), null, '20 digits');
    assert.equal(readUnsubscribeToken(createSecretBox(randomBytes(32)), token), null, 'another SECRETS_KEY');
    // A MAC made for another purpose (consent links) under the same key does not verify.
    const consentMac = Buffer.from(keys.mac('consent-link', id), 'base64url').subarray(0, 16).toString('hex');
    assert.equal(readUnsubscribeToken(keys, `${id}z${consentMac}`), null);
    assert.throws(() => unsubscribeToken(keys, 'abc'));
  });
});

describe('one-click POST body (RFC 8058 §3.1)', () => {
  test('urlencoded: List-Unsubscribe=One-Click, nothing else', () => {
    assert.equal(isOneClickBody('application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click'), true);
    assert.equal(isOneClickBody('application/x-www-form-urlencoded; charset=utf-8', 'a=b&List-Unsubscribe=One-Click'), true);
    assert.equal(isOneClickBody('application/x-www-form-urlencoded', 'List-Unsubscribe=one-click'), false);
    assert.equal(isOneClickBody('application/x-www-form-urlencoded', ''), false);
    assert.equal(isOneClickBody('text/plain', 'List-Unsubscribe=One-Click'), false);
    assert.equal(isOneClickBody(undefined, 'List-Unsubscribe=One-Click'), false);
  });

  test('multipart/form-data: the field as a text part, with or without a quoted boundary', () => {
    const body = (b: string, disposition = 'form-data; name="List-Unsubscribe"', value = 'One-Click') =>
      `--${b}\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n--${b}--\r\n`;
    assert.equal(isOneClickBody('multipart/form-data; boundary=XyZ', body('XyZ')), true);
    assert.equal(isOneClickBody('multipart/form-data; boundary="a b"', body('a b')), true);
    assert.equal(isOneClickBody('multipart/form-data; boundary=XyZ', body('XyZ', 'form-data; name="Other"')), false);
    assert.equal(isOneClickBody('multipart/form-data; boundary=XyZ', body('XyZ', 'form-data; name="List-Unsubscribe"', 'Nope')), false);
    assert.equal(isOneClickBody('multipart/form-data; boundary=XyZ', body('XyZ', 'form-data; name="List-Unsubscribe"; filename="x"')), false, 'a file is not the field');
    assert.equal(isOneClickBody('multipart/form-data', body('XyZ')), false, 'no boundary');
    assert.equal(isOneClickBody('multipart/form-data; boundary=Other', body('XyZ')), false, 'another boundary');
  });

  test('the page shows the address masked: first character of the local part, the domain', () => {
    assert.equal(maskAddress('ann.smith@example.com'), 'a•••@example.com');
    assert.equal(maskAddress('a@example.com'), 'a•••@example.com');
    assert.equal(maskAddress('no-at-sign'), '•••');
  });
});
