// The dashboard against WCAG 2 A and AA as axe-core checks them (labels, names, roles, contrast,
// keyboard focusability), in Chromium, for every view and the object panel's tabs, in the light
// and the dark theme. A rule broken anywhere fails with the elements that break it.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launch, WAIT_MS } from './browser.js';
import { kubectlOk, withCluster } from './helpers.js';
import { needs } from './peers.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Violation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/** axe's WCAG 2 A/AA violations on the page as it stands, worded for an assertion message. */
async function violations(page: Page, where: string): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })) }));
  });
  return found.map((v) => `${where}: ${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('dashboard accessibility', { skip: needs('chromium') }, () => {
  test('every view and the object panel pass axe-core WCAG 2 A/AA, light and dark', async () => {
    await using cluster = await withCluster({ controlPlane: true, nodes: 3 });
    await kubectlOk('1.33', cluster, ['create', '-f', 'fixtures/kubia-rc.yaml']);
    await kubectlOk('1.33', cluster, ['create', '-f', 'fixtures/kubia-svc.yaml']);
    await kubectlOk('1.33', cluster, ['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
    const browser = await launch();
    try {
      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        // axe is injected as a script: the page's CSP would refuse it.
        const page = await (await browser.newContext({ bypassCSP: true, colorScheme })).newPage();
        await page.goto(cluster.url + '/ui/');
        await page.waitForFunction(() => document.querySelectorAll('[data-node] .chip[data-state="ready"]').length >= 5, undefined, { timeout: WAIT_MS });
        found.push(...await violations(page, `${colorScheme} Cluster`));
        for (const view of ['Workloads', 'Services', 'Events']) {
          await page.getByRole('tab', { name: view }).click();
          await page.waitForTimeout(500);
          found.push(...await violations(page, `${colorScheme} ${view}`));
        }
        await page.getByRole('tab', { name: 'Cluster' }).click();
        await page.locator('[data-node] .chip[data-state="ready"]').first().click();
        for (const tab of ['YAML', 'Logs']) {
          await page.getByRole('tab', { name: tab }).click();
          await page.waitForTimeout(500);
          found.push(...await violations(page, `${colorScheme} pod ${tab}`));
        }
        await page.close();
      }
      assert.deepEqual(found, []);
    } finally {
      await browser.close();
    }
  });
});
