import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { formatZohoDateTime } from '../../src/time.js';
import { startScriptedSmtp, type Script, type ScriptedSmtpServer } from './scripted-smtp.js';
import { json, startTestApp, type DatabaseKind, type TestApp, type TestOrg } from './test-app.js';


/**
 * Delivery under faults (docs/reliability.md b.1, b.2, b.4 #38/#49): a scripted SMTP peer answers each
 * phase as a test says, the fake clock stands in for the retry delays, and the outcome is read
 * the way a client reads it: `GET /crm/v8/Leads/{id}/Emails/{message_id}` → `Emails[0].status[]`.
 * The tests that kill or stop a real worker process are in test/api/delivery-crash.test.ts.
 * (Shared by both files.)
 */
export type RecipientStatus = {
  type: string;
  email: string;
  status_code: string | null;
  diagnostic: string | null;
  next_attempt_time: string | null;
  possible_duplicate: boolean;
};

export type Fixture = {
  peer: ScriptedSmtpServer;
  testApp: TestApp;
  clock: FakeClock | null;
  worker: Worker;
  org: TestOrg;
  leadId: string;
  adminEmail: string;
  /** POST send_mail for the lead with one item (defaults: from the admin, to ann@, a text body). */
  send(item?: Record<string, unknown>, version?: string): Promise<{ statusCode: number; body: any }>;
  /** send() that must be accepted; returns the message_id. */
  accept(item?: Record<string, unknown>): Promise<string>;
  statuses(messageId: string): Promise<RecipientStatus[]>;
  mails(): Promise<{ message_id: string; state: string; lease_until: number | null }[]>;
};

export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
export const FIRST_RETRY_MS = 60_000;
export const at = (ms: number) => formatZohoDateTime(ms, 'UTC');

export async function setup(
  t: TestContext,
  kind: DatabaseKind,
  options: { script?: Script; env?: Record<string, string>; realClock?: boolean } = {},
): Promise<Fixture> {
  // Cleanups run last-in first-out, and are registered before anything that may throw: a leaked
  // listening peer would keep this test process alive for ever.
  const cleanups: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const peer = await startScriptedSmtp(options.script ?? {});
  cleanups.push(() => peer.close());
  const clock = options.realClock ? null : new FakeClock(T0);
  const testApp = await startTestApp(kind, {
    ...(clock ? { clock } : {}),
    env: {
      SMTP_URL: peer.url,
      MESSAGE_ID_DOMAIN: 'mail.test',
      SMTP_TIMEOUT_SECONDS: '1',
      RETRY_FIRST_SECONDS: String(FIRST_RETRY_MS / 1000),
      RETRY_MAX_AGE_HOURS: '1',
      // The fake clock moves past an hour; tokens must outlive it.
      ACCESS_TOKEN_TTL_SECONDS: '86400',
      ...options.env,
    },
  });
  cleanups.push(() => testApp.close());
  const worker = createWorker(testApp.app);
  cleanups.push(() => worker.stop(1000));
  const org = await testApp.createOrg({ timeZone: 'UTC' });
  const adminEmail = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
  const lead = await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'Smith', Email: 'lead@example.com' }] });
  const leadId = json(lead).data[0].details.id as string;

  const send: Fixture['send'] = async (item = {}, version = 'v8') => {
    const response = await testApp.api('POST', `/crm/${version}/Leads/${leadId}/actions/send_mail`, org.token, {
      data: [{ from: { email: adminEmail }, to: [{ email: 'ann@example.com' }], subject: 'Fault test', content: 'Hello', mail_format: 'text', ...item }],
    });
    return { statusCode: response.statusCode, body: json(response) };
  };
  return {
    peer,
    testApp,
    clock,
    worker,
    org,
    leadId,
    adminEmail,
    send,
    async accept(item) {
      const { statusCode, body } = await send(item);
      assert.equal(statusCode, 200, JSON.stringify(body));
      return body.data[0].details.message_id as string;
    },
    async statuses(messageId) {
      const response = await testApp.api('GET', `/crm/v8/Leads/${leadId}/Emails/${messageId}`, org.token);
      assert.equal(response.statusCode, 200, response.body);
      return json(response).Emails[0].status as RecipientStatus[];
    },
    async mails() {
      const rows = await testApp.app.db
        .selectFrom('mails')
        .select(['message_id', 'state', 'lease_until'])
        .where('org_id', '=', org.orgId)
        .execute();
      return rows.map((r) => ({ ...r, lease_until: r.lease_until === null ? null : Number(r.lease_until) }));
    },
  };
}

export const summary = (statuses: RecipientStatus[]) => statuses.map((s) => [s.email, s.type, s.status_code]);
export const find = (statuses: RecipientStatus[], email: string) => {
  const entry = statuses.find((s) => s.email === email);
  assert.ok(entry, `no status entry for ${email}`);
  return entry;
};

