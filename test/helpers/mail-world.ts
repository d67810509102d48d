import { FakeClock } from '../../src/clock.js';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { freePort } from './free-port.js';
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from './smtp-sink.js';
import { json, startTestApp, type DatabaseKind, type TestApp, type TestOrg } from './test-app.js';

/**
 * What a suite about sending needs: a real SMTP sink, a fake clock, the app (optionally listening
 * on a real port that is also its PUBLIC_URL), a worker (not started: suites drive `runOnce`), an
 * org with its admin's sender address, and optionally a Lead.
 */
export type MailWorld = {
  sink: SmtpSink;
  clock: FakeClock;
  testApp: TestApp;
  worker: Worker;
  org: TestOrg;
  from: string;
  /** The Lead made for the suite ('' when none was asked for). */
  leadId: string;
  /** `http://127.0.0.1:<port>` when listening ('' otherwise). */
  base: string;
};

export type MailWorldOptions = {
  at: number;
  env?: Record<string, string>;
  lead?: { name: string; email: string };
  /** Listen on a free port and make it PUBLIC_URL (links in mail point back to this server). */
  listen?: boolean;
};

export async function openMailWorld(kind: DatabaseKind, options: MailWorldOptions): Promise<MailWorld> {
  const sink = await startSmtpSink();
  const clock = new FakeClock(options.at);
  const port = options.listen ? await freePort() : 0;
  const base = options.listen ? `http://127.0.0.1:${port}` : '';
  const testApp = await startTestApp(kind, { clock, env: { SMTP_URL: sink.url, ...(base ? { PUBLIC_URL: base } : {}), ...options.env } });
  if (options.listen) await testApp.server.listen({ port, host: '127.0.0.1' });
  const worker = createWorker(testApp.app);
  const org = await testApp.createOrg();
  const from = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
  const leadId = options.lead
    ? (json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: options.lead.name, Email: options.lead.email }] })).data[0].details.id as string)
    : '';
  return { sink, clock, testApp, worker, org, from, leadId, base };
}

export async function closeMailWorld(world: MailWorld | undefined): Promise<void> {
  if (!world) return;
  await world.worker.stop(1000);
  await world.testApp.close();
  await world.sink.close();
}


/** Runs the worker until a mail with this subject has arrived in the sink; returns it. */
export async function deliveredWithSubject(world: Pick<MailWorld, 'worker' | 'sink'>, subject: string): Promise<ReceivedMessage> {
  for (let i = 0; i < 50; i += 1) {
    await world.worker.runOnce();
    const found = world.sink.messages.find((m) => m.parsed.subject === subject);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail with subject ${subject}`);
}
