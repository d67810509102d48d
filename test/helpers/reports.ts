import nodemailer from 'nodemailer';

/**
 * Delivery reports as remote servers write them, for the inbound listener's tests: an RFC 3464 DSN
 * and an RFC 5965 (ARF) complaint about a message that went out.
 */
export function dsnMessage(input: { to: string; recipient: string; action: 'failed' | 'delayed' | 'delivered'; status: string; diagnostic: string; originalMessageId: string }): string {
  const boundary = 'dsn-boundary-1';
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.remote.example>',
    `To: ${input.to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <dsn.1@mx.remote.example>',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.remote.example.',
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.remote.example',
    '',
    `Final-Recipient: rfc822; ${input.recipient}`,
    `Original-Recipient: rfc822;${input.recipient}`,
    `Action: ${input.action}`,
    `Status: ${input.status}`,
    'Remote-MTA: dns; mailbox.remote.example',
    `Diagnostic-Code: smtp; ${input.diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: <${input.originalMessageId}>`,
    `To: ${input.recipient}`,
    'Subject: Hello',
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

export function arfComplaint(input: { to: string; returnPath: string; recipient: string; originalMessageId: string }): string {
  const boundary = 'arf-boundary-1';
  return [
    'From: Feedback Loop <fbl@isp.example>',
    `To: ${input.to}`,
    'Subject: Abuse report',
    'Message-ID: <arf.1@isp.example>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is an email abuse report.',
    '',
    `--${boundary}`,
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ISP-FBL/1.0',
    'Version: 1',
    `Original-Mail-From: <${input.returnPath}>`,
    `Original-Rcpt-To: <${input.recipient}>`,
    '',
    `--${boundary}`,
    'Content-Type: message/rfc822',
    '',
    `Return-Path: <${input.returnPath}>`,
    `Message-ID: <${input.originalMessageId}>`,
    `To: ${input.recipient}`,
    'Subject: Hello',
    '',
    'Hello there.',
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** Sends one message to an SMTP port; resolves with the server's answer or rejects with its refusal. */
export async function sendRaw(port: number, to: string[], raw: string | Buffer, from = ''): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope: { from, to }, raw });
    return info.response;
  } finally {
    transport.close();
  }
}
