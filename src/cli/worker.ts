import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { createWorker } from '../delivery/worker.js';
import { guardProcess } from './process-guard.js';
import { createWebhookSender } from '../webhooks/webhook-sender.js';

/**
 * `mailroom worker`: a delivery worker without the HTTP API. Run any number of them against one
 * PostgreSQL. SIGTERM/SIGINT: stop claiming, finish in-flight sends within the grace period, exit 0.
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
  return guard.untilStopped(async (signal) => {
    app.log.info({ event: 'worker.stopping', signal }, 'stopping the worker');
    try {
      // Unfinished sends were returned to the queue: nothing is lost, so the exit is clean.
      await Promise.all([worker.stop(), webhooks.stop()]);
      await app.close();
      return 0;
    } catch (error) {
      app.log.error({ err: error, event: 'worker.stop_failed' }, 'stopping the worker failed');
      return 1;
    }
  });
}
