import path from 'node:path';
import { checkDocs, staleMessage, writeDocs } from './reference-docs.js';

/**
 * `npm run docs`: writes docs/errors.md and docs/configuration.md from the code.
 * `npm run docs:check`: exits 1, naming each stale page, when a committed page differs.
 * `--root <dir>` works on another checkout (the tests use it).
 */
const args = process.argv.slice(2);
const rootIndex = args.indexOf('--root');
const root = rootIndex >= 0 && args[rootIndex + 1] ? path.resolve(args[rootIndex + 1]!) : path.resolve(import.meta.dirname, '..', '..');

if (args.includes('--check')) {
  const stale = checkDocs(root).filter((status) => !status.fresh);
  for (const status of stale) console.error(staleMessage(status));
  if (stale.length > 0) process.exit(1);
  console.log('Generated docs are up to date.');
} else {
  const changed = writeDocs(root);
  console.log(changed.length > 0 ? `Wrote ${changed.join(', ')}.` : 'Generated docs were already up to date.');
}
