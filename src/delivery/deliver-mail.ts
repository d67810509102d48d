import type { Context } from '../context.js';
import { dkimSignerFor } from '../dkim/dkim-signing.js';
import { retryWhileDatabaseUnavailable } from '../db/availability.js';
import { blockAddress } from '../mail/blocked-addresses.js';
import { classifyBounce } from '../bounces/classify.js';
import { verpAddress, VERP_KEY_INFO } from '../bounces/verp.js';
import { IN_FLIGHT, RECIPIENT_TRANSITIONS, WAITING_STATUSES, outcomeTransition, settleMail, type AttemptOutcome, type SettledRecipient } from '../mail/lifecycle.js';
import { recordOutcomes as recordOutcomeWrites, skipMail as skipMailWrites, type ClaimedMail, type RecipientOutcomeWrite } from '../mail/lifecycle-repository.js';
import type { MailRow, RecipientRow } from '../mail/mail-repository.js';
import type { GroupCommit } from '../db/group-commit.js';
import { eventGateFor } from '../webhooks/event-gate.js';
import { composeMessage, type LoadedFile } from './build-mime.js';
import { replyToOf } from '../replies/reply-address.js';
import { consentLinkOfMail, consentUrl } from '../compliance/consent-links.js';
import { listUnsubscribe } from '../compliance/list-unsubscribe.js';
import { messageTracking } from '../tracking/message-tracking.js';
import { fireTimeRefusal, loadDeliveryFacts, type DeliveryFacts } from './fire-time-checks.js';
import { hasExpired, permanentStatus, retryDelayMs } from './retry-policy.js';
import { markUserSmtpFailing } from './smtp-failure-repository.js';
import { TransportConfigError, type SendResult } from './transport.js';
import type { Route, TransportRegistry } from './transports.js';
import type { HandoverLog } from './handover-log.js';
import { faultPoint } from '../faults.js';

/**
 * One delivery attempt of a claimed mail: send to every recipient that is due, record each
 * outcome, then either finish the mail or put it back in the queue for its deferred recipients.
 *
 * Invariant: the mail MUST leave `sending` on every path that returns, and every recipient the
 * claim marked `in_flight` gets an outcome that clears the mark; if the process dies instead, the
 * lease expires and the mail is claimed again, and the new claim flags `possible_duplicate` the
 * recipients whose message had been handed over. Every state and status it writes is a named
 * transition of the mail lifecycle (src/mail/lifecycle.ts), applied by lifecycle-repository.ts.
 */
