import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRun, runCli, type CliResult } from '../helpers/run-cli.js';
import { describeEachDatabase, json } from '../helpers/test-app.js';
import { insertDelivery } from '../helpers/webhook-rows.js';

const BASE = '/crm/v8/settings/webhooks';

/**
 * `mailroom webhook …` as admins run it (a child process on the test app's database); every
 * effect is checked through the HTTP API.
 */
describeEachDatabase('mailroom webhook CLI', (get) => {
  const cli = (args: string[]): Promise<CliResult> => runCli(get().env, args);
  async function cliJson(args: string[]): Promise<any> {
    const all = [...args, '--json'];
    const result = await cli(all);
    assert.equal(result.code, 0, describeRun(all, result));
    assert.equal(result.stderr, '', describeRun(all, result));
    return JSON.parse(result.stdout);
  }

  test('create prints the id and secret once; list, update, send-again, deliveries and delete act as the API does', async () => {
    const app = get();
    const org = await app.createOrg();
    const created = await cliJson(['webhook', 'create', '--org', org.orgId, '--url', 'https://hooks.example.com/cli', '--events', 'recipient.sent,recipient.bounced', '--description', 'From the CLI']);
    assert.match(created.id, /^\d{19}$/);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    const row = await app.app.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(app.app.secrets.open(row.secret), created.secret);
    const [shown] = json(await app.api('GET', BASE, org.token)).webhooks;
    assert.deepEqual([shown.id, shown.url, shown.description, shown.events], [created.id, 'https://hooks.example.com/cli', 'From the CLI', ['recipient.sent', 'recipient.bounced']]);

    const human = await cli(['webhook', 'list', '--org', org.orgId]);
    assert.equal(human.code, 0, describeRun(['webhook', 'list'], human));
    assert.match(human.stdout, /count: 1/);
    assert.doesNotMatch(human.stdout, new RegExp(created.secret.slice(6).replace(/[+/]/g, '\\$&')), 'the secret is never listed');

    const disabled = await cliJson(['webhook', 'update', created.id, '--org', org.orgId, '--disable', '--events', '*']);
    assert.equal(disabled.enabled, false);
    assert.equal(disabled.disabled_reason, 'Disabled by an administrator');
    assert.deepEqual(json(await app.api('GET', `${BASE}/${created.id}`, org.token)).webhooks[0].events, ['*']);

    const event = await insertDelivery(app, org, created.id, { state: 'failed' });
    const refused = await cli(['webhook', 'send-again', created.id, event, '--org', org.orgId, '--json']);
    assert.equal(refused.code, 1, describeRun(['webhook', 'send-again'], refused));
    assert.equal(JSON.parse(refused.stderr).error, 'WEBHOOK_DISABLED');

    assert.equal((await cliJson(['webhook', 'update', created.id, '--org', org.orgId, '--enable'])).enabled, true);
    assert.deepEqual(await cliJson(['webhook', 'send-again', created.id, event, '--org', org.orgId]), { event_id: event, state: 'pending' });
    const [delivery] = json(await app.api('GET', `${BASE}/${created.id}/deliveries/${event}`, org.token)).deliveries;
    assert.equal(delivery.state, 'pending');

    const log = await cliJson(['webhook', 'deliveries', created.id, '--org', org.orgId, '--state', 'pending']);
    assert.deepEqual(
      log.deliveries.map((d: { event_id: string; state: string }) => [d.event_id, d.state]),
      [[event, 'pending']],
    );
    assert.equal((await cliJson(['webhook', 'deliveries', created.id, '--org', org.orgId, '--state', 'failed'])).count, 0);

    const rotated = await cliJson(['webhook', 'rotate-secret', created.id, '--org', org.orgId]);
    assert.notEqual(rotated.secret, created.secret);

    assert.deepEqual(await cliJson(['webhook', 'delete', created.id, '--org', org.orgId]), { id: created.id, deleted: true });
    assert.deepEqual(json(await app.api('GET', BASE, org.token)).webhooks, []);
  });

  test("bad input exits 1 with the API's error and stores nothing; usage mistakes exit 2", async () => {
    const app = get();
    const org = await app.createOrg();
    const privateHost = await cli(['webhook', 'create', '--org', org.orgId, '--url', 'https://192.168.1.10/h', '--events', 'recipient.sent', '--json']);
    assert.equal(privateHost.code, 1, describeRun(['webhook', 'create'], privateHost));
    assert.deepEqual(JSON.parse(privateHost.stderr), {
      error: 'WEBHOOK_URL_NOT_ALLOWED',
      message: 'The webhook URL is not allowed: its host must be a public internet address',
      details: { api_name: 'url', json_path: '$.webhooks[0].url' },
    });
    const unknownEvent = await cli(['webhook', 'create', '--org', org.orgId, '--url', 'https://hooks.example.com/h', '--events', 'recipient.sent,mail.sent']);
    assert.equal(unknownEvent.code, 1);
    assert.match(unknownEvent.stderr, /^INVALID_DATA: invalid data .*"api_name":"events"/);
    const missing = await cli(['webhook', 'update', '1234567890123456789', '--org', org.orgId, '--enable', '--json']);
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stderr).error, 'NOT_FOUND');
    assert.deepEqual(json(await app.api('GET', BASE, org.token)).webhooks, []);

    for (const args of [
      ['webhook', 'create', '--org', org.orgId, '--events', '*'],
      ['webhook', 'update', '--org', org.orgId, '--enable'],
      ['webhook', 'update', '1', '--org', org.orgId],
      ['webhook', 'send-again', '1', '--org', org.orgId],
      ['webhook', 'delete', '1', '2', '--org', org.orgId],
      ['webhook', 'deliveries', '1', '--org', org.orgId, '--state', 'sent'],
    ]) {
      const usage = await cli(args);
      assert.equal(usage.code, 2, describeRun(args, usage));
      assert.match(usage.stderr, /Usage: mailroom webhook /);
    }
  });
});
