// The dashboard's Workloads and Events views (issue 20, deliverable 4) in Debian's Chromium, against
// a 3-node tinykube changed only through kubectl 1.33: an RC's DESIRED, CURRENT and READY as
// kubectl get rc prints them, a Deployment's rollout from progressing to complete with its
// ReplicaSets grouped under it, scaling, the event stream in kubectl get events' words, its
// filters, and the tabs by keyboard. Screenshots go to a temporary directory (printed).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Cluster } from '../src/index.js';
import { kubectlOk, withCluster } from './helpers.js';
import { launch, screenshot, WAIT_MS } from './browser.js';
import { needs } from './peers.js';

/** The cells of a workload row as a person reads them: NAMESPACE, NAME, the counts, AGE, … */
async function rowTexts(page: Page, kind: string, name: string): Promise<string[]> {
  return page.locator(`tr[data-kind="${kind}"][data-name="default/${name}"]`).first().locator('th, td').allInnerTexts();
}

/** kubectl's table without headers, one array of columns a line (columns are 3 or more spaces apart). */
function columns(out: string): string[][] {
  return out.trim().split('\n').filter(Boolean).map((l) => l.split(/\s{3,}/));
}

describe('dashboard: workloads and events', { skip: needs('chromium') }, () => {
  let cluster: Cluster;
  let browser: Browser;
  let page: Page;
  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 3 });
    browser = await launch();
    page = await (await browser.newContext()).newPage();
  });
  after(async () => {
    await browser?.close();
    await cluster?.close();
  });

  test('the view tabs are reached with Tab and chosen with the arrow keys', async () => {
    await page.goto(cluster.url + '/ui/');
    await page.getByRole('tab', { name: 'Cluster', selected: true }).waitFor({ timeout: WAIT_MS });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => `${document.activeElement?.getAttribute('role')}: ${document.activeElement?.textContent}`), 'tab: Cluster');
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'Workloads', selected: true }).waitFor({ timeout: WAIT_MS });
    assert.equal(new URL(page.url()).hash, '#workloads');
    assert.ok(await page.getByRole('tabpanel', { name: 'Workloads' }).isVisible());
    for (const caption of ['Deployments', 'ReplicaSets', 'ReplicationControllers']) {
      assert.equal(await page.getByRole('table', { name: caption }).count(), 1, caption);
    }
  });

  test("an RC shows kubectl get rc's DESIRED, CURRENT and READY, and its pods becoming ready", async () => {
    await kubectlOk('1.33', cluster, ['create', '-f', 'fixtures/kubia-rc.yaml']);
    const rc = page.locator('tr[data-kind="ReplicationController"][data-name="default/kubia"]');
    await rc.waitFor({ timeout: WAIT_MS });
    assert.equal(await rc.locator('td').nth(1).innerText(), '3', 'DESIRED at once');
    await page.waitForFunction(() => document.querySelector('tr[data-name="default/kubia"] td:nth-of-type(4)')?.textContent === '3', undefined, { timeout: WAIT_MS });
    const [kubectlRow] = columns(await kubectlOk('1.33', cluster, ['get', 'rc', 'kubia', '--no-headers']));
    const ui = await rowTexts(page, 'ReplicationController', 'kubia');
    assert.deepEqual(ui.slice(0, 5), ['default', ...kubectlRow.slice(0, 4)]);
    assert.match(ui[5], /^\d+s$/, 'AGE');
    assert.equal(await rc.getByRole('img').getAttribute('aria-label'), '3 of 3 ready');
  });

  test('a Deployment shows its rollout under way and then complete, its ReplicaSets grouped under it', async () => {
    await kubectlOk('1.33', cluster, ['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
    const rollout = page.locator('tbody[data-deployment="default/web"] tr[data-kind="Deployment"] .rollout');
    await page.waitForFunction(() => document.querySelector('tbody[data-deployment="default/web"] .rollout')?.textContent === 'complete', undefined, { timeout: WAIT_MS });
    // Every text the rollout cell shows from now on, in order.
    await page.evaluate(() => {
      const cell = document.querySelector<HTMLElement>('tbody[data-deployment="default/web"] .rollout');
      if (!cell) return;
      document.body.dataset.rolloutSeen = '';
      new MutationObserver(() => { document.body.dataset.rolloutSeen += `${cell.textContent}\n`; }).observe(cell, { childList: true, characterData: true, subtree: true });
    });
    await kubectlOk('1.33', cluster, ['set', 'image', 'deployment/web', 'nginx=nginx:1.27']);
    await page.waitForFunction(() => {
      const seen = document.body.dataset.rolloutSeen ?? '';
      return seen.length > 0 && document.querySelector('tbody[data-deployment="default/web"] .rollout')?.textContent === 'complete'
        && document.querySelectorAll('tbody[data-deployment="default/web"] tr.owned').length === 2;
    }, undefined, { timeout: WAIT_MS });
    const seen = (await page.evaluate(() => document.body.dataset.rolloutSeen ?? '')).trim().split('\n');
    assert.ok(seen.some((t) => /^ReplicaSetUpdated: ReplicaSet "web-[a-z0-9]+" is progressing\. \(\d of 2 updated, \d available\)$/.test(t)), `the rollout under way: ${seen.join(' | ')}`);
    assert.equal(seen.at(-1), 'complete');
    assert.equal(await rollout.innerText(), 'complete');

    const [deploy] = columns(await kubectlOk('1.33', cluster, ['get', 'deployment', 'web', '--no-headers']));
    assert.deepEqual((await rowTexts(page, 'Deployment', 'web')).slice(0, 5), ['default', ...deploy.slice(0, 4)]);
    // Both ReplicaSets in the Deployment's group, none in the table of ReplicaSets of their own.
    const sets = columns(await kubectlOk('1.33', cluster, ['get', 'rs', '-l', 'app=web', '--no-headers', '--sort-by=.metadata.name']));
    const owned = await page.locator('tbody[data-deployment="default/web"] tr.owned th').allInnerTexts();
    assert.deepEqual(owned, sets.map((s) => `ReplicaSet ${s[0]}`));
    const counts = await page.locator('tbody[data-deployment="default/web"] tr.owned td:nth-of-type(2)').allInnerTexts();
    assert.deepEqual(counts, sets.map((s) => `${s[1]} desired, ${s[2]} current, ${s[3]} ready`));
    assert.equal(await page.getByRole('table', { name: 'ReplicaSets' }).locator('tbody tr').count(), 0);
  });

  test("scaling the RC to 1 shows 1 desired, as kubectl get rc says", async () => {
    await kubectlOk('1.33', cluster, ['scale', 'rc', 'kubia', '--replicas=1']);
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('tr[data-name="default/kubia"] td')].map((c) => c.textContent);
      return cells[1] === '1' && cells[2] === '1';
    }, undefined, { timeout: WAIT_MS });
    const [kubectlRow] = columns(await kubectlOk('1.33', cluster, ['get', 'rc', 'kubia', '--no-headers']));
    assert.deepEqual((await rowTexts(page, 'ReplicationController', 'kubia')).slice(1, 5), kubectlRow.slice(0, 4));
    await screenshot(page, 'workloads');
  });

  test("the Events view shows kubia's SuccessfulCreate events as kubectl get events does; Warning hides them", async () => {
    // A pod that fits nowhere: the scheduler's FailedScheduling is a Warning.
    await kubectlOk('1.33', cluster, ['run', 'huge', '--image=busybox', '--overrides={"spec":{"containers":[{"name":"huge","image":"busybox","resources":{"requests":{"cpu":"100"}}}]}}']);
    // By keyboard: from the Workloads tab, right until Events.
    await page.getByRole('tab', { name: 'Workloads' }).focus();
    for (let i = 0; i < 8 && !(await page.getByRole('tab', { name: 'Events', selected: true }).count()); i++) {
      await page.keyboard.press('ArrowRight');
      // The key moves focus at once and the view follows the hash a moment later: a second key
      // before then would pass Events by (CI saw it once).
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-selected') === 'true', undefined, { timeout: WAIT_MS });
    }
    await page.getByRole('tabpanel', { name: 'Events' }).waitFor({ timeout: WAIT_MS });

    const listed = columns(await kubectlOk('1.33', cluster, ['get', 'events', '--no-headers', '--field-selector', 'reason=SuccessfulCreate,involvedObject.name=kubia']));
    assert.ok(listed.length >= 3, `kubectl lists ${listed.length} SuccessfulCreate events`);
    const expected = listed.map((c) => c.slice(1).join(' | ')).sort();
    const kubiaRows = page.getByRole('table', { name: 'Events, newest first' }).getByRole('row').filter({ hasText: 'SuccessfulCreate' }).filter({ hasText: 'replicationcontroller/kubia' });
    await page.waitForFunction((n) => [...document.querySelectorAll<HTMLTableRowElement>('table.events tbody tr')].filter((r) => /SuccessfulCreate.*replicationcontroller\/kubia/s.test(r.textContent ?? '')).length === n, expected.length, { timeout: WAIT_MS });
    const shown = (await kubiaRows.evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((c) => c.textContent ?? '').join(' | ')))).sort();
    assert.deepEqual(shown, expected);
    for (const line of expected) assert.match(line, /^Normal \| SuccessfulCreate \| replicationcontroller\/kubia \| Created pod: kubia-[a-z0-9]{5}$/);

    const warning = page.getByRole('row').filter({ hasText: 'FailedScheduling' }).filter({ hasText: 'pod/huge' }).first();
    await warning.waitFor({ timeout: WAIT_MS });
    assert.match(await warning.getAttribute('class') ?? '', /\bwarning\b/);
    await screenshot(page, 'events');

    await page.getByLabel('Type', { exact: true }).selectOption('Warning');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLTableRowElement>('table.events tbody tr')].every((r) => r.hidden === (r.children[1]?.textContent !== 'Warning')), undefined, { timeout: WAIT_MS });
    assert.equal(await kubiaRows.filter({ visible: true }).count(), 0, 'Warning hides the SuccessfulCreate events');
    assert.ok(await warning.isVisible(), 'and shows the FailedScheduling one');

    // The text box matches the message; the object opens in the panel.
    await page.getByLabel('Type', { exact: true }).selectOption('');
    const pod = listed[0].at(-1)?.replace('Created pod: ', '') ?? '';
    await page.getByLabel('Filter', { exact: true }).fill(pod);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLTableRowElement>('table.events tbody tr')].filter((r) => !r.hidden).length >= 1, undefined, { timeout: WAIT_MS });
    const visible = await page.locator('table.events tbody tr:not([hidden])').allInnerTexts();
    assert.ok(visible.every((t) => t.includes(pod)), visible.join('\n'));
    await page.locator('table.events tbody tr:not([hidden])').filter({ hasText: 'SuccessfulCreate' }).getByRole('button', { name: 'replicationcontroller/kubia' }).click();
    await page.getByRole('heading', { name: 'ReplicationController default/kubia' }).waitFor({ timeout: WAIT_MS });
  });
});
