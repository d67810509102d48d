import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWorker } from '../../src/delivery/worker.js';
import { createUser } from '../../src/users/create-user.js';
import { expectNoAxeViolations } from '../helpers/axe.js';
import { launchBrowser, listen } from '../helpers/browser.js';
import { openStoryWorld, STORY_PASSWORD, type StoryWorld } from '../helpers/record-stories.js';
import { json, startTestApp, type TestApp } from '../helpers/test-app.js';
import { insertDelivery } from '../helpers/webhook-rows.js';

/**
 * axe-core on every page of the web UI and the local mailbox (issue 18): WCAG 2 A/AA and Deque's
 * best practices, 0 violations each. The pages are filled the way users fill them (a record whose
 * mails bounced, were opened, replied to, deferred, scheduled, cancelled; a template; a DKIM key; a
 * webhook endpoint with a delivery; a message in the local mailbox). SQLite only: the markup does
 * not depend on the database.
 */
let browser: Browser;
let world: StoryWorld;
let mailboxApp: TestApp;
let base: string;
let mailboxBase: string;
let context: BrowserContext;
let page: Page;
let templateId: string;
let endpointId: string;
let mailboxMessageId: string;

async function signIn(p: Page, at: string, email: string, password: string): Promise<void> {
  await p.goto(`${at}/ui/login`);
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL(/\/ui\/records$/);
}

/** Opens the page (200 unless told) and checks it with axe. */
async function check(path: string, label: string, status = 200): Promise<void> {
  const response = await page.goto(`${base}${path}`);
  assert.equal(response?.status(), status, `${label}: ${path}`);
  await expectNoAxeViolations(page, label);
}

