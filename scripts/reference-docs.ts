import fs from 'node:fs';
import path from 'node:path';
import { ENVIRONMENT, type VariableSpec } from '../src/config.js';
import { ERROR_CATALOGUE } from '../src/errors.js';

/**
 * The reference pages generated from the code, so that they cannot drift from it:
 * docs/errors.md from the error catalogue (src/errors.ts) and docs/configuration.md from the
 * table of environment variables (src/config.ts). `npm run docs` writes them; `npm run docs:check`
 * (run by .ci/run) fails while a committed page differs from what the code generates.
 */
export type GeneratedDoc = { file: string; source: string; render: () => string };

export const GENERATED_DOCS: readonly GeneratedDoc[] = [
  { file: 'docs/errors.md', source: 'src/errors.ts', render: renderErrorsDoc },
  { file: 'docs/configuration.md', source: 'src/config.ts', render: renderConfigurationDoc },
];

const banner = (source: string): string =>
  `<!-- Generated from ${source} by \`npm run docs\`. Do not edit by hand: change ${source} and run it; CI fails while this file is stale. -->\n`;

/** A Markdown table cell: one line, pipes escaped. */
const cell = (text: string): string => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
const code = (text: string): string => `\`${text}\``;

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(
    ([name, spec]) => `| ${code(name)} | ${spec.status} | ${code(spec.zohoCode)} | ${cell(code(spec.message))} | ${cell(spec.when)} |`,
  );
  return `${banner('src/errors.ts')}
# Errors

Every error Mailroom answers with comes from one catalogue, \`ERROR_CATALOGUE\` in
\`src/errors.ts\`, and becomes Zoho's shape in one place, \`src/wire/zoho-envelope.ts\`:
\`{"code": <Zoho code>, "details": {…}, "message": <message>, "status": "error"}\`, at the top level
of the answer with the HTTP status below, or as one item of a bulk answer's \`data\` array
(an all-failed bulk answer takes the first item's status, a mixed one is 202; see
[zoho-contract.md §1.3–1.4](zoho-contract.md#13-response-envelopes)).

- **Code (ours)** is what the code throws (\`new AppError('RECORD_NOT_FOUND')\`); clients never see
  it. Several of ours share one Zoho code.
- **Message** is Zoho's text verbatim, typos included ("occured", "emaill"): clients match on it.
  Where Zoho's words are unknown the message is ours, and
  [zoho-compatibility.md](zoho-compatibility.md) says so.
- \`details\` depends on the case (\`api_name\`, \`json_path\`, \`param_name\`, …); \`Retry-After\`
  goes with 429, 409 and 503 answers that say when to come back.

| Code (ours) | HTTP | Zoho \`code\` | Message | When |
| --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}

function allowedValues(spec: VariableSpec): string {
  switch (spec.kind) {
    case 'integer':
      return `whole number ${spec.min}–${spec.max}`;
    case 'flag':
      return '`true` or `false` (`1`, `0`)';
    case 'choice':
      return spec.choices.map(code).join(', ');
    case 'text':
      return spec.values;
  }
}

function shownDefault(spec: VariableSpec): string {
  if (spec.kind === 'text') return spec.shownDefault ?? (spec.default === null ? 'unset' : code(spec.default));
  return code(String(spec.default));
}

export function renderConfigurationDoc(): string {
  const rows = Object.entries(ENVIRONMENT).map(([name, entry]) => {
    const spec: VariableSpec = entry;
    const meaning = spec.readBy ? `${spec.meaning} (Read by \`${spec.readBy}\`, not by the configuration loader.)` : spec.meaning;
    return `| ${code(name)} | ${cell(shownDefault(spec))} | ${cell(allowedValues(spec))} | ${cell(meaning)} |`;
  });
  return `${banner('src/config.ts')}
# Configuration

Mailroom is configured by environment variables only, read once at start (\`loadConfig\` in
\`src/config.ts\`) and validated: a bad value stops the process with a message naming the variable
and the fix, every bad variable at once (exit code 3). An empty value counts as unset. Any
variable may instead be given as \`<NAME>_FILE\`, the path of a file holding its value (container
platforms' secrets: \`SECRETS_KEY_FILE=/run/secrets/mailroom_key\`, \`DATABASE_URL_FILE\`); the
file's content is trimmed, and setting both forms is refused. The same
variables serve \`serve\`, \`worker\` and every CLI command; processes sharing one PostgreSQL need
the same \`SECRETS_KEY\` and \`HEARTBEAT_SECONDS\` (see [operations.md](operations.md)).

| Variable | Default | Allowed values | Meaning |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}

export type DocsStatus = { file: string; source: string; fresh: boolean };

/** Compares every generated page under `root` with what the code generates now. */
export function checkDocs(root: string): DocsStatus[] {
  return GENERATED_DOCS.map(({ file, source, render }) => {
    const target = path.join(root, file);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    return { file, source, fresh: current === render() };
  });
}

/** Writes every generated page under `root`; returns the files that changed. */
export function writeDocs(root: string): string[] {
  const changed: string[] = [];
  for (const status of checkDocs(root)) {
    if (status.fresh) continue;
    const doc = GENERATED_DOCS.find((d) => d.file === status.file)!;
    fs.mkdirSync(path.dirname(path.join(root, doc.file)), { recursive: true });
    fs.writeFileSync(path.join(root, doc.file), doc.render());
    changed.push(doc.file);
  }
  return changed;
}

/** The message `npm run docs:check` prints for a stale page. */
export const staleMessage = (status: DocsStatus): string =>
  `${status.file} is stale: it differs from what ${status.source} generates. Run \`npm run docs\` and commit the result.`;
