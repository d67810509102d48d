import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { createUser } from '../../src/users/create-user.js';
import { launchBrowser, listen } from '../helpers/browser.js';
import { openStoryWorld, STORY_PASSWORD, type StoryWorld } from '../helpers/record-stories.js';
import { DATABASE_KINDS, json } from '../helpers/test-app.js';

/**
 * The record page's timeline (issue 18 item 3) in Chromium: each mail with each recipient's story
 * in time order — bounced (at once, and late from a DSN) with category and reason, opened with
 * its count, replied with the reply inline, deferred with the next attempt, scheduled, cancelled —
 * the thread's mails together, and a blocked address with "Unblock" for those allowed to.
 */
let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function signIn(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/ui/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(STORY_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/ui\/records$/);
}

/** The row of the mail whose subject cell starts with `subject`. */
const mailRow = (page: Page, subject: string): Locator => page.locator('table.emails tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^\\s*${subject}`) }) });
/** A recipient's story: its steps' texts, oldest first. */
const storyOf = async (row: Locator, email: string): Promise<string[]> => row.getByRole('list', { name: `What happened to the mail to ${email}` }).locator(':scope > li').allInnerTexts();
const indexOf = (steps: string[], pattern: RegExp): number => steps.findIndex((s) => pattern.test(s));

for (const kind of DATABASE_KINDS) {
  describe(`record timeline: each mail's story per recipient [${kind}]`, () => {
    let world: StoryWorld;
    let base: string;
    let context: BrowserContext;
    let page: Page;

    before(async () => {
      world = await openStoryWorld(kind);
      base = await listen(world.testApp);
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      await signIn(page, base, world.userEmail);
    });
    after(async () => {
      await context?.close();
      await world?.close();
    });

    test('an opened mail: accepted, sent, then opened 2 times with the last time, clicked once, then a spam complaint', async () => {
      await page.goto(`${base}/ui/records/Leads/${world.annId}`);
      const steps = await storyOf(mailRow(page, 'Your quote'), 'ann@example.com');
      assert.match(steps[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d .* accepted$/);
      const sent = indexOf(steps, /\bsent$/);
      const opened = indexOf(steps, /opened 2 times, last \d{4}-\d\d-\d\d \d\d:\d\d/);
      assert.ok(sent > 0 && opened > sent, steps.join(' | '));
      assert.ok(indexOf(steps, /clicked 1 time$/) > opened, steps.join(' | '));
      // Then she reported it as spam: the complaint, after the opens.
      assert.ok(indexOf(steps, /complained \(reported the mail as spam: abuse\); the address opted out/) > opened, steps.join(' | '));
      assert.match(await mailRow(page, 'Your quote').innerText(), /ann@example\.com\s*clicked — 2 opens, 1 click, last/);
    });

    test('a replied mail: the reply inline in the sandboxed frame; its cc bounced later (DSN) with category and reason; another cc deferred with the next attempt; grouped with its follow-up', async () => {
      await page.goto(`${base}/ui/records/Leads/${world.annId}`);
      const row = mailRow(page, 'Meeting next week');
      const ann = await storyOf(row, 'ann@example.com');
      const replied = indexOf(ann, /replied: Re: Meeting next week/);
      assert.ok(replied > indexOf(ann, /\bsent$/) && indexOf(ann, /\bsent$/) > 0, ann.join(' | '));
      await row.getByText('Show the reply').click();
      const frame = row.locator('iframe[title="Reply from ann@example.com"]');
      assert.equal(await frame.getAttribute('sandbox'), '');
      assert.match(await row.frameLocator('iframe[title="Reply from ann@example.com"]').locator('body').innerText(), /Tuesday works for me\. See you then\./);

      const late = await storyOf(row, 'late@example.com');
      const bounced = indexOf(late, /bounced \(reported later by the receiving side\) — Permanently blocked, Invalid Mailbox: .*User unknown/);
      assert.ok(bounced > indexOf(late, /\bsent$/) && indexOf(late, /\bsent$/) > 0, late.join(' | '));
      assert.match(await row.innerText(), /late@example\.com\s*bounced[\s\S]*blocked since .* permanently: it cannot be unblocked/);

      const busy = await storyOf(row, 'busy@example.com');
      assert.match(busy.at(-1)!, /deferred \(attempt 1\): .*try again later; next attempt \d{4}-\d\d-\d\d \d\d:\d\d/);

      // The thread: the follow-up above the mail it answers, under one heading.
      const thread = page.locator('tbody.thread', { hasText: 'Conversation: Meeting next week (2 mails, newest first)' });
      const subjects = await thread.locator('tr > td:first-child').allInnerTexts();
      assert.deepEqual(subjects.map((s) => s.split('\n')[0]), ['Re: Meeting next week', 'Meeting next week']);
      assert.equal(await page.locator('tr.reply').count(), 0, 'no reply is listed apart from its story');
    });

    test('scheduled and cancelled mails say so', async () => {
      await page.goto(`${base}/ui/records/Leads/${world.annId}`);
      const reminder = await storyOf(mailRow(page, 'Reminder'), 'ann@example.com');
      assert.match(reminder.at(-1)!, /scheduled for \d{4}-\d\d-\d\d \d\d:\d\d/);
      const cancelled = await storyOf(mailRow(page, 'Never mind'), 'ann@example.com');
      assert.match(cancelled.at(-1)!, /cancelled$/);
    });

    test('a hard bounce at once: bounced with category and reason, blocked permanently, no Unblock', async () => {
      await page.goto(`${base}/ui/records/Leads/${world.gilId}`);
      const row = mailRow(page, 'Welcome Gil');
      const steps = await storyOf(row, 'gone@example.com');
      assert.match(steps.at(-1)!, /bounced — Permanently blocked, Invalid Mailbox: .*mailbox unknown/);
      assert.doesNotMatch(steps.join('\n'), /reported later/);
      assert.match(await row.innerText(), /blocked since .* permanently: it cannot be unblocked/);
      assert.equal(await page.getByRole('button', { name: /Unblock/ }).count(), 0);
    });

    test('a soft bounce: a user whose profile may not send sees no Unblock and is refused (403); one who may unblocks from the page', async () => {
      const { testApp, org } = world;
      const taken = await testApp.api('PUT', '/crm/v8/settings/profile_permissions', org.token, { profile_permissions: [{ profile: 'standard', permission: 'send_email', enabled: false }] });
      assert.equal(taken.statusCode, 200, taken.body);
      const standardEmail = `standard-${kind}@example.com`;
      await createUser(testApp.app, { orgId: org.orgId, email: standardEmail, name: 'Sam Standard', password: STORY_PASSWORD });
      const standard = await browser.newContext();
      try {
        const sp = await standard.newPage();
        await signIn(sp, base, standardEmail);
        await sp.goto(`${base}/ui/records/Leads/${world.fayId}`);
        const row = mailRow(sp, 'Welcome Fay');
        assert.match((await storyOf(row, 'full@example.com')).at(-1)!, /bounced — Temporarily blocked.*: .*mailbox full/);
        assert.match(await row.innerText(), /blocked since .* your profile may not unblock it/);
        assert.equal(await sp.getByRole('button', { name: /Unblock/ }).count(), 0);
        const csrf = await sp.locator('input[name="_csrf"]').first().inputValue();
        const forged = await sp.request.post(`${base}/ui/records/Leads/${world.fayId}/unblock`, { form: { _csrf: csrf, email: 'full@example.com' }, maxRedirects: 0 });
        assert.equal(forged.status(), 403);
      } finally {
        await standard.close();
      }

      await page.goto(`${base}/ui/records/Leads/${world.fayId}`);
      // Without the CSRF token: refused, nothing changes.
      const noToken = await page.request.post(`${base}/ui/records/Leads/${world.fayId}/unblock`, { form: { email: 'full@example.com' }, maxRedirects: 0 });
      assert.equal(noToken.status(), 403);
      await page.getByRole('button', { name: 'Unblock full@example.com' }).click();
      await page.waitForURL(/notice=unblocked/);
      assert.match(await page.getByRole('status').innerText(), /unblocked/);
      assert.doesNotMatch(await mailRow(page, 'Welcome Fay').innerText(), /blocked since/);
      assert.equal(await page.getByRole('button', { name: /Unblock/ }).count(), 0);
      const audit = json(await testApp.api('GET', '/crm/v8/settings/audit_log?action=email.unblocked', org.token)).audit_log as { details: { email: string } }[];
      assert.deepEqual(audit.map((a) => a.details.email), ['full@example.com']);
    });

    test('the timeline works without JavaScript', async () => {
      const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
      try {
        const p = await plain.newPage();
        await p.goto(`${base}/ui/records/Leads/${world.annId}`);
        assert.ok(indexOf(await storyOf(mailRow(p, 'Your quote'), 'ann@example.com'), /opened 2 times/) > 0);
      } finally {
        await plain.close();
      }
    });
  });
}
