import fs from 'node:fs';

/**
 * Crash points for fault tests (docs/reliability.md c.1 H5): a real `kill -9` at an exact line.
 *
 *   MAILROOM_FAULT_AT=<name>      SIGKILL this process the first time `faultPoint(<name>)` runs
 *   MAILROOM_FAULT_AT=<name>:<n>  ... the n-th time it runs (n ≥ 1)
 *
 * Inert unless the variable is set: production never sets it. Before dying the process writes
 * `mailroom fault point <name>: SIGKILL` to stderr (synchronously), so a test can tell the
 * planned death from any other. The variable is read here and not in src/config.ts because it is
 * a test facility, not configuration.
 *
 * Fault points (add new ones to the list, and call `faultPoint` at the line):
 * - `api.in_tx`: send_mail, inside the accepting transaction, after the mails and the
 *   Idempotency-Key answer were written, before COMMIT (the transaction rolls back).
 * - `api.batch_before_commit`: the group commit (src/db/group-commit.ts), after every work of a
 *   batch ran, before its COMMIT (the whole batch rolls back; no caller has an answer).
 * - `api.after_commit_before_response`: send_mail, after COMMIT, before the answer is written.
 * - `worker.after_claim`: the worker, right after a claim that took mail (before connecting).
 * - `smtp.before_handover`: the SMTP transport, mid-DATA, before the recipients' "handed over"
 *   mark is committed (the final dot cannot have gone).
 * - `smtp.after_dot`: the SMTP transport, after the end of the message and the final dot were
 *   written, before the reply is read (run on the next turn of the event loop).
 * - `delivery.after_reply`: deliver-mail, after the transport's result, before the outcome commits.
 * - `inbound.after_commit`: the inbound listener, after a message was committed, before its 250.
 * - `inbound.after_reply`: the inbound listener, on the turn after it answered 250 for a stored
 *   message, before processing is started.
 */
export type FaultPointName =
  | 'api.in_tx'
  | 'api.batch_before_commit'
  | 'api.after_commit_before_response'
  | 'worker.after_claim'
  | 'smtp.before_handover'
  | 'smtp.after_dot'
  | 'delivery.after_reply'
  | 'inbound.after_commit'
  | 'inbound.after_reply';

type Armed = { name: string; remaining: number };

const armed: Armed | null = parse(process.env.MAILROOM_FAULT_AT);

function parse(value: string | undefined): Armed | null {
  if (!value) return null;
  const match = /^([a-z0-9_.]+)(?::(\d+))?$/.exec(value.trim());
  if (!match) throw new Error(`MAILROOM_FAULT_AT=${value} must be <fault point> or <fault point>:<n>`);
  return { name: match[1]!, remaining: Math.max(1, Number(match[2] ?? 1)) };
}

export function faultPoint(name: FaultPointName): void {
  if (armed === null || armed.name !== name) return;
  armed.remaining -= 1;
  if (armed.remaining > 0) return;
  fs.writeSync(2, `mailroom fault point ${name}: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
