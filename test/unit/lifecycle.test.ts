import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ABSENT,
  IN_FLIGHT,
  MAIL_STATES,
  MAIL_TRANSITIONS,
  RECIPIENT_STATUS,
  RECIPIENT_STATUSES,
  RECIPIENT_TRANSITIONS,
  WAITING_STATUSES,
  mailMayMove,
  mailMoves,
  outcomeTransition,
  priorStates,
  recipientMayMove,
  recipientMoves,
  settleMail,
  targetOf,
  type AttemptOutcome,
  type MailState,
  type MailTransition,
  type RecipientStatus,
  type RecipientTransition,
  type SettledRecipient,
} from '../../src/mail/lifecycle.js';

/**
 * The lifecycle as it is specified (docs/decisions/0007-mail-lifecycle.md), written out edge by
 * edge: `name: from → to`, `-` for "no row yet". Every (transition, from, to) triple not listed
 * here must be refused.
 */
const MAIL_EDGES = [
  'accept: - → queued',
  'claim: queued → sending',
  'claim: sending → sending',
  'finish: sending → done',
  'retry: sending → queued',
  'skip: sending → skipped',
  'cancel: queued → cancelled',
  'reschedule: queued → queued',
  'release: queued → queued',
  'release: sending → queued',
];

const RECIPIENT_EDGES = [
  'accept: - → queued',
  'acceptBlocked: - → skipped',
  'claim: queued → queued',
  'claim: deferred → deferred',
  'handOver: queued → queued',
  'handOver: deferred → deferred',
  'sent: queued → sent',
  'sent: deferred → sent',
  'deferred: queued → deferred',
  'deferred: deferred → deferred',
  'bounced: queued → bounced',
  'bounced: deferred → bounced',
  'giveUp: queued → failed',
  'giveUp: deferred → failed',
  'skip: queued → skipped',
  'skip: deferred → skipped',
  'cancel: queued → skipped',
  'release: deferred → deferred',
  'lateBounce: sent → bounced',
  'remoteDelay: sent → sent',
  'remoteDelivery: sent → sent',
  'reply: sent → replied',
];

const edge = (name: string, from: string | null, to: string) => `${name}: ${from ?? '-'} → ${to}`;

test('mail transitions: every (transition, from, to) is allowed exactly when the specification lists it', () => {
  const names = Object.keys(MAIL_TRANSITIONS) as MailTransition[];
  assert.deepEqual(new Set(names), new Set(MAIL_EDGES.map((e) => e.split(':')[0])), 'no transition without an edge, no edge without a transition');
  let allowed = 0;
  let refused = 0;
  for (const name of names) {
    for (const from of [ABSENT, ...MAIL_STATES]) {
      for (const to of MAIL_STATES) {
        const expected = MAIL_EDGES.includes(edge(name, from, to));
        assert.equal(mailMayMove(name, from, to), expected, edge(name, from, to));
        if (expected) allowed += 1;
        else refused += 1;
      }
    }
  }
  assert.equal(allowed, MAIL_EDGES.length);
  assert.equal(allowed + refused, names.length * (MAIL_STATES.length + 1) * MAIL_STATES.length);
});

test('mail moves: every pair of states is allowed by exactly the transitions listed for it, all others refused', () => {
  for (const from of [ABSENT, ...MAIL_STATES]) {
    for (const to of MAIL_STATES) {
      const expected = MAIL_EDGES.filter((e) => e.endsWith(`: ${from ?? '-'} → ${to}`)).map((e) => e.split(':')[0]);
      assert.deepEqual(mailMoves(from, to).sort(), expected.sort(), `${from ?? '-'} → ${to}`);
    }
  }
  // Spot checks a reader can follow.
  assert.deepEqual(mailMoves('done', 'queued'), [], 'a done mail is never queued again');
  assert.deepEqual(mailMoves('sending', 'cancelled'), [], 'a started mail cannot be cancelled');
  assert.deepEqual(mailMoves(ABSENT, 'sending'), [], 'a mail is accepted queued');
});

