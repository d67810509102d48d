import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, listen } from '../helpers/browser.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/** The API reference page (`/docs`, Swagger UI) in a real browser, under its CSP. */
describe('API reference page', () => {
  let app: TestApp;
  let browser: Browser;
  let base: string;

  before(async () => {
    app = await startTestApp('sqlite');
    base = await listen(app);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  test('renders every group of operations from /docs with no CSP violation and no request to another host', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    // Page code as text: the tests compile without the DOM's types.
    await page.addInitScript(
      "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.sourceFile + ':' + e.lineNumber));",
    );
    await page.goto(`${base}/docs`);
    await page.waitForSelector('.opblock-tag', { timeout: 30_000 });
    const groups = await page.$$eval('.opblock-tag', (elements) => elements.map((e) => e.getAttribute('data-tag')));
    assert.deepEqual(
      [...groups].sort(),
      ['Compliance', 'Consent page', 'Documentation', 'Files', 'Local mailbox', 'Mail', 'OAuth', 'Org and settings', 'Records', 'Relay webhooks', 'Service', 'Templates', 'Tracking', 'Unsubscribe', 'Web UI', 'Webhook endpoints'],
    );
    await page.click('#operations-Mail-post_crm__version___module___id__actions_send_mail .opblock-summary');
    await page.waitForSelector('#operations-Mail-post_crm__version___module___id__actions_send_mail .responses-table');
    assert.deepEqual(await page.evaluate('window.cspViolations'), []);
    assert.deepEqual(foreign, []);
  });
});
