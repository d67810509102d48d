import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { checkBounceAddress, deriveVerpKey, MAX_BOUNCE_LOCAL_PART, MAX_LOCAL_PART, readUnsubscribeAddress, readVerpAddress, unsubscribeAddress, verpAddress, VERP_TOKEN_LENGTH } from '../../../src/bounces/verp.js';

const BOUNCE = 'bounces@mail.example.com';
const key = deriveVerpKey(Buffer.alloc(32, 7));
const IDS = ['0', '1', '1000000000000000001', '3652397000002181001', '9223372036854775807', '9999999999999999999'];

test('round trip: every recipient id comes back from its VERP address; the address has the shape bounces+<29 [0-9a-z]>@domain', () => {
  for (const id of IDS) {
    const address = verpAddress(BOUNCE, id, key);
    assert.match(address, /^bounces\+[0-9a-z]{29}@mail\.example\.com$/, id);
    assert.equal(readVerpAddress(address, BOUNCE, key), id, id);
    assert.equal(readVerpAddress(`<${address}>`, BOUNCE, key), id, 'angle brackets are ignored');
  }
  assert.notEqual(verpAddress(BOUNCE, '1', key), verpAddress(BOUNCE, '2', key));
  assert.equal(verpAddress(BOUNCE, '1', key), verpAddress(BOUNCE, '1', key), 'deterministic');
});

test('case-insensitive: an MTA that upper- or lowercases the address changes nothing', () => {
  const address = verpAddress(BOUNCE, '3652397000002181001', key);
  assert.equal(readVerpAddress(address.toUpperCase(), BOUNCE, key), '3652397000002181001');
  assert.equal(readVerpAddress(address, 'Bounces@Mail.Example.COM', key), '3652397000002181001');
});

test('a forged or altered token names no one: each changed character, truncation, extension, another key', () => {
  const address = verpAddress(BOUNCE, '3652397000002181001', key);
  const token = address.slice('bounces+'.length, address.indexOf('@'));
  assert.equal(token.length, VERP_TOKEN_LENGTH);
  for (let i = 0; i < token.length; i += 1) {
    const replacement = token[i] === 'a' ? 'b' : 'a';
    const altered = `bounces+${token.slice(0, i)}${replacement}${token.slice(i + 1)}@mail.example.com`;
    assert.equal(readVerpAddress(altered, BOUNCE, key), null, `character ${i}`);
  }
  assert.equal(readVerpAddress(`bounces+${token.slice(0, -1)}@mail.example.com`, BOUNCE, key), null, 'truncated');
  assert.equal(readVerpAddress(`bounces+${token}a@mail.example.com`, BOUNCE, key), null, 'extended');
  assert.equal(readVerpAddress(address, BOUNCE, deriveVerpKey(randomBytes(32))), null, 'another key');
  // a token made for id 1 cannot be re-pointed at id 2 by changing the id characters
  const one = verpAddress(BOUNCE, '1', key).split('+')[1]!.split('@')[0]!;
  assert.equal(readVerpAddress(`bounces+${'2'.padStart(13, '0')}${one.slice(13)}@mail.example.com`, BOUNCE, key), null);
});

test('only addresses of the bounce address are read: other domain, other local part, no token, garbage', () => {
  const address = verpAddress(BOUNCE, '42', key);
  const token = address.split('+')[1]!.split('@')[0]!;
  for (const other of [
    `bounces+${token}@other.example.com`,
    `bounces+${token}@evil.mail.example.com`,
    `replies+${token}@mail.example.com`,
    `xbounces+${token}@mail.example.com`,
    'bounces@mail.example.com',
    'bounces+@mail.example.com',
    `bounces+${token.replace(/.$/, '-')}@mail.example.com`,
    `bounces+${'z'.repeat(29)}@mail.example.com`,
    '',
    '@',
    'not an address',
  ]) {
    assert.equal(readVerpAddress(other, BOUNCE, key), null, other);
  }
});

