/**
 * Reply-code semantics and back-off (docs/reliability.md P5). Pure.
 * 2yz → sent; 4yz, timeouts and dropped connections → deferred and retried with exponential
 * back-off; 5yz → bounced for that recipient, no retry. A recipient still deferred after the
 * maximum age fails for good, its 4.x.x status rewritten to 5.x.x.
 */
const MAX_BACKOFF_MS = 60 * 60 * 1000;

export function retryDelayMs(attempt: number, firstRetryMs: number): number {
  return Math.min(firstRetryMs * 2 ** Math.max(0, attempt - 1), Math.max(MAX_BACKOFF_MS, firstRetryMs));
}

export function hasExpired(createdAt: number, now: number, maxAgeMs: number): boolean {
  return now - createdAt >= maxAgeMs;
}

/** `4.4.1` → `5.4.1`: a temporary failure that ran out of time is reported as permanent. */
export function permanentStatus(statusCode: string): string {
  return statusCode.replace(/^4\./, '5.');
}

/** Enhanced status code from an SMTP reply (`550 5.1.1 User unknown`), or the class default. */
export function enhancedStatus(reply: string | undefined, smtpCode: number | undefined): string {
  const match = reply ? /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(reply.trim()) : null;
  if (match) return match[1]!;
  if (smtpCode && smtpCode >= 200 && smtpCode < 300) return '2.0.0';
  if (smtpCode && smtpCode >= 500) return '5.0.0';
  return '4.0.0';
}
