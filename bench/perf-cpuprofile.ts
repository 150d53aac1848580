// An on-CPU profile of one thread, from Linux perf, in the .cpuprofile form profile-areas.ts reads.
// node's --cpu-prof samples a thread's wall clock: on these 2-core machines, shared by the client,
// the API's thread and the SQLite worker, it charges the time the API's thread waits off-CPU after
// waking another thread to whatever call woke it (postMessage, a socket's writev). perf's
// cpu-clock samples only while the thread runs, and sees V8's and the kernel's own frames too.
//
//   TINYKUBE_BENCH_NODE_ARGS=--perf-basic-prof npx tsx bench/write-cpu.ts 20000 sqlite &
//   perf record -e cpu-clock -F 2000 -g -t <the tinykube's pid> -o /tmp/perf.data   (^C when done)
//   perf script -i /tmp/perf.data > /tmp/perf.txt
//   npx tsx bench/perf-cpuprofile.ts /tmp/perf.txt /tmp/api.cpuprofile
//   npx tsx bench/profile-areas.ts /tmp/api.cpuprofile --top 40
//
// (--perf-basic-prof writes /tmp/perf-<pid>.map, which names the JavaScript frames; the thread is
// the process's own pid for the main thread.) Time between samples beyond their period is the
// thread off the CPU: it becomes "(idle)", so a window (--from/--to) is still in wall-clock time.
// A sample with V8's collector on its stack counts as "(garbage collector)", as node's own does.
import { readFileSync, writeFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId: string }
interface ProfileNode { id: number; callFrame: CallFrame; children: number[]; hitCount: number }

const GC_FRAME = /v8::internal::(Heap::|Scavenger|ScavengerCollector|MarkCompactCollector|MinorMarkCompact|MinorMarkSweep|IncrementalMarking|ConcurrentMarking|ArrayBufferSweeper)/;

/** A frame of perf script's output as a call frame: `JS:*name file:///x.js:12:5` from --perf-basic-prof, or a native symbol. */
export function frameOf(frame: string): CallFrame {
  const symbol = frame.replace(/\+0x[0-9a-f]+$/, '');
  const js = /^JS:[*^~+]?(.*) (\S+):(\d+):(\d+)$/.exec(symbol);
  if (js) return { functionName: js[1], url: js[2], lineNumber: Number(js[3]) - 1, columnNumber: Number(js[4]) - 1, scriptId: '0' };
  return { functionName: symbol, url: '', lineNumber: -1, columnNumber: -1, scriptId: '0' };
}

interface Sample { at: number; period: number; stack: string[] }

/** Samples of perf script's text: a header line (comm, tid, time in s, period, event), then frames leaf first. */
export function parsePerfScript(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim());
    const header = /\s(\d+\.\d+):\s+(\d+)\s+\S+:\s*$/.exec(lines[0] ?? '');
    if (!header) continue;
    const stack = lines.slice(1).map((l) => {
      const frame = /^\s*[0-9a-f]+\s+(.*?)(?:\s+\([^()]*\))?$/.exec(l);
      return frame ? frame[1] : l.trim();
    });
    samples.push({ at: Number(header[1]) * 1e6, period: Number(header[2]) / 1000, stack });
  }
  return samples.sort((a, b) => a.at - b.at);
}

export function toCpuProfile(samples: Sample[]) {
  const nodes: ProfileNode[] = [];
  const byKey = new Map<string, ProfileNode>();
  const nodeFor = (parent: ProfileNode | undefined, frame: CallFrame): ProfileNode => {
    const key = `${parent?.id ?? ''}|${frame.functionName}|${frame.url}|${frame.lineNumber}|${frame.columnNumber}`;
    let node = byKey.get(key);
    if (!node) {
      node = { id: nodes.length + 1, callFrame: frame, children: [], hitCount: 0 };
      nodes.push(node);
      byKey.set(key, node);
      parent?.children.push(node.id);
    }
    return node;
  };
  const root = nodeFor(undefined, frameOf('(root)'));
  const idle = nodeFor(root, frameOf('(idle)'));
  const gc = nodeFor(root, frameOf('(garbage collector)'));
  const ids: number[] = [];
  const durations: number[] = [];
  const first = samples[0];
  let end = first ? first.at - first.period : 0;
  for (const s of samples) {
    const start = s.at - s.period;
    if (start > end) { ids.push(idle.id); durations.push(start - end); }
    let node: ProfileNode;
    if (s.stack.some((f) => GC_FRAME.test(f))) node = gc;
    else {
      node = root;
      for (let i = s.stack.length - 1; i >= 0; i--) node = nodeFor(node, frameOf(s.stack[i]));
    }
    node.hitCount++;
    ids.push(node.id);
    durations.push(s.period);
    end = Math.max(end, s.at);
  }
  // profile-areas reads timeDeltas[i + 1] as how long sample i lasted.
  const timeDeltas = [0, ...durations.slice(0, -1)];
  const startTime = first ? first.at - first.period : 0;
  return { nodes, startTime, endTime: end, samples: ids, timeDeltas };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) throw new Error('usage: perf-cpuprofile.ts PERF_SCRIPT.txt OUT.cpuprofile');
  const samples = parsePerfScript(readFileSync(input, 'utf8'));
  writeFileSync(output, JSON.stringify(toCpuProfile(samples)));
  console.log(`${samples.length} samples written to ${output}`);
}
