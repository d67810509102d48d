// Mailroom under test, in its own process (pinned to CPU0 by scripts/bench.mjs): the compiled
// app (dist/src), configured from the environment like `mailroom serve`, listening on loopback,
// WITHOUT a delivery worker (`serve --no-worker`). The parent starts and stops the worker
// (createWorker(app).start()) for the delivery and schedule phases, and asks for counts to check
// the results. For the schedule phase it can trace claims: a trigger the bench adds (not part of
// Mailroom) copies every claim (an update that increments `mails.attempts`) with the claiming
// worker's clock (`updated_at`, set by the claim) into a table `bench_claims`.
// For the million phase it times the queue's queries and the Emails list in-process (timeQueries),
// reads one mail's state, and reports its V8 heap (memory; with --expose-gc, after a full GC).
import { sql } from 'kysely';
import { createApp } from '../../dist/src/app.js';
import { issueTokenPair } from '../../dist/src/auth/issue-tokens.js';
import { loadConfig } from '../../dist/src/config.js';
import { dialectOf } from '../../dist/src/db/database.js';
import { nextDueAt } from '../../dist/src/delivery/queue-repository.js';
import { createWorker } from '../../dist/src/delivery/worker.js';
import { claimDueMails } from '../../dist/src/mail/lifecycle-repository.js';
import { queueSnapshot } from '../../dist/src/metrics/metrics-repository.js';
import { buildServer } from '../../dist/src/http/server.js';
import { createOrg } from '../../dist/src/orgs/create-org.js';
import { updateOrg } from '../../dist/src/orgs/update-org.js';
import { serve, emit, cpuMicros } from './ipc.mjs';

const SCOPES = ['ZohoCRM.modules.ALL', 'ZohoCRM.settings.ALL', 'ZohoCRM.org.ALL', 'ZohoCRM.users.ALL', 'ZohoCRM.send_mail.all.CREATE'];

const config = loadConfig(process.env);
const app = await createApp(config);
const server = await buildServer(app);
await server.listen({ port: 0, host: '127.0.0.1' });
const port = server.server.address().port;

// One org, its admin, a token and a Lead to mail, through the use-cases and the HTTP API.
const adminEmail = 'patricia.boyle@bench.example';
const { org, admin } = await createOrg(app, { name: 'Bench Org', edition: 'enterprise', adminEmail, adminName: 'Patricia Boyle' });
// The bench measures throughput, not Zoho's limits: lift them for this org (the API rate limiter
// still runs, so its per-request cost stays in the numbers).
await updateOrg(app, { orgId: org.id, dailyMailLimit: 1_000_000_000, apiCreditLimit: 1_000_000_000, apiConcurrencyLimit: 100_000 });
const tokens = await issueTokenPair(app, { orgId: org.id, userId: admin.id, clientId: null, scopes: SCOPES });
const leadEmail = 'ann.smith@customer.example';
const created = await server.inject({
  method: 'POST',
  url: '/crm/v8/Leads',
  headers: { authorization: `Zoho-oauthtoken ${tokens.access_token}`, 'content-type': 'application/json' },
  payload: JSON.stringify({ data: [{ First_Name: 'Ann', Last_Name: 'Smith', Company: 'Customer Ltd', Email: leadEmail }] }),
});
if (created.statusCode !== 201 && created.statusCode !== 200) throw new Error(`creating the Lead failed: ${created.statusCode} ${created.body}`);
const leadId = JSON.parse(created.body).data[0].details.id;

let worker = null;

/** Mails by state and recipients by status, from ONE statement (one snapshot). */
const counts = async () => {
  const { rows } = await sql`
    select 'mails' as t, state as k, count(*) as n from mails group by state
    union all
    select 'recipients' as t, status as k, count(*) as n from mail_recipients group by status`.execute(app.db);
  const result = { mails: {}, recipients: {} };
  for (const r of rows) result[r.t][r.k] = Number(r.n);
  return result;
};