export async function deliverMail(
  ctx: Context,
  transports: TransportRegistry,
  handovers: HandoverLog,
  commits: GroupCommit,
  claimed: ClaimedMail,
  workerId: string,
): Promise<void> {
  const now = ctx.clock.now();
  // The claim read every recipient of the mail with it.
  const { mail, recipients: all } = claimed;
  // The claim marked the recipients due at that moment `in_flight`: exactly those are attempted.
  const due = all.filter((r) => r.in_flight === IN_FLIGHT.claimed && WAITING_STATUSES.includes(r.status));
  if (due.length === 0) {
    await retryWhileDatabaseUnavailable(ctx.log, 'delivery.record', { message_id: mail.message_id }, () =>
      recordOutcomes(ctx, commits, mail, all, new Map(), workerId),
    );
    return;
  }
  // One read for the fire-time re-checks, the blocked addresses and everything the message is
  // built and signed with.
  const facts = await loadDeliveryFacts(ctx, mail, due.map((r) => r.email));
  const refusal = await fireTimeRefusal(ctx, mail, facts);
  if (refusal) {
    await skipMail(ctx, commits, mail, due, refusal, workerId);
    return;
  }

  const uncertain = mail.attempts > 1 ? due.filter((r) => r.possible_duplicate === 1).length : 0;
  if (uncertain > 0) {
    ctx.log.warn({ event: 'delivery.outcome_unknown', message_id: mail.message_id, recipients: uncertain }, 'retrying recipients whose earlier attempt may have been delivered');
  }

  // Addresses blocked since acceptance (a bounce of another mail) are not attempted.
  const blocked = new Set(facts.blockedEmails);
  const outcomes = new Map<string, Outcome>();
  for (const r of due) {
    if (blocked.has(r.email.toLowerCase())) {
      outcomes.set(r.id, { kind: 'skipped', statusCode: '5.7.1', diagnostic: 'address is blocked for this organisation (earlier bounce)', remoteMta: null });
    }
  }
  const attempt = due.filter((r) => !outcomes.has(r.id));

  if (attempt.length > 0) {
    const route = await transports.routeFor(mail, facts.userSmtp);
    let result: SendResult | null = null;
    let failure: Outcome | null = null;
    const files = await loadFiles(ctx, facts.files);
    const consentLink = mail.consent_email === 1 ? await consentLinkOfMail(ctx.db, mail.org_id, mail.message_id) : null;
    const unsubscribe = listUnsubscribe(ctx, all, facts.org);
    const tracking = await messageTracking(ctx, mail, all, facts);
    const sign = dkimSignerFor(ctx, mail.from_email, facts.dkimKeys);
    if (files === null) {
      // Never send a mail without the files it was accepted with.
      failure = { kind: 'failed', statusCode: '5.3.0', diagnostic: 'a file this mail carries is no longer stored', remoteMta: null };
    } else if (consentLink === undefined) {
      // Nor a consent email without its consent link.
      failure = { kind: 'failed', statusCode: '5.3.0', diagnostic: 'the consent link of this mail is no longer stored', remoteMta: null };
    } else if (route.kind === 'refused') {
      failure = { kind: 'failed', statusCode: '5.3.5', diagnostic: `SMTP server refused by policy: ${route.reason}`, remoteMta: null };
    } else {
      const started = performance.now();
      const destination = metricsDestination(ctx, route);
      try {
        result = await route.transport.send({
          orgId: mail.org_id,
          messageId: mail.message_id,
          message: composeMessage(mail, all, ctx.config.messageIdDomain, files, consentLink ? consentUrl(ctx, consentLink) : null, unsubscribe, tracking, replyToOf(ctx, mail, all)),
          envelope: { from: mail.from_email, to: attempt.map((r) => r.email), ...returnPathsOf(ctx, attempt) },
          handOver: (recipients) => handovers.record({ workerId, messageId: mail.message_id, attempt: mail.attempts }, idsOf(attempt, recipients)),
          ...(sign ? { sign } : {}),
        });
        faultPoint('delivery.after_reply');
        ctx.metrics.smtpTransaction(destination, 'ok', (performance.now() - started) / 1000);
      } catch (error) {
        ctx.metrics.smtpTransaction(destination, 'error', (performance.now() - started) / 1000);
        if (error instanceof TransportConfigError && route.kind === 'user') {
          // The user's server refused our credentials: the user must fix the settings; later
          // send_mail calls answer CUSTOM_ERROR until then.
          await markUserSmtpFailing(ctx.db, { userId: route.settings.user_id, at: now, reason: error.diagnostic });
          failure = { kind: 'failed', statusCode: '5.7.8', diagnostic: error.diagnostic, remoteMta: null };
        } else {
          const diagnostic = error instanceof TransportConfigError ? error.diagnostic : error instanceof Error ? error.message : String(error);
          failure = { kind: 'deferred', statusCode: '4.3.0', diagnostic, remoteMta: null };
          ctx.log.error({ err: error, event: 'delivery.transport_error', message_id: mail.message_id }, 'transport failed');
        }
      }
    }
    for (const r of attempt) {
      const outcome = result?.outcomes.find((o) => o.email.toLowerCase() === r.email.toLowerCase());
      if (outcome) {
        outcomes.set(r.id, {
          kind: outcome.kind,
          statusCode: outcome.statusCode,
          diagnostic: outcome.diagnostic,
          remoteMta: result!.remoteMta,
          uncertain: outcome.uncertain === true,
        });
      }
      else outcomes.set(r.id, failure ?? { kind: 'deferred', statusCode: '4.0.0', diagnostic: 'no outcome reported', remoteMta: null });
    }
  }

  // The outcomes exist only in memory now: a database outage delays their write (retried with
  // back-off) instead of losing them, which would mean sending again (docs/reliability.md b.1 #10).
  await retryWhileDatabaseUnavailable(ctx.log, 'delivery.record', { message_id: mail.message_id }, () =>
    recordOutcomes(ctx, commits, mail, all, outcomes, workerId),
  );
}