test('recipient transitions: every (transition, from, to) is allowed exactly when the specification lists it', () => {
  const names = Object.keys(RECIPIENT_TRANSITIONS) as RecipientTransition[];
  assert.deepEqual(new Set(names), new Set(RECIPIENT_EDGES.map((e) => e.split(':')[0])));
  let allowed = 0;
  let refused = 0;
  for (const name of names) {
    for (const from of [ABSENT, ...RECIPIENT_STATUSES]) {
      for (const to of RECIPIENT_STATUSES) {
        const expected = RECIPIENT_EDGES.includes(edge(name, from, to));
        assert.equal(recipientMayMove(name, from, to), expected, edge(name, from, to));
        if (expected) allowed += 1;
        else refused += 1;
      }
    }
  }
  assert.equal(allowed, RECIPIENT_EDGES.length);
  assert.equal(allowed + refused, names.length * (RECIPIENT_STATUSES.length + 1) * RECIPIENT_STATUSES.length);
});

test('recipient moves: every pair of statuses is allowed by exactly the transitions listed for it, all others refused', () => {
  for (const from of [ABSENT, ...RECIPIENT_STATUSES]) {
    for (const to of RECIPIENT_STATUSES) {
      const expected = RECIPIENT_EDGES.filter((e) => e.endsWith(`: ${from ?? '-'} → ${to}`)).map((e) => e.split(':')[0]);
      assert.deepEqual(recipientMoves(from, to).sort(), expected.sort(), `${from ?? '-'} → ${to}`);
    }
  }
  assert.deepEqual(recipientMoves('sent', 'deferred'), [], 'a sent recipient is never overwritten by a later deferral');
  assert.deepEqual(recipientMoves('sent', 'bounced'), ['lateBounce'], 'only a late report (DSN, relay event) bounces a sent recipient');
  assert.deepEqual(recipientMoves('bounced', 'bounced'), [], 'a bounced recipient is not bounced again (a replayed report changes nothing)');
  assert.deepEqual(recipientMoves('deferred', 'skipped').sort(), ['skip'], 'cancel only skips recipients still queued');
  assert.deepEqual(recipientMoves('sent', 'replied'), ['reply'], 'a reply moves a sent recipient to replied');
  assert.deepEqual(recipientMoves('replied', 'replied'), [], 'a second reply changes no status');
  assert.deepEqual(recipientMoves('bounced', 'replied'), [], 'a bounced recipient is not made replied');
});

test('outcomes are final but for late reports on sent, waiting statuses are queued and deferred', () => {
  assert.deepEqual([...WAITING_STATUSES].sort(), ['deferred', 'queued']);
  for (const from of RECIPIENT_STATUSES) {
    const leaves = RECIPIENT_STATUSES.filter((to) => recipientMoves(from, to).length > 0);
    if (RECIPIENT_STATUS[from].waiting) assert.ok(leaves.length > 0, from);
    else if (from === 'sent') assert.deepEqual(leaves, ['sent', 'bounced', 'replied'], 'sent: late reports (remoteDelay/remoteDelivery keep it, lateBounce bounces it) and a reply');
    else assert.deepEqual(leaves, [], `${from} is final`);
  }
  for (const from of ['done', 'cancelled', 'skipped'] as const) {
    assert.deepEqual(MAIL_STATES.filter((to) => mailMoves(from, to).length > 0), [], `${from} is final`);
  }
  assert.deepEqual(
    Object.fromEntries(RECIPIENT_STATUSES.map((s) => [s, RECIPIENT_STATUS[s].action])),
    { queued: null, deferred: 'delayed', sent: 'delivered', bounced: 'failed', failed: 'failed', skipped: 'failed', replied: 'delivered' },
  );
});

test('targetOf and priorStates: a kept status stays, a refused start gives null, ABSENT is no SQL state', () => {
  assert.equal(targetOf<RecipientStatus>(RECIPIENT_TRANSITIONS.claim, 'deferred'), 'deferred');
  assert.equal(targetOf<RecipientStatus>(RECIPIENT_TRANSITIONS.claim, 'sent'), null);
  assert.equal(targetOf<MailState>(MAIL_TRANSITIONS.accept, ABSENT), 'queued');
  assert.deepEqual(priorStates<MailState>(MAIL_TRANSITIONS.accept), []);
  assert.deepEqual(priorStates<MailState>(MAIL_TRANSITIONS.claim), ['queued', 'sending']);
  assert.deepEqual(priorStates<RecipientStatus>(RECIPIENT_TRANSITIONS.cancel), ['queued']);
  assert.deepEqual(IN_FLIGHT, { none: 0, claimed: 1, handedOver: 2 });
});

