import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

/**
 * The mail lifecycle has one owner (docs/decisions/0007-mail-lifecycle.md): no file but
 * src/mail/lifecycle-repository.ts writes `mails` or `mail_recipients` (their state, status and
 * attempt marks), so every transition is one of the named ones of src/mail/lifecycle.ts.
 * Migrations create the tables; deleting rows (erasure) is not a state write and is allowed.
 */

/** The repository root (this file runs as dist/test/unit/lifecycle-ownership.test.js). */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const OWNER = 'src/mail/lifecycle-repository.ts';

const WRITES: readonly { what: string; pattern: RegExp }[] = [
  { what: 'Kysely update/insert', pattern: /\b(?:updateTable|insertInto|replaceInto|mergeInto)\s*\(\s*['"`](?:mails|mail_recipients)\b/g },
  { what: 'raw SQL update', pattern: /\bupdate\s+(?:only\s+)?"?(?:mails|mail_recipients)\b"?(?:\s+as\s+\w+|\s+\w+)?\s+set\b/gi },
  { what: 'raw SQL insert', pattern: /\b(?:insert|replace)\s+(?:or\s+\w+\s+)?into\s+"?(?:mails|mail_recipients)\b/gi },
  { what: 'raw SQL merge', pattern: /\bmerge\s+into\s+"?(?:mails|mail_recipients)\b/gi },
  // src/db/insert-rows.ts: an INSERT whose SQL text is made once per shape.
  { what: 'insertRows', pattern: /\binsertRows\s*\(\s*\w+\s*,\s*['"`](?:mails|mail_recipients)\b/g },
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The code without its comments (prose may say "update mails"), lines kept for the report. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

/** Every write to the lifecycle's tables in one file's code: `line: text`. */
export function lifecycleWrites(text: string): string[] {
  const code = withoutComments(text);
  const found: string[] = [];
  for (const { what, pattern } of WRITES) {
    for (const match of code.matchAll(pattern)) {
      const line = code.slice(0, match.index).split('\n').length;
      found.push(`${line}: ${what}: ${match[0].replace(/\s+/g, ' ')}`);
    }
  }
  return found;
}

test('only src/mail/lifecycle-repository.ts writes mails or mail_recipients', () => {
  const offenders: string[] = [];
  let scanned = 0;
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    const relative = path.relative(ROOT, file).split(path.sep).join('/');
    if (relative === OWNER || relative.startsWith('src/db/migrations/')) continue;
    scanned += 1;
    for (const write of lifecycleWrites(fs.readFileSync(file, 'utf8'))) offenders.push(`${relative}:${write}`);
  }
  assert.ok(scanned > 50, `scanned only ${scanned} files under src/`);
  assert.deepEqual(offenders, [], `writes to the lifecycle's tables outside ${OWNER}`);
});

test('the owner exists and holds the writes', () => {
  const text = fs.readFileSync(path.join(ROOT, OWNER), 'utf8');
  const writes = lifecycleWrites(text);
  for (const expected of ["insertRows(db, 'mails", "insertRows(db, 'mail_recipients", "updateTable('mails", "updateTable('mail_recipients", 'update mails set', 'update mail_recipients set']) {
    assert.ok(writes.some((w) => w.includes(expected)), `${OWNER} should contain ${expected}`);
  }
});

test('the scanner sees every form of write and ignores reads, deletes and comments', () => {
  const writes = [
    "db.updateTable('mails').set({ state: 'done' })",
    'tx.insertInto("mail_recipients").values(rows)',
    "db.updateTable('mail_recipients as r')",
    'sql`update mails set state = ${s}`',
    'sql`UPDATE mail_recipients r SET status = 1`',
    'sql`insert into mails (message_id) values (1)`',
    'sql`INSERT OR IGNORE INTO mail_recipients values (1)`',
    "insertRows(tx, 'mails', [mail])",
  ];
  for (const w of writes) assert.equal(lifecycleWrites(w).length, 1, w);
  const notWrites = [
    "db.selectFrom('mails').selectAll()",
    "db.deleteFrom('mails').where('org_id', '=', org)",
    'sql`delete from mail_recipients where message_id = 1`',
    "db.updateTable('mail_attachments').set({})",
    'sql`update mails_archive set x = 1`',
    '// a comment may say update mails set state',
    '/* or insert into mails (…) */',
    'sql`select * from mails where state = 1 for update`',
  ];
  for (const w of notWrites) assert.deepEqual(lifecycleWrites(w), [], w);
});
