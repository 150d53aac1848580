// The dashboard's YAML tab (issue 20, deliverable 4) in Chromium against a 3-node tinykube changed
// only with kubectl 1.33: a pod's YAML as kubectl names it, managedFields folded to their managers;
// an edit applied in the page is what kubectl then shows, recorded under the manager tinykube-ui as
// an Apply; a change to a field another manager owns is kube's 409 conflict until applied with
// force; bad YAML is refused in the page without a request; an edit is kept when the object changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import type { Cluster } from '../src/index.js';
import { kubectl, kubectlOk, withCluster } from './helpers.js';
import { launch, screenshot, WAIT_MS } from './browser.js';
import { needs } from './peers.js';

/** The value at a path in parsed YAML. */
function pick(v: unknown, ...path: string[]): unknown {
  for (const key of path) v = typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.entries(v).find(([k]) => k === key)?.[1] : undefined;
  return v;
}

const RC_PATH = '/api/v1/namespaces/default/replicationcontrollers/kubia';

describe('dashboard YAML tab', { skip: needs('chromium') }, () => {
  let cluster: Cluster;
  let browser: Browser;
  let page: Page;
  /** The PATCH requests the page sent: bad YAML must add none. */
  const patches: string[] = [];
  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 3 });
    browser = await launch();
    page = await (await browser.newContext()).newPage();
    page.on('request', (r) => { if (r.method() === 'PATCH') patches.push(r.url()); });
    await page.goto(cluster.url + '/ui/');
    await kubectlOk('1.33', cluster, ['create', '-f', 'fixtures/kubia-rc.yaml']);
    await page.waitForFunction(() => document.querySelectorAll('[data-node] .chip[data-state="ready"]').length === 3, undefined, { timeout: WAIT_MS });
  });
  after(async () => {
    await browser?.close();
    await cluster?.close();
  });

  const editor = () => page.getByRole('textbox', { name: /^YAML of / });
  const managersShown = () => page.locator('#object-body [data-manager]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-manager')));

  test("a pod's chip opens its YAML: kubectl's name and namespace, managedFields folded to their managers", async () => {
    const chip = page.locator('[data-node] .chip[data-pod]').first();
    const [namespace, name] = (await chip.getAttribute('data-pod') ?? '').split('/');
    await chip.click();
    await page.getByRole('tab', { name: 'YAML', selected: true }).waitFor({ timeout: WAIT_MS });
    await page.waitForFunction((n) => document.querySelector('textarea')?.value.includes(`name: ${n}`), name, { timeout: WAIT_MS });
    const text = await editor().inputValue();
    const shown: unknown = parse(text);
    const meta = await kubectlOk('1.33', cluster, ['get', 'pod', name, '-n', namespace, '-o', 'jsonpath={.metadata.name} {.metadata.namespace} {.kind}']);
    assert.ok(typeof shown === 'object' && shown !== null && 'metadata' in shown && 'kind' in shown);
    const { metadata } = shown;
    assert.ok(typeof metadata === 'object' && metadata !== null && 'name' in metadata && 'namespace' in metadata);
    assert.equal(`${String(metadata.name)} ${String(metadata.namespace)} ${String(shown.kind)}`, meta);
    assert.doesNotMatch(text, /managedFields/);
    // The pod settles (kubelet status writes); the folded list follows until it equals kubectl's.
    const deadline = Date.now() + WAIT_MS;
    const managersOf = () => kubectlOk('1.33', cluster, ['get', 'pod', name, '-o', 'jsonpath={.metadata.managedFields[*].manager}']);
    let want = await managersOf();
    while ((await managersShown()).join(' ') !== want && Date.now() < deadline) {
      await page.waitForTimeout(500);
      want = await managersOf();
    }
    assert.equal((await managersShown()).join(' '), want);
    assert.ok(want.split(' ').includes('kubectl-create') === false, 'a pod made by the RC is not kubectl-create\'s');
    const summary = page.locator('#object-body details.yaml-managed > summary');
    assert.match(await summary.innerText(), new RegExp(`^metadata\\.managedFields: \\d+ managers? \\(${want.split(' ').join(', ')}\\)$`));
    assert.equal(await page.locator('#object-body details.yaml-managed').getAttribute('open'), null, 'folded');
  });

  test('a deep link opens the RC; a label added in the text and applied is what kubectl shows, owned by tinykube-ui as an Apply', async () => {
    await page.evaluate((path) => { location.hash = `#object=${path}`; }, RC_PATH);
    await page.getByRole('heading', { name: 'ReplicationController default/kubia' }).waitFor({ timeout: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('textarea')?.value.includes('kind: ReplicationController'), undefined, { timeout: WAIT_MS });
    const text = await editor().inputValue();
    // metadata.labels sits two spaces in (the template's labels deeper).
    assert.match(text, /^ {2}labels:\n/m);
    await editor().fill(text.replace(/^ {2}labels:\n/m, '  labels:\n    edited: "yes"\n'));
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    const result = page.locator('#object-body .yaml-result');
    await result.filter({ hasText: /^Applied: resourceVersion \d+$/ }).waitFor({ timeout: WAIT_MS });
    assert.equal(await kubectlOk('1.33', cluster, ['get', 'rc', 'kubia', '-o', 'jsonpath={.metadata.labels.edited}']), 'yes');
    const managers = await kubectlOk('1.33', cluster, ['get', 'rc', 'kubia', '-o', 'jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation}{"\\n"}{end}']);
    assert.ok(managers.split('\n').includes('tinykube-ui/Apply'), managers);
    await page.locator('#object-body [data-manager="tinykube-ui"]').waitFor({ state: 'attached', timeout: WAIT_MS });
  });

  test("changing spec.replicas, owned by kubectl-create, is kube's 409 conflict; Apply with force lands it", async () => {
    await page.waitForFunction(() => document.querySelector('textarea')?.value.includes('edited: "yes"'), undefined, { timeout: WAIT_MS });
    const text = await editor().inputValue();
    // spec.replicas is the first "  replicas: 3" (keys sorted: spec before status).
    const edited = text.replace(/^ {2}replicas: 3$/m, '  replicas: 2');
    assert.deepEqual(pick(parse(edited), 'spec', 'replicas'), 2);
    await editor().fill(edited);
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: /Conflict/ });
    await alert.waitFor({ timeout: WAIT_MS });
    // The same apply from kubectl meets the same conflict: the page shows kube's words.
    const fromKubectl = await kubectl('1.33', cluster, ['apply', '--server-side', '--field-manager=tinykube-ui', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'kubia' }, spec: { replicas: 2 } }),
    });
    assert.notEqual(fromKubectl.code, 0);
    const kubeWords = /Apply failed with 1 conflict: conflict with "kubectl-create"[^\n]*: \.spec\.replicas/.exec(fromKubectl.stderr)?.[0];
    assert.ok(kubeWords, fromKubectl.stderr);
    assert.equal(await alert.innerText(), `409 Conflict: ${kubeWords}`);
    assert.equal(await kubectlOk('1.33', cluster, ['get', 'rc', 'kubia', '-o', 'jsonpath={.spec.replicas}']), '3');
    const force = page.getByRole('button', { name: 'Apply with force' });
    assert.ok(await force.isVisible());
    await screenshot(page, 'yaml-conflict');

    await force.click();
    await page.locator('#object-body .yaml-result').filter({ hasText: /^Applied with force: resourceVersion \d+$/ }).waitFor({ timeout: WAIT_MS });
    const row = (await kubectlOk('1.33', cluster, ['get', 'rc', 'kubia', '--no-headers'])).trim().split(/\s+/);
    assert.equal(row[1], '2', `DESIRED: ${row.join(' ')}`);
    assert.ok(await force.isHidden());
  });

  test('bad YAML shows the parser\'s message and sends nothing; an edit is kept when the object changes meanwhile', async () => {
    const sent = patches.length;
    await editor().fill('metadata:\n  name: kubia\n  labels: [unclosed\n');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: /^Invalid YAML, nothing was sent: / });
    await alert.waitFor({ timeout: WAIT_MS });
    assert.match(await alert.innerText(), /at line \d+, column \d+/);
    assert.equal(patches.length, sent, 'no PATCH for bad YAML');

    await kubectlOk('1.33', cluster, ['label', 'rc', 'kubia', 'other=1']);
    const changed = page.locator('#object-body .yaml-changed');
    await changed.filter({ hasText: /^The object changed meanwhile/ }).waitFor({ timeout: WAIT_MS });
    assert.equal(await editor().inputValue(), 'metadata:\n  name: kubia\n  labels: [unclosed\n');
    await page.getByRole('button', { name: 'Discard my edit and show it' }).click();
    await page.waitForFunction(() => document.querySelector('textarea')?.value.includes('other: "1"'), undefined, { timeout: WAIT_MS });
    assert.ok(await changed.isHidden());
  });
});
