import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultPeer, SmtpFault } from './peer.js';
import type { MailroomProcess } from './processes.js';
import type { DatabaseKind, World } from './world.js';

/**
 * One trial: a burst of mails through the HTTP API (as a careful client sends them), one fault
 * injected at a seeded random moment while the burst is being accepted and delivered, then
 * wait until every mail of the trial is done, and compare what Mailroom accepted and recorded
 * with what the peer received.
 */
export type ProcessFault = 'kill-single' | 'kill-worker' | 'kill-api' | 'pg-terminate';
export type FaultName = ProcessFault | SmtpFault;

export type FaultSpec = { name: FaultName; databases: readonly DatabaseKind[]; what: string };

export type TrialSettings = {
  mails: number;
  /** The burst's requests are spread over this window; the fault falls inside it. */
  sendWindowMs: number;
  drainTimeoutMs: number;
  /** How long a request answered 409 IDEMPOTENCY_IN_PROGRESS is retried before the client gives up. */
  inProgressWaitMs: number;
  /** Faulted occasions per SMTP fault trial. */
  smtpFaultCount: number;
};

export type TrialResult = {
  accepted: number;
  delivered: number;
  terminal: number;
  lost: number;
  duplicates: number;
  unflagged: number;
  flaggedWithoutDuplicate: number;
  ghosts: number;
  /** Requests the client gave up on (409 for longer than it waits), and items refused with a 4xx. */
  gaveUp: number;
  refused: number;
  /** Faulted occasions that really happened (SMTP faults), or 1. */
  injected: number;
  recoveryMs: number | null;
  drainMs: number | null;
  drained: boolean;
  /** Processes that died on their own during the trial (restarted by the suite). */
  deaths: number;
  problems: string[];
};

const MAILS_PER_REQUEST = 5;

export async function runTrial(world: World, peer: FaultPeer, fault: FaultSpec, prefix: string, random: () => number, settings: TrialSettings): Promise<TrialResult> {
  const problems: string[] = [];
  const deathsBefore = world.processes.reduce((n, p) => n + p.deaths, 0);
  const answers: number[] = [];
  const start = Date.now();
  let faultTime: number | null = null;

  // The fault, at a seeded moment inside the send window (an SMTP fault early in it, so that
  // enough of the burst is still to be delivered when it strikes).
  const share = fault.name in PROCESS_FAULTS ? 0.1 + 0.8 * random() : 0.3 * random();
  const faultDelay = Math.round(share * settings.sendWindowMs);
  const victimIndex = Math.floor(random() * world.workers.length);
  const injection = (async () => {
    await sleep(faultDelay);
    faultTime = Date.now();
    switch (fault.name) {
      case 'kill-single':
      case 'kill-api':
      case 'kill-worker': {
        const victim: MailroomProcess = fault.name === 'kill-worker' ? world.workers[victimIndex]! : world.api;
        await victim.kill();
        faultTime = Date.now();
        await sleep(100 + Math.round(200 * random()));
        await victim.start();
        break;
      }
      case 'pg-terminate':
        if ((await world.terminateBackends()) === 0) problems.push('pg_terminate_backend found no connection of this deployment');
        break;
      default:
        peer.arm(fault.name, settings.smtpFaultCount, (address) => address.startsWith(prefix) && address.includes('b@'));
    }
  })();

  // The burst: requests of five mails (to + cc each), paced over the window, each with its own
  // Idempotency-Key, retried with the same key on connection errors, 5xx and 409.
  const requests = Math.ceil(settings.mails / MAILS_PER_REQUEST);
  const acceptedKeys = new Set<string>();
  let gaveUp = 0;
  let refused = 0;
  const sends: Promise<void>[] = [];
  for (let r = 0; r < requests; r += 1) {
    await sleep(Math.max(0, start + (r * settings.sendWindowMs) / requests - Date.now()));
    const items = Array.from({ length: Math.min(MAILS_PER_REQUEST, settings.mails - r * MAILS_PER_REQUEST) }, (_, i) => {
      const n = r * MAILS_PER_REQUEST + i;
      return { to: `${prefix}m${n}a@example.com`, cc: `${prefix}m${n}b@example.com` };
    });
    sends.push(
      sendCarefully(world, items, `${prefix}r${r}`, settings.inProgressWaitMs, answers).then((outcome) => {
        if (outcome.kind === 'gave-up') gaveUp += 1;
        if (outcome.kind === 'refused') problems.push(`a request was refused: ${outcome.detail}`);
        outcome.items.forEach((messageId, i) => {
          if (messageId === null) {
            if (outcome.kind === 'answered') refused += 1;
            return;
          }
          acceptedKeys.add(`${messageId} ${items[i]!.to}`);
          acceptedKeys.add(`${messageId} ${items[i]!.cc}`);
        });
      }),
    );
  }
  await Promise.all(sends);
  await injection;

  // Wait until every mail of the trial is done (bounded).
  let rows = await world.recipients(prefix);
  const drainDeadline = Date.now() + settings.drainTimeoutMs;
  let drained = false;
  for (;;) {
    drained = rows.length > 0 && rows.every((row) => row.state === 'done');
    if (drained || Date.now() > drainDeadline) break;
    await sleep(200);
    rows = await world.recipients(prefix).catch(() => rows);
  }
  const drainedAt = Date.now();
  const injected = fault.name in PROCESS_FAULTS ? 1 : settings.smtpFaultCount - peer.pending;
  peer.disarm();
  if (!drained) problems.push(`not drained within ${settings.drainTimeoutMs} ms: ${rows.filter((r) => r.state !== 'done').length} recipients of unfinished mails`);

  // Compare.
  const copies = new Map<string, number>();
  for (const [key, n] of peer.copies) if (key.split(' ')[1]!.startsWith(prefix)) copies.set(key, n);
  const byKey = new Map(rows.map((row) => [`${row.message_id} ${row.email.toLowerCase()}`, row]));
  let delivered = 0;
  let terminal = 0;
  let lost = 0;
  for (const key of acceptedKeys) {
    const row = byKey.get(key);
    if ((copies.get(key) ?? 0) > 0) delivered += 1;
    else if (row && (row.status === 'bounced' || row.status === 'failed') && drained) terminal += 1;
    else {
      lost += 1;
      problems.push(`lost: ${key} (${row ? `${row.status}, mail ${row.state}` : 'no such recipient in the database'}; 0 copies at the peer)`);
    }
  }
  let duplicates = 0;
  let unflagged = 0;
  let ghosts = 0;
  for (const [key, n] of copies) {
    if (!acceptedKeys.has(key)) ghosts += 1;
    if (n <= 1) continue;
    duplicates += n - 1;
    if (byKey.get(key)?.possible_duplicate !== 1) {
      unflagged += n - 1;
      problems.push(`unflagged duplicate: ${key} arrived ${n} times`);
    }
  }
  const flaggedWithoutDuplicate = rows.filter((row) => row.possible_duplicate === 1 && (copies.get(`${row.message_id} ${row.email.toLowerCase()}`) ?? 0) <= 1).length;

  // Recovery: from the fault (for SMTP faults, its last faulted occasion) to the next successful
  // delivery at the peer (after a kill of the API: the next answer of the API).
  const from = fault.name in PROCESS_FAULTS ? faultTime : (peer.faulted.filter((t) => t >= start).at(-1) ?? null);
  const after = fault.name === 'kill-api' ? answers : peer.accepted;
  const next = from === null ? undefined : after.find((t) => t > from);
  return {
    accepted: acceptedKeys.size,
    delivered,
    terminal,
    lost,
    duplicates,
    unflagged,
    flaggedWithoutDuplicate,
    ghosts,
    gaveUp,
    refused,
    injected,
    recoveryMs: from !== null && next !== undefined ? next - from : null,
    drainMs: drained && faultTime !== null ? drainedAt - faultTime : null,
    drained,
    deaths: world.processes.reduce((n, p) => n + p.deaths, 0) - deathsBefore,
    problems,
  };
}

