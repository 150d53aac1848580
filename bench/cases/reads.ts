// Reads: GET of one 2 KB pod under 50 concurrent connections, against express answering the same
// bytes from memory (the framework's own ceiling).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '../lib/load.js';
import { pod } from '../lib/objects.js';
import { startBaseline, startTinykube } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

export async function reads(quick: boolean): Promise<Row[]> {
  const seconds = quick ? 4 : 10;
  const tk = await startTinykube({ store: 'memory', apiOnly: true });
  const path = '/api/v1/namespaces/default/pods/reader';
  await fetch(`${tk.url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(pod('reader')) });
  const bytes = Buffer.from(await (await fetch(tk.url + path)).arrayBuffer());
  const bodyFile = join(tmpdir(), `tinykube-bench-pod-${process.pid}.json`);
  writeFileSync(bodyFile, bytes);
  const base = await startBaseline('express-bytes.js', { BODY_FILE: bodyFile });
  await load({ url: tk.url + path, connections: 50, seconds: 1 }); // warm both before measuring
  await load({ url: base.url + path, connections: 50, seconds: 1 });
  const ours = await load({ url: tk.url + path, connections: 50, seconds });
  const floor = await load({ url: base.url + path, connections: 50, seconds });
  await tk.stop();
  await base.stop();
  if (ours.failed) throw new Error(`${ours.failed} reads failed`);
  return [
    { figure: `GET one pod (${bytes.length} B), 50 connections`, value: ours.perSecond, unit: 'req/s', baseline: floor.perSecond, baselineLabel: 'express, same bytes', ratio: ours.perSecond / floor.perSecond, target: 'ratio >= 0.7', pass: ours.perSecond / floor.perSecond >= 0.7 },
    { figure: 'GET one pod, p99 latency', value: ours.p99Ms, unit: 'ms', baseline: floor.p99Ms, baselineLabel: 'express, same bytes', target: 'reported', pass: null },
  ];
}
