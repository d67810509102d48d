/**
 * The mail lifecycle: which states a mail and its recipients can be in, and which named
 * transitions move them. Pure (no I/O): src/mail/lifecycle-repository.ts is the one module that
 * applies these transitions to the database, each as a compare-and-set on the prior states named
 * here, and nothing else writes `mails.state` or `mail_recipients.status`
 * (docs/decisions/0007-mail-lifecycle.md; test/unit/lifecycle-ownership.test.ts checks it).
 *
 * A mail is the queue entry: `queued` (due at `due_at`) → `sending` (leased to a worker) → `done`
 * (no recipient waits any more), or back to `queued` at the earliest retry; `cancelled` and
 * `skipped` end it without sending. Each recipient has its own DSN-like status: `queued` and
 * `deferred` wait for an attempt, `sent` / `bounced` / `failed` / `skipped` are outcomes.
 *
 * After the next hop's 2xx (issue 14), late reports move a `sent` recipient: `lateBounce` (a DSN or
 * relay event: `bounced`), `remoteDelay` and `remoteDelivery` (status kept, DSN action and the
 * remote's words recorded). The mail stays `done`: its state is the queue's, and the queue has
 * nothing more to do. Adding to the lifecycle is one row per transition:
 * - a complaint (feedback loop): a new status `complained` in RECIPIENT_STATUSES (not waiting, DSN
 *   action `delivered`) and a row `complain: { from: ['sent'], to: 'complained' }`.
 * - opened / clicked: engagement *events*, not statuses — a recipient can open and click in any
 *   order and several times, and stays `sent`. They go to an append-only events table with a
 *   repository of their own (src/tracking/).
 * - replied (issue 15 item 3): a status, `replied` (not waiting, DSN action `delivered`: a reply
 *   proves delivery), reached by `reply` from `sent` only. Its replies themselves are rows of
 *   `mail_replies` (src/replies/); a second reply keeps the status (the compare-and-set on `sent`
 *   does not apply), an auto-reply (RFC 3834) never applies it.
 * The unit test (test/unit/lifecycle.test.ts) iterates over every pair of states, so a new row is
 * tested allowed and every pair it does not name stays refused.
 */

/** The states of a mail (`mails.state`): its place in the queue. */
export const MAIL_STATES = ['queued', 'sending', 'done', 'cancelled', 'skipped'] as const;
export type MailState = (typeof MAIL_STATES)[number];

/**
 * The status of one recipient (`mail_recipients.status`), in DSN terms: `queued`, `deferred`
 * (4xx/timeout, retried at `next_attempt_at`), `sent` (the next hop answered 2xx), `bounced` (5xx),
 * `failed` (gave up), `skipped` (blocked, cancelled, no longer allowed when it fired), `replied`
 * (sent, and the person answered: a reply reached the inbound listener; it counts as delivered).
 */
