#!/usr/bin/env node
// `npm run bench`: Mailroom's send_mail throughput on this machine against two baselines, in one
// bounded run (about a minute; never more than BENCH_DEADLINE_SECONDS, 240 by default).
//
//  (a) acceptance: POST /crm/v8/Leads/{id}/actions/send_mail (a ≈720-byte body: from, one to, one
//      cc, reply_to, HTML content; 50 connections, fixed duration, after a warm-up) against
//      Mailroom with NO delivery worker running, versus a bare Fastify app with one POST route on
//      the same URL, same body, answering a Zoho-shaped JSON reply of the same size.
//  (b) delivery: Mailroom's worker draining the accepted backlog into an SMTP sink, versus a raw
//      nodemailer pool (same pool settings) sending equivalent messages into the same sink.
//
// Every party is its own process: Mailroom / the bare app / the raw sender on CPU0, autocannon and
// the SMTP sink on CPU1 (`taskset`, when available), loopback only. It imports the COMPILED code
// (dist/src): `npm run bench` compiles first. Options: node scripts/bench.mjs --help.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const here = (file) => path.join(root, 'scripts', 'bench', file);

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------
const HELP = `Usage: npm run bench [-- options]     (or: node scripts/bench.mjs [options] after npm run build)

  --postgres            Run Mailroom on PostgreSQL (BENCH_DATABASE_URL, default
                        postgres://postgres@127.0.0.1:5432/test; a fresh schema, dropped at the end).
                        Setting BENCH_DATABASE_URL implies --postgres. Default: SQLite in a temp DATA_DIR.
  --duration S          Measured seconds per HTTP phase (default 10)
  --warmup S            Warm-up seconds per HTTP phase, not measured (default 3)
  --connections N       autocannon connections (default 50)
  --mails N             Mails in the measured delivery window (default 3000), after 200 warm-up mails
  --drain               The SMTP sink only reads messages to the end instead of parsing them
  --log-level L         Mailroom's LOG_LEVEL (default info, as in production; logs go to a file)
  --no-pin              Do not pin processes to CPUs with taskset
`;

const argv = process.argv.slice(2);
const usage = (message) => {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
};
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  if (i === -1) return fallback;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) usage(`${name} needs a value`);
  return value;
};
const positive = (name, fallback) => {
  const value = Number(option(name, String(fallback)));
  if (!Number.isFinite(value) || value <= 0) usage(`${name} must be a positive number`);
  return value;
};
const known = new Set(['--postgres', '--duration', '--warmup', '--connections', '--mails', '--drain', '--log-level', '--no-pin']);
for (const arg of argv) if (arg.startsWith('--') && !known.has(arg)) usage(`unknown option ${arg} (see --help)`);

const usePostgres = argv.includes('--postgres') || Boolean(process.env.BENCH_DATABASE_URL);
const databaseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const DURATION = positive('--duration', 10);
const WARMUP = positive('--warmup', 3);
const CONNECTIONS = Math.round(positive('--connections', 50));
const MAILS = Math.round(positive('--mails', 3000));
const WARMUP_MAILS = 200;
const SINK_MODE = argv.includes('--drain') ? 'drain' : 'parse';
const LOG_LEVEL = option('--log-level', 'info');
const DEADLINE_SECONDS = Number(process.env.BENCH_DEADLINE_SECONDS ?? 240);
const DELIVERY_TIMEOUT_MS = 90_000;

const taskset = !argv.includes('--no-pin') && spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).status === 0;
const cpus = os.availableParallelism?.() ?? os.cpus().length;
const pinned = taskset && cpus >= 2;

for (const file of ['app.js', 'http/server.js', 'delivery/worker.js']) {
  if (!fs.existsSync(path.join(root, 'dist', 'src', file))) usage(`dist/src/${file} is missing: run \`npm run bench\` (it compiles first) or \`npm run build\``);
}

// ---------------------------------------------------------------------------------------------
// Child processes (IPC request/response, see scripts/bench/ipc.mjs)
// ---------------------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bench-'));
const children = new Set();
const log = (line) => process.stderr.write(`· ${line}\n`);

