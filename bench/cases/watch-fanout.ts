// Watch fan-out shaped like a real cluster: one watcher per node filtered to its pods (as kubelets
// watch, fieldSelector=spec.nodeName=...) and 10 unfiltered watchers (as controllers watch), while
// pod updates are written across those nodes at a fixed rate. Every watcher must receive every
// event meant for it; the figure is write-to-delivery latency. The baseline is a bare node:http
// server writing the same bytes to the same watchers (bench/baselines/fanout.js).
//
// The p99 is the steady state: the load runs WARMUP_SECONDS before the measured seconds, as a
// server that has been serving would be. From a cold start the first second's p99 read 150-700 ms
// (the watch path's code not yet optimized by V8; from the third second on it read 12-35 ms), so
// the warm-up's own p99 is a row of its own.
import { send, stream } from '../lib/http.js';
import { createMany, pod } from '../lib/objects.js';
import { percentile, startBaseline, startTinykube } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

const SENT = 'bench.tinykube.io/sent';
const SENT_MARK = `"${SENT}":"`;
const now = () => performance.timeOrigin + performance.now();

interface Target {
  /** The watch URL for node i, or the unfiltered one for null. */
  watchUrl(node: number | null): string;
  /** Writes one update to node i's pod, stamped with the time it was sent. */
  write(node: number, sent: number): Promise<void>;
}

const WARMUP_SECONDS = 2;

interface Outcome { p50: number; p99: number; warmupP99: number; missing: number; delivered: number; writes: number; failedWrites: number }

async function fanout(target: Target, nodes: number, unfiltered: number, perSecond: number, measuredSeconds: number): Promise<Outcome> {
  const seconds = WARMUP_SECONDS + measuredSeconds;
  // Latencies of events written during the warm-up, and after it (the figure).
  const warmup: number[] = [];
  const latencies: number[] = [];
  let measuredFrom = Infinity;
  const received = new Array<number>(nodes + unfiltered).fill(0);
  const closers: (() => void)[] = [];
  for (let w = 0; w < nodes + unfiltered; w++) {
    closers.push(await stream(target.watchUrl(w < nodes ? w : null), (line) => {
      const at = line.indexOf(SENT_MARK);
      if (at < 0) return;
      const sent = Number(line.slice(at + SENT_MARK.length, line.indexOf('"', at + SENT_MARK.length)));
      (sent < measuredFrom ? warmup : latencies).push(now() - sent);
      received[w]++;
    }));
  }
  await new Promise((r) => setTimeout(r, 500));
  const sentTo = new Array<number>(nodes).fill(0);
  const pending: Promise<void>[] = [];
  const tickMs = 10;
  const perTick = perSecond * tickMs / 1000;
  const started = now();
  measuredFrom = started + WARMUP_SECONDS * 1000;
  let written = 0;
  let failedWrites = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(perSecond * seconds, Math.floor(((now() - started) / 1000) * perSecond) + perTick);
      for (; written < due; written++) {
        const node = written % nodes;
        sentTo[node]++;
        pending.push(target.write(node, now()).catch(() => { failedWrites++; sentTo[node]--; }));
      }
      if (written >= perSecond * seconds) { clearInterval(timer); resolve(); }
    }, tickMs);
  });
  await Promise.all(pending);
  const deadline = now() + 5000;
  const expected = (w: number) => (w < nodes ? sentTo[w] : written - failedWrites);
  while (received.some((n, w) => n < expected(w)) && now() < deadline) await new Promise((r) => setTimeout(r, 50));
  closers.forEach((c) => c());
  const missing = received.reduce((sum, n, w) => sum + Math.max(0, expected(w) - n), 0);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), warmupP99: percentile(warmup, 99), missing, delivered: latencies.length + warmup.length, writes: written - failedWrites, failedWrites };
}

export async function watchFanout(quick: boolean): Promise<Row[]> {
  const nodes = quick ? 200 : 1000;
  const perSecond = quick ? 200 : 1000;
  const seconds = quick ? 4 : 10;
  const unfiltered = 10;

  const tk = await startTinykube({ store: 'memory', apiOnly: true });
  await createMany(tk.url, '/api/v1/namespaces/default/pods', nodes, (i) => pod(`p-${i}`, { nodeName: `node-${i}` }));
  const rv = (await (await fetch(`${tk.url}/api/v1/pods?limit=1`)).json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const ours = await fanout({
    watchUrl: (i) => `${tk.url}/api/v1/pods?watch=true&resourceVersion=${rv}${i === null ? '' : `&fieldSelector=spec.nodeName%3Dnode-${i}`}`,
    write: (i, sent) => send('PATCH', `${tk.url}/api/v1/namespaces/default/pods/p-${i}`, JSON.stringify({ metadata: { annotations: { [SENT]: String(sent) } } }), { 'Content-Type': 'application/merge-patch+json' }),
  }, nodes, unfiltered, perSecond, seconds);
  // The same object for the baseline's events, without the stamp the runs above left on it.
  const sample = JSON.parse(await (await fetch(`${tk.url}/api/v1/namespaces/default/pods/p-0`)).text());
  delete sample.metadata.annotations[SENT];
  await tk.stop();

  const base = await startBaseline('fanout.js');
  const line = (sent: number) => `${JSON.stringify({ type: 'MODIFIED', object: sample }).slice(0, -2)},"${SENT}":"${sent}"}}\n`;
  const floor = await fanout({
    watchUrl: (i) => `${base.url}/watch${i === null ? '' : `?node=node-${i}`}`,
    write: (i, sent) => send('POST', `${base.url}/event?node=node-${i}`, line(sent), { 'Content-Type': 'application/json' }),
  }, nodes, unfiltered, perSecond, seconds);
  await base.stop();

  const shape = `${nodes.toLocaleString('en-US')} node watchers + ${unfiltered} unfiltered, ${perSecond.toLocaleString('en-US')} updates/s`;
  return [
    { figure: `watch fan-out p99, ${shape}`, value: ours.p99, unit: 'ms', baseline: floor.p99, baselineLabel: 'bare node:http fan-out', ratio: ours.p99 / floor.p99, target: '<= 100 ms, none missing', pass: ours.p99 <= 100 && ours.missing === 0 },
    { figure: 'watch fan-out p50', value: ours.p50, unit: 'ms', baseline: floor.p50, baselineLabel: 'bare node:http fan-out', target: 'reported', pass: null },
    { figure: `watch fan-out p99 of the first ${WARMUP_SECONDS} s, from a cold start`, value: ours.warmupP99, unit: 'ms', baseline: floor.warmupP99, baselineLabel: 'bare node:http fan-out', target: 'reported', pass: null },
    { figure: `watch events missing (of ${ours.delivered.toLocaleString('en-US')} delivered; ${ours.failedWrites} writes failed)`, value: ours.missing, unit: '', target: '0', pass: ours.missing === 0 && ours.failedWrites === 0 },
  ];
}
