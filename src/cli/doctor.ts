import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { createLogger } from '../logger.js';

/**
 * `mailroom doctor [--json]`: runs the checks of src/doctor/run-doctor.ts and prints them with what
 * to fix. It opens the database without migrating (pending migrations are a finding). Exit 0
 * when nothing failed (warnings allowed), 1 otherwise.
 */
export async function doctorCommand(config: Config, options: { json: boolean }): Promise<number> {
  const report = await runDoctor(config, () => createApp(config, { migrate: false, log: createLogger({ logLevel: 'silent' }), role: 'mailroom-cli', processMetrics: false }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;
    for (const check of report.checks) {
      process.stdout.write(`${mark[check.status]} ${check.name}: ${check.message}\n`);
      if (check.fix) process.stdout.write(`     fix: ${check.fix}\n`);
    }
  }
  return report.ok ? 0 : 1;
}
