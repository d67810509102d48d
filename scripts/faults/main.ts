import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FaultPeer, SMTP_FAULTS, SMTP_FAULT_TEXT } from './peer.js';
import { runTrial, type FaultName, type FaultSpec, type TrialResult, type TrialSettings } from './trial.js';
import { createWorld, type DatabaseKind } from './world.js';

/**
 * `npm run faults`: Mailroom's own fault suite (issue 12). On SQLite and PostgreSQL, real Mailroom
 * processes deliver bursts of mail to an in-process SMTP peer while one fault is injected per
 * trial: SIGKILL of the single process / the API / a worker at a seeded random moment,
 * pg_terminate_backend of Mailroom's connections, or one of the SMTP faults. Prints per fault:
 * trials, accepted, delivered, lost, duplicates, unflagged duplicates, flagged without duplicate,
 * recovery time; exits 1 on any loss or unflagged duplicate (2 on bad usage).
 */
const FAULTS: readonly FaultSpec[] = [
  { name: 'kill-single', databases: ['sqlite'], what: 'SIGKILL of the single process (serve, API and worker)' },
  { name: 'kill-api', databases: ['postgres'], what: 'SIGKILL of the API process (serve --no-worker)' },
  { name: 'kill-worker', databases: ['postgres'], what: 'SIGKILL of one of two worker processes' },
  { name: 'pg-terminate', databases: ['postgres'], what: "pg_terminate_backend of all Mailroom's connections" },
  ...SMTP_FAULTS.map((name) => ({ name, databases: ['sqlite', 'postgres'] as const, what: `the SMTP peer, 3 times: ${SMTP_FAULT_TEXT[name]}` })),
];
const PROCESS_FAULT_NAMES = new Set<FaultName>(['kill-single', 'kill-api', 'kill-worker', 'pg-terminate']);

const HELP = `Usage: npm run faults [-- options]     (or: node dist/scripts/faults/main.js [options] after npm run build)

  --trials N        Trials per fault (default 10; with --short 1, and 2 for process faults)
  --seed S          Seed of the random moments and choices (default: random; printed)
  --db D            sqlite, postgres or both (default both)
  --only LIST       Faults to run, comma-separated (default all; see below)
  --mails M         Mails per trial, two recipients each (default 30; with --short 15)
  --short           The CI version: few trials, small bursts (under 3 minutes)
  --keep            Keep the processes' logs and data (also kept when a trial fails)

  Faults:
${FAULTS.map((f) => `    ${f.name.padEnd(18)}${f.what} (${f.databases.join(', ')})`).join('\n')}

  Environment: FAULTS_DATABASE_URL (default TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test);
  each run uses a fresh schema, dropped at the end. The PostgreSQL server itself is never stopped.
`;

function usage(message: string): never {
  process.stderr.write(`faults: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const known = new Set(['--trials', '--seed', '--db', '--only', '--mails', '--short', '--keep']);
for (const arg of argv) if (arg.startsWith('--') && !known.has(arg)) usage(`unknown option ${arg} (see --help)`);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i === -1) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) usage(`${name} needs a value`);
  return value;
};
const count = (name: string): number | undefined => {
  const raw = option(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) usage(`${name} must be a whole number from 1`);
  return value;
};
const short = argv.includes('--short');
const keep = argv.includes('--keep');
const trialsOption = count('--trials');
const seed = count('--seed') ?? randomBytes(4).readUInt32BE() % 1_000_000_000;
const dbOption = option('--db') ?? 'both';
if (!['sqlite', 'postgres', 'both'].includes(dbOption)) usage('--db must be sqlite, postgres or both');
const databases: DatabaseKind[] = dbOption === 'both' ? ['sqlite', 'postgres'] : [dbOption as DatabaseKind];
const only = option('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
for (const name of only ?? []) if (!FAULTS.some((f) => f.name === name)) usage(`--only: unknown fault ${name}`);
const settings: TrialSettings = {
  mails: count('--mails') ?? (short ? 15 : 30),
  sendWindowMs: short ? 1000 : 1500,
  drainTimeoutMs: 60_000,
  // The key of a request whose API process was killed answers 409 until Mailroom releases it
  // (3 heartbeats, 6 s here); a careful client keeps asking, and would give up after this.
  inProgressWaitMs: 60_000,
  smtpFaultCount: 3,
};
const trialsFor = (fault: FaultSpec): number => trialsOption ?? (short ? (PROCESS_FAULT_NAMES.has(fault.name) ? 2 : 1) : 10);
const databaseUrl = process.env.FAULTS_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** mulberry32: a small seeded generator, one stream per (database, fault, trial). */
function seeded(...parts: (string | number)[]): () => number {
  let state = seed;
  for (const ch of parts.join('/')) state = (Math.imul(state ^ ch.charCodeAt(0), 2654435761) + 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Row = { database: DatabaseKind; fault: FaultSpec; results: TrialResult[] };

const runId = randomBytes(2).toString('hex');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-faults-'));
const log = (line: string) => process.stderr.write(`· ${line}\n`);
const started = Date.now();
log(`Mailroom fault suite: seed ${seed}, ${databases.join(' + ')}, ${settings.mails} mails per trial; logs in ${dir}`);

const rows: Row[] = [];
const peer = await new FaultPeer().listen();
let trialNo = 0;
try {
  for (const database of databases) {
    const faults = FAULTS.filter((f) => f.databases.includes(database) && (!only || only.includes(f.name)));
    if (faults.length === 0) continue;
    const world = await createWorld({ kind: database, smtpUrl: peer.url, databaseUrl, dir, runId, workers: 2 });
    try {
      for (const fault of faults) {
        const row: Row = { database, fault, results: [] };
        rows.push(row);
        for (let trial = 0; trial < trialsFor(fault); trial += 1) {
          trialNo += 1;
          const prefix = `f${runId}-${trialNo}-`;
          const result = await runTrial(world, peer, fault, prefix, seeded(database, fault.name, trial), settings);
          row.results.push(result);
          log(
            `${database} ${fault.name} #${trial + 1}: accepted ${result.accepted}, delivered ${result.delivered}, lost ${result.lost}, ` +
              `duplicates ${result.duplicates} (unflagged ${result.unflagged}), flagged without duplicate ${result.flaggedWithoutDuplicate}, ` +
              `recovery ${result.recoveryMs ?? '—'} ms, drain ${result.drainMs ?? '—'} ms${result.deaths ? `, ${result.deaths} process death(s)` : ''}`,
          );
          for (const problem of result.problems.slice(0, 10)) log(`  ${problem}`);
        }
      }
    } finally {
      await world.close(keep);
    }
  }
} finally {
  await peer.close();
}

