import assert from 'node:assert/strict';
import { createInboundProcessor, type InboundProcessor } from '../../src/inbound/inbound-processor.js';
import { startInboundListener, type InboundListener } from '../../src/inbound/inbound-listener.js';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { createUser } from '../../src/users/create-user.js';
import { arfComplaint, dsnMessage, sendRaw } from './reports.js';
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from './smtp-sink.js';
import { ALL_SCOPES, json, startTestApp, type DatabaseKind, type TestApp, type TestOrg } from './test-app.js';

/**
 * A record whose mails have lived every kind of story, made the way they happen: the API sends,
 * the worker delivers to a real SMTP sink (which bounces `gone@` at once, `full@` softly and defers
 * `busy@`), a browser fetches the tracking pixel and follows a tracked link, a DSN arrives late and a person replies through
 * the inbound listener. For the record page's timeline and the accessibility test.
 */
export const STORY_PASSWORD = 'correct horse battery staple';
export const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

export type StoryWorld = {
  testApp: TestApp;
  sink: SmtpSink;
  worker: Worker;
  listener: InboundListener;
  processor: InboundProcessor;
  org: TestOrg;
  adminEmail: string;
  /** A UI user with a password (admin profile). */
  userEmail: string;
  /** Ann's Lead: opened, clicked, then complained (spam report); replied (in a thread with a follow-up), late-bounced cc, deferred cc, scheduled and cancelled mails. */
  annId: string;
  /** Fay's Lead: her address `full@example.com` bounced softly and is blocked (can be unblocked). */
  fayId: string;
  /** Gil's Lead: his address `gone@example.com` bounced hard (blocked permanently). */
  gilId: string;
  ids: { opened: string; replied: string; followUp: string; lateBounce: string; scheduled: string; cancelled: string; softBounce: string; hardBounce: string };
  close(): Promise<void>;
};

