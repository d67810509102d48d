// The MIME build of one delivery against nodemailer's own (issue 16 item 4), in one process:
// µs per message, the median of alternating timed batches, for
//   - nodemailer: MailComposer compile + build of the options raw-sender.mjs hands its pool
//     (html + a text alternative converted once, one To, one Cc, Reply-To), which is what
//     nodemailer's sendMail compiles per message;
//   - nodemailer + html-to-text: the same with the text alternative converted per message;
//   - mailroom: src/delivery/build-mime.ts composeMessage (html-to-text per message, List-Unsubscribe)
//     then the same MailComposer compile + build, as smtp-transport.ts does;
//   - mailroom + tracking: with the open pixel and tracked links (tracking/track-html.ts);
//   - mailroom + DKIM rsa-2048 / ed25519: with the signer of dkim/dkim-signing.ts (key unsealed once);
//   - PEM parse: crypto.createPrivateKey of each key, which mailauth repeats for every signature.
// Times are CPU time of this process (user + system) per message.
// Usage: npx tsc -p tsconfig.json && node scripts/bench/mime.mjs [--batches 15] [--batch-ms 60]
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { convert } from 'html-to-text';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { composeMessage } from '../../dist/src/delivery/build-mime.js';
import { dkimSignerFor } from '../../dist/src/dkim/dkim-signing.js';
import { createSecretBox } from '../../dist/src/secrets.js';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '15' }, 'batch-ms': { type: 'string', default: '60' } } });
const BATCHES = Number(values.batches);
const BATCH_MS = Number(values['batch-ms']);

// The bench's send_mail body (scripts/bench.mjs acceptance phase), as a stored mail.
const content =
  '<p>Dear Patricia,</p><p>Thank you for your interest in our <b>quarterly review</b>. Please find the agenda ' +
  'below and <a href="https://example.com/agenda">the full agenda online</a>.</p><ul><li>Results</li><li>Outlook</li>' +
  '<li>Questions</li></ul><p>Kind regards,<br>Sales team</p>';
const now = Date.UTC(2026, 11, 3, 12, 0, 0);
const mail = {
  message_id: '5a7d0c1e9b2f4a6c8e0d1f3a5b7c9e1d', org_id: 'org1', user_id: 'u1', module: 'Leads', record_id: 'r1',
  linked_module: null, linked_record_id: null, linked_record: null,
  from_email: 'patricia.boyle@example.com', from_name: 'Patricia Boyle', reply_to_email: 'sales@example.com', reply_to_name: 'Sales',
  subject: 'Quarterly review — agenda', content, mail_format: 'html', org_email: 0, in_reply_to: null, references_header: null,
  thread_id: null, source: 'api', state: 'sending', due_at: now, lane: 0, scheduled_at: null, scheduled_offset: null,
  lease_owner: 'w', lease_until: now + 60_000, attempts: 1, skip_reason: null, created_at: now, sent_at: null, updated_at: now,
};
const recipient = (position, kind, email, name) => ({
  id: `rcpt${position}`, message_id: mail.message_id, position, kind, email, name, status: 'queued', action: null, status_code: null,
  diagnostic: null, remote_mta: null, attempts: 0, in_flight: 1, possible_duplicate: 0, last_attempt_at: null, next_attempt_at: null, done_at: null,
});
const recipients = [recipient(0, 'to', 'lead@example.net', 'Lead Person'), recipient(1, 'cc', 'cc@example.net', 'Cc Person')];
const unsubscribe = { url: 'https://mailroom.example/unsubscribe/abcdefghijklmnopqrstuvwxyz0123456789', mailto: null };
const tracking = {
  pixelUrl: 'https://mailroom.example/t/o/abcdefghijklmnopqrstuvwxyz',
  trackedUrl: (target) => `https://mailroom.example/t/c/tok?u=${encodeURIComponent(target)}`,
};

