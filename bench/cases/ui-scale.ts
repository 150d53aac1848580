// The dashboard at scale (issue 20): 5,000 nodes and 20,000 pods bound across them, /ui/ opened in
// Debian's Chromium (test/browser.ts). Figures: navigation to the Cluster view drawn (the API
// server box counting every node and pod, the first node box with its pod count), the largest
// gap between animation frames and the long tasks while 100 pod status updates a second flow,
// and the page's JS heap. The nodes are objects no kubelet runs and the server serves the API
// alone, so the browser's work is all that is measured. `tsx bench/cases/ui-scale.ts [--pods N]` runs
// it alone (e.g. --pods 150000); `npm run bench -- --only ui-scale` runs it in the table.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launch } from '../../test/browser.js';
import { send } from '../lib/http.js';
import { createMany, node, pod } from '../lib/objects.js';
import { startTinykube } from '../lib/processes.js';
import { table, type Row } from '../lib/report.js';

/** What the page records about itself from its first script on: frame gaps, long tasks, when it was drawn. */
interface Probe { drawnAt: number; gaps: number[]; longTasks: number[] }

declare global {
  interface Window { uiProbe?: Probe }
}

// As source text: tsx's compiled functions call helpers (__name) the page does not have.
function probeScript(expect: { nodes: number; pods: number; firstCount: string }): string {
  return `(() => {
  const expect = ${JSON.stringify(expect)};
  const probe = { drawnAt: 0, gaps: [], longTasks: [] };
  window.uiProbe = probe;
  new PerformanceObserver((list) => { for (const e of list.getEntries()) probe.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  let last = 0;
  const frame = (t) => {
    if (last) probe.gaps.push(t - last);
    last = t;
    if (!probe.drawnAt) {
      const says = (document.getElementById('cp-apiserver')?.textContent ?? '').replace(/,/g, '');
      const first = document.querySelector('[data-node="node-0"] .count')?.textContent;
      if (says.includes(expect.nodes + ' nodes and ' + expect.pods + ' pods') && first === expect.firstCount) probe.drawnAt = t;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();`;
}

/** The page's live JS heap after a full collection, through the DevTools protocol. */
async function heapBytes(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0;
}

export async function uiScale(quick: boolean, pods = quick ? 5000 : 20_000): Promise<Row[]> {
  const nodes = quick ? 1000 : 5000;
  const shape = `${nodes.toLocaleString('en-US')} nodes, ${pods.toLocaleString('en-US')} pods`;
  const tk = await startTinykube({ store: 'memory', apiOnly: true });
  const browser = await launch();
  try {
    await createMany(tk.url, '/api/v1/nodes', nodes, (i) => node(`node-${i}`, { withoutKubelet: true }));
    await createMany(tk.url, '/api/v1/namespaces/default/pods', pods, (i) => pod(`p-${i}`, { nodeName: `node-${i % nodes}` }));
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    // The UI bundle is built on the first request: fetch it before timing.
    await (await fetch(`${tk.url}/ui/app.js`)).arrayBuffer();
    const perNode = Math.floor(pods / nodes);
    await page.addInitScript(probeScript({ nodes, pods, firstCount: `${perNode} ${perNode === 1 ? 'pod' : 'pods'}` }));
    await page.goto(`${tk.url}/ui/`);
    await page.waitForFunction(() => (window.uiProbe?.drawnAt ?? 0) > 0, undefined, { timeout: 300_000, polling: 500 }).catch(async (e: unknown) => {
      const seen = await page.evaluate(() => `${document.getElementById('cp-apiserver')?.textContent}; first box: ${document.querySelector('[data-node] .count')?.textContent}; status: ${document.getElementById('status')?.textContent}`);
      throw new Error(`the dashboard was not drawn: it shows ${seen}`, { cause: e });
    });
    const drawnMs = await page.evaluate(() => window.uiProbe?.drawnAt ?? 0);
    const boxes = await page.locator('[data-node]').count();

    // 100 status updates a second for 10 s: pods turn Running and Ready, then back to Pending.
    await page.evaluate(() => { const p = window.uiProbe; if (p) { p.gaps = []; p.longTasks = []; } });
    const seconds = quick ? 5 : 10;
    for (let s = 0; s < seconds * 10; s++) {
      const tick = new Promise((r) => setTimeout(r, 100));
      const writes = [];
      for (let j = 0; j < 10; j++) {
        const i = (s * 10 + j) % pods;
        const running = Math.floor((s * 10 + j) / pods) % 2 === 0;
        const status = running
          ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] }
          : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] };
        writes.push(send('PATCH', `${tk.url}/api/v1/namespaces/default/pods/p-${i}/status`, JSON.stringify({ status }), { 'Content-Type': 'application/merge-patch+json' }));
      }
      await Promise.all([...writes, tick]);
    }
    // The updates reached the page: the legend counts pods Running and ready.
    await page.waitForFunction(() => Number(document.querySelector('.legend [data-state="ready"] .n')?.textContent ?? 0) > 0, undefined, { timeout: 60_000 });
    const probe = await page.evaluate(() => window.uiProbe);
    const heap = await heapBytes(page);
    const gaps = probe?.gaps ?? [];
    const long = probe?.longTasks ?? [];
    return [
      { figure: `dashboard drawn (navigation to every node and pod counted), ${shape}; ${boxes} boxes in the DOM`, value: drawnMs, unit: 'ms', target: '<= 3,000 ms', pass: drawnMs <= 3000 },
      { figure: `largest frame gap, 100 pod updates/s for ${seconds} s (p99 ${percentile(gaps, 99).toFixed(0)} ms)`, value: Math.max(0, ...gaps), unit: 'ms', target: '<= 100 ms', pass: Math.max(0, ...gaps) <= 100 },
      { figure: `long tasks (> 50 ms) in those ${seconds} s, longest ${Math.max(0, ...long).toFixed(0)} ms`, value: long.length, unit: '', target: 'reported', pass: null },
      { figure: `dashboard JS heap, ${shape}`, value: heap / 2 ** 20, unit: 'MiB', target: 'reported', pass: null },
    ];
  } finally {
    await browser.close();
    await tk.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, pods: { type: 'string' } } });
  const rows = await uiScale(values.quick, values.pods ? Number(values.pods) : undefined);
  console.log(table(rows));
  process.exit(0);
}
