import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger, redactUrlSecrets } from '../../src/logger.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

/** Everything a logger wrote, as text. */
function logCapture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

for (const kind of DATABASE_KINDS) {
  describe(`secrets never reach the log [${kind}]`, () => {
    let testApp: TestApp;
    let org: TestOrg;
    const log = logCapture();

    before(async () => {
      testApp = await startTestApp(kind, { log: createLogger({ logLevel: 'info' }, log.stream) });
      org = await testApp.createOrg();
    });
    after(async () => {
      await testApp.close();
    });

    test('secret query parameters of every logged URL are redacted; their names and the other parameters stay readable', async () => {
      const refreshed = await testApp.inject({ method: 'POST', url: `/oauth/v2/token?grant_type=refresh_token&refresh_token=${org.refreshToken}` });
      assert.ok(json(refreshed).access_token, 'the refresh worked');
      await testApp.inject({ method: 'POST', url: '/oauth/v2/token?grant_type=authorization_code&client_id=cid-visible&client_secret=SECRET-CS-1&code=SECRET-CODE-2' });
      await testApp.inject({ method: 'POST', url: '/oauth/v2/token/revoke?token=SECRET-TOKEN-3' });
      await testApp.inject({
        method: 'POST',
        url: '/oauth/v2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=authorization_code&client_id=cid-visible&client_secret=SECRET-CS-9&code=SECRET-BODY-CODE-9',
      });
      // Any route, also an unknown one; names percent-encoded or in another case are still caught.
      await testApp.inject({ method: 'GET', url: '/no/such/route?Password=SECRET-PW-4&refresh%5Ftoken=SECRET-ENC-5&page=2' });
      await testApp.inject({ method: 'GET', url: '/ui/login?next=%2Fui&access_token=SECRET-AT-6' });

      const text = log.text();
      for (const secret of [org.refreshToken, 'SECRET-CS-1', 'SECRET-CODE-2', 'SECRET-TOKEN-3', 'SECRET-PW-4', 'SECRET-ENC-5', 'SECRET-AT-6', 'SECRET-CS-9', 'SECRET-BODY-CODE-9']) {
        assert.ok(!text.includes(secret), `${secret} is not in the log`);
      }
      assert.match(text, /"url":"\/oauth\/v2\/token\?grant_type=refresh_token&refresh_token=\[redacted\]"/);
      assert.match(text, /client_id=cid-visible&client_secret=\[redacted\]&code=\[redacted\]/);
      assert.match(text, /\/oauth\/v2\/token\/revoke\?token=\[redacted\]/);
      assert.match(text, /\/no\/such\/route\?Password=\[redacted\]&refresh%5Ftoken=\[redacted\]&page=2/);
      assert.match(text, /\/ui\/login\?next=%2Fui&access_token=\[redacted\]/);
    });

    test('URLs in error messages, stacks and free-text messages are redacted too', () => {
      const error = new Error('callback failed: https://crm.example/cb?state=kept&code=SECRET-ERR-7');
      testApp.app.log.error({ err: error, event: 'test.error' }, 'POST /oauth/v2/token?refresh_token=SECRET-MSG-8 failed');
      const text = log.text();
      assert.ok(!text.includes('SECRET-ERR-7'));
      assert.ok(!text.includes('SECRET-MSG-8'));
      assert.match(text, /cb\?state=kept&code=\[redacted\]/);
      assert.match(text, /token\?refresh_token=\[redacted\] failed/);
    });
  });
}

test('error codes are logged; an OAuth grant code in a request body or query is not', () => {
  const log = logCapture();
  const logger = createLogger({ logLevel: 'info' }, log.stream);
  const error = Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
  const fastifyError = Object.assign(new Error('body too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
  logger.warn({ err: error, event: 'test.outage' }, 'lost');
  logger.error({ err: fastifyError, event: 'test.fastify' }, 'failed');
  logger.warn({ event: 'test.item', result: { code: 'INVALID_DATA', status: 'error' } }, 'item refused');
  logger.info({ req: { method: 'POST', url: '/oauth/v2/token', body: { grant_type: 'authorization_code', code: 'SECRET-GRANT-1' } } }, 'token request');
  logger.info({ req: { query: { grant_type: 'authorization_code', code: 'SECRET-GRANT-2' } } }, 'token request');
  logger.info({ body: { code: 'SECRET-GRANT-3' }, query: { code: 'SECRET-GRANT-4' } }, 'token request');
  const lines = log
    .text()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>);
  assert.equal(lines[0]!.err.code, 'ECONNRESET');
  assert.equal(lines[1]!.err.code, 'FST_ERR_CTP_BODY_TOO_LARGE');
  assert.equal(lines[2]!.result.code, 'INVALID_DATA');
  assert.equal(lines[3]!.req.body.code, '[redacted]');
  assert.equal(lines[3]!.req.body.grant_type, 'authorization_code', 'the rest of the body stays readable');
  assert.equal(lines[4]!.req.query.code, '[redacted]');
  assert.equal(lines[5]!.body.code, '[redacted]');
  assert.equal(lines[5]!.query.code, '[redacted]');
  for (const secret of ['SECRET-GRANT-1', 'SECRET-GRANT-2', 'SECRET-GRANT-3', 'SECRET-GRANT-4']) assert.ok(!log.text().includes(secret), secret);
});

test('redactUrlSecrets: values end where the query pair ends, JSON escapes included; consent links lose their secret', () => {
  assert.equal(redactUrlSecrets('/a?token=x&b=1#frag'), '/a?token=[redacted]&b=1#frag');
  assert.equal(redactUrlSecrets('{"url":"/a?b=1&token=x\\"y\\\\z"}'), '{"url":"/a?b=1&token=[redacted]"}');
  assert.equal(redactUrlSecrets('{"url":"/consent/Zm9vYmFy-_12?saved=1"}'), '{"url":"/consent/[redacted]?saved=1"}');
  assert.equal(redactUrlSecrets('/crm/v8/Leads?page=2&per_page=10'), '/crm/v8/Leads?page=2&per_page=10');
  assert.equal(redactUrlSecrets('/x?%E0%A4%A=1&code=2'), '/x?%E0%A4%A=1&code=[redacted]', 'a malformed name is compared as it is');
});
