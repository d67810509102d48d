import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createInboundProcessor, type InboundProcessor } from '../../src/inbound/inbound-processor.js';
import { startInboundListener, type InboundListener } from '../../src/inbound/inbound-listener.js';
import { listInboundMessages } from '../../src/inbound/inbound-repository.js';
import { closeMailWorld, deliveredWithSubject, openMailWorld, type MailWorld } from '../helpers/mail-world.js';
import { sendRaw } from '../helpers/reports.js';
import { json, DATABASE_KINDS, type TestApp, type TestOrg } from '../helpers/test-app.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/** A header of a raw message, unfolded (undefined when absent). */
function headerOf(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** What a mail client sends to the mailto of List-Unsubscribe. */
function unsubscribeMail(from: string, to: string): string {
  return [`From: <${from}>`, `To: <${to}>`, 'Subject: unsubscribe', 'Date: Tue, 01 Dec 2026 09:00:00 +0000', 'Message-ID: <u1@client.example>', '', 'unsubscribe', ''].join('\r\n');
}

for (const kind of DATABASE_KINDS) {
  describe(`List-Unsubscribe mailto at the bounce domain: a mail to it opts the address out [${kind}]`, () => {
    let world: MailWorld;
    let testApp: TestApp;
    let org: TestOrg;
    let listener: InboundListener;
    let processor: InboundProcessor;
    let subjects = 0;

    before(async () => {
      world = await openMailWorld(kind, { at: T0, listen: true, env: { MESSAGE_ID_DOMAIN: 'mail.test', BOUNCE_ADDRESS: 'bounces@bounce.test' } });
      ({ testApp, org } = world);
      processor = createInboundProcessor(testApp.app);
      listener = await startInboundListener(testApp.app, { port: 0, onStored: () => processor.kick() });
    });
    after(async () => {
      await listener.close();
      await processor.stop();
      await closeMailWorld(world);
    });

    const create = async (module: string, fields: Record<string, unknown>) => {
      const response = await testApp.api('POST', `/crm/v8/${module}`, org.token, { data: [{ Last_Name: 'Smith', ...fields }] });
      assert.equal(response.statusCode, 201, response.body);
      return json(response).data[0].details.id as string;
    };
    const record = async (module: string, id: string) => json(await testApp.api('GET', `/crm/v8/${module}/${id}`, org.token)).data[0];
    const optOutAudit = async () => {
      const response = await testApp.api('GET', '/crm/v8/settings/audit_log?action=opt_out.changed', org.token);
      return (response.statusCode === 204 ? [] : json(response).audit_log) as { reason: string; record_id: string; actor: unknown }[];
    };
    /** Mails the Lead (To) and a Cc; returns the two messages the relay received, each in its own transaction. */
    const mailLead = async (leadId: string, to: string, cc: string) => {
      subjects += 1;
      const subject = `Newsletter ${subjects}`;
      const sent = await testApp.api('POST', `/crm/v8/Leads/${leadId}/actions/send_mail`, org.token, {
        data: [{ from: { email: world.from }, to: [{ email: to }], cc: [{ email: cc }], subject, content: '<p>News</p>' }],
      });
      assert.equal(sent.statusCode, 200, sent.body);
      await deliveredWithSubject(world, subject);
      for (let i = 0; i < 50 && world.sink.messages.filter((m) => m.parsed.subject === subject).length < 2; i += 1) {
        await world.worker.runOnce();
        await new Promise((r) => setTimeout(r, 20));
      }
      const mine = world.sink.messages.filter((m) => m.parsed.subject === subject);
      assert.equal(mine.length, 2);
      return { toMessage: mine.find((m) => m.envelopeTo.includes(to))!, ccMessage: mine.find((m) => m.envelopeTo.includes(cc))! };
    };
    const mailTo = async (address: string, from: string) => {
      assert.match(await sendRaw(listener.port, [address], unsubscribeMail(from, address), from), /^250 /);
      await processor.idle();
      return (await listInboundMessages(testApp.app.db, { limit: 100 })).filter((m) => (JSON.parse(m.rcpt_to) as string[]).includes(address));
    };

    test('off: no List-Unsubscribe even with BOUNCE_ADDRESS', async () => {
      const lead = await create('Leads', { Email: 'quiet@example.com' });
      const { toMessage } = await mailLead(lead, 'quiet@example.com', 'quiet.cc@example.com');
      assert.equal(headerOf(toMessage.raw, 'List-Unsubscribe'), undefined);
    });

    test('on: List-Unsubscribe has the https link and the mailto naming the To recipient; mailing it opts that address out once, audited mailto_unsubscribe; forged or altered tokens change nothing', async () => {
      assert.equal((await testApp.api('PUT', '/crm/v8/org', org.token, { org: [{ one_click_unsubscribe: true }] })).statusCode, 200);
      const lead = await create('Leads', { Email: 'reader@example.com' });
      const contact = await create('Contacts', { Email: 'Reader@Example.com' });
      const ccLead = await create('Leads', { Email: 'copy@example.com' });
      const { toMessage, ccMessage } = await mailLead(lead, 'reader@example.com', 'copy@example.com');

      const header = headerOf(toMessage.raw, 'List-Unsubscribe');
      assert.ok(header, 'List-Unsubscribe is there');
      const match = new RegExp(`^<${world.base.replace(/[.]/g, '\\.')}/unsubscribe/[a-z0-9]+>, <mailto:(bounces\\+u([0-9a-z]{29})@bounce\\.test)\\?subject=unsubscribe>$`).exec(header);
      assert.ok(match, header);
      const [, mailto, token] = match as unknown as [string, string, string];
      assert.equal(headerOf(toMessage.raw, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
      // The token is the VERP token of the To recipient, in every copy (the Cc's too).
      assert.equal(toMessage.envelopeFrom, `bounces+${token}@bounce.test`);
      assert.equal(headerOf(ccMessage.raw, 'List-Unsubscribe'), header);
      assert.notEqual(ccMessage.envelopeFrom, toMessage.envelopeFrom);

      const untouched = async () => {
        assert.notEqual((await record('Leads', lead)).Email_Opt_Out, true);
        assert.notEqual((await record('Contacts', contact)).Email_Opt_Out, true);
        assert.equal((await optOutAudit()).length, 0);
      };

      // Altered or forged tokens: kept, ignored with the reason, nothing changes.
      const altered = mailto.replace(token, `${token.slice(0, 28)}${token.endsWith('a') ? 'b' : 'a'}`);
      const forged = `bounces+u${String(BigInt(1)).padStart(13, '0')}${token.slice(13)}@bounce.test`;
      for (const bad of [altered, forged, 'bounces+unsubscribe@bounce.test']) {
        const kept = await mailTo(bad, 'reader@example.com');
        assert.equal(kept.length, 1, bad);
        assert.equal(kept[0]!.state, 'ignored', bad);
        assert.equal(kept[0]!.kind, 'unsubscribe', bad);
        assert.match(JSON.parse(kept[0]!.summary!).reason, /no valid unsubscribe token/, bad);
      }
      await untouched();

      // The real one: processed; every record of the org holding the address (any case) opts out, audited once each.
      const first = await mailTo(mailto, 'reader@example.com');
      assert.equal(first.length, 1);
      assert.equal(first[0]!.state, 'processed');
      assert.equal(first[0]!.kind, 'unsubscribe');
      assert.equal(first[0]!.org_id, org.orgId);
      assert.equal(JSON.parse(first[0]!.summary!).records_opted_out, 2);
      const leadNow = await record('Leads', lead);
      assert.equal(leadNow.Email_Opt_Out, true);
      assert.equal(leadNow.Unsubscribed_Mode, 'Unsubscribe link');
      assert.equal((await record('Contacts', contact)).Email_Opt_Out, true);
      assert.notEqual((await record('Leads', ccLead)).Email_Opt_Out, true, 'the Cc recipient is not named');
      const audit = await optOutAudit();
      assert.equal(audit.length, 2);
      assert.deepEqual(audit.map((a) => a.reason), ['mailto_unsubscribe', 'mailto_unsubscribe']);
      assert.deepEqual(audit.map((a) => a.record_id).sort(), [lead, contact].sort());
      assert.deepEqual(audit[0]!.actor, { type: 'data_subject', id: 'reader@example.com' });

      // Again (a client that sends twice, or a retry): processed, nothing changes.
      const second = await mailTo(mailto.toUpperCase().replace('BOUNCE.TEST', 'bounce.test'), 'reader@example.com');
      assert.equal(second.length, 1);
      assert.equal(second[0]!.state, 'processed');
      assert.equal(JSON.parse(second[0]!.summary!).records_opted_out, 0);
      assert.equal((await optOutAudit()).length, 2);
    });
  });
}
