import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/clock.js';
import { createWorker } from '../../src/delivery/worker.js';
import { AppError, isAppError } from '../../src/errors.js';
import { SMTP_CHECK_LIMIT, setUserSmtp, type SetUserSmtpInput } from '../../src/mail/set-user-smtp.js';
import { createUser } from '../../src/users/create-user.js';
import { zohoError } from '../../src/wire/zoho-envelope.js';
import { freePort } from '../helpers/free-port.js';
import { runCli } from '../helpers/run-cli.js';
import { scriptedLookup, SPECIAL_ADDRESSES } from '../helpers/scripted-lookup.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { DATABASE_KINDS, json, startTestApp, type TestApp, type TestOrg } from '../helpers/test-app.js';
import { postForm, signIn } from '../helpers/ui-session.js';

/**
 * Users' own SMTP servers, the security findings of issue 11: the SSRF guard (special-purpose
 * ranges, numeric and IPv6 forms, resolve once and connect to the checked address), checks that
 * answer only a category and are limited per user, and the rule that a stored password never
 * goes to a host, port, security or username it was not given for (UI, use-case, CLI).
 */
const HOST_NOT_ALLOWED = {
  code: 'INVALID_DATA',
  details: { api_name: 'host' },
  message: 'The SMTP host is not allowed: it must resolve to public internet addresses only',
  status: 'error',
};
const CREDENTIALS = { username: 'pat', password: 's3cret-pass' };

/** What a rejected promise threw, as an AppError. */
async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  assert.fail('expected the call to fail');
}

/** A TCP server that counts connections and answers each with `greeting`, nothing (null) or a close. */
async function rawServer(greeting: string | null | 'close'): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (greeting === 'close') socket.destroy();
    else if (greeting !== null) socket.write(greeting);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