export async function openStoryWorld(kind: DatabaseKind): Promise<StoryWorld> {
  const sink = await startSmtpSink({
    onRcpt: (address) =>
      address.startsWith('gone@')
        ? { code: 550, message: '5.1.1 mailbox unknown' }
        : address.startsWith('full@')
          ? { code: 552, message: '5.2.2 mailbox full' }
          : address.startsWith('busy@')
            ? { code: 451, message: '4.2.1 try again later' }
            : null,
  });
  const testApp = await startTestApp(kind, {
    env: { SMTP_URL: sink.url, PUBLIC_URL: 'http://mailroom.test', MESSAGE_ID_DOMAIN: 'mail.test', BOUNCE_ADDRESS: 'bounces@bounce.test', REPLY_ADDRESS: 'replies@reply.test' },
  });
  const worker = createWorker(testApp.app);
  const processor = createInboundProcessor(testApp.app);
  const listener = await startInboundListener(testApp.app, { port: 0, onStored: () => processor.kick() });
  const org = await testApp.createOrg({ name: 'Story Org', scopes: [...ALL_SCOPES, 'ZohoCRM.templates.ALL', 'ZohoCRM.modules.emails.READ'] });
  const adminEmail = json(await testApp.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
  const userEmail = `story-${Date.now()}@example.com`;
  await createUser(testApp.app, { orgId: org.orgId, email: userEmail, name: 'Stella Story', profile: 'admin', password: STORY_PASSWORD });

  const lead = async (data: Record<string, unknown>) => json(await testApp.api('POST', '/crm/v8/Leads', org.token, { data: [data] })).data[0].details.id as string;
  const annId = await lead({ First_Name: 'Ann', Last_Name: 'Story', Email: 'ann@example.com', Company: 'Acme' });
  const fayId = await lead({ First_Name: 'Fay', Last_Name: 'Full', Email: 'full@example.com' });
  const gilId = await lead({ First_Name: 'Gil', Last_Name: 'Gone', Email: 'gone@example.com' });

  const send = async (recordId: string, fields: Record<string, unknown>): Promise<string> => {
    const response = await testApp.api('POST', `/crm/v8/Leads/${recordId}/actions/send_mail`, org.token, {
      data: [{ from: { email: adminEmail }, content: '<p>Hello there</p>', mail_format: 'html', ...fields }],
    });
    assert.equal(response.statusCode, 200, response.body);
    return json(response).data[0].details.message_id as string;
  };
  const deliverAll = async (): Promise<void> => {
    while ((await worker.runOnce()) > 0);
  };
  const received = (subject: string, to?: string): ReceivedMessage => {
    const found = sink.messages.find((m) => m.parsed.subject === subject && (to === undefined || m.envelopeTo.includes(to)));
    assert.ok(found, `the sink has no mail "${subject}"`);
    return found;
  };
  const inbound = async (to: string, raw: string) => {
    assert.match(await sendRaw(listener.port, [to], raw), /^250 /);
    await processor.idle();
  };

  // Opened twice by a person's browser (the pixel).
  const opened = await send(annId, { to: [{ email: 'ann@example.com' }], subject: 'Your quote', content: '<p>Hello, here is <a href="https://shop.example.com/quote">your quote</a>.</p>' });
  // Replied; a cc that bounces later (DSN); a cc that is deferred.
  const replied = await send(annId, {
    to: [{ email: 'ann@example.com' }],
    cc: [{ email: 'late@example.com' }, { email: 'busy@example.com' }],
    subject: 'Meeting next week',
  });
  const softBounce = await send(fayId, { to: [{ email: 'full@example.com' }], subject: 'Welcome Fay' });
  const hardBounce = await send(gilId, { to: [{ email: 'gone@example.com' }], subject: 'Welcome Gil' });
  await deliverAll();

  const pixel = /<img src="[^"]*(\/t\/o\/[^"]+)" width="1"/.exec(String(received('Your quote').parsed.html))?.[1];
  assert.ok(pixel, 'the mail carries a tracking pixel');
  for (let i = 0; i < 2; i += 1) {
    const fetched = await testApp.inject({ method: 'GET', url: pixel, headers: { 'user-agent': BROWSER_UA }, remoteAddress: '198.51.100.7' });
    assert.equal(fetched.statusCode, 200);
  }
  const link = /<a href="[^"]*(\/t\/c\/[^"]+)"/.exec(String(received('Your quote').parsed.html))?.[1];
  assert.ok(link, 'the link is tracked');
  const clicked = await testApp.inject({ method: 'GET', url: link.replace(/&amp;/g, '&'), headers: { 'user-agent': BROWSER_UA }, remoteAddress: '198.51.100.7' });
  assert.equal(clicked.statusCode, 302, clicked.body);

  const meeting = received('Meeting next week', 'late@example.com');
  await inbound(
    'replies@reply.test',
    [
      'From: Ann Story <ann@example.com>',
      'To: replies@reply.test',
      'Subject: Re: Meeting next week',
      'Message-ID: <reply-ann@client.example>',
      `In-Reply-To: <${replied}@mail.test>`,
      `References: <${replied}@mail.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Tuesday works for me. <b>See you then</b>.</p>',
      '',
    ].join('\r\n'),
  );
  await inbound(
    meeting.envelopeFrom,
    dsnMessage({ to: meeting.envelopeFrom, recipient: 'late@example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <late@example.com>: Recipient address rejected: User unknown', originalMessageId: `${replied}@mail.test` }),
  );
  // The follow-up in the same thread.
  const followUp = await send(annId, { to: [{ email: 'ann@example.com' }], subject: 'Re: Meeting next week', in_reply_to: { message_id: replied } });
  await deliverAll();

  const inTwoDays = new Date(Date.now() + 2 * 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  const scheduled = await send(annId, { to: [{ email: 'ann@example.com' }], subject: 'Reminder', scheduled_time: inTwoDays });
  const cancelled = await send(annId, { to: [{ email: 'ann@example.com' }], subject: 'Never mind', scheduled_time: inTwoDays });
  const cancel = await testApp.api('POST', `/crm/v8/Leads/${annId}/Emails/${cancelled}/actions/cancel`, org.token);
  assert.equal(cancel.statusCode, 200, cancel.body);

  // Last (it opts Ann out): she reports "Your quote" as spam.
  const quote = received('Your quote');
  await inbound('bounces@bounce.test', arfComplaint({ to: 'bounces@bounce.test', returnPath: quote.envelopeFrom, recipient: 'ann@example.com', originalMessageId: `${opened}@mail.test` }));

  return {
    testApp,
    sink,
    worker,
    listener,
    processor,
    org,
    adminEmail,
    userEmail,
    annId,
    fayId,
    gilId,
    ids: { opened, replied, followUp, lateBounce: replied, scheduled, cancelled, softBounce, hardBounce },
    async close() {
      await worker.stop(1000);
      await listener.close();
      await processor.stop();
      await testApp.close();
      await sink.close();
    },
  };
}
