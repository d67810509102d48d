import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRun, runCli, type CliResult } from '../helpers/run-cli.js';
import { describeEachDatabase, eventually, json, type TestApp } from '../helpers/test-app.js';

const ID = /^\d{19}$/;
const TOKEN_SHAPE = /^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/;
const CLIENT_ID_SHAPE = /^1000\.[A-Z0-9]{30}$/;
const INVALID_TOKEN = { code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' };

/**
 * The admin CLI as its users run it: `node bin/mailroom.js …` in a child process, pointed by the
 * test app's environment at the same SQLite file or PostgreSQL schema, so every CLI effect is
 * checked through the test app's database and HTTP API.
 */
describeEachDatabase('mailroom CLI', (get) => {
  // State handed from one test to the next (tests in a suite run in order).
  const state: {
    orgId?: string;
    adminId?: string;
    bobId?: string;
    bobAccess?: string;
    bobRefresh?: string;
    adminSettingsToken?: string;
  } = {};

  const cli = (args: string[]): Promise<CliResult> => runCli(get().env, args);

  /** Runs a command with --json, asserts exit 0 and an empty stderr, and parses stdout. */
  async function cliJson(args: string[]): Promise<any> {
    const all = [...args, '--json'];
    const result = await cli(all);
    assert.equal(result.code, 0, describeRun(all, result));
    assert.equal(result.stderr, '', describeRun(all, result));
    return JSON.parse(result.stdout);
  }

  const orgId = (): string => {
    assert.ok(state.orgId, 'needs the org made by the "org create" test');
    return state.orgId;
  };

  const tokenForm = (app: TestApp, payload: string) =>
    app.inject({
      method: 'POST',
      url: '/oauth/v2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });

  test('org create prints the new org with a 19-digit id, its admin user, edition and time zone', async () => {
    const out = await cliJson([
      'org', 'create', '--name', 'Acme', '--edition', 'professional', '--time-zone', 'Asia/Kolkata', '--admin-email', 'a@acme.example',
    ]);
    assert.equal(typeof out.id, 'string');
    assert.match(out.id, ID);
    assert.equal(typeof out.admin_user_id, 'string');
    assert.match(out.admin_user_id, ID);
    assert.notEqual(out.admin_user_id, out.id);
    assert.deepEqual(
      { ...out, id: 'x', admin_user_id: 'y' },
      {
        id: 'x',
        name: 'Acme',
        edition: 'professional',
        time_zone: 'Asia/Kolkata',
        privacy_settings: false,
        one_click_unsubscribe: false,
        email_tracking: true,
        daily_mail_limit: null,
        api_credit_limit: null,
        api_concurrency_limit: null,
        admin_user_id: 'y',
        admin_email: 'a@acme.example',
      },
    );

    // Written to the database the test app uses.
    const org = await get().app.db.selectFrom('orgs').selectAll().where('id', '=', out.id).executeTakeFirst();
    assert.equal(org?.name, 'Acme');
    assert.equal(org?.edition, 'professional');
    assert.equal(org?.time_zone, 'Asia/Kolkata');
    const admin = await get().app.db.selectFrom('users').selectAll().where('id', '=', out.admin_user_id).executeTakeFirst();
    assert.equal(admin?.org_id, out.id);
    assert.equal(admin?.email, 'a@acme.example');
    assert.equal(admin?.profile, 'admin');

    state.orgId = out.id;
    state.adminId = out.admin_user_id;
  });

  test('org update --privacy-settings true --one-click-unsubscribe true turns both on for that org, stores and audits them', async () => {
    const out = await cliJson(['org', 'update', '--id', orgId(), '--privacy-settings', 'true', '--one-click-unsubscribe', 'true']);
    assert.deepEqual(out, {
      id: orgId(),
      name: 'Acme',
      edition: 'professional',
      time_zone: 'Asia/Kolkata',
      privacy_settings: true,
      one_click_unsubscribe: true,
      email_tracking: true,
      daily_mail_limit: null,
      api_credit_limit: null,
      api_concurrency_limit: null,
    });
    const org = await get().app.db.selectFrom('orgs').select(['privacy_settings', 'one_click_unsubscribe']).where('id', '=', orgId()).executeTakeFirstOrThrow();
    assert.equal(org.privacy_settings, 1);
    assert.equal(org.one_click_unsubscribe, 1);
    const audit = await get().app.db.selectFrom('audit_log').select(['action', 'actor_type', 'details']).where('org_id', '=', orgId()).orderBy('id').execute();
    assert.deepEqual(
      audit.map((a) => [a.action, a.actor_type, JSON.parse(a.details)]),
      [
        ['privacy_settings.changed', 'cli', { privacy_settings: true }],
        ['one_click_unsubscribe.changed', 'cli', { one_click_unsubscribe: true }],
      ],
    );
  });

  test('org update --email-tracking false turns tracking off (audited); default goes back to the edition\'s (on for professional)', async () => {
    const off = await cliJson(['org', 'update', '--id', orgId(), '--email-tracking', 'false']);
    assert.equal(off.email_tracking, false);
    const stored = () => get().app.db.selectFrom('orgs').select('email_tracking').where('id', '=', orgId()).executeTakeFirstOrThrow();
    assert.equal((await stored()).email_tracking, 0);
    const back = await cliJson(['org', 'update', '--id', orgId(), '--email-tracking', 'default']);
    assert.equal(back.email_tracking, true);
    assert.equal((await stored()).email_tracking, null);
    const audit = await get().app.db.selectFrom('audit_log').select(['details']).where('org_id', '=', orgId()).where('action', '=', 'email_tracking.changed').orderBy('id').execute();
    assert.deepEqual(audit.map((a) => JSON.parse(a.details)), [{ email_tracking: false }, { email_tracking: true }]);
  });

  test('user create adds a standard user, and the same email again exits 1 with ALREADY_EXISTS', async () => {
    const out = await cliJson(['user', 'create', '--org', orgId(), '--email', 'b@acme.example', '--name', 'Bob Stone', '--profile', 'standard']);
    assert.match(out.id, ID);
    assert.deepEqual({ ...out, id: 'x' }, { id: 'x', org_id: orgId(), email: 'b@acme.example', name: 'Bob Stone', profile: 'standard' });
    state.bobId = out.id;

    const againArgs = ['user', 'create', '--org', orgId(), '--email', 'b@acme.example', '--name', 'Bob Again', '--json'];
    const again = await cli(againArgs);
    assert.equal(again.code, 1, describeRun(againArgs, again));
    assert.equal(again.stdout, '');
    assert.deepEqual(JSON.parse(again.stderr), { error: 'ALREADY_EXISTS', message: 'duplicate data', details: { api_name: 'email' } });

    // Emails are unique case-insensitively; the human-readable error names the code too.
    const upperArgs = ['user', 'create', '--org', orgId(), '--email', 'B@Acme.Example', '--name', 'Bob Upper'];
    const upper = await cli(upperArgs);
    assert.equal(upper.code, 1, describeRun(upperArgs, upper));
    assert.match(upper.stderr, /^ALREADY_EXISTS: duplicate data/);

    const users = await get().app.db.selectFrom('users').selectAll().where('org_id', '=', orgId()).where('email', '=', 'b@acme.example').execute();
    assert.equal(users.length, 1);
    assert.equal(users[0]?.first_name, 'Bob');
    assert.equal(users[0]?.last_name, 'Stone');
  });

  test('token create prints a Zoho-shaped token pair for the named user whose access token works over HTTP', async () => {
    const out = await cliJson(['token', 'create', '--org', orgId(), '--user', 'b@acme.example', '--scopes', 'ZohoCRM.modules.ALL,ZohoCRM.org.READ']);
    assert.match(out.access_token, TOKEN_SHAPE);
    assert.match(out.refresh_token, TOKEN_SHAPE);
    assert.notEqual(out.access_token, out.refresh_token);
    assert.equal(out.expires_in, 3600);
    assert.equal(out.api_domain, get().env.PUBLIC_URL);
    assert.equal(out.token_type, 'Bearer');
    assert.equal(out.scope, 'ZohoCRM.modules.ALL ZohoCRM.org.READ');
    assert.equal(out.org_id, orgId());
    assert.equal(out.user_id, state.bobId);
    state.bobAccess = out.access_token;
    state.bobRefresh = out.refresh_token;

    const created = await get().api('POST', '/crm/v8/Leads', out.access_token, { data: [{ Last_Name: 'Cli' }] });
    assert.equal(created.statusCode, 201, created.body);
    const item = json(created).data[0];
    assert.equal(item.code, 'SUCCESS');
    assert.deepEqual(item.details.Created_By, { name: 'Bob Stone', id: state.bobId });

    const orgResponse = await get().api('GET', '/crm/v8/org', out.access_token);
    assert.equal(orgResponse.statusCode, 200, orgResponse.body);
    const org = json(orgResponse).org[0];
    assert.equal(org.id, orgId());
    assert.equal(org.company_name, 'Acme');
    assert.equal(org.time_zone, 'Asia/Kolkata');
    assert.equal(org.privacy_settings, true);
    assert.equal(org.one_click_unsubscribe, true, 'the switch the CLI turned on shows in GET /org');
    assert.equal(org.license_details.paid_type, 'professional');
  });

  test('client create and token grant give a code the token endpoint exchanges exactly once', async () => {
    const client = await cliJson(['client', 'create', '--org', orgId()]);
    assert.match(client.client_id, CLIENT_ID_SHAPE);
    assert.match(client.client_secret, /^[0-9a-f]{42}$/);
    assert.equal(client.name, 'Self Client');
    assert.equal(client.org_id, orgId());
    assert.equal(client.user_id, state.adminId, 'without --user the client belongs to the org admin');

    const grant = await cliJson(['token', 'grant', '--client-id', client.client_id, '--scopes', 'ZohoCRM.modules.ALL']);
    assert.match(grant.code, TOKEN_SHAPE);
    assert.deepEqual({ ...grant, code: 'x' }, { code: 'x', client_id: client.client_id, scope: 'ZohoCRM.modules.ALL', expires_in: 180 });

    const form = `grant_type=authorization_code&client_id=${encodeURIComponent(client.client_id)}&client_secret=${client.client_secret}&code=${grant.code}`;
    const first = await tokenForm(get(), form);
    assert.equal(first.statusCode, 200);
    const tokens = json(first);
    assert.match(tokens.access_token, TOKEN_SHAPE, first.body);
    assert.match(tokens.refresh_token, TOKEN_SHAPE, first.body);
    assert.equal(tokens.scope, 'ZohoCRM.modules.ALL');
    assert.equal(tokens.api_domain, get().env.PUBLIC_URL);
    assert.equal(tokens.expires_in, 3600);
    const created = await get().api('POST', '/crm/v8/Leads', tokens.access_token, { data: [{ Last_Name: 'Via code' }] });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(json(created).data[0].details.Created_By.id, state.adminId);

    const second = await tokenForm(get(), form);
    assert.equal(second.statusCode, 200);
    assert.deepEqual(json(second), { error: 'invalid_code' });
  });

  test('module create adds a custom module whose fields the HTTP API accepts and lists', async () => {
    const token = await cliJson(['token', 'create', '--org', orgId(), '--scopes', 'ZohoCRM.modules.ALL,ZohoCRM.settings.ALL']);
    assert.equal(token.user_id, state.adminId, 'without --user the token belongs to the org admin');
    state.adminSettingsToken = token.access_token;

    const out = await cliJson([
      'module', 'create', '--org', orgId(), '--api-name', 'Projects', '--plural-label', 'Projects', '--singular-label', 'Project',
      '--field', 'Budget:currency', '--field', 'Kickoff:date:Kick-off Date',
    ]);
    assert.match(out.id, ID);
    assert.equal(out.api_name, 'Projects');
    assert.equal(out.singular_label, 'Project');
    assert.equal(out.plural_label, 'Projects');
    const fields = new Map((out.fields as { api_name: string; label: string; data_type: string }[]).map((f) => [f.api_name, f]));
    assert.deepEqual(fields.get('Name'), { api_name: 'Name', label: 'Name', data_type: 'text' });
    assert.deepEqual(fields.get('Budget'), { api_name: 'Budget', label: 'Budget', data_type: 'currency' });
    assert.deepEqual(fields.get('Kickoff'), { api_name: 'Kickoff', label: 'Kick-off Date', data_type: 'date' });

    const created = await get().api('POST', '/crm/v8/Projects', token.access_token, {
      data: [{ Name: 'P1', Budget: 1200.5, Kickoff: '2025-03-01' }],
    });
    assert.equal(created.statusCode, 201, created.body);
    const recordId = json(created).data[0].details.id;
    const read = await get().api('GET', `/crm/v8/Projects/${recordId}`, token.access_token);
    assert.equal(read.statusCode, 200, read.body);
    const record = json(read).data[0];
    assert.equal(record.Name, 'P1');
    assert.equal(record.Budget, 1200.5);
    assert.equal(record.Kickoff, '2025-03-01');

    const meta = await get().api('GET', '/crm/v8/settings/fields?module=Projects', token.access_token);
    assert.equal(meta.statusCode, 200, meta.body);
    const listed = json(meta).fields as { api_name: string; data_type: string; field_label: string }[];
    const budget = listed.find((f) => f.api_name === 'Budget');
    assert.equal(budget?.data_type, 'currency');
    const kickoff = listed.find((f) => f.api_name === 'Kickoff');
    assert.equal(kickoff?.data_type, 'date');
    assert.equal(kickoff?.field_label, 'Kick-off Date');
  });

  test('an unknown command exits 2 and prints the usage on stderr', async () => {
    const args = ['frobnicate', '--json'];
    const result = await cli(args);
    assert.equal(result.code, 2, describeRun(args, result));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^Unknown command: frobnicate\n/);
    assert.match(result.stderr, /Usage: mailroom <command>/);
  });

  test('user create without --email exits 2 saying "--email is required" and adds nobody', async () => {
    const args = ['user', 'create', '--org', orgId(), '--name', 'No Mail'];
    const result = await cli(args);
    assert.equal(result.code, 2, describeRun(args, result));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^--email is required\n/);
    assert.match(result.stderr, /Usage: mailroom user create /);
    const users = await get().app.db.selectFrom('users').select('id').where('org_id', '=', orgId()).where('last_name', '=', 'Mail').execute();
    assert.equal(users.length, 0);
  });

  test('org update with an unknown id exits 1 with NOT_FOUND naming the id', async () => {
    const args = ['org', 'update', '--id', '1234567890123456789', '--name', 'Ghost', '--json'];
    const result = await cli(args);
    assert.equal(result.code, 1, describeRun(args, result));
    assert.equal(result.stdout, '');
    assert.deepEqual(JSON.parse(result.stderr), {
      error: 'NOT_FOUND',
      message: 'the id given seems to be invalid',
      details: { api_name: 'org', id: '1234567890123456789' },
    });
  });

  test('token create with an unknown scope exits 1 with INVALID_DATA and issues no token', async () => {
    const before = await get().app.db.selectFrom('oauth_tokens').select('token_digest').execute();
    const args = ['token', 'create', '--org', orgId(), '--scopes', 'nonsense', '--json'];
    const result = await cli(args);
    assert.equal(result.code, 1, describeRun(args, result));
    assert.equal(result.stdout, '');
    assert.deepEqual(JSON.parse(result.stderr), { error: 'INVALID_DATA', message: 'invalid data', details: { api_name: 'scope' } });
    const after = await get().app.db.selectFrom('oauth_tokens').select('token_digest').execute();
    assert.equal(after.length, before.length);
  });

  test('migrate --json exits 0 and reports the schema migrated', async () => {
    assert.deepEqual(await cliJson(['migrate']), { migrated: true });
  });

  test('an invalid DATABASE_URL exits 3 with the configuration problem', async () => {
    const args = ['migrate'];
    const result = await runCli({ ...get().env, DATABASE_URL: 'mysql://db.example/mailroom' }, args);
    assert.equal(result.code, 3, describeRun(args, result));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^Invalid configuration:\n {2}- DATABASE_URL must start with postgres:\/\//);
  });

  test('token revoke of a refresh token exits 0 and the access tokens minted from it get 401 INVALID_TOKEN', async () => {
    assert.ok(state.bobAccess && state.bobRefresh && state.adminSettingsToken, 'needs the tokens made by the earlier tests');
    const refreshed = await tokenForm(get(), `grant_type=refresh_token&refresh_token=${state.bobRefresh}`);
    const minted = json(refreshed).access_token as string;
    assert.match(minted, TOKEN_SHAPE, refreshed.body);
    for (const token of [state.bobAccess, minted]) {
      assert.equal((await get().api('GET', '/crm/v8/org', token)).statusCode, 200, 'works before the revocation');
    }

    assert.deepEqual(await cliJson(['token', 'revoke', '--token', state.bobRefresh]), { revoked: true });

    // The CLI is another process: the API's token cache lets the revocation through within
    // CACHE_TTL_SECONDS (docs/operations.md, "Caches and API credits across processes").
    for (const token of [state.bobAccess, minted]) {
      const response = await eventually(get().config.cacheTtlMs + 1_000, () => get().api('GET', '/crm/v8/org', token), (r) => r.statusCode !== 200);
      assert.equal(response.statusCode, 401, response.body);
      assert.deepEqual(json(response), INVALID_TOKEN);
    }
    assert.deepEqual(json(await tokenForm(get(), `grant_type=refresh_token&refresh_token=${state.bobRefresh}`)), { error: 'invalid_code' });
    // Tokens of other refresh tokens are untouched.
    assert.equal((await get().api('GET', '/crm/v8/settings/fields?module=Leads', state.adminSettingsToken)).statusCode, 200);

    const againArgs = ['token', 'revoke', '--token', state.bobRefresh, '--json'];
    const again = await cli(againArgs);
    assert.equal(again.code, 1, describeRun(againArgs, again));
    assert.equal(JSON.parse(again.stderr).error, 'NOT_FOUND');
  });
});
