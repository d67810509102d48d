// The request body parser's cost against JSON.parse, in its own process (pinned to CPU0 by
// scripts/bench.mjs). Reads {bodies: [{name, text}]} as JSON on stdin and writes one JSON line:
// per body, ns per parse of JSON.parse, of Mailroom's parseJsonBody (dist/src/wire/json-body.js:
// depth bound, exact 19-digit ids, no __proto__) and of lossless-json on its own (what every body
// would cost without the fast path), each the median of alternating timed batches.
import { parse as parseLossless } from 'lossless-json';
import { parseJsonBody } from '../../dist/src/wire/json-body.js';

const BATCHES = 15;
const BATCH_MS = 40;

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => (text += chunk));
  process.stdin.on('end', () => resolve(text));
}));

let sink = 0; // keeps the results alive, so nothing is optimised away
const keep = (value) => {
  sink += typeof value === 'object' && value !== null ? 1 : 0;
};

/** ns per call of fn(text): iterations per batch calibrated to ~BATCH_MS, median of BATCHES batches. */
function calibrate(fn, text) {
  let n = 100;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) keep(fn(text));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= BATCH_MS / 4) return Math.max(100, Math.round((n * BATCH_MS) / ms));
    n *= 4;
  }
}
function batch(fn, text, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) keep(fn(text));
  return Number(process.hrtime.bigint() - t0) / n;
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const parsers = {
  jsonParse: (text) => JSON.parse(text),
  parseJsonBody: (text) => parseJsonBody(text),
  losslessJson: (text) => parseLossless(text, null, (digits) => Number(digits)),
};

const results = {};
for (const { name, text } of input.bodies) {
  const sizes = Object.fromEntries(Object.entries(parsers).map(([key, fn]) => [key, calibrate(fn, text)]));
  const times = Object.fromEntries(Object.keys(parsers).map((key) => [key, []]));
  // Alternate the parsers batch by batch, so a busy moment of the machine hits them alike.
  for (let b = 0; b < BATCHES; b++) for (const [key, fn] of Object.entries(parsers)) times[key].push(batch(fn, text, sizes[key]));
  results[name] = { bytes: Buffer.byteLength(text), ...Object.fromEntries(Object.entries(times).map(([key, values]) => [`${key}Ns`, median(values)])) };
}

// What the numeric-ids body parses to: its ids exact (bigint), where JSON.parse rounds them.
const exact = input.bodies.find((b) => b.name === 'numericIds');
const ids = exact ? JSON.parse(JSON.stringify(parseJsonBody(exact.text), (_key, value) => (typeof value === 'bigint' ? `${value}n` : value))) : null;
process.stdout.write(`${JSON.stringify({ results, ids, sink })}\n`);
