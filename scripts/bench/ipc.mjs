// Tiny request/response protocol between scripts/bench.mjs and its child processes (Node IPC).
// The parent sends {id, cmd, args}; the child answers {id, ok, result | error}. Children may also
// emit unsolicited events {event, ...}. A child exits when its parent goes away.

/** Serves `handlers[cmd](args)` for every request from the parent. */
export function serve(handlers) {
  if (!process.send) throw new Error('this script is started by scripts/bench.mjs (needs an IPC channel)');
  process.on('message', async (msg) => {
    if (!msg || typeof msg.cmd !== 'string') return;
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      const result = await handler(msg.args ?? {});
      process.send({ id: msg.id, ok: true, result });
    } catch (error) {
      process.send({ id: msg.id, ok: false, error: String(error?.stack ?? error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** An unsolicited message to the parent. */
export function emit(event, data = {}) {
  process.send?.({ event, ...data });
}

/** CPU time of this process so far, in microseconds (user + system). */
export function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}