/** The ids of the attempted recipients a transaction names (by address, as the envelope has them). */
function idsOf(attempt: readonly RecipientRow[], emails: readonly string[]): string[] {
  const wanted = new Set(emails.map((e) => e.toLowerCase()));
  return attempt.filter((r) => wanted.has(r.email.toLowerCase())).map((r) => r.id);
}

/** Ends a mail that may no longer go (lifecycle `skip`): its due recipients `skipped` with the reason, nothing sent. */
async function skipMail(ctx: Context, commits: GroupCommit, mail: MailRow, due: readonly RecipientRow[], reason: string, workerId: string): Promise<void> {
  const gate = await eventGateFor(ctx, mail.org_id);
  const now = ctx.clock.now();
  await commits.run((tx) => skipMailWrites(tx, { mail, workerId, recipients: due, reason, now }, gate));
  ctx.log.info({ event: 'delivery.skipped', message_id: mail.message_id, reason }, 'mail skipped at send time');
}

/** The bytes of every file the mail carries, or null when one of them is missing from storage. */
async function loadFiles(ctx: Context, carried: DeliveryFacts['files']): Promise<LoadedFile[] | null> {
  const loaded: LoadedFile[] = [];
  for (const file of carried) {
    const bytes = await ctx.files.get(file.file_id);
    if (!bytes) return null;
    loaded.push({ kind: file.kind, fileId: file.file_id, name: file.name, contentType: file.content_type, contentId: file.content_id, bytes });
  }
  return loaded;
}

/**
 * What happened to one recipient in this attempt: the transport's verdict, or `failed` (our side
 * gave up: refused server, credentials) and `skipped` (blocked address), which block nothing.
 */
type Outcome = {
  kind: AttemptOutcome;
  statusCode: string;
  diagnostic: string;
  remoteMta: string | null;
  /** The message may have been delivered although no reply was read: a retry is a possible duplicate. */
  uncertain?: boolean;
};

/**
 * Records the attempt (lifecycle-repository `recordOutcomes`, in the worker's group commit: the
 * outcomes of concurrent attempts share one transaction and commit, and this resolves only after
 * that commit): each recipient's outcome as its lifecycle transition, and the mail's next state
 * from every recipient's status after them (lifecycle `settleMail`). A bounced address is blocked
 * for the org in the same transaction, by the claim that still holds the lease. Until the commit
 * the lease is held: a crash before it leaves the mail to be claimed again (possible_duplicate for
 * recipients handed over), as with a transaction of its own.
 */
