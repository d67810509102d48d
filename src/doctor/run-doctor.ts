import type { App } from '../app.js';
import type { Config } from '../config.js';
import { pingDatabase } from '../db/database.js';
import { pendingMigrations } from '../db/migrate.js';
import { smtpTargetFromUrl, verifySmtpTarget } from '../delivery/smtp-transport.js';
import { domainsWithoutDkim } from './doctor-repository.js';

/**
 * `mailroom doctor`: what an operator should fix before (or while) running Mailroom, each check
 * with its status and, when not `ok`, the fix. `fail`: Mailroom cannot work as configured (exit 1);
 * `warn`: it works, but something users expect will not (mail stays local, unsigned mail, links
 * recipients cannot open).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';
export type DoctorCheck = Readonly<{ name: string; status: CheckStatus; message: string; fix?: string }>;
export type DoctorReport = Readonly<{ ok: boolean; checks: readonly DoctorCheck[] }>;

const TIMEOUT_MS = 5_000;

const failureText = (error: unknown): string => {
  const e = error as { code?: string; response?: string; message?: string };
  return [e.code, e.response ?? e.message].filter(Boolean).join(': ') || String(error);
};

export async function runDoctor(config: Config, open: () => Promise<App>): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [{ name: 'configuration', status: 'ok', message: 'every variable is valid' }];
  const add = (check: DoctorCheck) => checks.push(check);

  let app: App | null = null;
  let schemaCurrent = false;
  try {
    app = await open();
  } catch (error) {
    add({ name: 'database', status: 'fail', message: `cannot open the database: ${failureText(error)}`, fix: config.database.kind === 'postgres' ? 'check DATABASE_URL, that PostgreSQL runs and accepts this user' : `check that DATA_DIR (${config.dataDir}) is writable` });
  }
  try {
    if (app) {
      const started = performance.now();
      await pingDatabase(app.db).catch((error: unknown) => {
        throw Object.assign(new Error(`the database does not answer: ${failureText(error)}`), { doctor: 'database' });
      });
      add({ name: 'database', status: 'ok', message: `${config.database.kind} answers in ${Math.round(performance.now() - started)} ms` });
      const pending = await pendingMigrations(app.db, config.database.kind === 'postgres' ? config.database.schema : undefined);
      schemaCurrent = pending.length === 0;
      add(
        pending.length === 0
          ? { name: 'migrations', status: 'ok', message: 'the schema is current' }
          : { name: 'migrations', status: 'fail', message: `${pending.length} migrations pending: ${pending.join(', ')}`, fix: 'run `mailroom migrate` (every process also migrates on start)' },
      );
    }

    if (config.smtpUrl === null) {
      add({ name: 'relay', status: 'warn', message: 'no relay: sent mail is kept in the local mailbox (/mailbox) and never leaves this machine', fix: 'set SMTP_URL=smtp://user:password@relay.example.com:587' });
    } else {
      const target = smtpTargetFromUrl(config.smtpUrl, TIMEOUT_MS);
      try {
        await verifySmtpTarget(target);
        add({ name: 'relay', status: 'ok', message: `${target.host}:${target.port} answers EHLO${target.secure ? ' over TLS' : ', STARTTLS when offered'}${target.username ? ', AUTH accepted' : ''}` });
      } catch (error) {
        add({ name: 'relay', status: 'fail', message: `${target.host}:${target.port}: ${failureText(error)}`, fix: 'check SMTP_URL (host, port, smtps:// for implicit TLS, credentials) and that this machine may connect to it' });
      }
    }

    try {
      const response = await fetch(`${config.publicUrl}/livez`, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'manual' });
      add(
        response.status === 200
          ? { name: 'public_url', status: 'ok', message: `${config.publicUrl} reaches a running Mailroom` }
          : { name: 'public_url', status: 'warn', message: `${config.publicUrl}/livez answered ${response.status}`, fix: 'PUBLIC_URL must reach this service: tracking, unsubscribe and consent links in mail point there' },
      );
    } catch (error) {
      add({
        name: 'public_url',
        status: 'warn',
        message: `${config.publicUrl} cannot be reached from here (${failureText((error as { cause?: unknown }).cause ?? error)})`,
        fix: 'set PUBLIC_URL to the address recipients and users reach (the reverse proxy); links in mail point there',
      });
    }

    // DKIM keys live in the schema: read only once it is current.
    if (app && schemaCurrent) {
      const missing = await domainsWithoutDkim(app.db);
      if (missing.length === 0) add({ name: 'dkim', status: 'ok', message: 'every From domain in use has a DKIM key' });
      for (const m of missing) {
        add({
          name: 'dkim',
          status: 'warn',
          message: `no DKIM key for ${m.domain} (org ${m.orgName}, ${m.orgId}): its mail goes unsigned`,
          fix: `mailroom dkim create --org ${m.orgId} --domain ${m.domain}, then publish the record it prints`,
        });
      }
    }
    if (config.bounceAddress === null) {
      add({ name: 'bounces', status: 'warn', message: 'BOUNCE_ADDRESS is unset: bounces that arrive later (DSNs) and complaints are not seen', fix: 'set BOUNCE_ADDRESS and run the inbound listener (docs/bounces.md)' });
    }
  } catch (error) {
    // A check that could not run is a finding, not a crash.
    add({ name: (error as { doctor?: string }).doctor ?? 'doctor', status: 'fail', message: error instanceof Error ? error.message : String(error) });
  } finally {
    await app?.close();
  }
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}
