#!/usr/bin/env node
/**
 * The top frames of a V8 CPU profile written by `BENCH_CPU_PROF=<folder> npm run bench …`:
 *
 *   node scripts/bench/profile-top.mjs <file.cpuprofile> [--by self|package|inclusive] [--from S] [--to S] [--top N] [--timeline]
 *
 * --by self       time spent in each function itself (default)
 * --by package    self time summed by npm package / Mailroom source folder (SQLite's own work apart)
 * --by inclusive  time spent in each function and what it called (each sample counted once per function)
 * --from/--to     only the samples between these seconds of the profile (a phase: see --timeline)
 * --timeline      how busy the process was in each second (to find the phases' windows)
 * Idle samples are left out of the percentages, which are of the busy time in the window.
 */
import fs from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d/.test(a));
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
if (!file) {
  process.stderr.write('usage: node scripts/bench/profile-top.mjs <file.cpuprofile> [--by self|package|inclusive] [--from S] [--to S] [--top N] [--timeline]\n');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const by = option('--by', 'self');
const from = Number(option('--from', 0)) * 1e6;
const to = Number(option('--to', Infinity)) * 1e6;
const top = Number(option('--top', 30));

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const idle = (n) => n.callFrame.functionName === '(idle)';
const short = (url) => url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '');
const fnKey = (n) => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const packageKey = (n) => {
  const url = n.callFrame.url;
  // better-sqlite3 runs SQLite synchronously inside Kysely's driver call: its time shows there.
  if (/kysely\/dist\/esm\/dialect\/sqlite\/sqlite-driver\.js$/.test(url)) return 'SQLite itself (better-sqlite3, in kysely/sqlite-driver)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /dist\/(src\/[^/]+)/.exec(url);
  if (own) return own[1];
  return url.startsWith('node:') ? url : n.callFrame.functionName || '(native)';
};

if (args.includes('--timeline')) {
  let clock = 0;
  const seconds = new Map();
  profile.samples.forEach((id, i) => {
    clock += profile.timeDeltas[i] ?? 0;
    const s = Math.floor(clock / 1e6);
    const bucket = seconds.get(s) ?? { busy: 0, all: 0 };
    bucket.all += profile.timeDeltas[i] ?? 0;
    if (!idle(nodes.get(id))) bucket.busy += profile.timeDeltas[i] ?? 0;
    seconds.set(s, bucket);
  });
  for (const [s, b] of seconds) process.stdout.write(`${String(s).padStart(4)} s  ${String(Math.round((100 * b.busy) / b.all)).padStart(3)} % busy\n`);
  process.exit(0);
}

const totals = new Map();
let busy = 0;
let clock = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  clock += dt;
  if (clock < from || clock > to) return;
  const node = nodes.get(id);
  if (idle(node)) return;
  busy += dt;
  if (by === 'inclusive') {
    const seen = new Set();
    for (let n = node; n; n = nodes.get(parent.get(n.id))) seen.add(fnKey(n));
    for (const key of seen) totals.set(key, (totals.get(key) ?? 0) + dt);
  } else {
    const key = by === 'package' ? packageKey(node) : fnKey(node);
    totals.set(key, (totals.get(key) ?? 0) + dt);
  }
});
process.stdout.write(`${file}: ${(busy / 1e6).toFixed(1)} s busy in the window; by ${by}\n`);
for (const [key, t] of [...totals].filter(([k]) => !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`${((100 * t) / busy).toFixed(1).padStart(6)} %  ${key}\n`);
}
