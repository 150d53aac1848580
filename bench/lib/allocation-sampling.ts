// Where a tinykube under measurement allocates: V8's sampling heap profiler over the inspector
// protocol, with the objects collected since counted too (what --heap-prof leaves out: a write's
// garbage is the collector's work, and only allocations still live at the end are in its file).
// TINYKUBE_BENCH_ALLOC_PROF=DIR starts each server with --inspect on a free port, starts the
// sampling as soon as the inspector answers (its first few ms of startup go unsampled: with
// --inspect-brk the server's SQLite thread never came up) and writes DIR/alloc-<pid>.heapprofile
// when the server is stopped; bench/alloc-areas.ts sums it by area and function.
// TINYKUBE_BENCH_ALLOC_SURVIVORS=1: only what survived the young generation (see below).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

interface Reply { id?: number; result?: unknown; error?: { message: string } }

export interface AllocationSampler {
  /** Stops the sampling and writes the profile (before the server is stopped). */
  finish(): Promise<string>;
}

/** Bytes between samples: V8's default is 32 KiB; a write allocates tens of KB. */
const SAMPLING_INTERVAL = 4096;

/** Attaches to a process started with `--inspect=127.0.0.1:<port>` and starts sampling. */
export async function sampleAllocations(port: number, pid: number, dir: string): Promise<AllocationSampler> {
  let target: string | undefined;
  for (let i = 0; !target; i++) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as { webSocketDebuggerUrl: string }[];
      target = list[0]?.webSocketDebuggerUrl;
    } catch { /* not listening yet */ }
    if (!target) {
      if (i > 500) throw new Error(`no inspector on port ${port}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const ws = new WebSocket(target);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const waiting = new Map<number, (reply: Reply) => void>();
  ws.on('message', (data: Buffer) => {
    const reply = JSON.parse(data.toString('utf8')) as Reply;
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply);
  });
  let nextId = 0;
  const send = (method: string, params: Record<string, unknown> = {}) => new Promise<unknown>((resolve, reject) => {
    const id = ++nextId;
    waiting.set(id, (reply) => { waiting.delete(id); if (reply.error) reject(new Error(`${method}: ${reply.error.message}`)); else resolve(reply.result); });
    ws.send(JSON.stringify({ id, method, params }));
  });
  // TINYKUBE_BENCH_ALLOC_SURVIVORS=1 leaves out what the young generation's collections took: what
  // is left is what reached the old generation (or is live), the allocation rate V8 sizes that
  // generation's growth from.
  const survivors = process.env.TINYKUBE_BENCH_ALLOC_SURVIVORS === '1';
  await send('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
  return {
    async finish() {
      const { profile } = await send('HeapProfiler.stopSampling') as { profile: unknown };
      ws.close();
      const file = join(dir, `alloc-${pid}.heapprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
