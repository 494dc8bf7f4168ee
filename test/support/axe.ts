import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * The rules behind issue 15's item 15, which fail at any impact: axe rates a skipped heading level
 * or a page without `<main>` "moderate" (best practices, not WCAG rules).
 */
const ALWAYS_FAILING = new Set([
  'heading-order',
  'landmark-one-main',
  'label-content-name-mismatch',
  'aria-progressbar-name',
  'aria-meter-name',
]);

/**
 * What axe finds on the page once its transitions have ended: every serious and critical violation
 * of WCAG 2.1 A/AA and of axe's best practices, and any violation of the rules of {@link ALWAYS_FAILING}.
 */
export async function violations(page: Page): Promise<string[]> {
  // A dialog fades in: checked mid-transition its text has a fraction of its contrast (axe's
  // color-contrast failed a dialog opened 1 s before, once in CI). Finite animations are waited
  // for; endless ones (progress spinners) are not.
  // (A string: this file is type-checked without the DOM's types.)
  await page.evaluate(`Promise.all(document.getAnimations()
    .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
    .map((animation) => animation.finished.catch(() => undefined)))`);
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    // Evaluated through the browser's debugging protocol, which the console's CSP does not govern.
    await page.evaluate(AXE_SOURCE);
  }
  const found = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (options: unknown) => Promise<{ violations: unknown[] }> } })
      .axe;
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    const { document } = globalThis as unknown as {
      document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };
    };
    const found = (JSON.parse(JSON.stringify(result.violations)) as Violation[])
      .map((violation) =>
        violation.id === 'label-content-name-mismatch'
          ? // A table cell is named by its content: its action buttons, each named by its text and
            // the row's item ("Edit" → "Edit Standard"), which this rule checks on the buttons
            // themselves; the names of two buttons joined hold "Edit" and "Delete" but not "EditDelete".
            {
              ...violation,
              nodes: violation.nodes.filter(
                (node) => document.querySelector(String(node.target[0]))?.getAttribute('role') !== 'gridcell',
              ),
            }
          : violation,
      )
      .filter((violation) => violation.nodes.length > 0);
    return {
      violations: found,
      modal: document.querySelector('[role="dialog"], [role="alertdialog"]') !== null,
    };
  });
  return (found.violations as Violation[])
    .filter(
      (violation) =>
        violation.impact === 'serious' ||
        violation.impact === 'critical' ||
        // A modal dialog hides the page behind it, its <main> too: that one is not missing.
        (ALWAYS_FAILING.has(violation.id) && !(found.modal && violation.id === 'landmark-one-main')),
    )
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes
          .slice(0, 3)
          .map((node) => JSON.stringify(node.target))
          .join(', ')}`,
    );
}
