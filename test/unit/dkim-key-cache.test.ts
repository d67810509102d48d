import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { dkimSignerFor, openedKey } from '../../src/dkim/dkim-signing.js';
import { createSecretBox, type SecretBox } from '../../src/secrets.js';

/** A SecretBox that counts how often it unseals. */
function countingBox(): { box: SecretBox; opens: () => number } {
  const inner = createSecretBox(randomBytes(32));
  let opens = 0;
  const box: SecretBox = Object.assign(Object.create(inner) as SecretBox, inner, {
    open(sealed: string) {
      opens += 1;
      return inner.open(sealed);
    },
  });
  return { box, opens: () => opens };
}

const pemOf = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

test('a DKIM private key is unsealed once per process and key, not per message', async () => {
  const { box, opens } = countingBox();
  const pem = pemOf();
  const key = { id: `k-${randomBytes(4).toString('hex')}`, domain: 'example.com', selector: 's1', algorithm: 'ed25519-sha256' as const, private_key: box.seal(pem), created_at: 0 };
  const ctx = { secrets: box, clock: { now: () => Date.UTC(2026, 11, 3) }, log: { error: () => {} } as never };
  const raw = Buffer.from('From: a@example.com\r\nTo: b@example.net\r\nSubject: x\r\n\r\nbody\r\n');
  for (let i = 0; i < 5; i += 1) {
    const sign = dkimSignerFor(ctx, 'a@example.com', [key]);
    assert.ok(sign);
    assert.match((await sign(raw)).toString(), /^DKIM-Signature: .*d=example\.com;.*s=s1;/s);
  }
  assert.equal(opens(), 1, 'five messages, one unseal');
  assert.equal(dkimSignerFor(ctx, 'a@example.com', []), null, 'no key, no signer');
});

test('the cache is keyed by the sealed text too: a changed row (same id) is unsealed again, and another SecretBox never gets this one\'s key', () => {
  const { box, opens } = countingBox();
  const first = pemOf();
  const second = pemOf();
  const id = `k-${randomBytes(4).toString('hex')}`;
  assert.equal(openedKey(box, { id, private_key: box.seal(first) }), first);
  assert.equal(openedKey(box, { id, private_key: box.seal(second) }), second, 'same id, new ciphertext: the new key');
  assert.equal(opens(), 2);
  const other = countingBox();
  const sealed = other.box.seal(first);
  assert.equal(openedKey(other.box, { id, private_key: sealed }), first);
  assert.equal(other.opens(), 1, 'another SecretBox unseals for itself');
  assert.throws(() => openedKey(box, { id, private_key: sealed }), 'a box cannot use a cached key it could not have opened');
});
