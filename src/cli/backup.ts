import fs from 'node:fs';
import path from 'node:path';
import { backupSqlite } from '../db/backup.js';
import { CommandFailed, UsageError, type Command } from './command-kit.js';

/**
 * `mailroom backup --to FILE`: an online copy of the embedded SQLite database (the server may be
 * running). Restoring is putting the file back as `DATA_DIR/mailroom.db` (or where DATABASE_URL
 * points) with the same SECRETS_KEY, or `DATA_DIR/secrets.key`, beside it: users' SMTP passwords and
 * webhook secrets are encrypted with that key and cannot be read without it. On PostgreSQL the
 * command refuses and names pg_dump (docs/operations.md "Backups").
 */
export const backupCommand: Command = {
  name: ['backup'],
  usage: 'backup --to FILE',
  summary: 'copy the embedded SQLite database while it runs (PostgreSQL: pg_dump)',
  options: { to: { type: 'string' } },
  async run(app, values) {
    const to = typeof values.to === 'string' && values.to.trim() !== '' ? path.resolve(values.to) : null;
    if (to === null) throw new UsageError('--to is required');
    const target = app.config.database;
    if (target.kind !== 'sqlite') {
      throw new CommandFailed(`mailroom backup copies the embedded SQLite database; on PostgreSQL use pg_dump: pg_dump --format=custom --schema='${target.schema}' --file=${to} "$DATABASE_URL"`);
    }
    if (fs.existsSync(to)) throw new CommandFailed(`${to} exists already; give another --to (a backup never overwrites a file)`);
    if (!fs.existsSync(path.dirname(to))) throw new CommandFailed(`the folder ${path.dirname(to)} does not exist`);
    const { bytes, pages } = await backupSqlite(target.file, to);
    const keyFile = app.config.secretsKey === null ? path.join(app.config.dataDir, 'secrets.key') : null;
    return {
      backup: to,
      bytes,
      pages,
      restore: `stop Mailroom, copy ${to} to ${target.file}, start Mailroom`,
      secrets_key: keyFile ? `keep ${keyFile} with the backup: encrypted secrets need it` : 'restore with the same SECRETS_KEY',
    };
  },
};
