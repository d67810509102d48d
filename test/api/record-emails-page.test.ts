import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { ALL_SCOPES, DATABASE_KINDS, json, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The Emails related list reads the mails filed under a record in two halves (as the record
 * mailed, and as the linked record), each through its own index in page order, and merges them
 * (migration 0019; listMailsOfRecord in src/mail/mail-repository.ts). The pages must be what the
 * single query gave: every mail filed under the record either way exactly once, none other,
 * newest first (created_at, then message_id for mails accepted in the same millisecond), ten a
 * page, the cursor (next_index) going on where the last page stopped; the type filter keeps
 * applying to both halves.
 */
for (const kind of DATABASE_KINDS) describe(`Emails related list in page order from two halves [${kind}]`, () => {
  let app: TestApp;
  const clock = new FakeClock();
  before(async () => {
    app = await startTestApp(kind, { clock });
  });
  after(async () => {
    await app.close();
  });

  test('every page matches the mails filed under the record, newest first, ties by message_id, each once', async () => {
    const org = await app.createOrg({ scopes: ALL_SCOPES });
    const from = json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
    const create = async (module: string, fields: Record<string, unknown>): Promise<string> => {
      const response = await app.api('POST', `/crm/v8/${module}`, org.token, { data: [fields] });
      assert.equal(response.statusCode, 201, response.body);
      return json(response).data[0].details.id as string;
    };
    const contactId = await create('Contacts', { Last_Name: 'Lovelace', Email: 'ada@example.com' });
    const leadId = await create('Leads', { Last_Name: 'Smith', Email: 'smith@example.com' });

    type Sent = { id: string; at: number; scheduled: boolean };
    const filed: Sent[] = [];
    const others: string[] = [];
    for (let i = 0; i < 27; i++) {
      // Three ways: to the Contact (its own), to the Lead linked to the Contact (filed under the
      // Contact as linked), to the Lead alone (not the Contact's). Every fourth one scheduled.
      const way = i % 3;
      const scheduled = i % 4 === 0;
      const item = {
        from: { email: from },
        to: [{ email: way === 0 ? 'ada@example.com' : 'smith@example.com' }],
        subject: `Mail ${i}`,
        content: '<p>Hi</p>',
        ...(way === 1 ? { linked_record: { module: { api_name: 'Contacts' }, id: contactId } } : {}),
        ...(scheduled ? { scheduled_time: new Date(clock.now() + 86_400_000).toISOString() } : {}),
      };
      const path = way === 0 ? `/crm/v8/Contacts/${contactId}/actions/send_mail` : `/crm/v8/Leads/${leadId}/actions/send_mail`;
      const response = await app.api('POST', path, org.token, { data: [item] });
      assert.equal(response.statusCode, 200, response.body);
      const id = json(response).data[0].details.message_id as string;
      if (way === 2) others.push(id);
      else filed.push({ id, at: clock.now(), scheduled });
      // Several mails share a millisecond (the clock stands still in between): ties by message_id.
      if (i % 4 === 3) clock.advance(1);
    }
    const newestFirst = (a: Sent, b: Sent) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

    const pages = async (query: string): Promise<string[][]> => {
      const result: string[][] = [];
      let index: string | null = null;
      for (;;) {
        const response = await app.api('GET', `/crm/v8/Contacts/${contactId}/Emails?${query}${index ? `&index=${index}` : ''}`, org.token);
        if (response.statusCode === 204) break;
        assert.equal(response.statusCode, 200, response.body);
        const body = json(response);
        result.push(body.Emails.map((e: { message_id: string }) => e.message_id));
        if (!body.info.more_records) break;
        index = body.info.next_index as string;
        assert.ok(result.length < 10, 'the cursor goes on');
      }
      return result;
    };

    const all = await pages('');
    const expected = [...filed].sort(newestFirst).map((m) => m.id);
    assert.deepEqual(all.flat(), expected);
    assert.deepEqual(all.map((p) => p.length), [10, 8]);
    for (const id of others) assert.ok(!all.flat().includes(id), 'a mail of the Lead alone is not the Contact’s');

    const scheduledPages = await pages('type=scheduled_in_crm');
    assert.deepEqual(scheduledPages.flat(), [...filed].filter((m) => m.scheduled).sort(newestFirst).map((m) => m.id));
    assert.ok(scheduledPages.flat().length >= 4);
  });

  test('type=sent_from_crm pages are full although newer mails are scheduled and not yet sent (the filter is part of the query)', async () => {
    const org = await app.createOrg({ scopes: ALL_SCOPES });
    const from = json(await app.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
    const leadId = json(await app.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Busy', Email: 'busy@example.com' }] })).data[0].details.id as string;
    const send = async (subject: string, scheduled: boolean) => {
      clock.advance(1);
      const item = { from: { email: from }, to: [{ email: 'busy@example.com' }], subject, ...(scheduled ? { scheduled_time: new Date(clock.now() + 86_400_000).toISOString() } : {}) };
      const response = await app.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, { data: [item] });
      assert.equal(response.statusCode, 200, response.body);
    };
    for (let i = 0; i < 11; i++) await send(`Now ${i}`, false);
    // Newer than all of them: twelve scheduled mails, which sent_from_crm leaves out.
    for (let i = 0; i < 12; i++) await send(`Later ${i}`, true);
    const first = await app.api('GET', `/crm/v8/Leads/${leadId}/Emails?type=sent_from_crm`, org.token);
    assert.equal(first.statusCode, 200, 'not an empty page');
    const body = json(first);
    assert.deepEqual(body.Emails.map((e: { subject: string }) => e.subject), Array.from({ length: 10 }, (_, i) => `Now ${10 - i}`));
    assert.equal(body.info.more_records, true);
    const second = json(await app.api('GET', `/crm/v8/Leads/${leadId}/Emails?type=sent_from_crm&index=${body.info.next_index}`, org.token));
    assert.deepEqual(second.Emails.map((e: { subject: string }) => e.subject), ['Now 0']);
    assert.equal(second.info.more_records, false);
  });
});
