import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkDocs, GENERATED_DOCS, renderConfigurationDoc, renderErrorsDoc, writeDocs } from '../../scripts/reference-docs.js';
import { ENVIRONMENT } from '../../src/config.js';
import { ERROR_CATALOGUE } from '../../src/errors.js';

/** The repository root (this file runs as dist/test/unit/reference-docs.test.js). */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const GEN_DOCS = path.join(ROOT, 'dist', 'scripts', 'gen-docs.js');

test('the committed docs/errors.md and docs/configuration.md are what the code generates', () => {
  for (const status of checkDocs(ROOT)) assert.ok(status.fresh, `${status.file} is stale: run npm run docs`);
});

test('docs/errors.md has every catalogue entry with its status, Zoho code, verbatim message and when', () => {
  const doc = renderErrorsDoc();
  for (const [name, spec] of Object.entries(ERROR_CATALOGUE)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    assert.ok(row, name);
    assert.ok(row.includes(`| ${spec.status} | \`${spec.zohoCode}\` | \`${spec.message}\` |`), `${name}: ${row}`);
    assert.ok(row.endsWith(`| ${spec.when} |`), name);
  }
  assert.match(doc, /`Connectivity issue occured when sending mail via your SMTP server`/, 'typos stay verbatim');
});

test('docs/configuration.md has every variable with its default, allowed values and meaning', () => {
  const doc = renderConfigurationDoc();
  for (const name of Object.keys(ENVIRONMENT)) assert.match(doc, new RegExp(`^\\| \`${name}\` \\|`, 'm'), name);
  assert.match(doc, /^\| `PORT` \| `8080` \| whole number 0–65535 \| TCP port of the HTTP API\. \|$/m);
  assert.match(doc, /^\| `LOG_LEVEL` \| `info` \| `fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent` \|/m);
  assert.match(doc, /^\| `API_RATE_LIMITS` \| `true` \| `true` or `false` \(`1`, `0`\) \|/m);
  assert.match(doc, /^\| `MAILROOM_FAULT_AT` \| unset \|.*\(Read by `src\/faults\.ts`, not by the configuration loader\.\) \|$/m);
});

test('a stale generated page is caught: docs:check exits 1 naming it and the fix; npm run docs repairs it', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-docs-'));
  try {
    assert.deepEqual(writeDocs(root), GENERATED_DOCS.map((d) => d.file), 'an empty checkout gets every page');
    const fresh = spawnSync(process.execPath, [GEN_DOCS, '--check', '--root', root], { encoding: 'utf8' });
    assert.equal(fresh.status, 0, fresh.stderr);

    // A catalogue message edited by hand in the page (or a catalogue change without `npm run docs`).
    const errors = path.join(root, 'docs', 'errors.md');
    fs.writeFileSync(errors, fs.readFileSync(errors, 'utf8').replace('invalid oauth token', 'invalid token'));
    const stale = spawnSync(process.execPath, [GEN_DOCS, '--check', '--root', root], { encoding: 'utf8' });
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /docs\/errors\.md is stale: it differs from what src\/errors\.ts generates\. Run `npm run docs` and commit the result\./);
    assert.doesNotMatch(stale.stderr, /configuration\.md/, 'only the stale page is named');

    const write = spawnSync(process.execPath, [GEN_DOCS, '--root', root], { encoding: 'utf8' });
    assert.equal(write.status, 0, write.stderr);
    assert.match(write.stdout, /Wrote docs\/errors\.md\./);
    assert.ok(checkDocs(root).every((status) => status.fresh));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