test('the local part stays within 64 octets, for the VERP and the unsubscribe form; a bounce address whose local part is too long, or not plain, is refused', () => {
  assert.equal(MAX_BOUNCE_LOCAL_PART, 33);
  const longest = `${'b'.repeat(MAX_BOUNCE_LOCAL_PART)}@mail.example.com`;
  assert.equal(checkBounceAddress(longest), null);
  const address = verpAddress(longest, '9999999999999999999', key);
  assert.equal(address.slice(0, address.lastIndexOf('@')).length, MAX_LOCAL_PART - 1);
  assert.equal(readVerpAddress(address, longest, key), '9999999999999999999');
  const unsubscribe = unsubscribeAddress(longest, '9999999999999999999', key);
  assert.equal(unsubscribe.slice(0, unsubscribe.lastIndexOf('@')).length, MAX_LOCAL_PART);
  assert.equal(readUnsubscribeAddress(unsubscribe, longest, key), '9999999999999999999');
  const tooLong = `${'b'.repeat(MAX_BOUNCE_LOCAL_PART + 1)}@mail.example.com`;
  assert.match(checkBounceAddress(tooLong) ?? '', /at most 33/);
  assert.throws(() => verpAddress(tooLong, '1', key), /at most 33/);
  assert.throws(() => unsubscribeAddress(tooLong, '1', key), /at most 33/);
  for (const bad of ['bounces', '@mail.example.com', 'a+b@mail.example.com', '"a b"@mail.example.com', 'bounces@', 'bounces@-bad.example']) {
    assert.notEqual(checkBounceAddress(bad), null, bad);
  }
  for (const badId of ['', '01', '-1', '1e3', '10000000000000000000', 'abc']) {
    assert.throws(() => verpAddress(BOUNCE, badId, key), /recipient id/, badId);
  }
});

test('deriveVerpKey: 32 bytes, differs from the secrets key and between secrets keys; refuses a key of another size', () => {
  const secrets = Buffer.alloc(32, 7);
  const derived = deriveVerpKey(secrets);
  assert.equal(derived.length, 32);
  assert.notDeepEqual(derived, secrets);
  assert.notDeepEqual(derived, deriveVerpKey(Buffer.alloc(32, 8)));
  assert.throws(() => deriveVerpKey(Buffer.alloc(16)), /32 bytes/);
});

test('unsubscribe address: bounces+u<the VERP token>@domain; round trip; never read as the other form; altered tokens name no one', () => {
  for (const id of IDS) {
    const verp = verpAddress(BOUNCE, id, key);
    const address = unsubscribeAddress(BOUNCE, id, key);
    assert.equal(address, verp.replace('bounces+', 'bounces+u'), id);
    assert.equal(readUnsubscribeAddress(address, BOUNCE, key), id, id);
    assert.equal(readUnsubscribeAddress(`<${address.toUpperCase()}>`, BOUNCE, key), id, 'case and angle brackets are ignored');
    assert.equal(readVerpAddress(address, BOUNCE, key), null, 'an unsubscribe address is no VERP address');
    assert.equal(readUnsubscribeAddress(verp, BOUNCE, key), null, 'a VERP address is no unsubscribe address');
  }
  const address = unsubscribeAddress(BOUNCE, '3652397000002181001', key);
  const at = address.indexOf('@');
  for (let i = 'bounces+u'.length; i < at; i += 1) {
    const altered = address.slice(0, i) + (address[i] === 'a' ? 'b' : 'a') + address.slice(i + 1);
    assert.equal(readUnsubscribeAddress(altered, BOUNCE, key), null, altered);
  }
  assert.equal(readUnsubscribeAddress(address, BOUNCE, deriveVerpKey(randomBytes(32))), null, 'another key');
  assert.equal(readUnsubscribeAddress(address, 'other@mail.example.com', key), null, 'another local part');
  assert.equal(readUnsubscribeAddress(address.replace('bounces+u', 'bounces+x'), BOUNCE, key), null, 'another tag');
});
