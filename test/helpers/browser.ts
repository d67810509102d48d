import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { describeRun, runCli } from './run-cli.js';
import { json, type TestApp, type TestOrg } from './test-app.js';

/** Debian's Chromium (`apt-get install chromium`, see .ci/run); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** One headless Chromium per test file; close it in `after`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 60_000,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Makes the test app listen on a free loopback port and returns its base URL. */
export async function listen(testApp: TestApp): Promise<string> {
  await testApp.server.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(testApp.server.server.address() as AddressInfo).port}`;
}

/** A user made with the CLI, as an operator would (`mailroom user create … --password`); answers its email. */
export async function cliUser(testApp: TestApp, org: TestOrg, name: string, password: string): Promise<string> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}-${randomBytes(3).toString('hex')}@example.com`;
  const args = ['user', 'create', '--org', org.orgId, '--email', email, '--name', name, '--profile', 'admin', '--password', password];
  const result = await runCli(testApp.env, args);
  assert.equal(result.code, 0, describeRun(args, result));
  return email;
}

/** A Lead made through the API; answers its id. */
export async function createLead(testApp: TestApp, org: TestOrg, data: Record<string, unknown>): Promise<string> {
  const response = await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [data] });
  assert.equal(response.statusCode, 201, response.body);
  return json(response).data[0].details.id;
}
