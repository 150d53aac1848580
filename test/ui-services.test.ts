// The dashboard's Services view (issue 20, deliverable 4) in Chromium, against a 3-node tinykube
// changed only with kubectl 1.33: it lists the services in the columns `kubectl get svc -A`
// prints, their endpoints as `kubectl describe service` reads them with the pod behind each, and
// its buttons send requests through the API server's service proxy and show which pod answered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Cluster } from '../src/index.js';
import { kubectl, kubectlOk, withCluster } from './helpers.js';
import { launch, screenshot, WAIT_MS } from './browser.js';
import { needs } from './peers.js';

describe('dashboard: services', { skip: needs('chromium') }, () => {
  let cluster: Cluster;
  let browser: Browser;
  let page: Page;
  let kubiaPods: string[];
  const service = (key: string): Locator => page.locator(`tbody[data-service="${key}"]`);

  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 3 });
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await kubectlOk('1.33', cluster, ['create', '-f', 'fixtures/kubia-rc.yaml']);
    await kubectlOk('1.33', cluster, ['expose', 'rc', 'kubia', '--port=80', '--target-port=8080']);
  });
  after(async () => {
    await browser?.close();
    await cluster?.close();
  });

  test('lists the services in the columns kubectl get svc -A prints, and kubia\'s 3 pods as its ready endpoints', async () => {
    await page.goto(cluster.url + '/ui/');
    await page.getByRole('tab', { name: 'Services' }).click();
    await service('default/kubia').waitFor({ timeout: WAIT_MS });
    await service('default/kubernetes').waitFor({ timeout: WAIT_MS });

    const printed = (await kubectlOk('1.33', cluster, ['get', 'svc', '-A'])).trim().split('\n').map((l) => l.trim().split(/\s+/));
    const [header, ...rows] = printed;
    assert.deepEqual(await page.locator('table.services thead th').allInnerTexts(), header);
    const shown = await page.locator('table.services tbody .svc-row').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.equal(shown.length, rows.length);
    for (const [i, row] of rows.entries()) {
      // AGE may have moved on by a second between the two readings.
      assert.deepEqual(shown[i].slice(0, 6), row.slice(0, 6), `row ${i}`);
      assert.match(shown[i][6], /^\d+s$/);
    }

    // Ready endpoints, one per pod, named as kubectl names the pods and addressed as describe prints them.
    await page.waitForFunction(() => document.querySelectorAll('tbody[data-service="default/kubia"] .endpoint.ready').length === 3, undefined, { timeout: WAIT_MS });
    kubiaPods = (await kubectlOk('1.33', cluster, ['get', 'pods', '-l', 'app=kubia', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(/\s+/).sort();
    const endpoints = page.getByRole('list', { name: 'Endpoints of default/kubia' });
    assert.deepEqual((await endpoints.getByRole('button').allInnerTexts()).sort(), kubiaPods);
    const described = /^Endpoints:\s+(\S+)$/m.exec(await kubectlOk('1.33', cluster, ['describe', 'svc', 'kubia']))?.[1];
    assert.deepEqual((await endpoints.locator('.ep-address').allInnerTexts()).sort(), described?.split(',').sort());
    assert.equal(await endpoints.locator('.endpoint.not-ready').count(), 0);

    // A pod's button opens it in the object panel.
    await endpoints.getByRole('button', { name: kubiaPods[0] }).click();
    assert.equal(await page.locator('#object-title').innerText(), `Pod default/${kubiaPods[0]}`);
    await page.getByRole('button', { name: 'Close the object panel' }).click();
  });

  test('"Send 10" shows 10 replies through the service, from kubia\'s pods, more than one of them', async () => {
    const probe = page.getByRole('group', { name: 'Requests to default/kubia port 80/TCP' });
    await probe.getByRole('button', { name: 'Send 10' }).click();
    const replies = probe.getByRole('list', { name: /^Replies/ }).getByRole('listitem');
    await page.waitForFunction(() => document.querySelectorAll('tbody[data-service="default/kubia"] .probe-replies li').length === 10, undefined, { timeout: WAIT_MS });
    await page.waitForFunction(() => !document.querySelector('tbody[data-service="default/kubia"] .probe[aria-busy]'), undefined, { timeout: WAIT_MS });
    assert.equal(await replies.count(), 10);
    const answered = await replies.locator('[data-reply-pod]').allInnerTexts();
    assert.equal(answered.length, 10, 'every reply names its pod');
    for (const pod of answered) assert.ok(kubiaPods.includes(pod), `${pod} is one of ${kubiaPods.join(', ')}`);
    assert.ok(new Set(answered).size >= 2, `kube-proxy spread the requests: ${answered.join(', ')}`);
    assert.deepEqual(new Set(await replies.locator('.reply-status').allInnerTexts()), new Set(['200 OK']));
    assert.match(await replies.first().locator('.reply-text').innerText(), /^You've hit kubia-/);
    // The tally adds up to the replies, pod by pod.
    const tally = probe.getByRole('list', { name: /^Answers per pod/ }).getByRole('listitem');
    const counted = Object.fromEntries(await tally.evaluateAll((lis) => lis.map((li) => [li.querySelector('button')?.textContent ?? '', li.querySelector('.tally-n')?.textContent ?? ''])));
    const expected: Record<string, string> = {};
    for (const pod of answered) expected[pod] = String(Number(expected[pod] ?? 0) + 1);
    assert.deepEqual(counted, expected);
    assert.match(await probe.getByRole('status').innerText(), /^10 sent, answered by [23] pods$/);
    await screenshot(page, 'services-send-10');
  });

  test("a service without ready endpoints shows the proxy's refusal", async () => {
    // `kubectl create service` selects app=<name>: no pod has that label.
    await kubectlOk('1.33', cluster, ['create', 'service', 'clusterip', 'nobody', '--tcp=80:8080']);
    await service('default/nobody').waitFor({ timeout: WAIT_MS });
    assert.ok(await service('default/nobody').locator('.svc-none').isVisible(), 'Endpoints: <none>');
    const probe = page.getByRole('group', { name: 'Requests to default/nobody port 80-8080 80/TCP' });
    await probe.getByRole('button', { name: 'Send request' }).click();
    const reply = probe.locator('.probe-replies li.failed').first();
    await reply.waitFor({ timeout: WAIT_MS });
    const refused = await kubectl('1.33', cluster, ['get', '--raw', '/api/v1/namespaces/default/services/nobody:80-8080/proxy/']);
    const message = /^Error from server \(ServiceUnavailable\): (.+)$/m.exec(refused.stderr)?.[1];
    assert.equal(message, 'no endpoints available for service "nobody"');
    assert.equal(await reply.locator('.reply-status').innerText(), '503');
    assert.equal(await reply.locator('.reply-text').innerText(), `503 Service Unavailable: ${message}`);
    assert.equal(await reply.locator('.no-pod').innerText(), 'no answer');
  });
});