/** Installs the claim trace (see the header); idempotent per database. */
const traceClaims = async () => {
  if (dialectOf(app.db) === 'postgres') {
    await sql`create table bench_claims (message_id text not null, claimed_at bigint not null, owner text, attempts integer not null)`.execute(app.db);
    await sql`create function bench_claim() returns trigger language plpgsql as $$
      begin
        insert into bench_claims values (new.message_id, new.updated_at, new.lease_owner, new.attempts);
        return null;
      end $$`.execute(app.db);
    await sql`create trigger bench_claim after update on mails for each row
      when (new.attempts > old.attempts) execute function bench_claim()`.execute(app.db);
  } else {
    await sql`create table bench_claims (message_id text not null, claimed_at integer not null, owner text, attempts integer not null)`.execute(app.db);
    await sql`create trigger bench_claim after update of attempts on mails for each row
      when new.attempts > old.attempts
      begin
        insert into bench_claims values (new.message_id, new.updated_at, new.lease_owner, new.attempts);
      end`.execute(app.db);
  }
  return true;
};

/**
 * The million phase: times, in this process and through the compiled repository functions (not
 * EXPLAIN), the queries a worker and /metrics run whatever the queue holds: the claim
 * (`claimDueMails`, as the worker calls it, by a worker id of its own, at the real now: the bench
 * only calls this while nothing is due), `nextDueAt` and the /metrics `queueSnapshot`; and the
 * first page of the Lead's Emails related list (GET …/Emails, through the HTTP API, in-process:
 * every mail of the bench is filed under that one Lead). `rounds`
 * times each, one after the other; returns every duration in ms and how many mails the claims took
 * (expected 0).
 */
const timeQueries = async ({ rounds = 5 }) => {
  const claim = [];
  const next = [];
  const snapshot = [];
  const emails = [];
  let claimed = 0;
  const timed = async (into, run) => {
    const t0 = performance.now();
    const result = await run();
    into.push(performance.now() - t0);
    return result;
  };
  for (let i = 0; i < rounds; i++) {
    const mails = await timed(claim, () => claimDueMails(app.db, { workerId: 'bench-claim-probe', now: app.clock.now(), leaseMs: config.delivery.leaseMs, limit: config.delivery.concurrency, firstLane: 0 }));
    claimed += mails.length;
    await timed(next, () => nextDueAt(app.db));
    await timed(snapshot, () => queueSnapshot(app.db, app.clock.now(), config.delivery.leaseMs));
    const page = await timed(emails, () => server.inject({ method: 'GET', url: `/crm/v8/Leads/${leadId}/Emails`, headers: { authorization: `Zoho-oauthtoken ${tokens.access_token}` } }));
    if (page.statusCode !== 200 && page.statusCode !== 204) throw new Error(`GET Emails answered ${page.statusCode} ${page.body.slice(0, 300)}`);
  }
  return { claim, next, snapshot, emails, claimed };
};

serve({
  cpu: () => cpuMicros(),
  timeQueries,
  /** V8's view of this process's memory (MB), beside the RSS the bench reads from /proc. */
  memory: ({ gc = false }) => {
    // With gc (the million phase starts this process with --expose-gc): a full collection first,
    // so heapUsed is the live heap, not garbage V8 has not collected yet.
    if (gc && typeof globalThis.gc === 'function') globalThis.gc();
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed / 1048576, heapTotal: m.heapTotal / 1048576, external: m.external / 1048576 };
  },
  /** One mail's state (by its primary key: the million phase does not count a million rows each time). */
  mailState: async ({ id }) => (await sql`select state from mails where message_id = ${id}`.execute(app.db)).rows[0]?.state ?? null,
  counts,
  traceClaims,
  /** Every traced claim: [message_id, claimed_at (epoch ms, the worker's clock), owner, attempts]. */
  claims: async () => {
    const { rows } = await sql`select message_id, claimed_at, owner, attempts from bench_claims`.execute(app.db);
    return rows.map((r) => [r.message_id, Number(r.claimed_at), r.owner, Number(r.attempts)]);
  },
  startWorker: async () => {
    worker = createWorker(app);
    await worker.start();
    return { concurrency: config.delivery.concurrency };
  },
  stopWorker: async ({ graceMs }) => {
    const drained = await worker.stop(graceMs);
    worker = null;
    return { drained };
  },
  close: async () => {
    if (worker) await worker.stop(5000);
    await server.close();
    await app.close();
    return true;
  },
});
emit('ready', { port, token: tokens.access_token, leadId, leadEmail, adminEmail, dialect: dialectOf(app.db) });
