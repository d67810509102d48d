import type { Clock } from '../clock.js';
import { dialectOf, pingDatabase, type Database } from '../db/database.js';
import { pendingMigrations } from '../db/migrate.js';

/**
 * What `/livez` and `/readyz` report about this process (docs/operations.md "Health checks").
 *
 * - Live: the process runs and its event loop answers. Nothing else: a database outage must not
 *   make a supervisor restart a process that will recover by itself.
 * - Ready (traffic may be sent here): the database answers, its schema is at this code's latest
 *   migration, every loop this process runs (the delivery worker, the webhook sender, the inbound
 *   processor) has turned within its bound, and the process is not shutting down — from the
 *   SIGTERM on, `/readyz` answers 503 so a load balancer drains it (SHUTDOWN_DRAIN_SECONDS) before
 *   the server stops accepting connections.
 */
export interface ProcessHealth {
  /** The orderly stop began (SIGTERM/SIGINT): not ready from now on. */
  markStopping(): void;
  readonly stopping: boolean;
  /** A loop whose liveness readiness depends on: `alive()` false while it is stuck. */
  watch(name: string, loop: WatchedLoop): void;
  /** Runs every readiness check. */
  readiness(): Promise<Readiness>;
}

export type WatchedLoop = Readonly<{ alive: () => boolean }>;

export type CheckResult = 'ok' | 'failed' | 'pending' | 'stalled' | 'stopping';

export type Readiness = Readonly<{
  ready: boolean;
  /** One entry per check: `database`, `migrations`, `shutdown`, and one per watched loop. */
  checks: Readonly<Record<string, CheckResult>>;
}>;

export function createProcessHealth(db: Database, schema: string | undefined, clock: Clock): ProcessHealth {
  let stopping = false;
  // Migrations never go backwards under a running process: once current, current.
  let migrationsCurrent = false;
  let migrationsCheckedAt = -Infinity;
  const loops = new Map<string, WatchedLoop>();

  const databaseCheck = async (): Promise<CheckResult> => {
    try {
      await pingDatabase(db);
      return 'ok';
    } catch {
      return 'failed';
    }
  };
  const migrationsCheck = async (): Promise<CheckResult> => {
    if (migrationsCurrent) return 'ok';
    // A process started on an older schema (another process migrates): asked at most once a second.
    if (clock.now() - migrationsCheckedAt < 1000) return 'pending';
    migrationsCheckedAt = clock.now();
    try {
      migrationsCurrent = (await pendingMigrations(db, schema)).length === 0;
      return migrationsCurrent ? 'ok' : 'pending';
    } catch {
      return 'failed';
    }
  };

  return {
    markStopping() {
      stopping = true;
    },
    get stopping() {
      return stopping;
    },
    watch(name, loop) {
      loops.set(name, loop);
    },
    async readiness() {
      const database = await databaseCheck();
      const migrations = database === 'ok' ? await migrationsCheck() : 'failed';
      const checks: Record<string, CheckResult> = { database, migrations, shutdown: stopping ? 'stopping' : 'ok' };
      for (const [name, loop] of loops) checks[name] = loop.alive() ? 'ok' : 'stalled';
      return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
    },
  };
}

/** The body of `/readyz` (`/health`), on the API and on the ops port alike. */
export type ReadinessAnswer = Readonly<{
  ready: boolean;
  body: { status: 'ok' | 'unavailable'; database: 'sqlite' | 'postgres'; checks: Readiness['checks'] };
}>;

export async function readinessAnswer(health: ProcessHealth, db: Database): Promise<ReadinessAnswer> {
  const { ready, checks } = await health.readiness();
  return { ready, body: { status: ready ? 'ok' : 'unavailable', database: dialectOf(db), checks } };
}
