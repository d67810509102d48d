import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, describeRun, runCli } from '../helpers/run-cli.js';
import { DATABASE_KINDS, json } from '../helpers/test-app.js';
import { createUser } from '../../src/users/create-user.js';
import { postForm, signIn } from '../helpers/ui-session.js';
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
      assert.match(again.stderr, /ALREADY_EXISTS/);

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

    test('the admin API: create (201 with the DNS record), list, rotate, delete; Administrators only; another org\'s key answers like a missing one; bad input changes nothing', async () => {
      const api = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, token = world.org.token) => world.testApp.api(method, url, token, body);
      const created = await api('POST', '/crm/v8/settings/dkim_keys', { dkim_keys: [{ domain: 'Mail.Example.org', algorithm: 'ed25519', selector: 'api1' }] });
      assert.equal(created.statusCode, 201, created.body);
      const item = json(created).dkim_keys[0];
      assert.equal(item.code, 'SUCCESS');
      assert.equal(item.message, 'DKIM key created');
      assert.equal(item.details.domain, 'mail.example.org');
      assert.deepEqual(item.details.dns.name, 'api1._domainkey.mail.example.org');
      assert.match(item.details.dns.value, /^v=DKIM1; k=ed25519; p=/);
      assert.ok(!created.body.includes('PRIVATE'), 'no private key in the answer');

      const listed = json(await api('GET', '/crm/v8/settings/dkim_keys')).dkim_keys as { id: string; domain: string; selector: string }[];
      assert.ok(listed.some((k) => k.id === item.details.id && k.selector === 'api1'));

      const rotated = await api('POST', '/crm/v8/settings/dkim_keys/actions/rotate', { dkim_keys: [{ domain: 'mail.example.org', selector: 'api2' }] });
      assert.equal(rotated.statusCode, 201, rotated.body);
      assert.deepEqual(json(rotated).dkim_keys[0].details.signing, ['api1', 'api2']);
      assert.equal(json(rotated).dkim_keys[0].details.algorithm, 'ed25519-sha256', 'a rotation keeps the algorithm unless told');

      for (const [body, code] of [
        [{ dkim_keys: [{ domain: 'not a domain' }] }, 'INVALID_DATA'],
        [{ dkim_keys: [{ domain: 'x.example.org', algorithm: 'dsa' }] }, 'INVALID_DATA'],
        [{ dkim_keys: [{}] }, 'MANDATORY_NOT_FOUND'],
        [{ dkim_keys: [] }, 'INVALID_DATA'],
        [{ dkim_keys: [{ domain: 'mail.example.org', selector: 'api1' }] }, 'DUPLICATE_DATA'],
      ] as const) {
        const refused = await api('POST', '/crm/v8/settings/dkim_keys', body);
        assert.equal(json(refused).code, code, `${JSON.stringify(body)} → ${refused.body}`);
      }
      assert.equal((json(await api('GET', '/crm/v8/settings/dkim_keys')).dkim_keys as unknown[]).length, listed.length + 1, 'the refusals changed nothing');

      const user = await createUser(world.testApp.app, { orgId: world.org.orgId, email: 'dkim.std@example.com', name: 'Std User' });
      const standard = await world.testApp.tokenFor(world.org, ['ZohoCRM.settings.ALL'], user.id);
      const denied = await api('GET', '/crm/v8/settings/dkim_keys', undefined, standard);
      assert.equal(denied.statusCode, 403);
      assert.equal(json(denied).code, 'NO_PERMISSION');

      const other = await world.testApp.createOrg({ name: 'Other' });
      const foreign = await api('DELETE', `/crm/v8/settings/dkim_keys/${item.details.id}`, undefined, other.token);
      assert.equal(foreign.statusCode, 404);
      assert.equal(json(foreign).code, 'INVALID_DATA');
      assert.deepEqual(json(await api('GET', '/crm/v8/settings/dkim_keys', undefined, other.token)).dkim_keys, []);

      const deleted = await api('DELETE', `/crm/v8/settings/dkim_keys/${item.details.id}`);
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.equal(json(deleted).dkim_keys[0].message, 'DKIM key deleted');
      assert.equal((await api('DELETE', `/crm/v8/settings/dkim_keys/${item.details.id}`)).statusCode, 404);
    });

    test('the web UI: an administrator adds, rotates and deletes keys and sees the DNS records; others are refused; a bad domain is shown and changes nothing', async () => {
      await createUser(world.testApp.app, { orgId: world.org.orgId, email: 'dkim.ui@example.com', name: 'Ui Admin', profile: 'admin', password: 'a long passphrase' });
      await createUser(world.testApp.app, { orgId: world.org.orgId, email: 'dkim.uistd@example.com', name: 'Ui Std', password: 'a long passphrase' });
      const admin = await signIn(world.testApp, 'dkim.ui@example.com', 'a long passphrase');
      const get = (session = admin) => world.testApp.inject({ method: 'GET', url: '/ui/settings/dkim', headers: { cookie: session.cookie } });

      const added = await postForm(world.testApp, admin, '/ui/settings/dkim', { domain: 'ui.example.org', selector: 'ui1', algorithm: 'ed25519' });
      assert.equal(added.statusCode, 303);
      assert.equal(added.headers.location, '/ui/settings/dkim?notice=created');
      const page = await get();
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<code class="dns-name">ui1\._domainkey\.ui\.example\.org<\/code> TXT<br><code class="dns-value">v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]+=<\/code>/);
      assert.doesNotMatch(page.body, /PRIVATE KEY/);

      const rotated = await postForm(world.testApp, admin, '/ui/settings/dkim/rotate', { domain: 'ui.example.org' });
      assert.equal(rotated.statusCode, 303);
      const keys = json(await world.testApp.api('GET', '/crm/v8/settings/dkim_keys', world.org.token)).dkim_keys.filter((k: { domain: string }) => k.domain === 'ui.example.org');
      assert.equal(keys.length, 2);

      const bad = await postForm(world.testApp, admin, '/ui/settings/dkim', { domain: 'not a domain', algorithm: 'rsa-2048' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /role="alert">invalid data \(api_name: domain/);
      assert.match(bad.body, /value="not a domain"/);

      const std = await signIn(world.testApp, 'dkim.uistd@example.com', 'a long passphrase');
      assert.equal((await get(std)).statusCode, 403);
      assert.equal((await postForm(world.testApp, std, `/ui/settings/dkim/${keys[0].id}/delete`, {})).statusCode, 403);

      const deleted = await postForm(world.testApp, admin, `/ui/settings/dkim/${keys[0].id}/delete`, {});
      assert.equal(deleted.statusCode, 303);
      assert.equal(json(await world.testApp.api('GET', '/crm/v8/settings/dkim_keys', world.org.token)).dkim_keys.filter((k: { domain: string }) => k.domain === 'ui.example.org').length, 1);
      assert.equal((await postForm(world.testApp, admin, `/ui/settings/dkim/${keys[0].id}/delete`, {})).statusCode, 400, 'a missing key is refused on the page');
    });
  });
}
