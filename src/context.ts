import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { IdSource } from './ids.js';
import type { Logger } from './logger.js';
import type { SecretBox } from './secrets.js';
import type { Wakeup } from './delivery/wakeup.js';
import type { FileStorage } from './files/file-storage.js';
import type { HostLookup } from './delivery/smtp-host-guard.js';
import type { ProcessHeartbeat } from './db/process-heartbeat.js';
import type { RelayHttp } from './bounces/relay-http.js';
import type { ProcessHealth } from './health/process-health.js';
import type { Metrics } from './metrics/metrics.js';
import type { Caches } from './cache/caches.js';
import type { ApiCreditCounter } from './limits/api-credit-counter.js';
import type { GroupCommit } from './db/group-commit.js';

/**
 * What every use-case receives: the stateful pieces, built once in `app.ts` (the composition
 * root) and handed down. There are no module-level singletons, so the server, the CLI, the
 * worker and the tests all build the same graph.
 */
export interface Context {
  readonly config: Config;
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly log: Logger;
  readonly secrets: SecretBox;
  /** Tells delivery workers that mail became due (in-process, and across processes on PostgreSQL). */
  readonly wakeup: Wakeup;
  /** Bytes of uploaded and generated files. */
  readonly files: FileStorage;
  /** Name resolution of users' SMTP hosts (the SSRF guard resolves once; tests inject answers). */
  readonly lookup: HostLookup;
  /** This process's liveness record; the HTTP API starts it, Idempotency-Keys name its id. */
  readonly heartbeat: ProcessHeartbeat;
  /** The SES webhook's requests to Amazon SNS (signing certificates, subscription confirmations); tests inject their own. */
  readonly relayHttp: RelayHttp;
  /** What `/livez` and `/readyz` report: the loops this process runs, whether it is stopping. */
  readonly health: ProcessHealth;
  /** This process's Prometheus metrics (`/metrics`). */
  readonly metrics: Metrics;
  /** This process's caches of rarely changed rows (src/cache/caches.ts); writers invalidate them. */
  readonly cache: Caches;
  /** API credits counted in this process and flushed in batches (src/limits/api-credit-counter.ts). */
  readonly apiCredits: ApiCreditCounter;
  /** Group commit of send_mail acceptances (src/db/group-commit.ts). */
  readonly commits: GroupCommit;
}

/** The caller of an API request, as established from its OAuth token. */
export type Principal = Readonly<{
  orgId: string;
  userId: string;
  scopes: readonly string[];
  timeZone: string;
}>;
