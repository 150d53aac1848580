// The Cluster view at scale and in motion (issue 20), in Debian's Chromium against a tinykube changed
// only with kubectl 1.33. At 300 nodes and 3,000 pods: compact boxes, only those near the viewport
// in the document, the scheduling queue capped with a count of the rest, each box and the legend
// counting what kubectl counts. On a small cluster: a pod bound after waiting moves from the queue
// to its node, and the control plane counts actions per second. (The 5,000-node timing is
// bench/ui-scale.ts.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCpu, formatMemory } from '../src/ui/model.js';
import { kubectlOk, withCluster } from './helpers.js';
import { launch, screenshot, WAIT_MS } from './browser.js';
import { needs } from './peers.js';

const NODES = 300;
const PODS = 3000;

const nodeName = (i: number) => `node-${String(i).padStart(3, '0')}`;

/** Node objects no kubelet runs (tinykube.io/kubelet: stopped): Ready as created, as scheduler_perf's are. */
function nodeList(count: number): string {
  const items = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: nodeName(i + 1), labels: { 'kubernetes.io/hostname': nodeName(i + 1) }, annotations: { 'tinykube.io/kubelet': 'stopped' } },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

const rc = (name: string, replicas: number) => JSON.stringify({
  apiVersion: 'v1', kind: 'ReplicationController', metadata: { name },
  spec: { replicas, selector: { app: name }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
});

describe('dashboard at scale', { skip: needs('chromium') }, () => {
  test(`${NODES} nodes and ${PODS} pods: compact, virtualized boxes, a capped queue, and kubectl's counts`, async () => {
    // No kubelets: the nodes' Ready is what kubectl created, so the lifecycle controller must not expire it.
    await using cluster = await withCluster({ controlPlane: true, nodes: 0, nodeLifecycle: { gracePeriodMs: 3_600_000 } });
    const browser = await launch();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
      await page.goto(cluster.url + '/ui/');
      await page.getByText('watching 0 nodes and 0 pods').waitFor({ timeout: WAIT_MS });

      // With no node, every pod waits: the queue draws 100 and counts the rest.
      await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: rc('many', PODS) });
      await page.waitForFunction((n) => document.getElementById('cp-scheduler')?.textContent === `${n} pods waiting`, PODS, { timeout: WAIT_MS * 2 });
      assert.equal(await page.locator('#queue [data-pod]').count(), 100);
      assert.equal(await page.locator('#queue .more').innerText(), `+${PODS - 100} more waiting`);

      await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: nodeList(NODES) });
      await page.waitForFunction((want) => document.getElementById('cp-apiserver')?.textContent === want && document.getElementById('cp-scheduler')?.textContent === 'queue empty',
        `watching ${NODES} nodes and ${PODS} pods`, { timeout: WAIT_MS * 3 });
      assert.ok(await page.locator('#nodes.compact').isVisible(), 'compact boxes');
      const inDocument = await page.locator('[data-node]').count();
      assert.ok(inDocument > 0 && inDocument < NODES, `only the boxes near the viewport are drawn: ${inDocument}`);
      assert.equal(await page.locator('#queue [data-pod]').count(), 0);

      // The legend counts pods by colour: all are Pending (no kubelet runs them), as kubectl says.
      const phases = (await kubectlOk('1.33', cluster, ['get', 'pods', '-o', 'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}'])).trim().split('\n');
      assert.equal(phases.length, PODS);
      assert.equal(phases.filter((p) => p === 'Pending').length, PODS);
      assert.equal(await page.locator('.legend [data-state="pending"] .n').innerText(), String(PODS));
      assert.equal(await page.locator('.legend [data-state="ready"] .n').innerText(), '0');

      // Each node's box counts the pods kubectl finds bound to it, and sums their requests.
      const perNode = new Map<string, number>();
      const bound = (await kubectlOk('1.33', cluster, ['get', 'pods', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}'])).trim().split('\n');
      for (const n of bound) perNode.set(n, (perNode.get(n) ?? 0) + 1);
      assert.equal(bound.filter(Boolean).length, PODS, 'every pod bound');
      const find = page.getByLabel('Find a node');
      for (const name of [nodeName(1), nodeName(150), nodeName(NODES)]) {
        await find.fill(name);
        await find.press('Enter');
        const box = page.locator(`[data-node="${name}"]`);
        await box.waitFor({ timeout: WAIT_MS });
        const n = perNode.get(name) ?? 0;
        assert.equal(await box.locator('.count').innerText(), `${n} ${n === 1 ? 'pod' : 'pods'}`, name);
        // Each pod requests 10m and 16Mi.
        assert.equal(await box.getAttribute('aria-label'), `node ${name}, Ready, ${n} ${n === 1 ? 'pod' : 'pods'}${n ? ` (${n} Pending)` : ''}, CPU ${formatCpu(n * 10)} of 4 requested, memory ${formatMemory(n * 16 * 2 ** 20)} of 8Gi requested`);
        assert.ok(await box.evaluate((el) => el === document.activeElement), `${name} has the focus`);
      }
      await find.fill('node-none');
      await find.press('Enter');
      await page.getByText('no node named node-none').waitFor({ timeout: WAIT_MS });
      await screenshot(page, 'scale-300-nodes');
    } finally {
      await browser.close();
    }
  });
});

describe('dashboard motion and rates', { skip: needs('chromium') }, () => {
  test('a pod bound after waiting moves from the queue to its node; the control plane counts per second', async () => {
    await using cluster = await withCluster({ controlPlane: true, nodes: 3 });
    const browser = await launch();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(cluster.url + '/ui/');
      await page.locator('[data-node]').nth(2).waitFor({ timeout: WAIT_MS });
      await kubectlOk('1.33', cluster, ['create', '-f', '-'], {
        stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'picky' }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'busybox' }] } }),
      });
      await page.locator('#queue [data-pod="default/picky"]').waitFor({ timeout: WAIT_MS });
      // Watch for the chip's move, which lasts under half a second.
      await page.evaluate(() => {
        const seen = document.documentElement;
        new MutationObserver((records) => {
          if (records.some((r) => r.target instanceof Element && r.target.matches('[data-pod="default/picky"].moving'))) seen.dataset.sawMove = 'yes';
        }).observe(document.getElementById('nodes') ?? document.body, { subtree: true, attributes: true, attributeFilter: ['class'] });
      });
      await kubectlOk('1.33', cluster, ['label', 'node', 'node-2', 'disk=ssd']);
      await page.locator('[data-node="node-2"] [data-pod="default/picky"]').waitFor({ timeout: WAIT_MS });
      assert.equal(await page.locator('#queue [data-pod="default/picky"]').count(), 0);
      assert.equal(await kubectlOk('1.33', cluster, ['get', 'pod', 'picky', '-o', 'jsonpath={.spec.nodeName}']), 'node-2');
      await page.waitForFunction(() => document.documentElement.dataset.sawMove === 'yes', undefined, { timeout: WAIT_MS });

      // The feed's counters: the API server serves requests every second (the watches, the kubelets' heartbeats).
      await page.waitForFunction(() => /^[1-9]\d* requests?\/s$/.test(document.getElementById('rate-apiserver')?.textContent ?? ''), undefined, { timeout: WAIT_MS });
      assert.match(await page.locator('#rate-store').innerText(), /^\d+ writes?\/s$/);
      assert.match(await page.locator('#rate-scheduler').innerText(), /^\d+ binds?\/s$/);
      await screenshot(page, 'motion-rates');
    } finally {
      await browser.close();
    }
  });
});
