import fs from 'node:fs';
import type { ModuleDefinition } from '../records/modules.js';

/**
 * The rich-text editor's bundle (src/ui/editor/, built by scripts/build-editor.mjs into
 * dist/ui-assets/editor.js by `npm run build`, `prepare` and `npm test`), read once and served at
 * /ui/assets/editor.js. Missing (the build step was skipped): null, and the pages keep their plain
 * textarea, which works without it.
 */
const BUNDLE = new URL('../../ui-assets/editor.js', import.meta.url);

let cached: string | null = null;

export function editorBundle(): string | null {
  if (cached !== null) return cached;
  try {
    cached = fs.readFileSync(BUNDLE, 'utf8');
  } catch {
    return null;
  }
  return cached;
}

/** The merge fields of a module, as the editor lists them (`Leads.First Name`). */
export function moduleMergeFields(module: ModuleDefinition): string[] {
  return module.fields.filter((f) => f.type !== 'subform' && f.type !== 'consent_lookup').map((f) => `${module.apiName}.${f.label}`);
}

/** `${Module.Label}` tokens a user may insert: the module's fields, then the sender's and the org's. */
export const COMMON_MERGE_FIELDS: readonly string[] = [
  'Users.First Name',
  'Users.Last Name',
  'Users.Full Name',
  'Users.Email',
  'Organization.Organization Name',
  'Organization.Primary Email',
];
