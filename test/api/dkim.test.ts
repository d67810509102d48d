import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, describeRun, runCli } from '../helpers/run-cli.js';
import { DATABASE_KINDS, json } from '../helpers/test-app.js';
import { multipartBody } from '../helpers/multipart.js';
import { closeMailWorld, deliveredWithSubject, openMailWorld, type MailWorld } from '../helpers/mail-world.js';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

type Verdict = { ok: boolean; domain: string; selector: string; algorithm: string; headers: string; error: string | null };

/** Verifies every DKIM-Signature of a delivered message with dkimpy (test/fixtures/dkim-verify.py) against these DNS records. */
function verify(raw: Buffer, records: Record<string, string>): Verdict[] {
  const run = spawnSync('/usr/bin/python3', [path.join(REPO_ROOT, 'test', 'fixtures', 'dkim-verify.py'), JSON.stringify(records)], { input: raw, encoding: 'utf8' });
  assert.equal(run.status, 0, `dkimpy (.ci/run installs python3-dkim, python3-nacl): ${run.stderr}`);
  return JSON.parse(run.stdout) as Verdict[];
}

for (const kind of DATABASE_KINDS) {
  describe(`DKIM: delivered messages are signed with the From domain's keys and verify with an independent verifier (dkimpy) [${kind}]`, () => {
    let world: MailWorld;
    let domain = '';
    const dns: Record<string, string> = {};

    before(async () => {
      world = await openMailWorld(kind, { at: T0, lead: { name: 'Signed', email: 'signed@example.net' } });
      domain = world.from.slice(world.from.indexOf('@') + 1);
    });
    after(() => closeMailWorld(world));

    const cli = async (args: string[]) => {
      const run = await runCli(world.testApp.env, [...args, '--org', world.org.orgId, '--json']);
      assert.equal(run.code, 0, describeRun(args, run));
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };
    const publish = (key: { dns_name?: unknown; dns_value?: unknown }) => {
      dns[String(key.dns_name)] = String(key.dns_value);
    };
    const upload = async (name: string, bytes: Buffer): Promise<string> => {
      const { payload, contentType } = multipartBody([{ name, bytes }]);
      const token = await world.testApp.tokenFor(world.org, ['ZohoCRM.Files.CREATE']);
      const response = await world.testApp.inject({ method: 'POST', url: '/crm/v8/files', headers: { authorization: `Zoho-oauthtoken ${token}`, 'content-type': contentType }, payload });
      assert.equal(response.statusCode, 200, response.body);
      return json(response).data[0].details.id as string;
    };
    const send = async (subject: string, extra: Record<string, unknown> = {}) => {
      const response = await world.testApp.api('POST', `/crm/v8/Leads/${world.leadId}/actions/send_mail`, world.org.token, {
        data: [{ from: { email: world.from }, to: [{ email: 'signed@example.net' }], subject, content: '<p>Grüße aus dem Büro — 日本語も</p>', ...extra }],
      });
      assert.equal(response.statusCode, 200, response.body);
      return (await deliveredWithSubject(world, subject)).raw;
    };

    test('without a key for the From domain nothing is signed', async () => {
      const raw = await send('Unsigned');
      assert.doesNotMatch(raw.toString('latin1'), /^DKIM-Signature:/im);
    });

    test('an RSA-2048 key: the printed record verifies the signature of a message with an attachment and a non-ASCII subject; the right headers are signed', async () => {
      const key = await cli(['dkim', 'create', '--domain', domain.toUpperCase(), '--selector', 'rsa1']);
      assert.equal(key.domain, domain);
      assert.equal(key.algorithm, 'rsa-sha256');
      assert.equal(key.dns_name, `rsa1._domainkey.${domain}`);
      assert.match(String(key.dns_value), /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]{300,}={0,2}$/);
      assert.equal(key.publish, `rsa1._domainkey.${domain}. IN TXT "${String(key.dns_value)}"`);
      publish(key);
      // The same DNS name again is refused, for any org.
      const again = await runCli(world.testApp.env, ['dkim', 'create', '--domain', domain, '--selector', 'rsa1', '--org', world.org.orgId]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /DUPLICATE_DATA/);

      await world.testApp.api('PUT', '/crm/v8/org', world.org.token, { org: [{ one_click_unsubscribe: true }] });
      const fileId = await upload('Bericht März.pdf', Buffer.from('%PDF-1.4 a small attachment\n'));
      const raw = await send('Grüße – 日本語の件名 ✓', { attachments: [{ id: fileId }] });
      const [verdict, ...others] = verify(raw, dns);
      assert.deepEqual(others, []);
      assert.equal(verdict!.ok, true, JSON.stringify(verdict));
      assert.equal(verdict!.domain, domain);
      assert.equal(verdict!.selector, 'rsa1');
      assert.equal(verdict!.algorithm, 'rsa-sha256');
      const signed = verdict!.headers.toLowerCase().split(':').map((h) => h.trim());
      for (const header of ['from', 'subject', 'date', 'to', 'message-id', 'mime-version', 'content-type', 'list-unsubscribe', 'list-unsubscribe-post']) {
        assert.ok(signed.includes(header), `${header} is signed: ${verdict!.headers}`);
      }
      // A changed byte in the body breaks it: the verifier really checks.
      const tampered = Buffer.from(raw.toString('latin1').replace('a small attachment', 'a small attachmenT').replace('Gr=C3=BC', 'Gr=C3=BD'), 'latin1');
      assert.equal(verify(tampered, dns)[0]!.ok, false);
      // And without the record nothing verifies.
      assert.equal(verify(raw, {})[0]!.ok, false);
    });

    test('rotate to Ed25519 (RFC 8463): both selectors sign side by side and verify during the overlap; after deleting the old key only the new one signs', async () => {
      const rotated = await cli(['dkim', 'rotate', '--domain', domain, '--algorithm', 'ed25519', '--selector', 'ed1']);
      const created = rotated.created as Record<string, unknown>;
      assert.equal(created.algorithm, 'ed25519-sha256');
      assert.match(String(created.dns_value), /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
      assert.deepEqual(rotated.signing, ['rsa1', 'ed1']);
      publish(created);

      const both = verify(await send('Rotated'), dns);
      assert.deepEqual(both.map((v) => [v.selector, v.algorithm, v.ok]).sort(), [['ed1', 'ed25519-sha256', true], ['rsa1', 'rsa-sha256', true]], JSON.stringify(both));

      const listed = await cli(['dkim', 'list']);
      assert.deepEqual((listed.keys as { selector: string }[]).map((k) => k.selector), ['rsa1', 'ed1']);
      assert.ok(!JSON.stringify(listed).includes('PRIVATE KEY'), 'the private key is never shown');

      await cli(['dkim', 'delete', '--domain', domain, '--selector', 'rsa1']);
      const after = verify(await send('After rotation'), dns);
      assert.deepEqual(after.map((v) => [v.selector, v.ok]), [['ed1', true]]);

      const missing = await runCli(world.testApp.env, ['dkim', 'delete', '--domain', domain, '--selector', 'rsa1', '--org', world.org.orgId]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /NOT_FOUND/);
      const bad = await runCli(world.testApp.env, ['dkim', 'create', '--domain', 'not a domain', '--org', world.org.orgId]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /INVALID_DATA/);
    });
  });
}