// ------------------------------------------------------------------------------------------------
// The table
// ------------------------------------------------------------------------------------------------
const sum = (results: TrialResult[], key: keyof TrialResult) => results.reduce((n, r) => n + Number(r[key] ?? 0), 0);
const median = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}`);
const header = ['database', 'fault', 'trials', 'accepted', 'delivered', 'terminal', 'lost', 'duplicates', 'unflagged', 'flagged w/o dup', 'recovery p50/max s', 'drain max s', 'deaths', 'notes'];
const table = rows.map(({ database, fault, results }) => {
  const recoveries = results.map((r) => r.recoveryMs).filter((v): v is number => v !== null);
  const drains = results.map((r) => r.drainMs).filter((v): v is number => v !== null);
  const notes = [
    sum(results, 'gaveUp') ? `${sum(results, 'gaveUp')} requests given up (409)` : '',
    sum(results, 'ghosts') ? `${sum(results, 'ghosts')} unacknowledged deliveries` : '',
    sum(results, 'refused') ? `${sum(results, 'refused')} items refused` : '',
    results.some((r) => !r.drained) ? `${results.filter((r) => !r.drained).length} not drained` : '',
    PROCESS_FAULT_NAMES.has(fault.name) ? '' : `${sum(results, 'injected')} faulted`,
  ].filter(Boolean);
  return [
    database,
    fault.name,
    String(results.length),
    String(sum(results, 'accepted')),
    String(sum(results, 'delivered')),
    String(sum(results, 'terminal')),
    String(sum(results, 'lost')),
    String(sum(results, 'duplicates')),
    String(sum(results, 'unflagged')),
    String(sum(results, 'flaggedWithoutDuplicate')),
    `${seconds(median(recoveries))} / ${seconds(recoveries.length ? Math.max(...recoveries) : null)}`,
    seconds(drains.length ? Math.max(...drains) : null),
    String(sum(results, 'deaths')),
    notes.join('; '),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
const all = rows.flatMap((r) => r.results);
const failed = sum(all, 'lost') > 0 || sum(all, 'unflagged') > 0;
process.stdout.write(
  [
    '',
    `Mailroom fault suite — ${new Date().toISOString().slice(0, 10)}, seed ${seed}, ${settings.mails} mails × 2 recipients per trial, ${Math.round((Date.now() - started) / 1000)} s`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.map(line),
    '',
    `total: ${all.length} trials, ${sum(all, 'accepted')} recipients accepted, ${sum(all, 'lost')} lost, ${sum(all, 'duplicates')} duplicates, ` +
      `${sum(all, 'unflagged')} unflagged, ${sum(all, 'flaggedWithoutDuplicate')} flagged without duplicate, ${sum(all, 'deaths')} process deaths` +
      ` — ${failed ? 'FAILED' : 'ok'}`,
    failed || keep ? `logs: ${dir}` : '',
    '',
  ].join('\n'),
);
if (!failed && !keep) fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
