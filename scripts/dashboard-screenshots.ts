// The README's dashboard pictures, made anew: `npx tsx scripts/dashboard-screenshots.ts` starts a
// 3-node tinykube in this process, gives it the book's kubia (an RC and its service), a
// Deployment mid-rollout and a pod that fits nowhere, using real kubectl, then photographs each
// view in Debian's Chromium into docs/images/ (light, and the Cluster view dark too).
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { startCluster } from '../src/index.js';

const OUT = join(import.meta.dirname, '..', 'docs', 'images');
const run = promisify(execFile);

const cluster = await startCluster({ port: 0, store: 'memory', controlPlane: true, nodes: 3 });
const kubectl = (...args: string[]) => run('kubectl', ['--server', cluster.url, ...args]);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  mkdirSync(OUT, { recursive: true });
  await kubectl('create', '-f', 'fixtures/kubia-rc.yaml');
  await kubectl('create', '-f', 'fixtures/kubia-svc.yaml');
  await kubectl('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=4');
  await kubectl('run', 'huge', '--image=busybox', '--overrides={"spec":{"containers":[{"name":"huge","image":"busybox","resources":{"requests":{"cpu":"100"}}}]}}');
  await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');

  const page = await (await browser.newContext({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 })).newPage();
  const shoot = async (name: string, p: Page = page) => {
    await p.screenshot({ path: join(OUT, `dashboard-${name}.png`) });
    console.log(`docs/images/dashboard-${name}.png`);
  };
  await page.goto(`${cluster.url}/ui/`);
  await page.waitForFunction(() => document.querySelectorAll('[data-node] .chip[data-state="ready"]').length >= 7, undefined, { timeout: 60_000 });
  await shoot('cluster');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot('cluster-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // A rollout under way: the Workloads view shows its progress.
  await kubectl('set', 'image', 'deployment/web', 'nginx=nginx:1.28');
  await page.getByRole('tab', { name: 'Workloads' }).click();
  await page.waitForTimeout(1500);
  await shoot('workloads');

  await page.getByRole('tab', { name: 'Services' }).click();
  // Services sort by name: kubernetes, then kubia.
  await page.getByRole('button', { name: 'Send 10' }).nth(1).click();
  await page.waitForTimeout(4000);
  await shoot('services');

  await page.getByRole('tab', { name: 'Events' }).click();
  await page.waitForTimeout(500);
  await shoot('events');

  await page.getByRole('tab', { name: 'Cluster' }).click();
  await page.locator('[data-node] .chip[data-state="ready"]').first().click();
  await page.getByRole('tab', { name: 'YAML' }).waitFor();
  await page.waitForTimeout(800);
  await shoot('yaml');

  // An interactive shell in the pod, over the exec websocket.
  await page.getByRole('tab', { name: 'Terminal' }).click();
  await page.locator('.xterm').waitFor();
  await page.waitForTimeout(1500);
  await page.locator('.xterm').click();
  await page.keyboard.type('hostname\r', { delay: 20 });
  await page.keyboard.type('env | grep KUBERNETES_SERVICE\r', { delay: 10 });
  await page.keyboard.type('ls /\r', { delay: 20 });
  await page.waitForTimeout(1000);
  await shoot('terminal');
} finally {
  await browser.close();
  await cluster.close();
}
