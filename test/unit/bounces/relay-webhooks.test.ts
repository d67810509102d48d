import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { ourMailId } from '../../../src/bounces/receive-relay-events.js';
import { systemRelayHttp } from '../../../src/bounces/relay-http.js';
import { ConfigError, loadConfig } from '../../../src/config.js';

const HEX = 'ab'.repeat(32);

test('ourMailId: only `<64 hex>@<MESSAGE_ID_DOMAIN>` names a mail of ours', () => {
  assert.equal(ourMailId(`${HEX}@mail.test`, 'mail.test'), HEX);
  assert.equal(ourMailId(`${HEX.toUpperCase()}@MAIL.test`, 'mail.test'), HEX);
  assert.equal(ourMailId(`${HEX}@elsewhere.test`, 'mail.test'), null);
  assert.equal(ourMailId(`${HEX.slice(2)}@mail.test`, 'mail.test'), null);
  assert.equal(ourMailId(`${HEX}0@mail.test`, 'mail.test'), null);
  assert.equal(ourMailId(`${'g'.repeat(64)}@mail.test`, 'mail.test'), null);
  assert.equal(ourMailId(HEX, 'mail.test'), null);
  assert.equal(ourMailId(null, 'mail.test'), null);
});

test('the default SNS fetchers ask nothing but SNS hosts over https', async () => {
  for (const url of ['http://sns.eu-west-1.amazonaws.com/cert.pem', 'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem', 'https://127.0.0.1/cert.pem', 'https://sns.eu-west-1.amazonaws.com:8443/cert.pem']) {
    await assert.rejects(systemRelayHttp.fetchSnsCertificate(url), /not an SNS signing certificate URL/, url);
  }
  await assert.rejects(systemRelayHttp.fetchSnsCertificate('https://sns.eu-west-1.amazonaws.com/not-a-pem'), /not an SNS signing certificate URL/);
  await assert.rejects(systemRelayHttp.confirmSnsSubscription('https://example.com/?Action=ConfirmSubscription'), /not an SNS URL/);
});

test('SES_SNS_TOPIC_ARNS and SENDGRID_WEBHOOK_PUBLIC_KEY: parsed, checked at start-up, unset = off', () => {
  const base = { DATA_DIR: '/tmp/mailroom-config-test' };
  const off = loadConfig(base);
  assert.deepEqual(off.sesSnsTopicArns, []);
  assert.equal(off.sendgridWebhookPublicKey, null);

  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const on = loadConfig({ ...base, SES_SNS_TOPIC_ARNS: ' arn:aws:sns:eu-west-1:123456789012:ses-events , arn:aws-cn:sns:cn-north-1:123456789012:b,', SENDGRID_WEBHOOK_PUBLIC_KEY: key });
  assert.deepEqual(on.sesSnsTopicArns, ['arn:aws:sns:eu-west-1:123456789012:ses-events', 'arn:aws-cn:sns:cn-north-1:123456789012:b']);
  assert.equal(on.sendgridWebhookPublicKey, key);

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  for (const [name, value] of [['SENDGRID_WEBHOOK_PUBLIC_KEY', rsa], ['SENDGRID_WEBHOOK_PUBLIC_KEY', 'not base64 at all'], ['SES_SNS_TOPIC_ARNS', 'ses-events']] as const) {
    assert.throws(
      () => loadConfig({ ...base, [name]: value }),
      (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && error.problems[0]!.startsWith(name),
      `${name}=${value}`,
    );
  }
});