export const RECIPIENT_STATUSES = ['queued', 'deferred', 'sent', 'bounced', 'failed', 'skipped', 'replied'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/** The DSN `action` (RFC 3464) recorded with a status. */
export type DsnAction = 'delivered' | 'delayed' | 'failed';

/**
 * What each recipient status means: `waiting` — the queue still owes it an attempt (the mail is
 * not done while one waits); `action` — the DSN action written with it.
 */
export const RECIPIENT_STATUS: Readonly<Record<RecipientStatus, Readonly<{ waiting: boolean; action: DsnAction | null }>>> = {
  queued: { waiting: true, action: null },
  deferred: { waiting: true, action: 'delayed' },
  sent: { waiting: false, action: 'delivered' },
  bounced: { waiting: false, action: 'failed' },
  failed: { waiting: false, action: 'failed' },
  skipped: { waiting: false, action: 'failed' },
  replied: { waiting: false, action: 'delivered' },
};

/** The statuses the queue still owes an attempt (`queued`, `deferred`). */
export const WAITING_STATUSES: readonly RecipientStatus[] = RECIPIENT_STATUSES.filter((s) => RECIPIENT_STATUS[s].waiting);

/**
 * `mail_recipients.in_flight`, the mark of an attempt under way (docs/decisions/0004): 0 none,
 * 1 claimed (the message cannot be complete at the server), 2 handed over (its final dot may have
 * gone). The recipient transitions `claim` set 1 (and flag `possible_duplicate` a recipient still
 * at 2), `handOver` sets 2 (fenced by the claim), every outcome and `skip` set 0.
 */
export const IN_FLIGHT = { none: 0, claimed: 1, handedOver: 2 } as const;

/** No row yet: the prior state of `accept`. */
export const ABSENT = null;
/** A transition that writes a recipient without changing its status (the attempt marks). */
export const KEEP = 'keep';

export type Transition<S extends string> = Readonly<{
  /** The states it may start from (compare-and-set: the database row must be in one of them). */
  from: readonly (S | typeof ABSENT)[];
  /** The state it leaves the row in (`KEEP`: the one it was in). */
  to: S | typeof KEEP;
  /** When it happens, and who applies it. */
  when: string;
}>;

/** Every transition of a mail. A pair of states no row names is refused. */
export const MAIL_TRANSITIONS = {
  accept: { from: [ABSENT], to: 'queued', when: 'send_mail commits the mail, due now or at its scheduled time' },
  claim: { from: ['queued', 'sending'], to: 'sending', when: 'a worker leases the due mail (from sending: the previous lease ran out)' },
  finish: { from: ['sending'], to: 'done', when: "the attempt's outcomes are recorded and no recipient waits" },
  retry: { from: ['sending'], to: 'queued', when: "the attempt's outcomes are recorded and a recipient waits: due at its earliest retry" },
  skip: { from: ['sending'], to: 'skipped', when: 'the mail may no longer go when it fired (fire-time checks)' },
  cancel: { from: ['queued'], to: 'cancelled', when: 'the user cancels a mail no worker has started (attempts = 0)' },
  reschedule: { from: ['queued'], to: 'queued', when: 'the user moves a mail no worker has started (attempts = 0) to another time' },
  release: { from: ['queued', 'sending'], to: 'queued', when: "a stopping worker gives its aborted mails back, due at once (sending: only under its own lease)" },
} as const satisfies Record<string, Transition<MailState>>;
export type MailTransition = keyof typeof MAIL_TRANSITIONS;

/** Every transition of a recipient. A pair of statuses no row names is refused. */
export const RECIPIENT_TRANSITIONS = {
  accept: { from: [ABSENT], to: 'queued', when: 'send_mail commits the mail' },
  acceptBlocked: { from: [ABSENT], to: 'skipped', when: 'send_mail commits the mail; the address is blocked for the org' },
  claim: { from: ['queued', 'deferred'], to: KEEP, when: 'the claim of its mail, when it is due: in_flight = 1' },
  handOver: { from: ['queued', 'deferred'], to: KEEP, when: 'right before the final dot, fenced by the claim: in_flight = 2' },
  sent: { from: ['queued', 'deferred'], to: 'sent', when: 'the next hop answered 2xx' },
  deferred: { from: ['queued', 'deferred'], to: 'deferred', when: '4xx, a timeout or a transport error: retried with back-off' },
  bounced: { from: ['queued', 'deferred'], to: 'bounced', when: '5xx: the address is blocked for the org' },
  giveUp: { from: ['queued', 'deferred'], to: 'failed', when: 'deferred past RETRY_MAX_AGE_HOURS, or our side cannot send it (refused server, credentials, a missing file)' },
  skip: { from: ['queued', 'deferred'], to: 'skipped', when: 'blocked since acceptance, or the mail may no longer go when it fired' },
  cancel: { from: ['queued'], to: 'skipped', when: 'its mail is cancelled' },
  release: { from: ['deferred'], to: 'deferred', when: 'a stopping worker gives its aborted mails back: due again at once' },
  lateBounce: { from: ['sent'], to: 'bounced', when: 'a DSN or a relay event reports, after the next hop took the message, that it bounced: the address is blocked for the org' },
  remoteDelay: { from: ['sent'], to: KEEP, when: "a DSN or a relay event says a later hop is still trying (action `delayed`, the remote's reason recorded)" },
  remoteDelivery: { from: ['sent'], to: KEEP, when: 'a DSN or a relay event reports delivery by a later hop (action `delivered`)' },
  reply: { from: ['sent'], to: 'replied', when: 'a reply of the person (not an auto-reply) reaches the inbound listener, matched to this recipient (src/replies/)' },
} as const satisfies Record<string, Transition<RecipientStatus>>;
export type RecipientTransition = keyof typeof RECIPIENT_TRANSITIONS;

/** Where a transition leaves a row that was in `from`, or null when it may not start there. */
export function targetOf<S extends string>(transition: Transition<S>, from: S | typeof ABSENT): S | null {
  if (!transition.from.includes(from)) return null;
  if (transition.to === KEEP) return from;
  return transition.to;
}

/** The names of the transitions that move a mail from `from` to `to`; empty: refused. */
export function mailMoves(from: MailState | typeof ABSENT, to: MailState): MailTransition[] {
  return movesIn(MAIL_TRANSITIONS, from, to);
}

/** The names of the transitions that move a recipient from `from` to `to`; empty: refused. */
export function recipientMoves(from: RecipientStatus | typeof ABSENT, to: RecipientStatus): RecipientTransition[] {
  return movesIn(RECIPIENT_TRANSITIONS, from, to);
}

/** Whether the named transition may move a mail from `from` to `to`. */
export function mailMayMove(transition: MailTransition, from: MailState | typeof ABSENT, to: MailState): boolean {
  return targetOf<MailState>(MAIL_TRANSITIONS[transition], from) === to;
}

/** Whether the named transition may move a recipient from `from` to `to`. */
export function recipientMayMove(transition: RecipientTransition, from: RecipientStatus | typeof ABSENT, to: RecipientStatus): boolean {
  return targetOf<RecipientStatus>(RECIPIENT_TRANSITIONS[transition], from) === to;
}

function movesIn<S extends string, N extends string>(table: Record<N, Transition<S>>, from: S | typeof ABSENT, to: S): N[] {
  return (Object.keys(table) as N[]).filter((name) => targetOf(table[name], from) === to);
}

/** The states a transition may start from, without ABSENT: for a compare-and-set's WHERE. */
export function priorStates<S extends string>(transition: Transition<S>): S[] {
  return transition.from.filter((s): s is S => s !== ABSENT);
}

/**
 * What one attempt found for a recipient: the transport's verdict, or `failed` (our side gave up:
 * refused server, credentials, a missing file) and `skipped` (the address is blocked).
 */
export type AttemptOutcome = 'sent' | 'deferred' | 'bounced' | 'failed' | 'skipped';

/** The recipient transitions that record an attempt's outcome. */
export type OutcomeTransition = Extract<RecipientTransition, 'sent' | 'deferred' | 'bounced' | 'giveUp' | 'skip'>;

/**
 * The recipient transition an attempt's outcome is recorded with. A deferral of mail older than
 * the retry window (`expired`) gives up instead (its 4.x.x code is then reported as 5.x.x).
 */
export function outcomeTransition(outcome: AttemptOutcome, expired: boolean): OutcomeTransition {
  switch (outcome) {
    case 'sent':
      return 'sent';
    case 'bounced':
      return 'bounced';
    case 'failed':
      return 'giveUp';
    case 'skipped':
      return 'skip';
    case 'deferred':
      return expired ? 'giveUp' : 'deferred';
  }
}

/** A recipient as the mail's next state needs it: its status after this attempt, and its retry time. */
export type SettledRecipient = Readonly<{ status: RecipientStatus; nextAttemptAt: number | null }>;

/** What recording an attempt does to its mail. */
export type MailSettlement = Readonly<{
  transition: 'finish' | 'retry';
  state: MailState;
  /** When the mail is due again (the earliest retry of a waiting recipient); null when done. */
  dueAt: number | null;
  /** Some recipient was delivered (`sent`, or later `replied`): the mail's `sent_at` is set, if it was not yet. */
  anySent: boolean;
}>;

/**
 * The mail's next state once an attempt's outcomes are recorded, from every recipient's status
 * after them: `done` when no recipient waits; otherwise back to `queued`, due at the earliest
 * retry (a waiting recipient without a retry time is due `now`).
 */
export function settleMail(recipients: readonly SettledRecipient[], now: number): MailSettlement {
  let dueAt: number | null = null;
  let anySent = false;
  for (const r of recipients) {
    if (RECIPIENT_STATUS[r.status].waiting) dueAt = Math.min(dueAt ?? Infinity, r.nextAttemptAt ?? now);
    if (RECIPIENT_STATUS[r.status].action === 'delivered') anySent = true;
  }
  const transition = dueAt === null ? 'finish' : 'retry';
  return { transition, state: MAIL_TRANSITIONS[transition].to, dueAt, anySent };
}
