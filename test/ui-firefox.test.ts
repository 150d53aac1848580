// The dashboard (issue 20) in Firefox: Debian's firefox-esr, headless, driven by puppeteer-core over
// WebDriver BiDi (playwright-core drives only its own patched Firefox). The same things a person
// sees in Chromium (test/ui.test.ts) must hold here: the node boxes, pods turning ready, the
// scheduler's reason in the queue, the dark theme, and the token form with authentication on. The
// cluster is changed only through kubectl 1.33; no script error may reach the page's console.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import type { Cluster } from '../src/index.js';
import { keepScreenshot, pngColours, WAIT_MS } from './browser.js';
import { kubectlOk, withCluster } from './helpers.js';
import { FIREFOX, needs } from './peers.js';

/** Firefox's pref for what prefers-color-scheme answers pages: 0 dark, 1 light (BiDi cannot emulate it yet). */
const COLOR_SCHEME_PREF = 'layout.css.prefers-color-scheme.content-override';

function launchFirefox(scheme: 'light' | 'dark'): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    // tinykube --tls serves a certificate from its own CA.
    acceptInsecureCerts: true,
    extraPrefsFirefox: { [COLOR_SCHEME_PREF]: scheme === 'dark' ? 0 : 1 },
  });
}

/** Script errors the page reports; a test ends by checking there were none. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e instanceof Error ? e.message : String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

/** Saves a full-page screenshot and checks it is not blank, counting its colours in a fresh tab. */
async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  const blank = await page.browserContext().newPage();
  try {
    await keepScreenshot(png, name, (b64) => blank.evaluate(pngColours, b64));
  } finally {
    await blank.close();
  }
}

/** The nodes' boxes, in page order. */
function nodeNames(page: Page): Promise<(string | null)[]> {
  return page.$$eval('[data-node]', (els) => els.map((e) => e.getAttribute('data-node')));
}

/**
 * The form control whose accessible name is `name`, as getByLabel finds it. Firefox also names the
 * <label> itself, and its accessibility locator matches no role for a password input, so the
 * control is picked from the named elements by what it is.
 */
async function byLabel(page: Page, name: string): Promise<ElementHandle> {
  for (const el of await page.$$(`aria/${name}`)) {
    if (await el.evaluate((e) => e instanceof HTMLInputElement || e instanceof HTMLTextAreaElement || e instanceof HTMLSelectElement)) return el;
  }
  throw new Error(`no form control is labelled ${name}`);
}

/** The page's background, as the browser computed it from the theme's --bg. */
function background(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
}

describe('dashboard in Firefox', { skip: needs('firefox-esr') }, () => {
  let cluster: Cluster;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 3 });
    browser = await launchFirefox('light');
    page = await browser.newPage();
    errors = collectErrors(page);
  });
  after(async () => {
    await browser?.close();
    await cluster?.close();
  });

  test('shows one box per node, with the control plane', async () => {
    await page.goto(cluster.url + '/ui/');
    await page.waitForSelector('[data-node="node-3"]', { timeout: WAIT_MS });
    assert.deepEqual(await nodeNames(page), ['node-1', 'node-2', 'node-3']);
    assert.ok(await page.$('aria/Control plane[role="heading"]'), 'the control plane heading');
    assert.equal(await page.$eval('[data-node="node-1"] .badges', (e) => e.textContent), 'Ready');
    assert.equal(await background(page), 'rgb(246, 247, 249)', 'the light theme');
    // Both watches open (websockets: open at the 101 even when nothing has changed), named in the
    // order the view started them.
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Live: watching nodes, pods', { timeout: WAIT_MS });
    assert.deepEqual(errors, []);
  });

  test('an RC makes three pod chips turn ready on the nodes, the pods kubectl lists', async () => {
    await kubectlOk('1.33', cluster, ['create', '-f', 'fixtures/kubia-rc.yaml']);
    await page.waitForFunction(() => document.querySelectorAll('[data-node] .chip[data-state="ready"]').length === 3, { timeout: WAIT_MS });
    const chips = (await page.$$eval('[data-node] .chip[data-state="ready"]', (els) => els.map((e) => e.getAttribute('data-pod') ?? ''))).sort();
    const pods = (await kubectlOk('1.33', cluster, ['get', 'pods', '-l', 'app=kubia', '-o', 'jsonpath={range .items[*]}default/{.metadata.name}{"\\n"}{end}'])).trim().split('\n').sort();
    assert.deepEqual(chips, pods);
    await screenshot(page, 'firefox-kubia-running');
    assert.deepEqual(errors, []);
  });

  test("a pod that fits nowhere waits in the queue with the scheduler's message", async () => {
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge' },
        spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100' } } }] },
      }),
    });
    await page.waitForFunction(() => /Insufficient cpu/.test(document.querySelector('#queue [data-pod="default/huge"] .reason')?.textContent ?? ''), { timeout: WAIT_MS });
    const message = await kubectlOk('1.33', cluster, ['get', 'pod', 'huge', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}']);
    assert.match(message, /^0\/3 nodes are available: 3 Insufficient cpu\./);
    assert.equal(await page.$eval('#queue [data-pod="default/huge"] .reason', (e) => e.textContent), message);
    assert.deepEqual(errors, []);
  });

  test('dark theme: the page follows prefers-color-scheme', async () => {
    const dark = await launchFirefox('dark');
    try {
      const darkPage = await dark.newPage();
      const darkErrors = collectErrors(darkPage);
      await darkPage.goto(cluster.url + '/ui/');
      await darkPage.waitForFunction(() => document.querySelectorAll('[data-node] .chip[data-state="ready"]').length === 3, { timeout: WAIT_MS });
      assert.ok(await darkPage.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches));
      assert.equal(await background(darkPage), 'rgb(13, 17, 23)', 'the dark theme');
      await screenshot(darkPage, 'firefox-dark');
      assert.deepEqual(darkErrors, []);
    } finally {
      await dark.close();
    }
  });
});

describe('dashboard in Firefox with authentication', { skip: needs('firefox-esr') }, () => {
  test('asks for a token, shows the 401 until one is given, then the nodes', async () => {
    await using cluster = await withCluster({ tls: true, controlPlane: true, nodes: 3 });
    const token = /^\s*token: (\S+)$/m.exec(readFileSync(cluster.kubeconfigPath, 'utf8'))?.[1];
    assert.ok(token, 'the kubeconfig carries the admin token');
    const browser = await launchFirefox('light');
    try {
      const page = await browser.newPage();
      const served = await page.goto(cluster.url + '/ui/');
      assert.equal(served?.status(), 200, 'the page itself needs no token');
      await page.waitForSelector('aria/This cluster asks who you are[role="form"]', { visible: true, timeout: WAIT_MS });
      assert.match(await page.$eval('#login-error', (e) => e.textContent ?? ''), /^401 Unauthorized/);
      assert.match(await page.$eval('#status', (e) => e.textContent ?? ''), /^401 Unauthorized/);
      await (await byLabel(page, 'Bearer token')).type(token);
      await page.locator('aria/Connect[role="button"]').click();
      await page.waitForSelector('[data-node="node-3"]', { timeout: WAIT_MS });
      assert.deepEqual(await nodeNames(page), ['node-1', 'node-2', 'node-3']);
      assert.equal(await page.$eval('#login', (e) => e instanceof HTMLElement && e.hidden), true);
      await page.waitForFunction(() => /^Live: watching/.test(document.getElementById('status')?.textContent ?? ''), { timeout: WAIT_MS });
      await screenshot(page, 'firefox-after-token');
    } finally {
      await browser.close();
    }
  });
});
