import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { expectNoAxeViolations } from '../helpers/axe.js';
import { cliUser, createLead, launchBrowser, listen } from '../helpers/browser.js';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from '../helpers/smtp-sink.js';
import { ALL_SCOPES, DATABASE_KINDS, json, startTestApp, type DatabaseKind, type TestApp, type TestOrg } from '../helpers/test-app.js';

/**
 * The rich-text editor of the compose form (docs/web-ui.md) in Chromium, under the UI's strict CSP:
 * formatting, a link, a pasted image arriving as a cid: part, a merge-field chip filled on arrival,
 * keyboard-only use, Preview, template editing, and the plain textarea without JavaScript.
 */
const PASSWORD = 'correct horse battery staple';
/** A 1×1 PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let browser: Browser;
before(async () => {
  // `npm test` builds the bundle; running this file alone after `tsc` must find it too.
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-editor.mjs')], { stdio: 'inherit' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});


async function signIn(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/ui/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/ui\/records$/);
}

/** The received message parsed with its cid: links kept (mailparser would inline them as data: URLs). */
async function parsedKeepingCids(message: ReceivedMessage) {
  return simpleParser(message.raw, { keepCidLinks: true });
}

/** Where a link of the received HTML leads: its href, or the target of the click-tracking redirect (tracking is on). */
function linkTargets(html: string): { target: string; text: string }[] {
  return [...html.matchAll(/<a href="([^"]+)">([^<]*)<\/a>/g)].map(([, href, text]) => {
    const tracked = /\/t\/c\/[^?]+\?u=([A-Za-z0-9_-]+)/.exec(href!);
    return { target: tracked ? Buffer.from(tracked[1]!, 'base64url').toString('utf8') : href!.replace(/&amp;/g, '&'), text: text! };
  });
}

/** Collects CSP violations and page errors: the editor must run under the CSP without needing an exception. */
function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  return { problems };
}

