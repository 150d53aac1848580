// Startup: process start to the first successful GET /readyz, memory and sqlite stores, with 3
// and with 5,000 simulated nodes, against a bare node:http server started the same way.
import type { Row } from '../lib/report.js';
import { median, startBaseline, startTinykube } from '../lib/processes.js';

async function medianStartup(runs: number, start: () => Promise<{ readyMs: number; stop(): Promise<void> }>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = await start();
    times.push(s.readyMs);
    await s.stop();
  }
  return median(times);
}

/** Waits until `count` nodes report Ready, through the API; returns ms since `since`. */
async function nodesReady(url: string, count: number, since: number): Promise<number> {
  for (;;) {
    const list = await (await fetch(`${url}/api/v1/nodes`)).json() as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= count) return performance.now() - since;
    // Each poll lists every node; rarely, so the measuring does not slow what it measures.
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startup(quick: boolean): Promise<Row[]> {
  const runs = quick ? 3 : 7;
  const floor = await medianStartup(runs, () => startBaseline('node-floor.js'));
  const rows: Row[] = [];
  for (const store of ['memory', 'sqlite'] as const) {
    const ms = await medianStartup(runs, () => startTinykube({ store, nodes: 3 }));
    rows.push({ figure: `startup to /readyz, ${store}, 3 nodes`, value: ms, unit: 'ms', baseline: floor, baselineLabel: 'bare node:http', ratio: ms / floor, target: '<= 300 ms', pass: ms <= 300 });
  }
  if (!quick) {
    for (const store of ['memory', 'sqlite'] as const) {
      const since = performance.now();
      const s = await startTinykube({ store, nodes: 5000 });
      const all = await nodesReady(s.url, 5000, since);
      await s.stop();
      rows.push({ figure: `startup to /readyz, ${store}, 5,000 nodes`, value: s.readyMs, unit: 'ms', baseline: floor, baselineLabel: 'bare node:http', ratio: s.readyMs / floor, target: '<= 2,000 ms', pass: s.readyMs <= 2000 });
      rows.push({ figure: `startup to 5,000 nodes Ready, ${store}`, value: all, unit: 'ms', target: 'reported', pass: null });
    }
  }
  return rows;
}
