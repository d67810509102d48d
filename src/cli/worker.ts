import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { createWorker } from '../delivery/worker.js';
import { guardProcess } from './process-guard.js';
import { startOpsServer } from '../metrics/ops-server.js';
import { createWebhookSender } from '../webhooks/webhook-sender.js';

/**
 * `mailroom worker`: a delivery worker without the HTTP API. Run any number of them against one
 * PostgreSQL. With METRICS_PORT it serves `/metrics`, `/livez` and `/readyz` there. SIGTERM/SIGINT: stop claiming, finish in-flight sends within the grace period, exit 0.
 * It runs until then, idle or not, through database outages (src/cli/process-guard.ts). The webhook
 * sender (src/webhooks/webhook-sender.ts) runs beside the delivery worker and stops with it.
 */
export async function runWorker(config: Config): Promise<number> {
  const app = await createApp(config, { role: 'mailroom-worker' });
  const guard = guardProcess(app.log);
  const worker = createWorker(app);
  await worker.start();
  const webhooks = createWebhookSender(app);
  await webhooks.start();
  app.health.watch('worker', worker);
  app.health.watch('webhooks', webhooks);
  // METRICS_PORT: /metrics, /livez, /readyz of this worker (it has no HTTP API).
  const ops = config.metrics.port === null ? null : await startOpsServer(app, config.metrics.port);
  return guard.untilStopped(async (signal) => {
    app.log.info({ event: 'worker.stopping', signal }, 'stopping the worker');
    app.health.markStopping();
    try {
      // Readiness answers 503 from here until the port closes with the rest.
      // Unfinished sends were returned to the queue: nothing is lost, so the exit is clean.
      await Promise.all([worker.stop(), webhooks.stop()]);
      await ops?.close();
      await app.close();
      return 0;
    } catch (error) {
      app.log.error({ err: error, event: 'worker.stop_failed' }, 'stopping the worker failed');
      return 1;
    }
  });
}
