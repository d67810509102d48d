#!/usr/bin/env node
// Bundles the web UI's rich-text editor (src/ui/editor/, Tiptap/ProseMirror) into one same-origin
// script, dist/ui-assets/editor.js, served at /ui/assets/editor.js under the UI's strict CSP.
// Run by `npm run build`, `prepare` (so `npm ci && npm start` has it) and `npm test`; the output is
// not committed. esbuild does not type-check: `npm run lint` runs tsc on src/ui/editor/tsconfig.json.
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');

await build({
  entryPoints: [path.join(root, 'src', 'ui', 'editor', 'main.ts')],
  outfile: path.join(root, 'dist', 'ui-assets', 'editor.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome109', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'linked',
  sourcemap: false,
  logLevel: 'warning',
});