const nodemailerOptions = (text) => ({
  from: { name: 'Patricia Boyle', address: mail.from_email },
  to: [{ name: 'Lead Person', address: 'lead@example.net' }],
  cc: [{ name: 'Cc Person', address: 'cc@example.net' }],
  replyTo: { name: 'Sales', address: 'sales@example.com' },
  subject: mail.subject,
  html: content,
  text,
  headers: { 'X-Mailer': 'Mailroom' },
  messageId: `<${randomBytes(16).toString('hex')}@bench.example>`,
  date: new Date(now),
  disableFileAccess: true,
  disableUrlAccess: true,
});
const htmlToText = (html) => convert(html, { wordwrap: 78, selectors: [{ selector: 'img', format: 'skip' }] });
const textOnce = htmlToText(content);
const build = (options) => new MailComposer({ ...options, disableFileAccess: true, disableUrlAccess: true }).compile().build();

const secrets = createSecretBox(randomBytes(32));
const pem = (type, opts) => generateKeyPairSync(type, opts).privateKey.export({ format: 'pem', type: 'pkcs8' });
const rsaPem = pem('rsa', { modulusLength: 2048 });
const edPem = pem('ed25519');
const key = (id, algorithm, privatePem) => ({ id, domain: 'example.com', selector: id, algorithm, private_key: secrets.seal(privatePem), created_at: now });
const ctx = { secrets, clock: { now: () => now }, log: { error: () => {} } };
const rsaSigner = dkimSignerFor(ctx, mail.from_email, [key('rsa1', 'rsa-sha256', rsaPem)]);
const edSigner = dkimSignerFor(ctx, mail.from_email, [key('ed1', 'ed25519-sha256', edPem)]);

const cases = {
  'nodemailer (text converted once)': () => build(nodemailerOptions(textOnce)),
  'nodemailer + html-to-text per message': () => build(nodemailerOptions(htmlToText(content))),
  'mailroom composeMessage + build': () => build(composeMessage(mail, recipients, 'mailroom.example', [], null, unsubscribe, null, null)),
  'mailroom + tracking': () => build(composeMessage(mail, recipients, 'mailroom.example', [], null, unsubscribe, tracking, null)),
  'mailroom + DKIM rsa-2048': async () => rsaSigner(await build(composeMessage(mail, recipients, 'mailroom.example', [], null, unsubscribe, null, null))),
  'mailroom + DKIM ed25519': async () => edSigner(await build(composeMessage(mail, recipients, 'mailroom.example', [], null, unsubscribe, null, null))),
  'PEM parse rsa-2048 (createPrivateKey)': () => createPrivateKey({ key: rsaPem, format: 'pem' }),
  'PEM parse ed25519 (createPrivateKey)': () => createPrivateKey({ key: edPem, format: 'pem' }),
  'AES-GCM unseal of the rsa key (cached away now)': () => secrets.open(key('x', 'rsa-sha256', rsaPem).private_key),
};

let kept = 0;
// CPU time of this process (user + system), not wall time: on a shared machine the wall clock
// counts other processes' turns too.
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
async function timed(fn, n) {
  const t0 = cpuMicros();
  for (let i = 0; i < n; i++) {
    const out = await fn();
    kept += out ? 1 : 0;
  }
  return (cpuMicros() - t0) / n;
}
async function calibrate(fn) {
  let n = 4;
  for (;;) {
    const ms = ((await timed(fn, n)) * n) / 1e3;
    if (ms >= BATCH_MS / 4) return Math.max(4, Math.round((n * BATCH_MS) / ms));
    n *= 4;
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const names = Object.keys(cases);
const sizes = {};
for (const name of names) {
  const out = await cases[name]();
  if (Buffer.isBuffer(out)) sizes[name] = out.length;
}
const counts = {};
for (const name of names) counts[name] = await calibrate(cases[name]);
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (let b = 0; b < BATCHES; b++) for (const name of names) samples[name].push(await timed(cases[name], counts[name]));

const result = Object.fromEntries(names.map((n) => [n, { us_per_message: Number(median(samples[n]).toFixed(1)), ...(sizes[n] ? { bytes: sizes[n] } : {}) }]));
const width = Math.max(...names.map((n) => n.length));
for (const n of names) console.log(`${n.padEnd(width)}  ${String(result[n].us_per_message).padStart(8)} µs${result[n].bytes ? `   ${result[n].bytes} bytes` : ''}`);
console.log(JSON.stringify({ node: process.version, batches: BATCHES, result, kept: kept > 0 }));
