import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults, Result } from 'axe-core';

/**
 * axe-core (Deque's accessibility engine) in a playwright-core page. The UI's CSP has no
 * `unsafe-inline` and allows scripts only from 'self', so axe is not added as a <script>: its
 * source is evaluated through the DevTools protocol (`page.evaluate`), which the page's CSP does
 * not govern. The sandboxed frames that show mail HTML are not ours (the sender wrote them) and
 * cannot run scripts: axe checks the frame elements themselves (title…), not their content.
 */
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.0/2.1/2.2 levels A and AA, and Deque's best practices. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] as const;

/** Runs axe on the page as it is now (every node of a violation; other results name one node each, which is faster). */
export async function runAxe(page: Page): Promise<AxeResults> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(
    `window.axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, iframes: false, resultTypes: ['violations'] })`,
  )) as AxeResults;
}

/** One line per violation and node: rule id, impact, target, help, and the node's HTML. */
export function formatViolations(violations: readonly Result[]): string {
  return violations
    .flatMap((v) =>
      v.nodes.map((n) => `- ${v.id} [${v.impact ?? 'n/a'}] ${JSON.stringify(n.target)}: ${v.help}\n    ${n.html.slice(0, 200)}${n.failureSummary ? `\n    ${n.failureSummary.replace(/\n/g, '\n    ')}` : ''}`),
    )
    .join('\n');
}

/**
 * Asserts that axe finds no violation on the page, and that it really ran (it reports passes: a
 * run that checked nothing would find nothing). `label` names the page in the failure message.
 */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  const results = await runAxe(page);
  assert.ok(results.passes.length > 5, `${label}: axe reported only ${results.passes.length} passing rules — did it run?`);
  assert.equal(results.violations.length, 0, `${label} (${page.url()}): ${results.violations.length} axe rule(s) violated\n${formatViolations(results.violations)}`);
}