for (const kind of DATABASE_KINDS) {
  describe(`SMTP settings security [${kind}]`, () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 2, 9, 0, 0));
    const lookup = scriptedLookup({
      'smtp.own.test': [['127.0.0.1']],
      'evil.test': [['127.0.0.2']],
      'mx.rebind.test': [['127.0.0.1'], ['127.0.0.2']],
      'private.test': [['10.0.0.5']],
      'metadata.test': [['169.254.169.254']],
      'mixed.test': [['93.184.216.34', '192.168.1.20']],
      'mapped.test': [['::ffff:127.0.0.1']],
      'ula.test': [['fd12:3456::1']],
      'empty.test': [[]],
    });
    /** Guard on (the default): nothing may be private. */
    let strict: TestApp;
    /** SMTP_ALLOW_PRIVATE_HOSTS=true, so the tests' loopback servers can be used. */
    let open: TestApp;
    let sinkA: SmtpSink;
    let sinkB: SmtpSink;

    before(async () => {
      strict = await startTestApp(kind, { clock, lookup });
      open = await startTestApp(kind, { clock, lookup, env: { SMTP_ALLOW_PRIVATE_HOSTS: 'true', SMTP_TIMEOUT_SECONDS: '1' } });
      sinkA = await startSmtpSink({ auth: CREDENTIALS });
      // The "attacker's" server, on another loopback address and the same port: it would accept the password.
      sinkB = await startSmtpSink({ auth: CREDENTIALS, host: '127.0.0.2', port: sinkA.port });
    });
    after(async () => {
      await strict.close();
      await open.close();
      await sinkA.close();
      await sinkB.close();
    });

    const input = (org: TestOrg, fields: Partial<SetUserSmtpInput>): SetUserSmtpInput => ({
      orgId: org.orgId,
      userId: org.adminId,
      host: 'smtp.own.test',
      port: sinkA.port,
      secure: false,
      username: CREDENTIALS.username,
      password: CREDENTIALS.password,
      ...fields,
    });

    test('every special-purpose address, numeric form, IPv6 literal and name resolving to one is refused with SMTP_HOST_NOT_ALLOWED; nothing connects, nothing is stored', async () => {
      const org = await strict.createOrg();
      const hosts = [
        ...SPECIAL_ADDRESSES,
        '[::1]', '[::ffff:127.0.0.1]', '2130706433', '0x7f.1', '017700000001', '127.1', '0x7f000001', '10.1', '0',
        'private.test', 'metadata.test', 'mixed.test', 'mapped.test', 'ula.test', 'empty.test', 'does-not-resolve.test',
      ];
      for (const host of hosts) {
        const error = await appErrorOf(setUserSmtp(strict.app, input(org, { host })));
        assert.deepEqual(zohoError(error), HOST_NOT_ALLOWED, host);
        assert.equal(error.spec.status, 400);
        clock.advance(SMTP_CHECK_LIMIT.windowMs); // each refusal is a counted check
      }
      assert.equal(sinkA.load.opened + sinkB.load.opened, 0, 'no connection was attempted');
      const stored = await strict.app.db.selectFrom('user_smtp_settings').selectAll().where('user_id', '=', org.adminId).execute();
      assert.deepEqual(stored, []);
      // A zone id is no host at all.
      const zoned = await appErrorOf(setUserSmtp(strict.app, input(org, { host: 'fe80::1%eth0' })));
      assert.deepEqual([zoned.code, zoned.details], ['INVALID_DATA', { api_name: 'host' }]);
    });

    test('the check connects to the address that was checked: a name is resolved once, never again by nodemailer (DNS rebinding)', async () => {
      const org = await open.createOrg();
      const worker = createWorker(open.app);
      const rebindA = await startSmtpSink();
      const rebindB = await startSmtpSink({ host: '127.0.0.2', port: rebindA.port });
      try {
        // mx.rebind.test does not exist in DNS: only our resolver answers it (127.0.0.1 first, then 127.0.0.2).
        await setUserSmtp(open.app, input(org, { host: 'mx.rebind.test', port: rebindA.port, username: null, password: null, fromEmail: 'pat@own-domain.example' }));
        assert.equal(lookup.calls.filter((c) => c === 'mx.rebind.test').length, 1);
        assert.equal(rebindA.load.opened, 1, 'the check went to the first answer');
        assert.equal(rebindB.load.opened, 0);

        // Sending resolves (and checks) again, once, and connects where that answer points.
        const lead = json(await open.api('POST', '/crm/v8/Leads', org.token, { data: [{ Last_Name: 'L', Email: 'lead@example.com' }] })).data[0].details.id;
        const sent = await open.api('POST', `/crm/v8/Leads/${lead}/actions/send_mail`, org.token, {
          data: [{ from: { email: 'pat@own-domain.example' }, to: [{ email: 'lead@example.com' }], subject: 'Pinned' }],
        });
        assert.equal(json(sent).data[0].code, 'SUCCESS');
        await worker.runOnce();
        const [message] = await rebindB.waitFor(1);
        assert.equal(message!.parsed.subject, 'Pinned');
        assert.equal(rebindA.messages.length, 0);
        assert.equal(lookup.calls.filter((c) => c === 'mx.rebind.test').length, 2);
      } finally {
        await worker.stop(1000);
        await rebindA.close();
        await rebindB.close();
      }
    });

    test('a failed check answers a category only: never the banner, nor whether the port was closed, silent or not SMTP', async () => {
      const org = await open.createOrg();
      const banner = await rawServer('SSH-2.0-OpenSSH_9.6 secret-banner-text\r\n');
      const silent = await rawServer(null);
      const tlsSink = await startSmtpSink({ secure: true });
      const closed = await freePort();
      try {
        const cases: [Partial<SetUserSmtpInput>, string][] = [
          [{ host: '127.0.0.1', port: closed }, 'connect_failed'],
          [{ host: '127.0.0.1', port: banner.port }, 'connect_failed'],
          [{ host: '127.0.0.1', port: silent.port }, 'connect_failed'],
          [{ host: '127.0.0.1', port: sinkA.port, secure: true }, 'tls_failed'],
          [{ host: '127.0.0.1', port: tlsSink.port, secure: true, username: null }, 'tls_failed'],
          [{ host: '127.0.0.1', port: sinkA.port, password: 'wrong' }, 'auth_failed'],
        ];
        for (const [fields, reason] of cases) {
          const error = await appErrorOf(setUserSmtp(open.app, input(org, fields)));
          assert.deepEqual(zohoError(error), {
            code: 'CUSTOM_ERROR',
            details: { reason },
            message: 'Connectivity issue occured when sending mail via your SMTP server',
            status: 'error',
          }, JSON.stringify(fields));
        }
        assert.equal(banner.connections(), 1);
      } finally {
        await banner.close();
        await silent.close();
        await tlsSink.close();
      }
    });

    test('TLS goes to the checked address and still names the host (SNI, certificate check against the name)', async () => {
      const org = await open.createOrg();
      const tlsSink = await startSmtpSink({ secure: true });
      try {
        const named = await appErrorOf(setUserSmtp(open.app, input(org, { host: 'smtp.own.test', port: tlsSink.port, secure: true, username: null })));
        assert.deepEqual(named.details, { reason: 'tls_failed' }, "the sink's certificate is self-signed");
        assert.deepEqual(tlsSink.serverNames, ['smtp.own.test']);
        const literal = await appErrorOf(setUserSmtp(open.app, input(org, { host: '127.0.0.1', port: tlsSink.port, secure: true, username: null })));
        assert.deepEqual(literal.details, { reason: 'tls_failed' });
        assert.deepEqual(tlsSink.serverNames, ['smtp.own.test'], 'an address literal sends no name');
      } finally {
        await tlsSink.close();
      }
    });

    test(`server checks are limited to ${SMTP_CHECK_LIMIT.max} per user in ${SMTP_CHECK_LIMIT.windowMs / 60_000} minutes: beyond, 429 with Retry-After and no connection`, async () => {
      const org = await open.createOrg();
      const email = `checks-${randomBytes(4).toString('hex')}@example.com`;
      await createUser(open.app, { orgId: org.orgId, email, name: 'Cy Checks', password: 'a long passphrase' });
      const session = await signIn(open, email, 'a long passphrase');
      // A server that hangs up at once: each check fails quickly, and its connections are counted.
      const target = await rawServer('close');
      const post = () => postForm(open, session, '/ui/settings/smtp', { host: '127.0.0.1', port: String(target.port), username: 'pat', password: 'x', from_email: email, from_name: 'Cy' });
      try {
        for (let i = 0; i < SMTP_CHECK_LIMIT.max; i += 1) {
          const page = await post();
          assert.equal(page.statusCode, 400);
          assert.match(page.body, /The server could not be used: could not connect/);
        }
        assert.equal(target.connections(), SMTP_CHECK_LIMIT.max);
        const refused = await post();
        assert.equal(refused.statusCode, 429);
        assert.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 600);
        assert.match(refused.body, /Too many SMTP server checks/);
        assert.equal(target.connections(), SMTP_CHECK_LIMIT.max, 'no connection beyond the limit');
        clock.advance(SMTP_CHECK_LIMIT.windowMs);
        assert.equal((await post()).statusCode, 400, 'a new window allows checks again');
        assert.equal(target.connections(), SMTP_CHECK_LIMIT.max + 1);
      } finally {
        await target.close();
      }
    });

    test('UI: changing host, port, security or username with an empty password is refused next to the password field; nothing stored, no connection', async () => {
      const org = await open.createOrg();
      const email = `smtp-${randomBytes(4).toString('hex')}@example.com`;
      const user = await createUser(open.app, { orgId: org.orgId, email, name: 'Pat Own', password: 'a long passphrase' });
      const session = await signIn(open, email, 'a long passphrase');
      const form = { host: 'smtp.own.test', port: String(sinkA.port), username: CREDENTIALS.username, password: CREDENTIALS.password, from_email: email, from_name: 'Pat' };
      const saved = await postForm(open, session, '/ui/settings/smtp', form);
      assert.equal(saved.statusCode, 303);
      const storedRow = () => open.app.db.selectFrom('user_smtp_settings').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
      const original = await storedRow();
      assert.equal(open.app.secrets.open(original.password_encrypted!), CREDENTIALS.password);

      const other = await startSmtpSink({ auth: CREDENTIALS });
      try {
        const loginsA = sinkA.logins.length;
        const openedA = sinkA.load.opened;
        for (const change of <Record<string, string>[]>[{ host: 'evil.test' }, { host: '127.0.0.2' }, { port: String(other.port) }, { secure: 'true' }, { username: 'someone-else' }]) {
          const page = await postForm(open, session, '/ui/settings/smtp', { ...form, password: '', ...change });
          assert.equal(page.statusCode, 400, JSON.stringify(change));
          assert.match(page.body, /<p class="error" id="password-error">The password is required again when the host, port, security or username changes<\/p>/);
          assert.match(page.body, /id="password"[^>]*aria-invalid="true"/);
          assert.deepEqual(await storedRow(), original, 'nothing stored');
        }
        assert.equal(sinkB.load.opened + other.load.opened, 0, 'no connection to the new server');
        assert.equal(sinkA.load.opened, openedA, 'nor to the old one');
        assert.equal(sinkA.logins.length, loginsA);
        assert.ok(![...sinkB.logins, ...other.logins].some((l) => l.password === CREDENTIALS.password));

        // Same host, port, security and username: the empty field keeps the stored password, which signs in.
        const kept = await postForm(open, session, '/ui/settings/smtp', { ...form, password: '', from_name: 'Pat Renamed' });
        assert.equal(kept.statusCode, 303);
        assert.deepEqual(sinkA.logins.at(-1), CREDENTIALS);
        const after = await storedRow();
        assert.equal(after.from_name, 'Pat Renamed');
        assert.equal(open.app.secrets.open(after.password_encrypted!), CREDENTIALS.password);

        // With the password typed again, moving to another server is fine.
        const moved = await postForm(open, session, '/ui/settings/smtp', { ...form, port: String(other.port), password: CREDENTIALS.password });
        assert.equal(moved.statusCode, 303);
        assert.equal((await storedRow()).port, other.port);
      } finally {
        await other.close();
      }
    });

    test('use-case and CLI follow the same rule: no password with a changed target is SMTP_PASSWORD_REQUIRED; without a username nothing is kept', async () => {
      const org = await open.createOrg();
      await setUserSmtp(open.app, input(org, {}));
      const error = await appErrorOf(setUserSmtp(open.app, input(org, { host: '127.0.0.2', password: null })));
      assert.deepEqual(zohoError(error), {
        code: 'MANDATORY_NOT_FOUND',
        details: { api_name: 'password' },
        message: 'The password is required again when the host, port, security or username changes',
        status: 'error',
      });
      assert.equal(sinkB.load.opened, 0);

      const admin = json(await open.api('GET', '/crm/v8/users?type=CurrentUser', org.token)).users[0].email as string;
      const cli = await runCli(open.env, ['smtp', 'set', '--org', org.orgId, '--user', admin, '--host', '127.0.0.2', '--port', String(sinkA.port), '--username', 'pat', '--json']);
      assert.equal(cli.code, 1, cli.stderr);
      assert.equal(JSON.parse(cli.stderr).error, 'SMTP_PASSWORD_REQUIRED');
      assert.equal(sinkB.load.opened, 0);
      const row = await open.app.db.selectFrom('user_smtp_settings').selectAll().where('user_id', '=', org.adminId).executeTakeFirstOrThrow();
      assert.deepEqual([row.host, row.port, open.app.secrets.open(row.password_encrypted!)], ['smtp.own.test', sinkA.port, CREDENTIALS.password]);

      // No username: no AUTH, so no password is needed and none is kept.
      const plain = await startSmtpSink();
      try {
        await setUserSmtp(open.app, input(org, { host: '127.0.0.1', port: plain.port, username: null, password: null }));
        const after = await open.app.db.selectFrom('user_smtp_settings').selectAll().where('user_id', '=', org.adminId).executeTakeFirstOrThrow();
        assert.deepEqual([after.username, after.password_encrypted], [null, null]);
      } finally {
        await plain.close();
      }
    });
  });
}
