// The dashboard (issue 20) in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against a running tinykube changed only through kubectl 1.33. It must see the nodes, pods arrive,
// run and be replaced, a pod that fits nowhere wait in the queue with the scheduler's reason, and
// with authentication on ask for a token. Screenshots go to a temporary directory (printed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Cluster } from '../src/index.js';
import { http, kubectlOk, withCluster } from './helpers.js';
import { BROWSER_HTML, launch, screenshot, WAIT_MS } from './browser.js';
import { needs } from './peers.js';

describe('dashboard', { skip: needs('chromium') }, () => {
  let cluster: Cluster;
  let browser: Browser;
  let page: Page;
  before(async () => {
    // Quick heartbeats and a short grace: a stopped kubelet's node turns NotReady within seconds.
    cluster = await withCluster({ controlPlane: true, nodes: 3, kubelet: { heartbeatMs: 1000 }, nodeLifecycle: { gracePeriodMs: 5000, monitorPeriodMs: 1000 } });
    browser = await launch();
    page = await (await browser.newContext()).newPage();
  });
  after(async () => {
    await browser?.close();
    await cluster?.close();
  });

  test('a browser opening / is sent to /ui/; a client asking for JSON is answered as before', async () => {
    const browserGet = await fetch(cluster.url + '/', { headers: { Accept: BROWSER_HTML }, redirect: 'manual' });
    assert.equal(browserGet.status, 302);
    assert.equal(browserGet.headers.get('location'), '/ui/');
    for (const accept of ['application/json', '*/*', 'application/json, */*', 'text/html, application/json']) {
      const r = await http(cluster, 'GET', '/', undefined, { Accept: accept });
      assert.notEqual(r.status, 302, accept);
      assert.equal(r.headers.get('location'), null, accept);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/, accept);
    }
    const index = await http(cluster, 'GET', '/ui/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    const app = await http(cluster, 'GET', '/ui/app.js');
    assert.equal(app.status, 200);
    assert.match(app.headers.get('content-type') ?? '', /^text\/javascript/);
  });

  test('shows the control plane and one box per node, with allocatable cpu and memory', async () => {
    await page.goto(cluster.url + '/');
    assert.equal(new URL(page.url()).pathname, '/ui/');
    await page.locator('[data-node]').nth(2).waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await page.locator('[data-node]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node'))), ['node-1', 'node-2', 'node-3']);
    assert.equal(await page.getByRole('heading', { name: 'Control plane' }).count(), 1);
    for (const component of ['API server', 'Scheduler', 'Controller manager', 'etcd (the store)']) {
      assert.equal(await page.getByRole('heading', { name: component }).count(), 1, component);
    }
    const node = page.locator('[data-node="node-1"]');
    assert.match(await node.locator('.badges').innerText(), /^Ready$/);
    assert.deepEqual(await node.locator('.node-components li').allInnerTexts(), ['kubelet', 'container runtime', 'kube-proxy']);
    const allocatable = await kubectlOk('1.33', cluster, ['get', 'node', 'node-1', '-o', 'jsonpath={.status.allocatable.cpu} {.status.allocatable.memory}']);
    const [cpu, memory] = allocatable.split(' ');
    assert.deepEqual(await node.locator('.amount').allInnerTexts(), [`0 of ${cpu} requested`, `0 of ${memory} requested`]);
  });

  test('an RC makes pod chips appear on nodes and turn Running; a deleted pod is replaced', async () => {
    await kubectlOk('1.33', cluster, ['create', '-f', 'fixtures/kubia-rc.yaml']);
    const ready = page.locator('[data-node] .chip[data-state="ready"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-node] .chip[data-state="ready"]').length === 3, undefined, { timeout: WAIT_MS });
    const names = (await ready.evaluateAll((els) => els.map((e) => e.getAttribute('data-pod') ?? ''))).sort();
    const pods = (await kubectlOk('1.33', cluster, ['get', 'pods', '-l', 'app=kubia', '-o', 'jsonpath={range .items[*]}default/{.metadata.name}{"\\n"}{end}'])).trim().split('\n').sort();
    assert.deepEqual(names, pods);
    await screenshot(page, 'kubia-running');

    const victim = pods[0];
    await kubectlOk('1.33', cluster, ['delete', 'pod', victim.split('/')[1], '--wait=false']);
    await page.waitForFunction((gone) => {
      const chips = [...document.querySelectorAll('[data-node] .chip[data-state="ready"]')].map((e) => e.getAttribute('data-pod'));
      return chips.length === 3 && !chips.includes(gone);
    }, victim, { timeout: WAIT_MS });
    const after = (await ready.evaluateAll((els) => els.map((e) => e.getAttribute('data-pod') ?? ''))).sort();
    const now = (await kubectlOk('1.33', cluster, ['get', 'pods', '-l', 'app=kubia', '--field-selector', 'metadata.name!=' + victim.split('/')[1], '-o', 'jsonpath={range .items[*]}default/{.metadata.name}{"\\n"}{end}'])).trim().split('\n').sort();
    assert.deepEqual(after, now);
    assert.equal(after.filter((p) => !pods.includes(p)).length, 1, 'one replacement chip');
  });

  test("a pod that fits nowhere waits in the scheduling queue with the scheduler's message", async () => {
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge' },
        spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100' } } }] },
      }),
    });
    const queued = page.locator('#queue [data-pod="default/huge"] .reason');
    await page.waitForFunction(() => /Insufficient cpu/.test(document.querySelector('#queue [data-pod="default/huge"] .reason')?.textContent ?? ''), undefined, { timeout: WAIT_MS });
    const message = await kubectlOk('1.33', cluster, ['get', 'pod', 'huge', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}']);
    assert.equal(await queued.innerText(), message);
    assert.match(message, /^0\/3 nodes are available: 3 Insufficient cpu\./);
    assert.match(await page.locator('#cp-scheduler').innerText(), /^1 pod waiting$/);
    await screenshot(page, 'queue');
  });

  test("a node's box sums the requests of the pods bound to it, against its allocatable", async () => {
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sized' },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'node-1' },
          containers: [{ name: 'a', image: 'busybox', resources: { requests: { cpu: '300m', memory: '200Mi' } } }, { name: 'b', image: 'busybox', resources: { requests: { cpu: '200m', memory: '56Mi' } } }],
        },
      }),
    });
    await page.waitForFunction(() => document.querySelector('[data-node="node-1"] [data-pod="default/sized"]'), undefined, { timeout: WAIT_MS });
    const amounts = page.locator('[data-node="node-1"] .amount');
    await page.waitForFunction(() => document.querySelector('[data-node="node-1"] .amount')?.textContent === '500m of 4 requested', undefined, { timeout: WAIT_MS });
    assert.deepEqual(await amounts.allInnerTexts(), ['500m of 4 requested', '256Mi of 16Gi requested']);
  });

  test("cordoned and NotReady nodes look so, in kubectl get nodes' STATUS words", async () => {
    await kubectlOk('1.33', cluster, ['cordon', 'node-2']);
    await kubectlOk('1.33', cluster, ['annotate', 'node', 'node-3', 'tinykube.io/kubelet=stopped']);
    const expected = { 'node-1': 'Ready', 'node-2': 'Ready,SchedulingDisabled', 'node-3': 'NotReady' };
    await page.waitForFunction((want) => Object.entries(want).every(([node, status]) => document.querySelector(`[data-node="${node}"] .badges`)?.textContent === status), expected, { timeout: WAIT_MS });
    const table = (await kubectlOk('1.33', cluster, ['get', 'nodes', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/).slice(0, 2));
    assert.deepEqual(Object.fromEntries(table), expected);
    assert.deepEqual(await page.locator('[data-node]').evaluateAll((els) => els.map((e) => e.className)), ['node', 'node cordoned', 'node not-ready']);
    await screenshot(page, 'nodes-states');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'nodes-states-dark');
  });
});

