import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from '../context.js';
import { metricsAuthorized } from '../http/routes/metrics.route.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../db/availability.js';
import { readinessAnswer } from '../health/process-health.js';

/**
 * The ops port of processes without the HTTP API (`mailroom worker`, `mailroom inbound`):
 * METRICS_PORT on HOST, with `/metrics` (Prometheus, METRICS_TOKEN as on the API), `/livez` and
 * `/readyz` (`/health`) answering as the API's do (src/health/process-health.ts). GET only;
 * anything else 404/405. Plain node:http: three fixed answers need no framework.
 */
export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startOpsServer(ctx: Context, port: number): Promise<OpsServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      response.end(body);
    };
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => send(status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
    if (path !== '/metrics' && path !== '/livez' && path !== '/readyz' && path !== '/health') return json(404, { status: 'not found' });
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(405, { status: 'method not allowed' }, { allow: 'GET, HEAD' });
    const answer = async () => {
      if (path === '/livez') return json(200, { status: 'ok' });
      if (path === '/metrics') {
        if (!metricsAuthorized(ctx.config.metrics.token, request.headers.authorization)) {
          return send(401, 'text/plain; charset=utf-8', 'metrics need Authorization: Bearer <METRICS_TOKEN>\n', { 'www-authenticate': 'Bearer realm="metrics"' });
        }
        return send(200, ctx.metrics.registry.contentType, await ctx.metrics.registry.metrics());
      }
      const { ready, body } = await readinessAnswer(ctx.health, ctx.db);
      return json(ready ? 200 : 503, body, ready ? {} : { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
    };
    answer().catch((error: unknown) => {
      ctx.log.error({ err: error, event: 'ops.failed', path }, 'ops port request failed');
      if (!response.headersSent) json(500, { status: 'error' });
    });
  });
  // Probes and scrapes are short: do not let a slow client hold a socket.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ctx.config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  ctx.log.info({ event: 'ops.listening', port: bound }, `ops port (metrics, health) on ${ctx.config.host}:${bound}`);
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
