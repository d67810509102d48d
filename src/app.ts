import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { applicationNameOf, createDatabase } from './db/database.js';
import { createProcessHeartbeat } from './db/process-heartbeat.js';
import { migrateToLatest } from './db/migrate.js';
import { createIdSource } from './ids.js';
import { createLogger, type Logger } from './logger.js';
import { createSecretBox, loadSecretKey } from './secrets.js';
import { createWakeup } from './delivery/wakeup.js';
import { systemLookup, type HostLookup } from './delivery/smtp-host-guard.js';
import { createDatabaseStorage, createDiskStorage } from './files/file-storage.js';
import path from 'node:path';
import { systemRelayHttp, type RelayHttp } from './bounces/relay-http.js';
import { createProcessHealth } from './health/process-health.js';
import { createMetrics } from './metrics/metrics.js';
import { createCaches } from './cache/caches.js';
import { createApiCreditCounter } from './limits/api-credit-counter.js';
import { createGroupCommit, defaultGroupCommitConcurrency } from './db/group-commit.js';

/** Everything a process of Mailroom needs, built in one place. */
export interface App extends Context {
  close(): Promise<void>;
}

export type AppOptions = {
  clock?: Clock;
  log?: Logger;
  /** Run migrations on start (the server and CLI do; `mailroom migrate` does it explicitly). */
  migrate?: boolean;
  /** Name resolution of users' SMTP hosts (default: the system resolver). */
  lookup?: HostLookup;
  /** The SES webhook's requests to Amazon SNS (default: https to SNS hosts only). */
  relayHttp?: RelayHttp;
  /**
   * What this process is (`mailroom-api`, `mailroom-worker`, `mailroom-cli`): with the pid, the
   * `application_name` of its PostgreSQL connections.
   */
  role?: string;
  /** How often API credits counted in memory are written (default FLUSH_MS; tests lengthen it). */
  apiCreditFlushMs?: number;
  /** prom-client's process metrics (CPU, memory, GC, event loop): long-running processes only (default true). */
  processMetrics?: boolean;
};

/** The composition root: database, clock, ids and logger, wired once and handed down. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  const applicationName = applicationNameOf(options.role ?? 'mailroom');
  const handle = await createDatabase(config.database, { log, applicationName });
  try {
    if (options.migrate ?? true) {
      const applied = await migrateToLatest(handle.db, handle.schema);
      if (applied.length > 0) log.info({ event: 'db.migrated', migrations: applied }, 'database migrated');
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  const wakeup = createWakeup(config.database, log, applicationName);
  const heartbeat = createProcessHeartbeat(handle.db, clock, log, config.heartbeatMs);
  const apiCredits = createApiCreditCounter(handle.db, clock, log, options.apiCreditFlushMs);
  const metrics = createMetrics(handle.db, clock, { leaseMs: config.delivery.leaseMs, process: options.role ?? 'mailroom', processMetrics: options.processMetrics ?? true });
  const commits = createGroupCommit(handle.db, {
    maxBatch: config.groupCommitMaxBatch,
    maxConcurrent: defaultGroupCommitConcurrency(handle.db),
    onBatch: (size) => metrics.groupCommitBatch(size),
  });
  return {
    config,
    db: handle.db,
    clock,
    ids: createIdSource(() => clock.now()),
    log,
    secrets: createSecretBox(loadSecretKey(config)),
    wakeup,
    lookup: options.lookup ?? systemLookup,
    relayHttp: options.relayHttp ?? systemRelayHttp,
    files: config.fileStorage === 'database' ? createDatabaseStorage(handle.db) : createDiskStorage(path.join(config.dataDir, 'files')),
    heartbeat,
    health: createProcessHealth(handle.db, handle.schema, clock),
    cache: createCaches(clock, config.cacheTtlMs),
    apiCredits,
    metrics,
    commits,
    close: async () => {
      await commits.idle();
      await heartbeat.stop();
      // Credits counted in memory are written before the database goes (a failure only gives them back).
      await apiCredits.close().catch((error: unknown) => log.warn({ event: 'api_credits.close_failed', err: error }, 'API credits not written at close'));
      await wakeup.close();
      await handle.close();
    },
  };
}
