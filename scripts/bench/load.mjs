// The load generator: autocannon 9 through its programmatic API, in its own process (pinned to
// CPU1 by scripts/bench.mjs). One `run` per measurement; the result is autocannon's summary.
import autocannon from 'autocannon';
import { serve, emit } from './ipc.mjs';

serve({
  run: (opts) =>
    new Promise((resolve, reject) => {
      autocannon(
        {
          url: opts.url,
          method: 'POST',
          headers: opts.headers,
          body: opts.body,
          connections: opts.connections,
          ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }),
          timeout: 30,
        },
        (error, result) => {
          if (error) return reject(error);
          resolve({
            duration: result.duration,
            sent: result.requests.sent,
            ok: result['2xx'],
            non2xx: result.non2xx,
            errors: result.errors,
            timeouts: result.timeouts,
            statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
            latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
          });
        },
      );
    }),
});
emit('ready');