async function recordOutcomes(
  ctx: Context,
  commits: GroupCommit,
  mail: MailRow,
  all: readonly RecipientRow[],
  outcomes: Map<string, Outcome>,
  workerId: string,
): Promise<void> {
  const now = ctx.clock.now();
  const { firstRetryMs, maxAgeMs } = ctx.config.delivery;
  const expired = hasExpired(mail.created_at, now, maxAgeMs);
  const writes: RecipientOutcomeWrite[] = [];
  const after: SettledRecipient[] = [];
  for (const r of all) {
    const outcome = outcomes.get(r.id);
    if (!outcome) {
      after.push({ status: r.status, nextAttemptAt: r.next_attempt_at });
      continue;
    }
    const transition = outcomeTransition(outcome.kind, expired);
    // A deferral that ran out of time is reported as permanent (4.x.x → 5.x.x).
    const statusCode = outcome.kind === 'deferred' && transition === 'giveUp' ? permanentStatus(outcome.statusCode) : outcome.statusCode;
    const nextAttemptAt = transition === 'deferred' ? now + retryDelayMs(r.attempts + 1, firstRetryMs) : null;
    writes.push({
      recipient: r,
      transition,
      statusCode,
      diagnostic: outcome.diagnostic,
      remoteMta: outcome.remoteMta,
      nextAttemptAt,
      uncertain: outcome.uncertain === true,
      ...(transition === 'bounced' ? { bounce: bounceFields(statusCode, outcome.diagnostic) } : {}),
    });
    after.push({ status: RECIPIENT_TRANSITIONS[transition].to, nextAttemptAt });
  }
  const settle = settleMail(after, now);
  const gate = await eventGateFor(ctx, mail.org_id);
  const { holdsLease } = await commits.run((tx) => recordOutcomeWrites(tx, { mail, workerId, now, settle, outcomes: writes }, async (tx, write) => {
    if (write.transition !== 'bounced') return;
    // The receiving server refused this address: block it for the org (for ever after a hard
    // bounce such as 5.1.1, no such user: unblock_email then refuses).
    const bounce = classifyBounce({ status: write.statusCode, action: 'failed', diagnostic: write.diagnostic });
    await blockAddress(
      tx,
      { orgId: mail.org_id, email: write.recipient.email, reason: write.diagnostic, statusCode: write.statusCode, at: now, permanent: bounce.outcome === 'hard', category: bounce.category, subCategory: bounce.subCategory },
      ctx,
    );
  }, gate));
  if (!holdsLease) ctx.log.warn({ event: 'delivery.lease_lost', message_id: mail.message_id }, 'the lease ran out during the attempt; only its deliveries were recorded');
  const counts = [...outcomes.values()].reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind]: (acc[o.kind] ?? 0) + 1 }), {});
  for (const [status, count] of Object.entries(counts)) ctx.metrics.recipientOutcome(status, count);
  ctx.log.info({ event: 'delivery.attempted', message_id: mail.message_id, ...counts }, 'delivery attempt recorded');
}

/** Zoho's category / sub_category of a bounce the next hop answered at once (5xx). */
function bounceFields(statusCode: string, diagnostic: string): { category: string | null; subCategory: string | null } {
  const bounce = classifyBounce({ status: statusCode, action: 'failed', diagnostic });
  return { category: bounce.category, subCategory: bounce.subCategory };
}

/**
 * With BOUNCE_ADDRESS, each recipient's own return path (VERP: `bounces+<token>@domain`, the token
 * naming the recipient under an HMAC), so a late bounce finds its recipient; the transport then
 * sends one transaction per recipient. Without it, the From address is the return path.
 */
function returnPathsOf(ctx: Context, attempt: readonly RecipientRow[]): { returnPaths?: ReadonlyMap<string, string> } {
  const bounceAddress = ctx.config.bounceAddress;
  if (bounceAddress === null) return {};
  const key = ctx.secrets.derive(VERP_KEY_INFO);
  return { returnPaths: new Map(attempt.map((r) => [r.email.toLowerCase(), verpAddress(bounceAddress, r.id, key)])) };
}

/**
 * The SMTP destination as a metrics label, bounded: `relay:<host>` (the operator's one relay),
 * `mailbox`, and `user` for users' own servers (`user:<host>` with METRICS_USER_SMTP_HOSTS).
 */
function metricsDestination(ctx: Context, route: Exclude<Route, { kind: 'refused' }>): string {
  if (route.kind === 'user') return ctx.config.metrics.userSmtpHosts ? `user:${route.settings.host.toLowerCase()}` : 'user';
  if (route.kind === 'mailbox') return 'mailbox';
  return relayLabel(ctx.config.smtpUrl);
}

/** `relay:<host>` of SMTP_URL, parsed once per process (per value: tests run several configs). */
const relayLabels = new Map<string | null, string>();
function relayLabel(smtpUrl: string | null): string {
  let label = relayLabels.get(smtpUrl);
  if (label === undefined) {
    label = smtpUrl ? `relay:${new URL(smtpUrl).hostname}` : 'relay';
    if (relayLabels.size < 16) relayLabels.set(smtpUrl, label);
  }
  return label;
}