/** A paste of a PNG file, as a browser dispatches it when an image is on the clipboard. */
async function pasteImage(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const bytes = Uint8Array.from(atob('${PNG_BASE64}'), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], 'pixel.png', { type: 'image/png' }));
    document.querySelector('.rte-content').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  })()`);
}

/** An attribute of the focused element. */
const focusedAttribute = (page: Page, name: string) => page.evaluate(`document.activeElement && document.activeElement.getAttribute('${name}')`);

function richComposeSuite(kind: DatabaseKind) {
  describe(`rich-text compose in Chromium [${kind}]`, () => {
    let testApp: TestApp;
    let sink: SmtpSink;
    let worker: Worker;
    let context: BrowserContext;
    let base: string;
    let org: TestOrg;
    let email: string;
    let leadId: string;

    before(async () => {
      sink = await startSmtpSink();
      testApp = await startTestApp(kind, { env: { SMTP_URL: sink.url } });
      worker = createWorker(testApp.app);
      org = await testApp.createOrg({ scopes: [...ALL_SCOPES, 'ZohoCRM.templates.ALL'] });
      email = await cliUser(testApp, org, 'Rita Rich', PASSWORD);
      leadId = await createLead(testApp, org, { First_Name: 'Ann', Last_Name: 'Smith', Email: 'ann.smith@example.com', Company: 'Acme' });
      base = await listen(testApp);
      context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      const page = await context.newPage();
      await signIn(page, base, email);
      await page.close();
    });
    after(async () => {
      await context?.close();
      await worker?.stop(1000);
      await testApp?.close();
      await sink?.close();
    });

    test('bold, a list, a link, a pasted image and a merge chip arrive as <strong>, <li>, <a href>, a cid: part and the Lead\'s value', async () => {
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
      await page.getByLabel('Subject').fill('Rich hello');
      await page.getByLabel('Format').selectOption('html');
      const body = page.getByRole('textbox', { name: 'Body' });
      await body.waitFor();
      assert.equal(await page.locator('textarea#content').isHidden(), true, 'the textarea gives way to the editor');
      if (kind === 'sqlite') await expectNoAxeViolations(page, 'compose with the editor');

      await body.click();
      await page.keyboard.type('Dear ');
      await page.getByLabel('Merge field').selectOption('Leads.First Name');
      await page.getByRole('button', { name: 'Insert field' }).click();
      assert.equal(await page.locator('.rte-content .rte-chip').innerText(), '${Leads.First Name}');
      await page.keyboard.type('here is ');
      await page.getByRole('button', { name: /^Bold/ }).click();
      assert.equal(await page.getByRole('button', { name: /^Bold/ }).getAttribute('aria-pressed'), 'true');
      await page.keyboard.type('the offer');
      await page.getByRole('button', { name: /^Bold/ }).click();
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Bulleted list' }).click();
      await page.keyboard.type('first item');
      await page.keyboard.press('Enter');
      await page.keyboard.type('second item');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.type('in red');
      // ProseMirror reads typed text from the DOM a moment later: select "red" once it has, and
      // again if a selection key came in before it did.
      await page.waitForFunction("document.querySelector('.rte-content').textContent.endsWith('in red')");
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await page.keyboard.press('End');
        for (let i = 0; i < 3; i += 1) await page.keyboard.press('Shift+ArrowLeft');
        if ((await page.evaluate('String(window.getSelection())')) === 'red') break;
      }
      assert.equal(await page.evaluate('String(window.getSelection())'), 'red');
      await page.getByLabel('Text colour').selectOption({ label: 'Red' });
      await page.locator('.rte-content [data-color="#b3261e"]').waitFor();
      await page.keyboard.press('End');
      assert.equal(await page.getByLabel('Text colour').inputValue(), '#b3261e', 'the select shows the colour at the cursor');
      await page.keyboard.press('Enter');
      await page.getByLabel('Text colour').selectOption({ label: 'Default' });
      await page.keyboard.type('Read it at ');

      // The link dialog refuses a javascript: URL, then takes an https one.
      await page.getByRole('button', { name: /^Link/ }).click();
      const dialog = page.getByRole('dialog', { name: 'Link' });
      await dialog.getByLabel('Link address').fill('javascript:alert(1)');
      await dialog.getByRole('button', { name: 'Apply link' }).click();
      assert.equal(await dialog.getByLabel('Link address').getAttribute('aria-invalid'), 'true');
      if (kind === 'sqlite') await expectNoAxeViolations(page, 'the link dialog with its error');
      await dialog.getByLabel('Link address').fill('https://example.com/offer');
      await dialog.getByRole('button', { name: 'Apply link' }).click();
      await page.locator('.rte-content a[href="https://example.com/offer"]').waitFor();

      await page.keyboard.press('Enter');
      await pasteImage(page);
      const img = page.locator('.rte-content img[src*="/crm/viewInLineImage?fileContent="]');
      await img.waitFor();
      assert.equal(await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), 1, 'the uploaded image loads from our own origin');

      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.waitForURL(/notice=sent/);
      assert.equal(await worker.runOnce(), 1);
      const [received] = await sink.waitFor(1);
      const mail = await parsedKeepingCids(received!);
      const html = String(mail.html);
      assert.match(html, /<strong>the offer<\/strong>/);
      assert.match(html, /<li><p>first item<\/p><\/li>\s*<li><p>second item<\/p><\/li>|<li>\s*(<p>)?first item/);
      assert.match(html, /<li>(<p>)?second item/);
      assert.deepEqual(linkTargets(html), [{ target: 'https://example.com/offer', text: 'https://example.com/offer' }]);
      assert.match(html, /Dear <span>Ann<\/span>/, 'the chip was filled with the Lead\'s First Name');
      assert.doesNotMatch(html, /\$\{|data-merge-field|viewInLineImage|rte-/);
      const cid = /<img src="cid:([^"]+)"/.exec(html)?.[1];
      assert.ok(cid, html);
      const part = mail.attachments.find((a) => a.cid === cid);
      assert.ok(part, `a related part with Content-ID <${cid}>`);
      assert.equal(part.contentType, 'image/png');
      assert.equal(part.related, true);
      assert.equal(part.content.toString('base64'), PNG_BASE64);
      // The server's sanitiser writes the colour as rgb().
      assert.match(html, /<p>in <span style="color: ?(#b3261e|rgb\(179, 38, 30\));?">red<\/span><\/p><p>Read it at <a /);
      assert.match(mail.text ?? '', /Dear Ann/);
      assert.deepEqual(watch.problems, []);
      await page.close();
    });

    if (kind === 'postgres') return;

    test('keyboard only: Tab into the editor, type, Ctrl+B, Ctrl+K for the link dialog, Ctrl+V of an image, send with Space on the button', async () => {
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
      await page.getByLabel('Subject').focus();
      await page.keyboard.type('Typed with keys');
      await page.keyboard.press('Tab'); // Format
      await page.keyboard.press('ArrowDown'); // Plain text → HTML
      assert.equal(await page.getByLabel('Format').inputValue(), 'html');
      await page.keyboard.press('Tab'); // the toolbar: one tab stop
      assert.equal(await focusedAttribute(page, 'aria-label'), 'Bold (Ctrl+B)');
      await page.keyboard.press('ArrowRight');
      assert.equal(await focusedAttribute(page, 'aria-label'), 'Italic (Ctrl+I)');
      await page.keyboard.press('Tab'); // the editor
      assert.equal(await focusedAttribute(page, 'role'), 'textbox');
      await page.keyboard.type('Hello ');
      await page.keyboard.press('Control+b');
      await page.keyboard.type('bold words');
      await page.keyboard.press('Control+b');
      await page.keyboard.type(' and ');
      await page.keyboard.press('Control+k');
      assert.match(String(await focusedAttribute(page, 'id')), /^rte-link-\d+$/, 'the dialog took the focus');
      await page.keyboard.type('example.org/keys');
      await page.keyboard.press('Enter');
      assert.equal(await focusedAttribute(page, 'role'), 'textbox', 'focus back in the editor');
      // An image by keyboard: Ctrl+V with an image on the clipboard (headless Chromium has no
      // clipboard of its own: the paste event it would fire is dispatched in the editor).
      await pasteImage(page);
      await page.locator('.rte-content img[src*="/crm/viewInLineImage?fileContent="]').waitFor();
      await page.locator('.rte-content').focus();
      let focused = '';
      for (let i = 0; i < 40 && focused !== 'Send'; i += 1) {
        await page.keyboard.press('Tab');
        focused = String(await page.evaluate('document.activeElement && document.activeElement.textContent'));
      }
      assert.equal(focused, 'Send');
      await page.keyboard.press('Space');
      await page.waitForURL(/notice=sent/);
      assert.equal(await worker.runOnce(), 1);
      const received = (await sink.waitFor(2)).find((m) => m.parsed.subject === 'Typed with keys');
      assert.ok(received);
      const html = String(received.parsed.html);
      assert.match(html, /Hello <strong>bold words<\/strong> and <a href="[^"]+">example\.org\/keys<\/a>/);
      assert.deepEqual(linkTargets(html), [{ target: 'https://example.org/keys', text: 'example.org/keys' }]);
      const mail = await parsedKeepingCids(received);
      const cid = /<img src="cid:([^"]+)"/.exec(String(mail.html))?.[1];
      assert.ok(cid, String(mail.html));
      const part = mail.attachments.find((a) => a.cid === cid);
      assert.equal(part?.contentType, 'image/png');
      assert.equal(part?.content.toString('base64'), PNG_BASE64);
      assert.deepEqual(watch.problems, []);
      await page.close();
    });

    test('Preview shows the mail merged with this record in the sandboxed frame, and the form keeps its content', async () => {
      const page = await context.newPage();
      await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
      await page.getByLabel('Subject').fill('Offer for ${Leads.Last Name}');
      await page.getByLabel('Format').selectOption('html');
      await page.getByRole('textbox', { name: 'Body' }).click();
      await page.keyboard.type('Hi ');
      await page.getByLabel('Merge field').selectOption('Leads.First Name');
      await page.getByRole('button', { name: 'Insert field' }).click();
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.locator('#preview-subject').waitFor();
      assert.equal(await page.locator('#preview-subject').innerText(), 'Offer for Smith');
      const frame = page.locator('iframe[title="Email preview"]');
      assert.equal(await frame.getAttribute('sandbox'), '');
      assert.match(await page.frameLocator('iframe[title="Email preview"]').locator('body').innerText(), /Hi Ann/);
      // The form comes back as it was: the chip is a chip again in the editor.
      assert.equal(await page.locator('.rte-content .rte-chip').innerText(), '${Leads.First Name}');
      assert.equal(await worker.runOnce(), 0, 'a preview sends nothing');
      await page.close();
    });

    test('a paste from Word or Google Docs keeps the formatting and drops their markup', async () => {
      const page = await context.newPage();
      const watch = watchPage(page);
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
      await page.getByLabel('Format').selectOption('html');
      await page.getByRole('textbox', { name: 'Body' }).click();
      const word =
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{mso-style-parent:"";font-family:Calibri}</style></head><body>' +
        '<!--StartFragment--><p class="MsoNormal" style="mso-margin-top-alt:auto"><b><span style="font-family:Calibri;mso-bidi-font-family:Arial">Word bold</span></b><span style="font-size:11pt"> and plain<o:p></o:p></span></p>' +
        '<ul style="margin-top:0cm"><li class="MsoListParagraph" style="mso-list:l0 level1 lfo1">Word item</li></ul>' +
        '<p><img src="file:///C:/Users/x/AppData/Local/Temp/msohtmlclip1/01/clip_image001.png" onerror="alert(1)"><a href="javascript:alert(2)">bad link</a></p><!--EndFragment--></body></html>';
      const docs =
        '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1234"><p dir="ltr" style="line-height:1.38;margin-top:0pt"><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;font-weight:700;vertical-align:baseline">Docs bold</span><span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;font-weight:400"> docs plain</span></p></b>';
      for (const html of [word, docs]) {
        await page.evaluate(`(() => {
          const data = new DataTransfer();
          data.setData('text/html', ${JSON.stringify(html)});
          data.setData('text/plain', 'fallback');
          document.querySelector('.rte-content').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
        })()`);
      }
      // Preview posts the form: the textarea comes back with exactly what the editor submitted.
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.locator('iframe[title="Email preview"]').waitFor();
      const sent = await page.locator('textarea#content').inputValue();
      assert.match(sent, /<strong>Word bold<\/strong> and plain/);
      assert.match(sent, /<li><p>Word item<\/p><\/li>/);
      assert.match(sent, /<strong>Docs bold<\/strong> docs plain/);
      assert.doesNotMatch(sent, /Mso|mso-|font-family|o:p|<img|javascript:|onerror|docs-internal|<b |<!--/i, sent);
      assert.match(sent, /bad link/, 'the text of a refused link stays');
      // Reading the pasted markup, the browser refuses its inline styles and its onerror under the
      // CSP (reported on the console: that is the CSP at work); nothing of it ran.
      assert.deepEqual(watch.problems.filter((p) => !/^(Applying inline style|Executing inline event handler) violates/.test(p)), []);
      assert.deepEqual(dialogs, []);
      await page.close();
    });

    test('the inline-image endpoint needs the CSRF token and takes images only', async () => {
      const page = await context.newPage();
      await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      const png = { name: 'p.png', mimeType: 'image/png', buffer: Buffer.from(PNG_BASE64, 'base64') };
      const withoutToken = await page.request.post(`${base}/ui/inline-images`, { multipart: { image: png } });
      assert.equal(withoutToken.status(), 403);
      const notImage = await page.request.post(`${base}/ui/inline-images`, { multipart: { _csrf: csrf, image: { name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('<svg onload=alert(1)>') } } });
      assert.equal(notImage.status(), 400);
      assert.match((await notImage.json()).error, /PNG, JPEG, GIF or WebP/);
      const ok = await page.request.post(`${base}/ui/inline-images`, { multipart: { _csrf: csrf, image: png } });
      assert.equal(ok.status(), 200);
      const { src } = (await ok.json()) as { src: string };
      assert.match(src, /^\/crm\/viewInLineImage\?fileContent=[0-9a-f]{64}$/);
      assert.equal((await page.request.get(`${base}${src}`)).status(), 200);
      await page.close();
    });

    test('templates are edited with the same editor; the saved HTML carries the formatting and the chip as a token', async () => {
      const page = await context.newPage();
      const watch = watchPage(page);
      await page.goto(`${base}/ui/settings/templates/new`);
      await page.getByLabel('Name').fill('Rich template');
      await page.getByLabel('Subject').fill('Hello');
      const content = page.getByRole('textbox', { name: 'Content' });
      await content.click();
      await page.keyboard.type('Dear ');
      await page.getByLabel('Merge field').selectOption('Leads.Last Name');
      await page.getByRole('button', { name: 'Insert field' }).click();
      await page.keyboard.press('Control+i');
      await page.keyboard.type('welcome');
      await page.getByRole('button', { name: 'Create template' }).click();
      await page.waitForURL(/notice=created/);
      const id = /templates\/(\d+)/.exec(page.url())![1]!;
      const stored = json(await testApp.api('GET', `/crm/v8/settings/email_templates/${id}`, org.token)).email_templates[0];
      assert.match(stored.content, /Dear <span[^>]*>\$\{Leads\.Last Name\}<\/span> ?<em>welcome<\/em>/);
      // Opened again, the token is a chip in the editor.
      assert.equal(await page.locator('.rte-content .rte-chip').innerText(), '${Leads.Last Name}');
      assert.deepEqual(watch.problems, []);
      await page.close();
    });

    test('without JavaScript the textarea and the format select send HTML as before', async () => {
      const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
      const page = await noScript.newPage();
      await page.goto(`${base}/ui/records/Leads/${leadId}/compose`);
      assert.equal(await page.locator('.rte').count(), 0);
      await page.getByLabel('Subject').fill('Plain old textarea');
      await page.getByLabel('Format').selectOption('html');
      await page.getByLabel('Body').fill('<p>Hello <b>${Leads.First Name}</b></p><script>alert(1)</script>');
      await page.getByRole('button', { name: 'Preview' }).click();
      assert.match(await page.frameLocator('iframe[title="Email preview"]').locator('body').innerText(), /Hello Ann/);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.waitForURL(/notice=sent/);
      await noScript.close();
      assert.equal(await worker.runOnce(), 1);
      const received = (await sink.waitFor(3)).find((m) => m.parsed.subject === 'Plain old textarea');
      assert.ok(received);
      assert.match(String(received.parsed.html), /<p>Hello <b>Ann<\/b><\/p>/);
      assert.doesNotMatch(String(received.parsed.html), /script/);
    });
  });
}

for (const kind of DATABASE_KINDS) richComposeSuite(kind);