function startChild(name, script, { cpu, env = {}, args = [] } = {}) {
  const logFile = path.join(tmp, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  // BENCH_CPU_PROF=<folder>: every child writes a V8 CPU profile there (<name>.cpuprofile).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const node = [...profile, script, ...args];
  const [command, commandArgs] = pinned && cpu !== undefined ? ['taskset', ['-c', String(cpu), process.execPath, ...node]] : [process.execPath, node];
  const child = spawn(command, commandArgs, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd, 'ipc'] });
  fs.closeSync(fd);
  let nextId = 1;
  const pending = new Map();
  const events = [];
  const eventWaiters = [];
  let exited = null;
  const handle = {
    name,
    child,
    logFile,
    call(cmd, args = {}, timeoutMs = 60_000) {
      if (exited) return Promise.reject(new Error(`${name} has exited (${exited}); see ${logFile}`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${cmd} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        child.send({ id, cmd, args });
      });
    },
    waitEvent(type, timeoutMs) {
      const index = events.findIndex((e) => e.event === type);
      if (index !== -1) return Promise.resolve(events.splice(index, 1)[0]);
      if (exited) return Promise.reject(new Error(`${name} has exited (${exited}); see ${logFile}`));
      return new Promise((resolve, reject) => {
        const waiter = { type, resolve, reject };
        waiter.timer = setTimeout(() => {
          eventWaiters.splice(eventWaiters.indexOf(waiter), 1);
          reject(new Error(`${name}: no "${type}" within ${timeoutMs} ms; see ${logFile}`));
        }, timeoutMs);
        eventWaiters.push(waiter);
      });
    },
    async stop() {
      if (exited) return;
      await handle.call('close', {}, 15_000).catch(() => undefined);
      // Closing the IPC channel makes the child exit on its own (scripts/bench/ipc.mjs).
      const gone = new Promise((resolve) => child.once('exit', resolve));
      if (!exited && child.connected) child.disconnect();
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (!exited) child.kill('SIGTERM');
    },
  };
  child.on('message', (msg) => {
    if (msg && msg.id !== undefined && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${name}: ${msg.error}`));
    } else if (msg && msg.event) {
      const waiter = eventWaiters.find((w) => w.type === msg.event);
      if (waiter) {
        eventWaiters.splice(eventWaiters.indexOf(waiter), 1);
        clearTimeout(waiter.timer);
        waiter.resolve(msg);
      } else events.push(msg);
    }
  });
  child.on('exit', (code, signal) => {
    exited = signal ?? `code ${code}`;
    children.delete(handle);
    const error = new Error(`${name} exited (${exited}); last lines of ${logFile}:\n${tail(logFile)}`);
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    pending.clear();
    for (const w of eventWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  });
  children.add(handle);
  return handle;
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup: children by pid, the temp folder, the PostgreSQL schema
// ---------------------------------------------------------------------------------------------
const schema = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
let schemaCreated = false;
let cleaning = null;

function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...children].map((c) => c.stop()));
    if (usePostgres && schemaCreated) {
      try {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      } catch (error) {
        process.stderr.write(`warning: could not drop schema ${schema}: ${error.message}\n`);
      }
    }
    if (!process.env.BENCH_KEEP_LOGS) fs.rmSync(tmp, { recursive: true, force: true });
    else process.stderr.write(`logs kept in ${tmp}\n`);
  })();
  return cleaning;
}

/** Stops the run with a loud message; the top level cleans up and exits 1. */
class BenchFailure extends Error {}
function fail(message) {
  throw new BenchFailure(message);
}
const loud = (lines) =>
  process.stderr.write(`\n${'!'.repeat(78)}\n${lines.map((l) => `!! ${l}`).join('\n')}\n${'!'.repeat(78)}\n`);

const deadline = setTimeout(() => {
  loud([`BENCH FAILED: still running after ${DEADLINE_SECONDS} s; stopping.`]);
  cleanup().finally(() => process.exit(1));
}, DEADLINE_SECONDS * 1000);
deadline.unref();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`\nbench interrupted (${signal}); stopping its processes\n`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------
const problems = [];
const check = (ok, message) => {
  if (!ok) problems.push(message);
  return ok;
};

/** Share of the machine's CPU time that was busy over `ms` (all processes, from /proc/stat). */
async function machineBusy(ms = 1000) {
  const read = () => {
    try {
      const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
      const n = fields.map(Number);
      return { idle: n[3] + (n[4] ?? 0), total: n.reduce((a, b) => a + b, 0) };
    } catch {
      return null;
    }
  };
  const a = read();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = read();
  return a && b && b.total > a.total ? 1 - (b.idle - a.idle) / (b.total - a.total) : null;
}

async function main() {
  const started = performance.now();
  const dbLabel = usePostgres ? 'PostgreSQL' : 'SQLite';
  const busyBefore = await machineBusy();
  if (busyBefore !== null && busyBefore > 0.15) {
    loud([`The machine is already ${(busyBefore * 100).toFixed(0)} % busy before the bench starts (load average ${os.loadavg()[0].toFixed(1)}):`, 'other processes compete for the two CPUs, so the numbers below will be low and noisy.']);
  }
  log(`Mailroom bench on ${dbLabel}; node ${process.version}, ${cpus} CPUs, ${pinned ? 'pinned: servers/senders on CPU0, load generator and SMTP sink on CPU1' : 'NOT pinned (taskset unavailable or fewer than 2 CPUs)'}`);

  if (usePostgres) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
    } catch (error) {
      fail(`PostgreSQL at ${databaseUrl} does not answer: ${error.message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
    schemaCreated = true; // Mailroom creates it on start; drop it at the end in any case
  }

  const sink = startChild('sink', here('sink.mjs'), { cpu: 1, args: SINK_MODE === 'drain' ? ['--drain'] : [] });
  const loader = startChild('load', here('load.mjs'), { cpu: 1 });
  const { port: sinkPort } = await sink.waitEvent('ready', 15_000);
  await loader.waitEvent('ready', 15_000);

  const mailroomEnv = {
    DATA_DIR: path.join(tmp, 'data'),
    LOG_LEVEL,
    PORT: '0',
    PUBLIC_URL: 'http://127.0.0.1:8080',
    SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
    MESSAGE_ID_DOMAIN: 'bench.example',
    SECRETS_KEY: randomBytes(32).toString('hex'),
    ...(usePostgres ? { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema } : { DATABASE_URL: '' }),
  };
  const mailroom = startChild('mailroom', here('mailroom-server.mjs'), { cpu: 0, env: mailroomEnv });
  const ready = await mailroom.waitEvent('ready', 60_000);
  const baseline = startChild('baseline', here('baseline-server.mjs'), { cpu: 0 });
  const { port: baselinePort } = await baseline.waitEvent('ready', 15_000);

  const mail = {
    from: { user_name: 'Patricia Boyle', email: ready.adminEmail },
    to: [{ user_name: 'Ann Smith', email: ready.leadEmail }],
    cc: [{ user_name: 'Account Desk', email: 'account.desk@customer.example' }],
    reply_to: { user_name: 'Patricia Boyle', email: ready.adminEmail },
    subject: 'Your quote Q-2026-0142 for the annual support plan',
    content:
      '<p>Dear Ann,</p><p>Thank you for your time on the phone today. As promised, here is a summary of the annual ' +
      'support plan we discussed: <b>priority response within 4 hours</b>, a named engineer, and quarterly reviews.</p>' +
      '<p>The quote is valid until the end of the month.</p><p>Kind regards,<br>Patricia Boyle</p>',
    mail_format: 'html',
  };
  const body = JSON.stringify({ data: [mail] });
  const path_ = `/crm/v8/Leads/${ready.leadId}/actions/send_mail`;
  const mailroomUrl = `http://127.0.0.1:${ready.port}${path_}`;
  const baselineUrl = `http://127.0.0.1:${baselinePort}${path_}`;
  const headers = { authorization: `Zoho-oauthtoken ${ready.token}`, 'content-type': 'application/json' };
  log(`body ${Buffer.byteLength(body)} bytes; ${CONNECTIONS} connections; ${WARMUP} s warm-up + ${DURATION} s measured per HTTP phase`);

  /**
   * autocannon reports as soon as its duration is over, with requests still in flight: wait until
   * Mailroom has answered them (the mail count stops moving) before counting or going on.
   */
  const settle = async () => {
    let last = await mailroom.call('counts');
    for (let i = 0; i < 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = await mailroom.call('counts');
      if (JSON.stringify(now) === JSON.stringify(last)) return now;
      last = now;
    }
    fail('Mailroom kept changing its mail count for 15 s after the load stopped');
  };

  const httpPhase = async (name, target, url) => {
    const run = (duration) => loader.call('run', { url, headers, body, connections: CONNECTIONS, duration }, (duration + 30) * 1000);
    const warm = await run(WARMUP);
    const before = target === mailroom ? await settle() : null;
    const cpu0 = await target.call('cpu');
    const measured = await run(DURATION);
    const after = target === mailroom ? await settle() : null;
    const cpu1 = await target.call('cpu');
    // Mailroom: CPU over every request of the window, also those answered after autocannon stopped.
    const handled = before && after ? (after.mails.queued ?? 0) - (before.mails.queued ?? 0) : measured.ok;
    for (const [label, r] of [['warm-up', warm], ['measured', measured]]) {
      check(r.non2xx === 0 && r.errors === 0 && r.timeouts === 0, `${name} ${label}: ${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)}), ${r.errors} errors, ${r.timeouts} timeouts`);
    }
    const result = {
      reqPerSec: measured.ok / measured.duration,
      ok: measured.ok,
      latency: measured.latency,
      cpuMicrosPerReq: handled > 0 ? (cpu1 - cpu0) / handled : null,
    };
    log(`${name}: ${fmt(result.reqPerSec)} req/s, p50 ${measured.latency.p50} ms, p99 ${measured.latency.p99} ms, ${fmt(result.cpuMicrosPerReq)} µs CPU/req`);
    return { result, warm, measured };
  };

  // (a) acceptance: bare Fastify, then Mailroom (no worker)
  const base = await httpPhase('bare fastify', baseline, baselineUrl);
  await baseline.stop();
  const before = await mailroom.call('counts');
  check(Object.keys(before.mails).length === 0, `mails exist before the acceptance phase: ${JSON.stringify(before.mails)}`);
  const mr = await httpPhase(`mailroom send_mail (${dbLabel})`, mailroom, mailroomUrl);
  const afterAcceptance = await settle();
  const okTotal = mr.warm.ok + mr.measured.ok;
  const sentTotal = mr.warm.sent + mr.measured.sent;
  const queued = afterAcceptance.mails.queued ?? 0;
  // autocannon stops with requests in flight: the server may have committed a few it never saw answered.
  check(queued >= okTotal && queued <= sentTotal, `accepted mails: ${okTotal} answered 200 (${sentTotal} sent) but ${queued} queued rows`);
  check(
    Object.keys(afterAcceptance.mails).length === 1 && (afterAcceptance.recipients.queued ?? 0) === 2 * queued && Object.keys(afterAcceptance.recipients).length === 1,
    `after acceptance: expected ${queued} queued mails with ${2 * queued} queued recipients, found mails ${JSON.stringify(afterAcceptance.mails)}, recipients ${JSON.stringify(afterAcceptance.recipients)}`,
  );
  log(`acceptance check: ${fmt(okTotal)} answered 200, ${fmt(queued)} mails queued (${fmt(afterAcceptance.recipients.queued ?? 0)} recipients)`);

  // (b) delivery: Mailroom's worker drains the backlog (topped up to warm-up + measured window)
  const needed = WARMUP_MAILS + MAILS;
  if (queued < needed) {
    const topUp = await loader.call('run', { url: mailroomUrl, headers, body, connections: 10, amount: needed - queued }, 120_000);
    check(topUp.non2xx === 0 && topUp.errors === 0, `top-up: ${topUp.non2xx} non-2xx, ${topUp.errors} errors`);
    log(`topped the backlog up with ${topUp.ok} mails`);
  }
  await sink.call('reset', { target: needed });
  const cpuWorker0 = await mailroom.call('cpu');
  const workerInfo = await mailroom.call('startWorker');
  await sink.waitEvent('reached', DELIVERY_TIMEOUT_MS).catch((error) => fail(`Mailroom delivery: ${error.message}`));
  const stopped = await mailroom.call('stopWorker', { graceMs: 30_000 }, 60_000);
  const cpuWorker1 = await mailroom.call('cpu');
  const mrSink = await sink.call('stats', { from: WARMUP_MAILS, to: needed });
  const afterDelivery = await mailroom.call('counts');
  const done = afterDelivery.mails.done ?? 0;
  const sentRecipients = afterDelivery.recipients.sent ?? 0;
  check(stopped.drained, 'Mailroom worker did not drain its in-flight sends within 30 s');
  check(mrSink.messages === done, `Mailroom delivery: the sink received ${mrSink.messages} messages but ${done} mails are done`);
  check(mrSink.recipients === sentRecipients && sentRecipients === 2 * done, `Mailroom delivery: sink accepted ${mrSink.recipients} recipients, database says ${sentRecipients} sent, expected ${2 * done}`);
  check(mrSink.duplicates === 0 && mrSink.invalid === 0 && mrSink.errors === 0, `Mailroom delivery: sink saw ${mrSink.duplicates} duplicates, ${mrSink.invalid} invalid, ${mrSink.errors} errors`);
  const bad = Object.entries(afterDelivery.recipients).filter(([status]) => !['queued', 'sent'].includes(status));
  check(bad.length === 0, `Mailroom delivery: recipients in unexpected states ${JSON.stringify(Object.fromEntries(bad))}`);
  check((afterDelivery.mails.sending ?? 0) === 0, `Mailroom delivery: ${afterDelivery.mails.sending} mails still 'sending' after the worker stopped`);
  const mrDelivery = {
    msgPerSec: mrSink.windowRate,
    delivered: done,
    cpuMsPerMail: done > 0 ? (cpuWorker1 - cpuWorker0) / 1000 / done : null,
    sinkCpuMsPerMail: mrSink.messages > 0 ? mrSink.cpuMicros / 1000 / mrSink.messages : null,
  };
  log(`mailroom delivery (${dbLabel}, worker concurrency ${workerInfo.concurrency}): ${fmt(mrDelivery.msgPerSec)} msg/s over mails ${WARMUP_MAILS}→${needed}; ${fmt(done)} delivered = ${fmt(mrSink.messages)} received; ${mrDelivery.cpuMsPerMail.toFixed(2)} ms CPU/mail (+ sink ${mrDelivery.sinkCpuMsPerMail.toFixed(2)})`);
  await mailroom.stop();

  // (b') raw nodemailer pool into the same sink
  await sink.call('reset', { target: needed });
  const raw = startChild('raw-sender', here('raw-sender.mjs'), { cpu: 0 });
  await raw.waitEvent('ready', 15_000);
  const cpuRaw0 = await raw.call('cpu');
  const sent = await raw.call('send', { port: sinkPort, count: needed, mail }, DELIVERY_TIMEOUT_MS);
  const cpuRaw1 = await raw.call('cpu');
  await sink.waitEvent('reached', 5_000).catch((error) => fail(`raw nodemailer: ${error.message}`));
  const rawSink = await sink.call('stats', { from: WARMUP_MAILS, to: needed });
  check(sent.failed === 0 && sent.rejected === 0 && sent.accepted === needed, `raw nodemailer: ${sent.accepted} accepted, ${sent.rejected} rejected, ${sent.failed} failed (${sent.firstError})`);
  check(rawSink.messages === needed && rawSink.recipients === 2 * needed, `raw nodemailer: sent ${needed} messages (${2 * needed} recipients), the sink received ${rawSink.messages} (${rawSink.recipients})`);
  check(rawSink.duplicates === 0 && rawSink.invalid === 0 && rawSink.errors === 0, `raw nodemailer: sink saw ${rawSink.duplicates} duplicates, ${rawSink.invalid} invalid, ${rawSink.errors} errors`);
  const rawDelivery = {
    msgPerSec: rawSink.windowRate,
    delivered: rawSink.messages,
    cpuMsPerMail: (cpuRaw1 - cpuRaw0) / 1000 / needed,
    sinkCpuMsPerMail: rawSink.cpuMicros / 1000 / rawSink.messages,
  };
  log(`raw nodemailer: ${fmt(rawDelivery.msgPerSec)} msg/s over mails ${WARMUP_MAILS}→${needed}; ${fmt(sent.accepted)} sent = ${fmt(rawSink.messages)} received; ${rawDelivery.cpuMsPerMail.toFixed(2)} ms CPU/mail (+ sink ${rawDelivery.sinkCpuMsPerMail.toFixed(2)})`);
  await raw.stop();

  // Report
  const acceptRatio = mr.result.reqPerSec / base.result.reqPerSec;
  const deliveryRatio = mrDelivery.msgPerSec / rawDelivery.msgPerSec;
  const elapsed = (performance.now() - started) / 1000;
  const busyAfter = await machineBusy(500);
  // label | mailroom | baseline name | baseline | ratio, in fixed columns
  const row = (label, a, bName, b, ratio = '') => `${label.padEnd(34)} mailroom ${a.padStart(11)}   ${bName.padEnd(14)} ${b.padStart(12)}   ${ratio}`.trimEnd();
  const lat = (l) => `${l.p50} / ${l.p99} ms`;
  const lines = [
    '',
    `Mailroom bench — ${new Date().toISOString().slice(0, 10)}, ${dbLabel}, node ${process.version}, ${cpus} CPUs, ${pinned ? 'server/sender on CPU0, load/sink on CPU1' : 'not pinned'}, ${Buffer.byteLength(body)}-byte body, sink: ${SINK_MODE}, ${elapsed.toFixed(0)} s`,
    row(`send_mail acceptance (${dbLabel})`, `${fmt(mr.result.reqPerSec)} req/s`, 'bare fastify', `${fmt(base.result.reqPerSec)} req/s`, `ratio ${acceptRatio.toFixed(3)}`),
    row(`  latency p50 / p99 (${CONNECTIONS} conns)`, lat(mr.result.latency), 'bare fastify', lat(base.result.latency)),
    row('  server CPU per request', `${fmt(mr.result.cpuMicrosPerReq)} µs`, 'bare fastify', `${fmt(base.result.cpuMicrosPerReq)} µs`),
    row('delivery into SMTP sink', `${fmt(mrDelivery.msgPerSec)} msg/s`, 'raw nodemailer', `${fmt(rawDelivery.msgPerSec)} msg/s`, `ratio ${deliveryRatio.toFixed(3)}`),
    row('  sender CPU per mail', `${mrDelivery.cpuMsPerMail.toFixed(2)} ms`, 'raw nodemailer', `${rawDelivery.cpuMsPerMail.toFixed(2)} ms`, `(${fmt(MAILS)} mails after ${WARMUP_MAILS} warm-up, pool of 5)`),
    `${'  machine busy before / after'.padEnd(34)} ${pct(busyBefore)} / ${pct(busyAfter)} (other processes; above 15 % the numbers are unreliable)`,
    `${'  checks'.padEnd(34)} ${problems.length === 0 ? `ok: ${fmt(queued)} accepted = ${fmt(queued)} rows; ${fmt(done)} delivered = ${fmt(mrSink.messages)} received; ${fmt(needed)} raw sent = ${fmt(rawSink.messages)} received` : `${problems.length} FAILED (see below)`}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const json = {
    bench: 'mailroom',
    date: new Date().toISOString(),
    database: usePostgres ? 'postgres' : 'sqlite',
    node: process.version,
    cpus,
    pinned,
    sink: SINK_MODE,
    logLevel: LOG_LEVEL,
    machineBusyBefore: round(busyBefore, 3),
    machineBusyAfter: round(busyAfter, 3),
    bodyBytes: Buffer.byteLength(body),
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    acceptance: {
      mailroom: { reqPerSec: round(mr.result.reqPerSec), p50Ms: mr.result.latency.p50, p99Ms: mr.result.latency.p99, cpuMicrosPerReq: round(mr.result.cpuMicrosPerReq), requests: mr.result.ok },
      bareFastify: { reqPerSec: round(base.result.reqPerSec), p50Ms: base.result.latency.p50, p99Ms: base.result.latency.p99, cpuMicrosPerReq: round(base.result.cpuMicrosPerReq), requests: base.result.ok },
      ratio: round(acceptRatio, 3),
    },
    delivery: {
      mails: MAILS,
      warmupMails: WARMUP_MAILS,
      mailroom: { msgPerSec: round(mrDelivery.msgPerSec), cpuMsPerMail: round(mrDelivery.cpuMsPerMail, 3), delivered: done, received: mrSink.messages },
      rawNodemailer: { msgPerSec: round(rawDelivery.msgPerSec), cpuMsPerMail: round(rawDelivery.cpuMsPerMail, 3), sent: sent.accepted, received: rawSink.messages },
      ratio: round(deliveryRatio, 3),
    },
    ok: problems.length === 0,
    problems,
  };
  process.stdout.write(JSON.stringify(json) + '\n');
  if (problems.length > 0) {
    loud(['BENCH CHECKS FAILED — the numbers above are not valid:', ...problems.map((p) => `  - ${p}`)]);
    process.exitCode = 1;
  }
}

function fmt(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  return Math.round(n).toLocaleString('en-US');
}
function pct(n) {
  return n === null || n === undefined ? 'n/a' : `${(n * 100).toFixed(0)} %`;
}
function round(n, digits = 1) {
  return n === null || n === undefined || !Number.isFinite(n) ? null : Number(n.toFixed(digits));
}

try {
  await main();
} catch (error) {
  if (interrupted) await new Promise(() => undefined); // the signal handler exits
  loud(['BENCH FAILED:', ...(error instanceof BenchFailure ? error.message : String(error?.stack ?? error)).split('\n')]);
  process.exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
