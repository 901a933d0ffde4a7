/**
 * Accessibility and phone-width checks of a page in the browser: axe-core's engine injected
 * into the page (through the DevTools protocol, which the console's Content-Security-Policy
 * does not restrict), and a walker over a table of pages, each opened at every width the
 * console must work at. A page of the console is one row of such a table: a new page adds
 * its row to the test that walks them (test/browser/console-a11y.test.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';
import { screenshot } from './browser.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The window widths every page is checked at: a desktop and a phone (iPhone 12 to 15). */
export const WIDTHS = [1400, 390] as const;

/** The impacts that fail a page. */
const FAILING = new Set(['serious', 'critical']);

/**
 * axe-core's serious and critical violations of the page as it is now, one line each naming
 * the rule, its impact and the elements (at most three), or [] when there are none.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // Expressions as text: they run in the page, whose globals the tests' types do not know.
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] })",
  )) as AxeResults;
  return results.violations
    .filter((v) => FAILING.has(v.impact ?? ''))
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    );
}

/** How many pixels the page is wider than its window (0: no horizontal scroll). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(
    'Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)',
  );
}

/** One page of the walk: how to open it (and wait until it shows what it should). */
export interface PageRow {
  name: string;
  open(page: Page): Promise<void>;
}

export interface PageFinding {
  page: string;
  width: number;
  violations: string[];
  overflow: number;
}

/**
 * Opens each row at each width, screenshots it (`a11y-<name>-<width>.png`) and returns what
 * it found on each. The caller asserts, so one run reports every page at once.
 */
export async function walkPages(page: Page, rows: readonly PageRow[]): Promise<PageFinding[]> {
  const findings: PageFinding[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width > 600 ? 900 : 844 });
    for (const row of rows) {
      await row.open(page);
      await screenshot(page, `a11y-${row.name}-${width}`);
      findings.push({
        page: row.name,
        width,
        violations: await axeViolations(page),
        overflow: await horizontalOverflow(page),
      });
    }
  }
  return findings;
}
