import nodemailer from 'nodemailer';
import type { Context } from '../context.js';
import { insertMailboxMessage } from '../mailbox/mailbox-repository.js';
import { withSubjectField, type MailTransport, type OutgoingMail, type SendResult } from './transport.js';

/**
 * The local mailbox: with no SMTP relay configured, each message is composed exactly as it would
 * go on the wire and kept in the database (so every process sees it), readable at /mailbox.
 */
export function createMailboxTransport(ctx: Context): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    name: 'mailbox',
    async send(mail: OutgoingMail): Promise<SendResult> {
      const info = await composer.sendMail({ ...mail.message, envelope: mail.envelope });
      const raw = withSubjectField(info.message as Buffer, mail.message).toString('utf8');
      // Storing the message is this transport's point of no return.
      await mail.handOver(mail.envelope.to);
      await insertMailboxMessage(ctx.db, {
        id: ctx.ids.next(),
        org_id: mail.orgId,
        message_id: mail.messageId,
        envelope_from: mail.envelope.from,
        envelope_to: JSON.stringify(mail.envelope.to),
        subject: String(mail.message.subject ?? ''),
        raw,
        created_at: ctx.clock.now(),
      });
      return {
        remoteMta: 'mailbox',
        outcomes: mail.envelope.to.map((email) => ({ email, kind: 'sent', statusCode: '2.0.0', diagnostic: '250 2.0.0 kept in the local mailbox' })),
      };
    },
    close() {
      composer.close();
    },
  };
}
