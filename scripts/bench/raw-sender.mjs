// The delivery baseline: a raw nodemailer pool with Mailroom's pool settings (pool, maxConnections
// 5, maxMessages 100), in its own process (pinned to CPU0 by scripts/bench.mjs), sending messages
// equivalent to what Mailroom's worker composes (same headers, HTML + text alternative, one To,
// one Cc, Reply-To, both recipients in the envelope) into the same sink. All are handed to the
// pool at once; the text alternative is converted once, not per message.
import { randomBytes } from 'node:crypto';
import { convert } from 'html-to-text';
import nodemailer from 'nodemailer';
import { serve, emit, cpuMicros } from './ipc.mjs';

serve({
  cpu: () => cpuMicros(),
  send: async ({ port, count, mail }) => {
    const transporter = nodemailer.createTransport({
      pool: true,
      host: '127.0.0.1',
      port,
      secure: false,
      maxConnections: 5,
      maxMessages: 100,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 30_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    const text = convert(mail.content, { wordwrap: 78, selectors: [{ selector: 'img', format: 'skip' }] });
    const base = {
      from: { name: mail.from.user_name, address: mail.from.email },
      to: mail.to.map((a) => ({ name: a.user_name ?? '', address: a.email })),
      cc: mail.cc.map((a) => ({ name: a.user_name ?? '', address: a.email })),
      replyTo: { name: mail.reply_to.user_name ?? '', address: mail.reply_to.email },
      subject: mail.subject,
      html: mail.content,
      text,
      headers: { 'X-Mailer': 'Mailroom' },
      envelope: { from: mail.from.email, to: [...mail.to, ...mail.cc].map((a) => a.email) },
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    let accepted = 0;
    let rejected = 0;
    let failed = 0;
    let firstError = null;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: count }, () =>
        transporter
          .sendMail({ ...base, messageId: `<${randomBytes(32).toString('hex')}@bench.example>`, date: new Date() })
          .then((info) => {
            accepted += info.accepted.length === base.envelope.to.length ? 1 : 0;
            rejected += info.rejected.length;
          })
          .catch((error) => {
            failed += 1;
            firstError ??= String(error?.message ?? error);
          }),
      ),
    );
    const elapsedMs = performance.now() - started;
    transporter.close();
    return { accepted, rejected, failed, firstError, elapsedMs };
  },
});
emit('ready');