const PROCESS_FAULTS: Record<ProcessFault, true> = { 'kill-single': true, 'kill-worker': true, 'kill-api': true, 'pg-terminate': true };

type SendOutcome =
  | { kind: 'answered'; items: (string | null)[] }
  | { kind: 'gave-up'; items: null[] }
  | { kind: 'refused'; items: null[]; detail: string };

/**
 * POST send_mail as a careful client does: one Idempotency-Key for the request, the same key on
 * every retry; retried on connection errors, 5xx and 429, and on 409 IDEMPOTENCY_IN_PROGRESS
 * for up to `inProgressWaitMs`. Resolves with the message_id of each item (null: refused).
 */
async function sendCarefully(world: World, items: { to: string; cc: string }[], key: string, inProgressWaitMs: number, answers: number[]): Promise<SendOutcome> {
  const body = JSON.stringify({
    data: items.map((item, i) => ({
      from: { email: world.adminEmail },
      to: [{ email: item.to }],
      cc: [{ email: item.cc }],
      subject: `Fault trial ${key} #${i}`,
      content: `Mail ${i} of request ${key}.\nIt is delivered exactly once, or flagged.`,
      mail_format: 'text',
    })),
  });
  const headers = { authorization: `Zoho-oauthtoken ${world.token}`, 'content-type': 'application/json', 'idempotency-key': key };
  const giveUpAt = Date.now() + inProgressWaitMs + 60_000;
  let inProgressSince: number | null = null;
  for (;;) {
    if (Date.now() > giveUpAt) return { kind: 'gave-up', items: items.map(() => null) };
    let status: number;
    let reply: { data?: { code: string; details?: { message_id?: string } }[] } & Record<string, unknown>;
    try {
      const response = await fetch(`${world.baseUrl}/crm/v8/Leads/${world.leadId}/actions/send_mail`, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
      status = response.status;
      reply = (await response.json().catch(() => ({}))) as typeof reply;
    } catch {
      await sleep(100);
      continue;
    }
    if (status === 200 || status === 202 || status === 400) {
      answers.push(Date.now());
      if (!Array.isArray(reply.data)) return { kind: 'refused', items: items.map(() => null), detail: `${status} ${JSON.stringify(reply)}` };
      return { kind: 'answered', items: reply.data.map((d) => (d.code === 'SUCCESS' ? (d.details?.message_id ?? null) : null)) };
    }
    if (status === 409 && reply.code === 'IDEMPOTENCY_IN_PROGRESS') {
      inProgressSince ??= Date.now();
      if (Date.now() - inProgressSince > inProgressWaitMs) return { kind: 'gave-up', items: items.map(() => null) };
      await sleep(500);
      continue;
    }
    if (status >= 500 || status === 429) {
      await sleep(200);
      continue;
    }
    return { kind: 'refused', items: items.map(() => null), detail: `${status} ${JSON.stringify(reply)}` };
  }
}
