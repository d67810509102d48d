import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isForbiddenAddress, parseSmtpHost, resolveSmtpHost, type HostLookup } from '../../src/delivery/smtp-host-guard.js';
import { clientNetwork } from '../../src/ip-address.js';
import { scriptedLookup, SPECIAL_ADDRESSES } from '../helpers/scripted-lookup.js';

const PUBLIC_ADDRESSES = ['1.1.1.1', '8.8.8.8', '93.184.216.34', '192.0.1.255', '198.17.255.255', '198.20.0.1', '223.255.255.254', '2606:4700::1111', '2a00:1450:4001::1', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'];

test('every special-purpose address is refused, public unicast ones pass (IPv4, IPv6, IPv4-mapped, NAT64, 6to4)', () => {
  for (const address of SPECIAL_ADDRESSES) assert.equal(isForbiddenAddress(address), true, address);
  for (const address of PUBLIC_ADDRESSES) assert.equal(isForbiddenAddress(address), false, address);
  assert.equal(isForbiddenAddress('not an address'), true);
  assert.equal(isForbiddenAddress('fe80::1%eth0'), true);
});

test('host forms: numeric IPv4 forms are read as the address they stand for; IPv6 literals with or without brackets', () => {
  for (const form of ['2130706433', '0x7f.1', '017700000001', '127.1', '0x7f000001', '0177.0.0.1', '127.0.0.1.', ' 127.0.0.1 ']) {
    assert.deepEqual(parseSmtpHost(form), { kind: 'address', address: '127.0.0.1' }, form);
  }
  assert.deepEqual(parseSmtpHost('10.1'), { kind: 'address', address: '10.0.0.1' });
  assert.deepEqual(parseSmtpHost('[::1]'), { kind: 'address', address: '::1' });
  assert.deepEqual(parseSmtpHost('::FFFF:127.0.0.1'), { kind: 'address', address: '::ffff:7f00:1' });
  assert.deepEqual(parseSmtpHost('[2001:DB8::1]'), { kind: 'address', address: '2001:db8::1' });
  assert.deepEqual(parseSmtpHost('Smtp.Example.COM.'), { kind: 'name', name: 'smtp.example.com' });
  for (const bad of ['', 'a b', 'smtp.example.com:25', 'user@host', 'fe80::1%eth0', '[::1', '1.2.3.256', '08.0.0.1', '-bad.example', 'bad-.example', 'a..b', 'http://x', 'é.example']) {
    assert.equal(parseSmtpHost(bad), null, bad);
  }
});

test('names: every address of the answer must be public; the answer is resolved once and its addresses are what the caller connects to', async () => {
  const lookup = scriptedLookup({
    'public.test': [['93.184.216.34', '2606:4700::1111']],
    'private.test': [['10.0.0.5']],
    'mixed.test': [['93.184.216.34', '10.0.0.5']],
    'mapped.test': [['::ffff:127.0.0.1']],
    'empty.test': [[]],
    'rebind.test': [['93.184.216.34'], ['127.0.0.1']],
  });
  const options = { allowPrivate: false, lookup, timeoutMs: 1000 };
  assert.deepEqual(await resolveSmtpHost('PUBLIC.test', options), { addresses: ['93.184.216.34', '2606:4700::1111'], servername: 'public.test' });
  for (const host of ['private.test', 'mixed.test', 'mapped.test', 'empty.test', 'unknown.test', '127.1', '[::1]']) {
    assert.equal(await resolveSmtpHost(host, options), null, host);
  }
  // Rebinding: the first answer is checked and is what the caller gets; a later, private answer is refused.
  assert.deepEqual(await resolveSmtpHost('rebind.test', options), { addresses: ['93.184.216.34'], servername: 'rebind.test' });
  assert.equal(await resolveSmtpHost('rebind.test', options), null);
  assert.equal(lookup.calls.filter((c) => c === 'rebind.test').length, 2, 'one lookup per check');
  // Address literals are not looked up and carry no TLS server name.
  assert.deepEqual(await resolveSmtpHost('8.8.8.8', options), { addresses: ['8.8.8.8'], servername: null });
  assert.ok(!lookup.calls.includes('8.8.8.8'));
  // SMTP_ALLOW_PRIVATE_HOSTS lifts the address check, not the single resolution.
  assert.deepEqual(await resolveSmtpHost('private.test', { ...options, allowPrivate: true }), { addresses: ['10.0.0.5'], servername: 'private.test' });
});

test('a resolver that does not answer in time refuses the host', async () => {
  const never: HostLookup = () => new Promise(() => undefined);
  const started = Date.now();
  assert.equal(await resolveSmtpHost('slow.test', { allowPrivate: false, lookup: never, timeoutMs: 50 }), null);
  assert.ok(Date.now() - started < 1000);
});

test('client networks for counting sign-ins: IPv4 as is, IPv4-mapped as IPv4, IPv6 per /64', () => {
  assert.equal(clientNetwork('203.0.113.7'), '203.0.113.7');
  assert.equal(clientNetwork('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(clientNetwork('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(clientNetwork('2001:db8:1:2::ffff'), '2001:db8:1:2::/64');
  assert.equal(clientNetwork('2001:db8::1'), '2001:db8:0:0::/64');
});