describe('accessibility: axe-core finds no violation on any UI page', () => {
  before(async () => {
    browser = await launchBrowser();
    world = await openStoryWorld('sqlite');
    const { testApp, org } = world;
    base = await listen(testApp);
    const template = await testApp.api('POST', '/crm/v8/settings/email_templates', org.token, {
      email_templates: [{ name: 'Quote follow-up', module: { api_name: 'Leads' }, subject: 'Following up, ${Leads.Last Name}', content: '<p>Dear ${Leads.First Name},</p><p>thanks.</p>' }],
    });
    assert.equal(template.statusCode, 201, template.body);
    templateId = json(template).email_templates[0].details.id;
    const dkim = await testApp.api('POST', '/crm/v8/settings/dkim_keys', org.token, { dkim_keys: [{ domain: 'mail.example.org', algorithm: 'ed25519', selector: 'ui1' }] });
    assert.equal(dkim.statusCode, 201, dkim.body);
    const hook = await testApp.api('POST', '/crm/v8/settings/webhooks', org.token, { webhooks: [{ url: 'https://hooks.example.com/a11y', description: 'CRM sync', events: ['*'] }] });
    assert.equal(hook.statusCode, 201, hook.body);
    endpointId = json(hook).webhooks[0].details.id;
    await insertDelivery(testApp, org, endpointId, { state: 'delivered' });
    await insertDelivery(testApp, org, endpointId, { state: 'failed' });

    // The local mailbox needs a Mailroom without SMTP_URL.
    mailboxApp = await startTestApp('sqlite');
    mailboxBase = await listen(mailboxApp);
    const mailboxOrg = await mailboxApp.createOrg();
    const from = json(await mailboxApp.api('GET', '/crm/v8/users?type=CurrentUser', mailboxOrg.token)).users[0].email;
    const lead = json(await mailboxApp.api('POST', '/crm/v8/Leads', mailboxOrg.token, { data: [{ Last_Name: 'Box', Email: 'box@example.com' }] })).data[0].details.id;
    const sent = await mailboxApp.api('POST', `/crm/v8/Leads/${lead}/actions/send_mail`, mailboxOrg.token, {
      data: [{ from: { email: from }, to: [{ email: 'box@example.com' }], subject: 'In the mailbox', content: '<p>Hello <b>box</b></p>', mail_format: 'html' }],
    });
    assert.equal(sent.statusCode, 200, sent.body);
    const worker = createWorker(mailboxApp.app);
    assert.equal(await worker.runOnce(), 1);
    await worker.stop(1000);
    mailboxMessageId = json(await mailboxApp.api('GET', '/mailbox/api/messages', mailboxOrg.token)).messages[0].id;
    await createUser(mailboxApp.app, { orgId: mailboxOrg.orgId, email: 'box.reader@example.com', name: 'Box Reader', profile: 'admin', password: STORY_PASSWORD });

    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await world?.close();
    await mailboxApp?.close();
  });

  test('sign-in page, and the same page with a wrong password', async () => {
    await check('/ui/login', 'sign-in');
    await page.getByLabel('Email').fill(world.userEmail);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await expectNoAxeViolations(page, 'sign-in error');
    await signIn(page, base, world.userEmail, STORY_PASSWORD);
  });

  test('modules, a module list, search results and an empty search', async () => {
    await check('/ui/records', 'modules');
    await check('/ui/records/Leads', 'Leads list');
    await check('/ui/records/Leads?q=acme', 'Leads search');
    await check('/ui/records/Leads?q=nobody-like-this', 'Leads empty search');
  });

  test('record pages: mails opened, replied, bounced late and at once, deferred, scheduled, cancelled, threaded; blocked addresses', async () => {
    await check(`/ui/records/Leads/${world.annId}`, 'record with mail stories');
    // The reply's content opened.
    for (const summary of await page.locator('summary').all()) await summary.click();
    await expectNoAxeViolations(page, 'record with every details element open');
    await check(`/ui/records/Leads/${world.fayId}`, 'record with a soft-bounced, blocked address');
    await check(`/ui/records/Leads/${world.gilId}`, 'record with a hard-bounced address');
  });

  // The compose page is being rewritten with a rich-text editor (issue 18 item 1): this case is
  // the bar the rewrite has to keep.
  test('compose page', async () => {
    await check(`/ui/records/Leads/${world.annId}/compose`, 'compose');
    // With an error tied to its field.
    await page.getByLabel('To', { exact: true }).fill('');
    await page.getByLabel('Subject').fill('No one to send to');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#to-error').waitFor();
    await expectNoAxeViolations(page, 'compose with an error');
  });

  test('settings: quota, From addresses, one-click unsubscribe, tracking; SMTP; templates list, new, edit and preview', async () => {
    await check('/ui/settings', 'settings');
    await check('/ui/settings/smtp', 'SMTP settings');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Save and check' }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    await expectNoAxeViolations(page, 'SMTP settings with an error');
    await check('/ui/settings/templates', 'templates');
    await check('/ui/settings/templates/new', 'new template');
    await check(`/ui/settings/templates/${templateId}`, 'edit template');
    await check(`/ui/settings/templates/${templateId}?record_id=${world.annId}`, 'template preview');
  });

  test('DKIM keys, webhooks list and an endpoint\'s delivery log', async () => {
    await check('/ui/settings/dkim', 'DKIM keys');
    await check('/ui/settings/webhooks', 'webhooks');
    // The page that shows a new endpoint's secret once.
    await page.getByLabel('URL').fill('https://hooks.example.com/second');
    await page.getByRole('checkbox').first().check();
    await page.getByRole('button', { name: /Add/ }).click();
    await page.locator('#webhook-secret').waitFor();
    await expectNoAxeViolations(page, 'webhooks with a new secret');
    await check(`/ui/settings/webhooks/${endpointId}`, 'webhook endpoint');
  });

  test('the 404 page', async () => {
    await check('/ui/no-such-page', 'not found', 404);
    await check('/ui/records/Leads/1234567890123456789', 'record not found', 404);
  });

  test('the local mailbox: the list and a message', async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    try {
      await signIn(p, mailboxBase, 'box.reader@example.com', STORY_PASSWORD);
      await p.goto(`${mailboxBase}/mailbox`);
      await expectNoAxeViolations(p, 'mailbox list');
      await p.goto(`${mailboxBase}/mailbox/${mailboxMessageId}`);
      await expectNoAxeViolations(p, 'mailbox message');
    } finally {
      await other.close();
    }
  });
});
