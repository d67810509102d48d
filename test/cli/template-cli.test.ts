import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { describeRun, runCli, type CliResult } from '../helpers/run-cli.js';
import { ALL_SCOPES, describeEachDatabase, json, type TestOrg } from '../helpers/test-app.js';

const ID = /^\d{19}$/;

/**
 * `mailroom template …` as admins run it (a child process on the test app's database); every
 * effect is checked through the HTTP API.
 */
describeEachDatabase('mailroom template CLI', (get) => {
  const state: { org?: TestOrg; id?: string; dir?: string } = {};
  const cli = (args: string[]): Promise<CliResult> => runCli(get().env, args);
  async function cliJson(args: string[]): Promise<any> {
    const all = [...args, '--json'];
    const result = await cli(all);
    assert.equal(result.code, 0, describeRun(all, result));
    assert.equal(result.stderr, '', describeRun(all, result));
    return JSON.parse(result.stdout);
  }
  const org = (): TestOrg => {
    assert.ok(state.org, 'needs the org of the first test');
    return state.org;
  };

  test('template create --content-file stores the file’s HTML; GET ?module=Leads lists the template', async () => {
    state.org = await get().createOrg({ scopes: [...ALL_SCOPES, 'ZohoCRM.templates.email.READ'] });
    state.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-template-'));
    const file = path.join(state.dir, 'welcome.html');
    const html = '<h1>Hello ${Leads.First Name}</h1>\n<p>Ünïcode — ok</p>\n';
    fs.writeFileSync(file, html);

    const out = await cliJson([
      'template', 'create', '--org', org().orgId, '--module', 'Leads', '--name', 'Welcome', '--subject', 'Welcome ${Leads.Last Name}',
      '--content-file', file, '--folder', 'Onboarding',
    ]);
    assert.match(out.id, ID);
    assert.equal(out.name, 'Welcome');
    assert.deepEqual(out.module, { api_name: 'Leads', id: '1000000000000000002' });
    assert.equal(out.folder.name, 'Onboarding');
    assert.equal(out.content, undefined);
    state.id = out.id;

    const token = org().token;
    const list = await get().api('GET', '/crm/v8/settings/email_templates?module=Leads', token);
    assert.equal(list.statusCode, 200, list.body);
    const [listed] = json(list).email_templates;
    assert.equal(listed.id, out.id);
    assert.equal(listed.subject, 'Welcome ${Leads.Last Name}');
    assert.deepEqual(listed.created_by, { name: 'Patricia Boyle', id: org().adminId });
    const one = json(await get().api('GET', `/crm/v8/settings/email_templates/${out.id}`, token)).email_templates[0];
    assert.equal(one.content, html);
  });

  test('template update changes the subject only; template list shows it', async () => {
    const out = await cliJson(['template', 'update', '--org', org().orgId, '--id', state.id!, '--subject', 'Hi again']);
    assert.equal(out.subject, 'Hi again');
    assert.equal(out.name, 'Welcome');
    const listed = await cliJson(['template', 'list', '--org', org().orgId, '--module', 'Leads']);
    assert.equal(listed.count, 1);
    assert.equal(listed.email_templates[0].subject, 'Hi again');
    const one = json(await get().api('GET', `/crm/v8/settings/email_templates/${state.id}`, org().token)).email_templates[0];
    assert.match(one.content, /Hello \$\{Leads\.First Name\}/);
  });

  test('bad input exits 1 with the API’s error; usage mistakes exit 2', async () => {
    const badModule = ['template', 'create', '--org', org().orgId, '--module', 'Nope', '--name', 'X', '--subject', 'S', '--content', '<p>x</p>', '--json'];
    const result = await cli(badModule);
    assert.equal(result.code, 1, describeRun(badModule, result));
    assert.deepEqual(JSON.parse(result.stderr), {
      error: 'INVALID_MODULE',
      message: 'The module name given seems to be invalid',
      details: { api_name: 'module', json_path: '$.email_templates[0].module' },
    });
    const duplicate = ['template', 'create', '--org', org().orgId, '--module', 'leads', '--name', 'welcome', '--subject', 'S', '--content', 'x'];
    assert.equal((await cli(duplicate)).code, 1);
    const noContent = ['template', 'create', '--org', org().orgId, '--module', 'Leads', '--name', 'Y', '--subject', 'S'];
    const usage = await cli(noContent);
    assert.equal(usage.code, 2, describeRun(noContent, usage));
    assert.match(usage.stderr, /--content or --content-file is required/);
    const missingFile = ['template', 'create', '--org', org().orgId, '--module', 'Leads', '--name', 'Y', '--subject', 'S', '--content-file', '/nonexistent/x.html'];
    assert.equal((await cli(missingFile)).code, 2);
  });

  test('template delete removes it; the API then answers 204 for the module', async () => {
    const out = await cliJson(['template', 'delete', '--org', org().orgId, '--id', state.id!]);
    assert.deepEqual(out, { id: state.id, deleted: true });
    assert.equal((await get().api('GET', '/crm/v8/settings/email_templates?module=Leads', org().token)).statusCode, 204);
    const again = ['template', 'delete', '--org', org().orgId, '--id', state.id!];
    assert.equal((await cli(again)).code, 1);
    fs.rmSync(state.dir!, { recursive: true, force: true });
  });
});
