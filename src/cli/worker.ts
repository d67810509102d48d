import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { createWorker } from '../delivery/worker.js';

/**
 * `mailroom worker`: a delivery worker without the HTTP API. Run any number of them against one
 * PostgreSQL. SIGTERM/SIGINT: stop claiming, finish in-flight sends within the grace period, exit 0.
 */
export async function runWorker(config: Config): Promise<number> {
  const app = await createApp(config);
  const worker = createWorker(app);
  await worker.start();
  return new Promise((resolve) => {
    const stop = () => {
      worker
        .stop()
        // Unfinished sends were returned to the queue: nothing is lost, so the exit is clean.
        .then(() => app.close().then(() => resolve(0)))
        .catch(() => resolve(1));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
