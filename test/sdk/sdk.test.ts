import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createClient } from '../../src/auth/clients.js';
import { issueTokenPair } from '../../src/auth/issue-tokens.js';
import { ALL_SCOPES, DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

/**
 * Acceptance: Zoho's official TypeScript SDK (v8), run as a child process against a listening
 * Mailroom, inserts a Lead and reads it back. The SDK follows the token endpoint's `api_domain`,
 * so the server is started with PUBLIC_URL equal to the address it listens on.
 */
const CLIENT_SCRIPT = path.resolve(import.meta.dirname, '../../../test/sdk/sdk-client.cjs');
const SDK_NAME = { last: 'Okafor', email: 'adaeze.okafor@example.com' };

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function runSdkClient(env: Record<string, string>): Promise<any> {
  const resourceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-sdk-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [CLIENT_SCRIPT], {
      env: { PATH: process.env.PATH ?? '', RESOURCE_DIR: resourceDir, ...env },
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  } finally {
    fs.rmSync(resourceDir, { recursive: true, force: true });
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`Zoho TypeScript SDK 8.0 against a listening server [${kind}]`, () => {
    let testApp: TestApp;
    let org: TestOrg;
    let base: string;

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      testApp = await startTestApp(kind, { env: { PUBLIC_URL: base } });
      await testApp.server.listen({ port, host: '127.0.0.1' });
      org = await testApp.createOrg();
    });
    after(async () => {
      await testApp?.close();
    });

    async function expectedUserSignature(): Promise<string> {
      const [user] = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users;
      const [orgInfo] = json(await testApp.api('GET', '/crm/v8/org', org.token)).org;
      return `${user.email}:${orgInfo.zgid}`;
    }

    function assertLeadRoundTrip(out: any): void {
      assert.equal(out.create.status, 201);
      assert.equal(out.create.itemClass, 'SuccessResponse');
      assert.equal(out.create.code, 'SUCCESS');
      assert.equal(out.create.idType, 'string');
      assert.match(out.create.id, /^\d{19}$/);

      assert.equal(out.get.status, 200);
      assert.equal(out.get.recordClass, 'Record');
      assert.equal(out.get.idType, 'bigint');
      assert.equal(out.get.id, out.create.id);
      assert.equal(out.get.lastName, SDK_NAME.last);
      assert.equal(out.get.firstName, 'Adaeze');
      assert.equal(out.get.company, 'Okafor Freight');
      assert.equal(out.get.email, SDK_NAME.email);
      assert.deepEqual(out.get.owner, { class: 'MinifiedUser', id: org.adminId, name: 'Patricia Boyle' });
      assert.ok(out.get.createdTime, 'Created_Time is parsed into a Date');

      const [record] = out.get.json.data;
      assert.equal(record.id, out.create.id);
      assert.equal(record.Last_Name, SDK_NAME.last);
      assert.equal(record.Email, SDK_NAME.email);
      assert.equal(record.Owner.id, org.adminId);

      // From addresses and send_mail through the SDK's own model classes.
      assert.equal(out.fromAddresses.status, 200);
      assert.equal(out.fromAddresses.list[0].type, 'primary');
      assert.equal(out.sendMail.status, 200);
      assert.equal(out.sendMail.itemClass, 'SuccessResponse');
      assert.equal(out.sendMail.code, 'SUCCESS');
      assert.equal(out.sendMail.message, 'Your mail has been sent successfully.');
      assert.match(out.sendMail.messageId, /^[0-9a-f]{64}$/);
    }

    test('initialises with a refresh token bound to a client, then inserts a Lead and reads it back', async () => {
      const client = await createClient(testApp.app, { orgId: org.orgId, userId: org.adminId });
      const pair = await issueTokenPair(testApp.app, {
        orgId: org.orgId,
        userId: org.adminId,
        clientId: client.client_id,
        scopes: ALL_SCOPES,
      });
      const out = await runSdkClient({
        BASE: base,
        CLIENT_ID: client.client_id,
        CLIENT_SECRET: client.client_secret,
        REFRESH_TOKEN: pair.refresh_token!,
      });

      // The SDK got a fresh access token from Mailroom's token endpoint, kept api_domain on us,
      // and findUser(true) resolved the user signature through /users?type=CurrentUser and /org.
      assert.match(out.token.accessToken, /^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
      assert.notEqual(out.token.accessToken, pair.access_token);
      assert.equal(out.token.apiDomain, base);
      assert.equal(out.token.userSignature, await expectedUserSignature());
      assertLeadRoundTrip(out);
    });

    test('works with an access token given directly', async () => {
      const out = await runSdkClient({ BASE: base, ACCESS_TOKEN: org.token });
      assert.equal(out.token.accessToken, org.token);
      assert.equal(out.token.userSignature, await expectedUserSignature());
      assertLeadRoundTrip(out);
    });
  });
}
