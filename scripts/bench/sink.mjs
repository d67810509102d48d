// SMTP sink for the delivery phases: smtp-server on loopback, in its own process (pinned to CPU1
// by scripts/bench.mjs). Every message is read to the end; with --parse (the default) it is also
// parsed with mailparser, as test/helpers/smtp-sink.ts does. It counts messages and accepted
// recipients, notes each message's arrival time and Message-ID (duplicates are reported), and
// tells the parent once `target` messages have arrived. For the lateness phases it also keeps, per
// message, the wall-clock time (epoch ms, sub-ms) when the sender started it and when its DATA
// ended, with the 64-hex Mailroom message id from the Message-ID header (`records`). "Started" is
// the MAIL FROM of the message, or for the first message of a connection the moment the sender
// connected: smtp-server holds its greeting back 100 ms on every new connection (early-talker
// detection), which is the sink's delay, not the sender's.
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { serve, emit, cpuMicros } from './ipc.mjs';

const parse = !process.argv.includes('--drain');
/** Wall-clock now in epoch ms with sub-millisecond resolution (comparable with Date.now()). */
const wallNow = () => performance.timeOrigin + performance.now();

let state;
const reset = (target, rate = 0) => {
  // rate > 0: a relay that accepts at most `rate` messages per second (its reply to the end of
  // DATA is held back until the message's turn), as relays with a per-client rate limit do.
  state = { target, rate, tat: 0, messages: 0, recipients: 0, bytes: 0, invalid: 0, errors: 0, ids: new Set(), duplicates: 0, arrivals: [], records: [], cpuStart: cpuMicros() };
};
reset(Infinity);

/**
 * Calls `reply` now, or at this message's turn when the sink is paced: the generic cell rate
 * algorithm (GCRA), as rate limiters are commonly built: `rate` messages per second on average,
 * with a burst allowance of a tenth of a second's worth, so a slot missed for a moment is made
 * up soon after instead of being lost for good.
 */
const paced = (reply) => {
  if (!(state.rate > 0)) return reply();
  const now = wallNow();
  const interval = 1000 / state.rate;
  const tolerance = Math.max(0, Math.floor(state.rate / 10) - 1) * interval;
  state.tat = Math.max(state.tat, now);
  const release = Math.max(now, state.tat - tolerance);
  state.tat += interval;
  if (release <= now) return reply();
  setTimeout(reply, release - now);
};

const received = (raw, rcptCount, messageId, startedAt, endedAt) => {
  state.messages += 1;
  const id = messageId ? /[0-9a-f]{64}/.exec(messageId)?.[0] ?? messageId : null;
  state.records.push([id, startedAt, endedAt]);
  state.recipients += rcptCount;
  state.bytes += raw.length;
  state.arrivals.push(performance.now());
  if (!messageId) state.invalid += 1;
  else if (state.ids.has(messageId)) state.duplicates += 1;
  else state.ids.add(messageId);
  if (state.messages === state.target) emit('reached', { messages: state.messages });
};

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  size: 30 * 1024 * 1024,
  maxClients: 100,
  onMailFrom(address, session, callback) {
    const connectedAt = connections.get(session.remotePort);
    session.benchStartedAt = session.transaction === 1 && connectedAt !== undefined ? connectedAt : wallNow();
    callback();
  },
  onData(stream, session, callback) {
    const startedAt = session.benchStartedAt ?? wallNow();
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', (error) => {
      state.errors += 1;
      callback(error);
    });
    stream.on('end', () => {
      const endedAt = wallNow();
      const raw = Buffer.concat(chunks);
      const rcpt = session.envelope.rcptTo.length;
      if (!parse) {
        const header = raw.subarray(0, Math.min(raw.length, 8192)).toString('latin1');
        received(raw, rcpt, /^message-id:\s*(\S+)/im.exec(header)?.[1] ?? null, startedAt, endedAt);
        return paced(() => callback());
      }
      simpleParser(raw).then(
        (parsed) => {
          received(raw, rcpt, parsed.from && parsed.messageId ? parsed.messageId : null, startedAt, endedAt);
          paced(() => callback());
        },
        (error) => {
          state.errors += 1;
          callback(error);
        },
      );
    });
  },
});
server.on('error', (error) => {
  state.errors += 1;
  process.stderr.write(`sink error: ${error?.message ?? error}\n`);
});

/** When each connection (by the client's port; loopback only) was accepted, until it closes. */
const connections = new Map();
server.server.on('connection', (socket) => {
  const port = socket.remotePort;
  connections.set(port, wallNow());
  socket.once('close', () => connections.delete(port));
});

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

serve({
  reset: ({ target, rate }) => {
    reset(target ?? Infinity, rate ?? 0);
    return true;
  },
  /** Counters, plus the rate over the window from message `from` to message `to` (1-based). */
  stats: ({ from, to }) => {
    const s = state;
    let windowRate = null;
    if (from !== undefined && to !== undefined && s.arrivals.length >= to && to > from) {
      const ms = s.arrivals[to - 1] - s.arrivals[from - 1];
      windowRate = ms > 0 ? ((to - from) * 1000) / ms : null;
    }
    return {
      messages: s.messages,
      recipients: s.recipients,
      bytes: s.bytes,
      invalid: s.invalid,
      errors: s.errors,
      duplicates: s.duplicates,
      windowRate,
      cpuMicros: cpuMicros() - s.cpuStart,
      mode: parse ? 'parse' : 'drain',
    };
  },
  /** Per message, in arrival order: [message id (64 hex, or the raw Message-ID), MAIL FROM at, DATA end at]. */
  records: () => state.records,
  close: () => new Promise((resolve) => server.close(() => resolve(true))),
});
emit('ready', { port: server.server.address().port, mode: parse ? 'parse' : 'drain' });
