import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import type { TestApp } from './test-app.js';

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
