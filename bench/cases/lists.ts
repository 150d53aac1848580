// Lists: LIST of 10,000 pods as JSON and as a Table (what kubectl asks for), p50 of repeated
// sequential requests; the baseline is express sending the same JSON bytes from memory, so these
// ask for no encoding (fetch would ask for gzip, which tinykube then sends as kube-apiserver does:
// that answer is reported apart).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMany, pod } from '../lib/objects.js';
import { median, startBaseline, startTinykube } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const IDENTITY = { 'Accept-Encoding': 'identity' };

async function timeGets(url: string, runs: number, headers: Record<string, string> = {}): Promise<{ p50: number; bytes: Buffer }> {
  const times: number[] = [];
  let bytes = Buffer.alloc(0);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    bytes = Buffer.from(await res.arrayBuffer());
    times.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  }
  return { p50: median(times), bytes };
}

export async function lists(quick: boolean): Promise<Row[]> {
  const count = 10_000;
  const runs = quick ? 7 : 21;
  const tk = await startTinykube({ store: 'memory', apiOnly: true });
  await createMany(tk.url, '/api/v1/namespaces/default/pods', count, (i) => pod(`pod-${i}`));
  const path = '/api/v1/namespaces/default/pods';
  await timeGets(tk.url + path, 2, IDENTITY);
  const json = await timeGets(tk.url + path, runs, IDENTITY);
  const tbl = await timeGets(tk.url + path, runs, { Accept: TABLE, ...IDENTITY });
  const gzipped = await timeGets(tk.url + path, runs, { 'Accept-Encoding': 'gzip' });
  await tk.stop();
  const bodyFile = join(tmpdir(), `tinykube-bench-list-${process.pid}.json`);
  writeFileSync(bodyFile, json.bytes);
  const base = await startBaseline('express-bytes.js', { BODY_FILE: bodyFile });
  await timeGets(base.url + path, 2, IDENTITY);
  const floor = await timeGets(base.url + path, runs, IDENTITY);
  await base.stop();
  const mb = (json.bytes.length / 2 ** 20).toFixed(1);
  return [
    { figure: `LIST 10,000 pods as JSON (${mb} MiB), p50`, value: json.p50, unit: 'ms', baseline: floor.p50, baselineLabel: 'express, same bytes', ratio: json.p50 / floor.p50, target: '<= 150 ms', pass: json.p50 <= 150 },
    { figure: 'LIST 10,000 pods as a Table, p50', value: tbl.p50, unit: 'ms', baseline: floor.p50, baselineLabel: 'express, JSON bytes', ratio: tbl.p50 / floor.p50, target: '<= 150 ms', pass: tbl.p50 <= 150 },
    { figure: 'LIST 10,000 pods as JSON, gzipped (Accept-Encoding: gzip, as client-go and browsers ask; decoded by the client), p50', value: gzipped.p50, unit: 'ms', target: 'reported', pass: null },
  ];
}
