import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { dialectOf } from '../db/database.js';
import { createWorker, type Worker } from '../delivery/worker.js';
import { buildServer } from '../http/server.js';
import { ensureDemoOrg, type DemoCredentials } from '../orgs/ensure-demo-org.js';
import { guardProcess } from './process-guard.js';
import { createWebhookSender, type WebhookSender } from '../webhooks/webhook-sender.js';
import { createInboundProcessor, type InboundProcessor } from '../inbound/inbound-processor.js';
import { startInboundListener, type InboundListener } from '../inbound/inbound-listener.js';

/**
 * `mailroom serve`: migrate, create the demo org on an empty database, listen, run the delivery
 * worker in the same process (unless --no-worker), and shut down in order on SIGTERM/SIGINT:
 * `/readyz` answers 503 at once and requests are still served for SHUTDOWN_DRAIN_SECONDS (the load
 * balancer drains), then stop claiming mail, stop accepting requests, let in-flight sends and requests finish within
 * SHUTDOWN_GRACE_SECONDS, close the database, exit 0. A database outage does not end it
 * (requests answer 503, the worker pauses): see src/cli/process-guard.ts.
 */
export async function serve(config: Config, options: { worker: boolean }): Promise<number> {
  const app = await createApp(config, { role: 'mailroom-api' });
  const guard = guardProcess(app.log);
  const demo = await ensureDemoOrg(app);
  const server = await buildServer(app);
  await server.listen({ port: config.port, host: config.host });
  const worker: Worker | null = options.worker ? createWorker(app) : null;
  await worker?.start();
  // The webhook sender runs wherever the delivery worker does.
  const webhooks: WebhookSender | null = options.worker ? createWebhookSender(app) : null;
  await webhooks?.start();
  if (worker) app.health.watch('worker', worker);
  if (webhooks) app.health.watch('webhooks', webhooks);
  // INBOUND_SMTP_PORT set: the inbound listener (late bounces, complaints, replies) runs in this process too.
  let inbound: { listener: InboundListener; processor: InboundProcessor } | null = null;
  if (config.inbound.port !== null) {
    const processor = createInboundProcessor(app);
    const listener = await startInboundListener(app, { onStored: () => processor.kick() });
    processor.start();
    inbound = { listener, processor };
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app.log.info({ event: 'server.listening', port, database: dialectOf(app.db) }, `Mailroom listening on ${config.host}:${port}`);
  if (demo) process.stdout.write(demoBanner(demo, config.publicUrl));

  return guard.untilStopped(
    (signal) =>
      new Promise<number>((resolve) => {
        app.log.info({ event: 'server.stopping', signal, drain_ms: config.delivery.shutdownDrainMs }, 'shutting down');
        // From now on /readyz answers 503; the server keeps serving for the drain period so a load
        // balancer sees it and stops sending new requests before the listener closes.
        app.health.markStopping();
        const grace = config.delivery.shutdownGraceMs;
        const timer = setTimeout(() => {
          app.log.error({ event: 'server.shutdown_timeout' }, 'in-flight work did not finish in time');
          resolve(1);
        }, config.delivery.shutdownDrainMs + grace + 5000);
        timer.unref();
        new Promise((drained) => setTimeout(drained, config.delivery.shutdownDrainMs))
          .then(() => Promise.all([worker?.stop(grace), webhooks?.stop(grace), server.close(), inbound?.listener.close(), inbound?.processor.stop()]))
          .then(() => app.close())
          .then(
            () => {
              clearTimeout(timer);
              resolve(0);
            },
            (error: unknown) => {
              app.log.error({ err: error, event: 'server.shutdown_failed' }, 'shutdown failed');
              resolve(1);
            },
          );
      }),
  );
}

function demoBanner(demo: DemoCredentials, publicUrl: string): string {
  return `
================================================================================
 Mailroom is ready. A demo org was created on this empty database.

   Org id:         ${demo.orgId}
   Admin sign-in:  ${demo.adminEmail} / ${demo.adminPassword}
   Access token:   ${demo.tokens.access_token}   (valid ${demo.tokens.expires_in / 60} min)
   Refresh token:  ${demo.tokens.refresh_token}

 Try it:
   curl -s -X POST ${publicUrl}/crm/v8/Leads \\
     -H "Authorization: Zoho-oauthtoken ${demo.tokens.access_token}" \\
     -d '{"data":[{"Last_Name":"Smith","Email":"smith@example.com"}]}'

 Web UI:  ${publicUrl}/ui  (sign in with the admin's email and password above)
 Sent mail (no SMTP_URL set): ${publicUrl}/mailbox  (the same sign-in)

 New access token:  curl -s -X POST ${publicUrl}/oauth/v2/token \\
                      -d grant_type=refresh_token -d refresh_token=${demo.tokens.refresh_token}
 These are shown once; later: npx mailroom token create --scopes ZohoCRM.modules.ALL
================================================================================
`;
}