describe('dashboard activity lighting', { skip: needs('chromium') }, () => {
  test("a component's box lights when the activity feed says it acted: the scheduler and the node's kubelet for a new pod", async () => {
    await using cluster = await withCluster({ controlPlane: true, nodes: 1 });
    const browser = await launch();
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(cluster.url + '/ui/');
      await page.locator('[data-node="node-1"]').waitFor({ timeout: WAIT_MS });
      // The feed is read from now on: each new pod makes the scheduler bind and the kubelet act.
      const scheduler = page.locator('.control-plane [data-component="scheduler"].active').waitFor({ timeout: WAIT_MS });
      const kubelet = page.locator('[data-node="node-1"] [data-component="kubelet"].active').waitFor({ timeout: WAIT_MS });
      for (let i = 0; i < 5; i++) {
        const created = await http(cluster, 'POST', '/api/v1/namespaces/default/pods', { metadata: { name: `lit-${i}` }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
        assert.equal(created.status, 201, created.text);
        await new Promise((r) => setTimeout(r, 300));
      }
      await Promise.all([scheduler, kubelet]);
    } finally {
      await browser.close();
    }
  });
});

describe('dashboard turned off', () => {
  test('ui: false: /ui/ is an unknown path and / is not redirected', async () => {
    await using cluster = await withCluster({ ui: false });
    const unknown = await http(cluster, 'GET', '/no-such-path');
    for (const path of ['/ui/', '/ui/app.js']) {
      const r = await http(cluster, 'GET', path);
      assert.equal(r.status, unknown.status, path);
      assert.equal(r.text, unknown.text, path);
    }
    const root = await fetch(cluster.url + '/', { headers: { Accept: BROWSER_HTML }, redirect: 'manual' });
    assert.notEqual(root.status, 302);
  });
});

describe('dashboard with authentication', { skip: needs('chromium') }, () => {
  test('asks for a token, shows the 401 until one is given, then the nodes', async () => {
    await using cluster = await withCluster({ tls: true, controlPlane: true, nodes: 3 });
    const token = /^\s*token: (\S+)$/m.exec(readFileSync(cluster.kubeconfigPath, 'utf8'))?.[1];
    assert.ok(token, 'the kubeconfig carries the admin token');
    const browser = await launch();
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const served = await page.goto(cluster.url + '/ui/');
      assert.equal(served?.status(), 200, 'the page itself needs no token');
      const form = page.getByRole('form', { name: 'This cluster asks who you are' });
      await form.waitFor({ timeout: WAIT_MS });
      assert.match(await page.locator('#login-error').innerText(), /^401 Unauthorized/);
      assert.match(await page.locator('#status').innerText(), /^401 Unauthorized/);
      await screenshot(page, 'token-form');
      await page.getByLabel('Bearer token').fill(token);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.locator('[data-node]').nth(2).waitFor({ timeout: WAIT_MS });
      assert.equal(await page.locator('[data-node]').count(), 3);
      assert.ok(await form.isHidden());
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Live: watching nodes, pods', undefined, { timeout: WAIT_MS });
      assert.equal(await page.evaluate(() => sessionStorage.getItem('tinykube.token')), token);
      await screenshot(page, 'after-token');
    } finally {
      await browser.close();
    }
  });
});
