import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { createInboundProcessor } from '../inbound/inbound-processor.js';
import { startInboundListener } from '../inbound/inbound-listener.js';
import { guardProcess } from './process-guard.js';
import { startOpsServer } from '../metrics/ops-server.js';

/**
 * `mailroom inbound [--port N]`: the inbound SMTP listener (late bounces and complaints for
 * BOUNCE_ADDRESS, replies for REPLY_ADDRESS) and the processing of what it stored, without the HTTP API. Port:
 * `--port`, else INBOUND_SMTP_PORT, else 2525. SIGTERM/SIGINT: stop accepting connections, finish
 * the message being processed, exit 0; everything stored and not yet processed is processed by
 * the next start (or another listener). With METRICS_PORT it serves `/metrics`, `/livez` and
 * `/readyz` there, as `mailroom worker` does.
 */
export async function runInbound(config: Config, options: { port?: number }): Promise<number> {
  if (config.bounceAddress === null && config.replyAddress === null) {
    process.stderr.write('mailroom inbound needs BOUNCE_ADDRESS or REPLY_ADDRESS (the addresses the listener takes mail for), e.g. BOUNCE_ADDRESS=bounces@mail.example.com\n');
    return 3;
  }
  const app = await createApp(config, { role: 'mailroom-inbound' });
  const guard = guardProcess(app.log);
  const processor = createInboundProcessor(app);
  const listener = await startInboundListener(app, { onStored: () => processor.kick(), ...(options.port !== undefined ? { port: options.port } : {}) });
  processor.start();
  process.stdout.write(`Mailroom inbound SMTP listening on ${config.inbound.host}:${listener.port}\n`);
  // METRICS_PORT: /metrics (the inbound backlog among them), /livez, /readyz of this process.
  const ops = config.metrics.port === null ? null : await startOpsServer(app, config.metrics.port);
  return guard.untilStopped(async (signal) => {
    app.log.info({ event: 'inbound.stopping', signal }, 'stopping the inbound listener');
    app.health.markStopping();
    try {
      await Promise.all([listener.close(), processor.stop()]);
      await ops?.close();
      await app.close();
      return 0;
    } catch (error) {
      app.log.error({ err: error, event: 'inbound.stop_failed' }, 'stopping the inbound listener failed');
      return 1;
    }
  });
}