test('outcomeTransition: each outcome of an attempt, in and past the retry window', () => {
  const expected: Record<AttemptOutcome, [RecipientTransition, RecipientTransition]> = {
    sent: ['sent', 'sent'],
    deferred: ['deferred', 'giveUp'],
    bounced: ['bounced', 'bounced'],
    failed: ['giveUp', 'giveUp'],
    skipped: ['skip', 'skip'],
  };
  for (const [outcome, [inWindow, expired]] of Object.entries(expected) as [AttemptOutcome, [RecipientTransition, RecipientTransition]][]) {
    assert.equal(outcomeTransition(outcome, false), inWindow, outcome);
    assert.equal(outcomeTransition(outcome, true), expired, `${outcome} expired`);
    // Every outcome is a move a recipient being attempted may make.
    for (const from of WAITING_STATUSES) {
      for (const t of [inWindow, expired]) assert.ok(RECIPIENT_TRANSITIONS[t].from.includes(from as never), `${t} from ${from}`);
    }
  }
});

test('settleMail: done when no recipient waits, else queued at the earliest retry (every combination of up to 3 recipients)', () => {
  const now = 1_000_000;
  // Each recipient: a status, and for waiting ones a retry time (none = due now, earlier, later).
  const variants: SettledRecipient[] = RECIPIENT_STATUSES.flatMap((status) =>
    RECIPIENT_STATUS[status].waiting
      ? [null, now - 500, now + 500, now + 9_000].map((nextAttemptAt) => ({ status, nextAttemptAt }))
      : [{ status, nextAttemptAt: null }],
  );
  const combos: SettledRecipient[][] = [[]];
  for (let size = 1; size <= 3; size += 1) {
    for (const base of combos.filter((c) => c.length === size - 1)) for (const v of variants) combos.push([...base, v]);
  }
  assert.equal(combos.length, 1 + variants.length + variants.length ** 2 + variants.length ** 3);
  for (const recipients of combos) {
    const settled = settleMail(recipients, now);
    const waiting = recipients.filter((r) => r.status === 'queued' || r.status === 'deferred');
    const label = JSON.stringify(recipients);
    if (waiting.length === 0) {
      assert.deepEqual({ transition: settled.transition, state: settled.state, dueAt: settled.dueAt }, { transition: 'finish', state: 'done', dueAt: null }, label);
    } else {
      assert.equal(settled.transition, 'retry', label);
      assert.equal(settled.state, 'queued', label);
      assert.equal(settled.dueAt, Math.min(...waiting.map((r) => r.nextAttemptAt ?? now)), label);
    }
    assert.equal(settled.anySent, recipients.some((r) => r.status === 'sent' || r.status === 'replied'), label);
    assert.ok(mailMayMove(settled.transition, 'sending', settled.state), label);
  }
});

test('settleMail: worked examples', () => {
  const now = 50;
  assert.deepEqual(settleMail([], now), { transition: 'finish', state: 'done', dueAt: null, anySent: false });
  assert.deepEqual(
    settleMail([{ status: 'sent', nextAttemptAt: null }, { status: 'bounced', nextAttemptAt: null }], now),
    { transition: 'finish', state: 'done', dueAt: null, anySent: true },
  );
  assert.deepEqual(
    settleMail([{ status: 'sent', nextAttemptAt: null }, { status: 'deferred', nextAttemptAt: 90 }, { status: 'deferred', nextAttemptAt: 70 }], now),
    { transition: 'retry', state: 'queued', dueAt: 70, anySent: true },
  );
  assert.deepEqual(
    settleMail([{ status: 'queued', nextAttemptAt: null }, { status: 'deferred', nextAttemptAt: 70 }], now),
    { transition: 'retry', state: 'queued', dueAt: 50, anySent: false },
    'a recipient not yet attempted is due now',
  );
});
