import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { localInputValue } from '../../src/ui/local-time.js';
import { cliUser, createLead, launchBrowser, listen } from '../helpers/browser.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { ALL_SCOPES, DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';

/**
 * The web UI in a real browser (Chromium driven by playwright-core): sign in, open a Lead, send
 * and schedule from its page, the Emails section, the local mailbox, and the security rules.
 * Set MAILROOM_SCREENSHOTS=1 to (re)write docs/ui-record.png and docs/ui-compose.png.
 */
const PASSWORD = 'correct horse battery staple';
const SCREENSHOTS = process.env.MAILROOM_SCREENSHOTS === '1';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});


async function signIn(page: Page, base: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(`${base}/ui/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/ui\/records$/);
}

for (const kind of DATABASE_KINDS) {
  describe(`web UI: a CLI user sends from a Lead to the configured SMTP server [${kind}]`, () => {
    let testApp: TestApp;
    let sink: SmtpSink;
    let worker: Worker;
    let context: BrowserContext;

    before(async () => {
      sink = await startSmtpSink({
        onRcpt: (address) =>
          address.startsWith('gone@') ? { code: 550, message: '5.1.1 mailbox unknown' } : address.startsWith('busy@') ? { code: 451, message: '4.2.1 try again later' } : null,
      });
      testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url } });
      worker = createWorker(testApp.app);
      context = await browser.newContext();
    });
    after(async () => {
      await context?.close();
      await worker?.stop(1000);
      await testApp?.close();
      await sink?.close();
    });

    test('sign in, open the Lead, Send email with To/Subject/Body by label; the SMTP server gets it and the Emails section lists it as sent', async () => {
      const org = await testApp.createOrg();
      const email = await cliUser(testApp, org, 'Sam Sender', PASSWORD);
      const leadId = await createLead(testApp, org, { First_Name: 'Ann', Last_Name: 'Smith', Email: 'ann.smith@example.com', Company: 'Acme' });
      const base = await listen(testApp);
      const page = await context.newPage();

      await signIn(page, base, email);
      await page.getByRole('link', { name: 'Leads' }).click();
      await page.getByRole('link', { name: 'Ann Smith' }).click();
      await page.getByRole('link', { name: 'Send email' }).click();
      await page.getByLabel('To', { exact: true }).fill('ann.smith@example.com');
      await page.getByLabel('Subject').fill('Your quote from Mailroom');
      await page.getByLabel('Body').fill('Hello Ann,\nhere is your quote.');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.waitForURL(new RegExp(`/ui/records/Leads/${leadId}\\?notice=sent`));

      assert.equal(await worker.runOnce(), 1);
      const [received] = await sink.waitFor(1);
      assert.deepEqual(received!.envelopeTo, ['ann.smith@example.com']);
      assert.equal(received!.envelopeFrom, email);
      assert.equal(received!.parsed.subject, 'Your quote from Mailroom');
      assert.match(received!.parsed.text ?? '', /here is your quote/);

      await page.reload();
      const row = page.getByRole('row', { name: /Your quote from Mailroom/ });
      await row.waitFor();
      assert.match(await row.innerText(), /ann\.smith@example\.com\s*sent/);

      // Per-recipient status: bounced with its reason, deferred with the next attempt, and later
      // skipped (the bounced address is blocked) with its reason.
      await page.getByRole('link', { name: 'Send email' }).click();
      await page.getByLabel('To', { exact: true }).fill('ann.smith@example.com, gone@example.com, busy@example.com');
      await page.getByLabel('Subject').fill('Mixed fortunes');
      await page.getByLabel('Body').fill('Hello all');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.waitForURL(/notice=sent/);
      assert.equal(await worker.runOnce(), 1);
      await page.reload();
      const mixed = await page.getByRole('row', { name: /Mixed fortunes/ }).innerText();
      assert.match(mixed, /ann\.smith@example\.com\s*sent/);
      assert.match(mixed, /gone@example\.com\s*bounced — Permanently blocked, Invalid Mailbox, .*mailbox unknown/);
      assert.match(mixed, /busy@example\.com\s*deferred — next attempt \d{4}-\d\d-\d\d \d\d:\d\d/);

      await page.getByRole('link', { name: 'Send email' }).click();
      await page.getByLabel('To', { exact: true }).fill('ann.smith@example.com, gone@example.com');
      await page.getByLabel('Subject').fill('Second try');
      await page.getByLabel('Body').fill('Hello again');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.waitForURL(/notice=sent/);
      assert.match(await page.getByRole('row', { name: /Second try/ }).innerText(), /gone@example\.com\s*skipped — .*blocked/);
      await page.close();
    });
  });
}

describe('web UI: the whole flow on SQLite with the local mailbox', () => {
  let testApp: TestApp;
  let worker: Worker;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let org: TestOrg;
  let other: TestOrg;
  let email: string;
  let leadId: string;
  let otherLeadId: string;
  const dialogs: string[] = [];

  before(async () => {
    testApp = await startTestApp('sqlite', { env: { DEFAULT_TIME_ZONE: 'Europe/Berlin' } }); // no SMTP_URL: the local mailbox
    worker = createWorker(testApp.app);
    org = await testApp.createOrg({ name: 'Acme Trading', timeZone: 'Europe/Berlin', scopes: [...ALL_SCOPES, 'ZohoCRM.templates.ALL', 'ZohoCRM.modules.emails.READ'] });
    other = await testApp.createOrg({ name: 'Other Org' });
    email = await cliUser(testApp, org, 'Patricia Boyle', PASSWORD);
    leadId = await createLead(testApp, org, {
      Salutation: 'Ms.',
      First_Name: 'Ann',
      Last_Name: 'Smith',
      Email: 'ann.smith@example.com',
      Company: 'Acme Corp',
      Title: 'Head of Purchasing',
      Phone: '+49 30 1234567',
      Lead_Source: 'Trade Show',
      City: 'Berlin',
      Country: 'Germany',
    });
    otherLeadId = await createLead(testApp, other, { Last_Name: 'Hidden', Email: 'hidden@example.com' });
    const template = await testApp.api('POST', '/crm/v8/settings/email_templates', org.token, {
      email_templates: [{ name: 'Quote follow-up', module: { api_name: 'Leads' }, subject: 'Following up on your quote, ${Leads.Last Name}', content: '<p>Dear ${Leads.First Name},</p><p>thank you for your interest.</p>' }],
    });
    assert.equal(template.statusCode, 201, template.body);
    base = await listen(testApp);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });
  after(async () => {
    await context?.close();
    await worker?.stop(1000);
    await testApp?.close();
  });

  test('a wrong password is refused with a message; the right one signs in', async () => {
    await page.goto(`${base}/ui/records/Leads/${leadId}`);
    await page.waitForURL(/\/ui\/login\?next=/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Wrong email or password/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back where the browser wanted to go.
    await page.waitForURL(new RegExp(`/ui/records/Leads/${leadId}$`));
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'mailroom_session');
    assert.ok(session);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
  });

  test('records: module list, search and the record page with its fields', async () => {
    await page.goto(`${base}/ui/records`);
    await page.getByRole('link', { name: 'Leads' }).click();
    await page.getByLabel('Search Leads').fill('acme corp');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Ann Smith' }).waitFor();
    await page.getByLabel('Search Leads').fill('nobody-like-this');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No records match this search.').waitFor();
    await page.goto(`${base}/ui/records/Leads/${leadId}`);
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Ann Smith/);
    assert.match(await page.locator('.fields').innerText(), /Head of Purchasing/);
  });

  test('a mail with an attachment: error next to To when it is empty, then sent, listed with its status, and in the local mailbox', async () => {
    await page.goto(`${base}/ui/records/Leads/${leadId}`);
    await page.getByRole('link', { name: 'Send email' }).click();
    const to = page.getByLabel('To', { exact: true });
    assert.equal(await to.inputValue(), 'Ann Smith <ann.smith@example.com>');
    await to.fill('');
    await page.getByLabel('Subject').fill('Your quote');
    await page.getByLabel('Body').fill('Hello Ann');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    assert.equal(await page.getByLabel('To', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#to-error').innerText(), /required/);

    await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
    await page.getByLabel('Cc', { exact: true }).fill('sales@example.com');
    await page.getByLabel('Subject').fill('Your quote Q-1042');
    await page.getByLabel('Body').fill('Hello Ann,\n\nplease find the quote attached.\n\nPatricia');
    await page.getByLabel('Attachments').setInputFiles({ name: 'quote-Q-1042.txt', mimeType: 'text/plain', buffer: Buffer.from('Quote Q-1042: 3 × Widget, 120.00 EUR') });
    if (SCREENSHOTS) {
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'ui-compose.png'), fullPage: true });
    }
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/notice=sent/);
    assert.match(await page.getByRole('status').innerText(), /accepted/);
    assert.equal(await worker.runOnce(), 1);
    await page.reload();
    const row = page.getByRole('row', { name: /Your quote Q-1042/ });
    assert.match(await row.innerText(), /\(attachments\)/);
    assert.match(await row.innerText(), /ann\.smith@example\.com\s*sent/);
    assert.match(await row.innerText(), /sales@example\.com\s*sent/);

    // The same sign-in opens the local mailbox: the message, its text and its attachment.
    await page.getByRole('link', { name: 'Mailbox' }).click();
    await page.getByRole('link', { name: 'Your quote Q-1042' }).click();
    assert.match(await page.locator('pre').innerText(), /please find the quote attached/);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /Download quote-Q-1042\.txt/ }).click();
    const file = await (await download).path();
    assert.equal(fs.readFileSync(file, 'utf8'), 'Quote Q-1042: 3 × Widget, 120.00 EUR');
  });

  test('a mail with an empty Subject is sent from the form and listed as "(no subject)"', async () => {
    await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
    assert.equal(await page.getByLabel('Subject').inputValue(), '');
    await page.getByLabel('Body').fill('Just a note, no subject');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/notice=sent/);
    assert.equal(await worker.runOnce(), 1);
    await page.reload();
    assert.match(await page.getByRole('row', { name: /\(no subject\)/ }).innerText(), /ann\.smith@example\.com\s*sent/);
  });

  test('an inventory record: links to its related records, and Attach PDF renders the quote into the mail', async () => {
    const insert = async (module: string, data: Record<string, unknown>) => {
      const response = await testApp.api('POST', `/crm/v8/${module}`, org.token, { data: [data] });
      assert.equal(response.statusCode, 201, response.body);
      return json(response).data[0].details.id as string;
    };
    const account = await insert('Accounts', { Account_Name: 'Zylker Corp' });
    const contact = await insert('Contacts', { First_Name: 'Jo', Last_Name: 'Ray', Email: 'jo.ray@example.com', Account_Name: account });
    const product = await insert('Products', { Product_Name: 'Widget Pro', Unit_Price: 1250 });
    const quote = await insert('Quotes', { Subject: 'Spring order', Account_Name: account, Contact_Name: contact, Quoted_Items: [{ Product_Name: { id: product }, Quantity: 3, List_Price: 1250 }] });

    await page.goto(`${base}/ui/records/Quotes/${quote}`);
    assert.match(await page.getByRole('region', { name: 'Details' }).innerText(), /Widget Pro\s+3\s+3750/);
    await page.getByRole('region', { name: 'Related records' }).getByRole('link', { name: 'Zylker Corp' }).click();
    await page.waitForURL(new RegExp(`/ui/records/Accounts/${account}$`));
    const related = page.getByRole('region', { name: 'Related records' });
    await related.getByRole('link', { name: 'Jo Ray' }).waitFor();
    await related.getByRole('link', { name: 'Spring order' }).click();
    await page.waitForURL(new RegExp(`/ui/records/Quotes/${quote}$`));

    await page.getByRole('link', { name: 'Send email' }).click();
    await page.getByLabel('To', { exact: true }).fill('Jo Ray <jo.ray@example.com>');
    await page.getByLabel('Subject').fill('Your quote: Spring order');
    await page.getByLabel('Body').fill('The quote is attached as a PDF.');
    await page.getByLabel('Inventory template').selectOption({ index: 1 });
    await page.getByLabel('Paper').selectOption('A4');
    await page.getByLabel('Orientation').selectOption('landscape');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/notice=sent/);
    assert.equal(await worker.runOnce(), 1);
    await page.goto(`${base}/mailbox`);
    await page.getByRole('link', { name: 'Your quote: Spring order' }).click();
    assert.match(await page.getByRole('link', { name: /Download .*\.pdf/ }).innerText(), /application\/pdf|\.pdf/);
  });

  test('choosing a template fills Subject and Body (script) and "Use template" does it without script', async () => {
    await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
    await page.getByLabel('Template').selectOption({ label: 'Quote follow-up' });
    await page.waitForFunction("document.getElementById('subject').value !== ''");
    assert.equal(await page.getByLabel('Subject').inputValue(), 'Following up on your quote, ${Leads.Last Name}');
    assert.equal(await page.getByLabel('Format').inputValue(), 'html');

    const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
    const plain = await noScript.newPage();
    await plain.goto(`${base}/ui/records/Leads/${leadId}/compose`);
    await plain.getByLabel('Template').selectOption({ label: 'Quote follow-up' });
    await plain.getByRole('button', { name: 'Use template' }).click();
    assert.match(await plain.getByLabel('Body').inputValue(), /thank you for your interest/);
    await plain.getByRole('button', { name: 'Send', exact: true }).click();
    await plain.waitForURL(/notice=sent/);
    await noScript.close();
    assert.equal(await worker.runOnce(), 1);
    await page.goto(`${base}/ui/records/Leads/${leadId}`);
    await page.getByRole('row', { name: /Following up on your quote, Smith/ }).waitFor();
  });

  test('a mail scheduled from the form appears as scheduled, can be rescheduled, and cancelled there', async () => {
    const timeZone = 'Europe/Berlin';
    for (const subject of ['Reminder: quote expires soon', 'Check-in next week']) {
      await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
      await page.getByLabel('Subject').fill(subject);
      await page.getByLabel('Body').fill('Just a reminder.');
      await page.getByLabel('Send at').fill(localInputValue(Date.now() + 2 * 3600_000, timeZone));
      await page.getByRole('button', { name: 'Schedule' }).click();
      await page.waitForURL(/notice=scheduled/);
    }
    assert.equal(await worker.runOnce(), 0, 'nothing is due yet');
    const reminder = page.getByRole('row', { name: /Reminder: quote expires soon/ });
    assert.match(await reminder.innerText(), /scheduled for/);
    assert.match(await reminder.innerText(), /ann\.smith@example\.com\s*scheduled/);

    const checkIn = page.getByRole('row', { name: /Check-in next week/ });
    await checkIn.locator('summary', { hasText: 'Reschedule' }).click();
    const later = localInputValue(Date.now() + 7 * 24 * 3600_000, timeZone);
    await checkIn.getByLabel(/New time/).fill(later);
    await checkIn.getByRole('button', { name: 'Reschedule' }).click();
    await page.waitForURL(/notice=rescheduled/);
    assert.match(await page.getByRole('row', { name: /Check-in next week/ }).innerText(), new RegExp(later.replace('T', ' ')));
    if (SCREENSHOTS) await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'ui-record.png'), fullPage: true });

    await page.getByRole('row', { name: /Reminder: quote expires soon/ }).getByRole('button', { name: /Cancel scheduled mail/ }).click();
    await page.waitForURL(/notice=cancelled/);
    assert.match(await page.getByRole('row', { name: /Reminder: quote expires soon/ }).innerText(), /cancelled/);
    assert.equal(await page.getByRole('row', { name: /Reminder: quote expires soon/ }).getByRole('button', { name: /Cancel/ }).count(), 0);
  });

  test('a form post without the CSRF token is refused and changes nothing', async () => {
    await page.goto(`${base}/ui/records/Leads/${leadId}`);
    const cancel = page.getByRole('row', { name: /Check-in next week/ }).locator('form[action$="/cancel"]');
    const action = await cancel.getAttribute('action');
    const refused = await page.request.post(`${base}${action}`, { form: {}, maxRedirects: 0 });
    assert.equal(refused.status(), 403);
    const wrong = await page.request.post(`${base}${action}`, { form: { _csrf: 'x'.repeat(43) }, maxRedirects: 0 });
    assert.equal(wrong.status(), 403);
    const send = await page.request.post(`${base}/ui/records/Leads/${leadId}/compose`, { multipart: { to: 'a@example.com', subject: 's', content: 'c', action: 'send' }, maxRedirects: 0 });
    assert.equal(send.status(), 403);
    await page.reload();
    assert.match(await page.getByRole('row', { name: /Check-in next week/ }).innerText(), /scheduled for/);
  });

  test("another org's record id answers like a missing one", async () => {
    for (const id of [otherLeadId, '1234567890123456789', 'not-an-id']) {
      const response = await page.goto(`${base}/ui/records/Leads/${id}`);
      assert.equal(response?.status(), 404, id);
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Not found/);
      assert.equal((await page.goto(`${base}/ui/records/Leads/${id}/compose`))?.status(), 404);
    }
    assert.doesNotMatch(await page.content(), /Hidden/);
  });

  test('settings: quota used and remaining, From addresses, SMTP form without the password, template preview against a record', async () => {
    await page.goto(`${base}/ui/settings`);
    const used = Number(await page.locator('#quota-used').innerText());
    assert.ok(used >= 3, `quota used ${used}`);
    await page.getByLabel('Email', { exact: true }).fill('sales@acme.example');
    await page.getByLabel('Display name').fill('Acme Sales');
    await page.getByRole('button', { name: 'Add address' }).click();
    await page.waitForURL(/notice=address/);
    assert.match(await page.getByRole('table', { name: /Addresses you may send from/ }).innerText(), /sales@acme\.example/);

    await page.getByRole('link', { name: 'Edit SMTP settings' }).click();
    assert.equal(await page.getByLabel('Password').inputValue(), '');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByRole('button', { name: 'Save and check' }).click();
    // Loopback is refused for users' servers (SSRF guard), next to the Host field.
    assert.equal(await page.getByLabel('Host').getAttribute('aria-invalid'), 'true');

    await page.goto(`${base}/ui/settings/templates`);
    await page.getByRole('link', { name: 'Quote follow-up' }).click();
    await page.getByLabel(/Record id/).fill(leadId);
    await page.getByRole('button', { name: 'Preview' }).click();
    assert.equal(await page.locator('#preview-subject').innerText(), 'Following up on your quote, Smith');
    const preview = page.frameLocator('iframe[title="Template preview"]');
    assert.match(await preview.locator('body').innerText(), /Dear Ann,/);
  });

  test('XSS payloads in a Lead name, subject, html body and template stay inert in every page', async () => {
    let trapHits = 0;
    const trap = http.createServer((_req, res) => {
      trapHits += 1;
      res.end('x');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    try {
      // docs/reliability.md b.6 #57/#58: script, event handlers, javascript: URLs, svg onload, CSS
      // expression(), <base>, <meta refresh>, <form>, remote images and styles towards a trap.
      const payloads = [
        '<script>window.__xss=1;alert(1)</script>',
        '<img id="xss-img" src=x onerror="window.__xss=2;alert(2)">',
        '"><svg id="xss-svg" onload="alert(3)">',
        "'><a id=\"xss-a\" href=\"javascript:alert(4)\">click</a>",
        `<base href="${trapUrl}/base/">`,
        `<meta http-equiv="refresh" content="0;url=${trapUrl}/refresh">`,
        `<form id="xss-form" action="${trapUrl}/form"><button>go</button></form>`,
        `<div style="width:expression(alert(5));background:url(${trapUrl}/css)">css</div>`,
        `<img src="${trapUrl}/img.png"><link rel="stylesheet" href="${trapUrl}/style.css"><script src="${trapUrl}/s.js"></script>`,
        '<iframe id="xss-frame" srcdoc="<script>parent.alert(6)</script>"></iframe>',
      ];
      const nasty = payloads.join(' ');
      const xssLead = await createLead(testApp, org, { First_Name: payloads[2], Last_Name: payloads[0], Company: payloads[3], Description: payloads.join('\n'), Email: 'xss@example.com' });
      const adminEmail = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email;
      const sent = await testApp.api('POST', `/crm/v8/Leads/${xssLead}/actions/send_mail`, org.token, {
        data: [{ from: { email: adminEmail }, to: [{ email: 'xss@example.com' }], subject: `Hi ${payloads[0]}${payloads[1]}`, content: nasty, mail_format: 'html' }],
      });
      assert.equal(sent.statusCode, 200, sent.body);
      const template = await testApp.api('POST', '/crm/v8/settings/email_templates', org.token, {
        email_templates: [{ name: `T ${payloads[1]}`, module: { api_name: 'Leads' }, subject: `S ${payloads[2]}`, content: `${nasty} \${Leads.Last Name}` }],
      });
      assert.equal(template.statusCode, 201, template.body);
      const templateId = json(template).email_templates[0].details.id;
      assert.equal(await worker.runOnce(), 1);

      // The UI's own compose form with a script in the subject and the HTML body.
      await page.goto(`${base}/ui/records/Leads/${xssLead}/compose`);
      await page.getByLabel('Subject').fill(`UI ${payloads[0]}`);
      await page.getByLabel('Format').selectOption('html');
      await page.getByLabel('Body').fill(nasty);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.waitForLoadState();
      assert.match(page.url(), /notice=sent/, (await page.locator('.alert, .error').allInnerTexts()).join(' | '));
      assert.equal(await worker.runOnce(), 1);

      const mailbox = json(await testApp.api('GET', '/mailbox/api/messages', org.token)).messages ?? [];
      const pages = [
        '/ui/records/Leads',
        `/ui/records/Leads/${xssLead}`,
        `/ui/records/Leads/${xssLead}/compose`,
        '/ui/settings/templates',
        `/ui/settings/templates/${templateId}?record_id=${xssLead}`,
        '/mailbox',
        ...mailbox.slice(0, 2).map((m: { id: string }) => `/mailbox/${m.id}`),
      ];
      for (const url of pages) {
        const response = await page.goto(`${base}${url}`);
        assert.ok(response && response.status() < 400, `${url} → ${response?.status()}`);
        await page.waitForTimeout(150);
        for (const frame of page.frames()) {
          assert.equal(await frame.locator('#xss-img, #xss-svg, #xss-a, #xss-form, #xss-frame').count(), 0, `${url}: an injected element exists in ${frame.url()}`);
        }
        assert.equal(await page.evaluate('window.__xss'), undefined, url);
        assert.equal(page.url(), `${base}${url}`, 'no meta refresh or base redirect took effect');
      }
      // Escaped, the payload is shown as the text it is.
      await page.goto(`${base}/ui/records/Leads/${xssLead}`);
      assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /<script>window\.__xss=1;alert\(1\)<\/script>/);
      assert.deepEqual(dialogs, []);
      assert.equal(trapHits, 0, 'no request reached the trap listener');
    } finally {
      await new Promise((resolve) => trap.close(resolve));
    }
  });

  test('keyboard only: sign in, reach "Send email" and send with Tab and Enter', async () => {
    const keyboard = await browser.newContext();
    const kp = await keyboard.newPage();
    await kp.goto(`${base}/ui/login?next=${encodeURIComponent(`/ui/records/Leads/${leadId}`)}`);
    await kp.getByLabel('Email').focus();
    await kp.keyboard.type(email);
    await kp.keyboard.press('Tab');
    await kp.keyboard.type(PASSWORD);
    await kp.keyboard.press('Enter');
    await kp.waitForURL(new RegExp(`/ui/records/Leads/${leadId}$`));
    let focused = '';
    for (let i = 0; i < 30 && focused !== 'Send email'; i += 1) {
      await kp.keyboard.press('Tab');
      focused = String(await kp.evaluate('document.activeElement && document.activeElement.textContent'));
    }
    assert.equal(focused, 'Send email');
    await kp.keyboard.press('Enter');
    await kp.waitForURL(/\/compose$/);
    await kp.getByLabel('Subject').focus();
    await kp.keyboard.type('Typed without a mouse');
    await kp.keyboard.press('Tab'); // Format
    await kp.keyboard.press('Tab'); // Body
    await kp.keyboard.type('Hello');
    await kp.getByRole('button', { name: 'Send', exact: true }).focus();
    await kp.keyboard.press('Enter');
    await kp.waitForURL(/notice=sent/);
    await keyboard.close();
    assert.equal(await worker.runOnce(), 1);
  });

  test('sign-out ends the session: pages redirect to sign-in again', async () => {
    await page.goto(`${base}/ui/records`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/ui\/login$/);
    await page.goto(`${base}/ui/records/Leads/${leadId}`);
    await page.waitForURL(/\/ui\/login\?next=/);
    const mailbox = await page.goto(`${base}/mailbox`);
    assert.match(mailbox?.url() ?? '', /\/ui\/login\?next=%2Fmailbox/);
  });
});
