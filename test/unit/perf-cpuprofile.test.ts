// bench/perf-cpuprofile.ts: perf script's samples as a .cpuprofile, off-CPU gaps as (idle) and
// samples in V8's collector as (garbage collector).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameOf, parsePerfScript, toCpuProfile } from '../../bench/perf-cpuprofile.js';

const SCRIPT = `node  8146 100.000250:     250000 cpu-clock: 
\t    7f39681b25d6 JS:*walkCompare file:///work/main/dist/chunk-A.js:13091:21+0x3d6 (/tmp/perf-8146.map)
\t    7f39681d50e6 JS:^createOwned file:///work/main/dist/chunk-A.js:13889:20+0x66 (/tmp/perf-8146.map)
\t         14ac8a7 uv_run+0x187 (/usr/bin/node)

node  8146 100.000500:     250000 cpu-clock: 
\t          dbb10e v8::internal::ScavengerCollector::CollectGarbage+0x3e (/usr/bin/node)
\t    7f39681d50e6 JS:^createOwned file:///work/main/dist/chunk-A.js:13889:20+0x66 (/tmp/perf-8146.map)

node  8146 100.002000:     250000 cpu-clock: 
\t    7f39681d50e6 JS:^createOwned file:///work/main/dist/chunk-A.js:13889:20+0x66 (/tmp/perf-8146.map)
\t         14ac8a7 uv_run+0x187 (/usr/bin/node)
`;

test('frames: JavaScript ones with their script and 0-based position, native ones by symbol', () => {
  assert.deepEqual(frameOf('JS:*walkCompare file:///x/chunk.js:13091:21+0x3d6'), { functionName: 'walkCompare', url: 'file:///x/chunk.js', lineNumber: 13090, columnNumber: 20, scriptId: '0' });
  assert.deepEqual(frameOf('JS:~ node:internal/streams/writable:744:21'), { functionName: '', url: 'node:internal/streams/writable', lineNumber: 743, columnNumber: 20, scriptId: '0' });
  assert.equal(frameOf('uv_run+0x187').functionName, 'uv_run');
});

test('samples last their period; the time between them off the CPU is idle; the collector is one node', () => {
  const samples = parsePerfScript(SCRIPT);
  assert.deepEqual(samples.map((s) => [s.at, s.period, s.stack.length]), [[100000250, 250, 3], [100000500, 250, 2], [100002000, 250, 2]]);
  const profile = toCpuProfile(samples);
  const name = (id: number) => profile.nodes.find((n) => n.id === id)!.callFrame.functionName;
  assert.deepEqual(profile.samples.map(name), ['walkCompare', '(garbage collector)', '(idle)', 'createOwned']);
  // timeDeltas[i + 1] is how long sample i lasted: 250 us each, and 1,250 us off the CPU.
  assert.deepEqual(profile.timeDeltas, [0, 250, 250, 1250]);
  const createOwned = profile.nodes.filter((n) => n.callFrame.functionName === 'createOwned');
  assert.equal(createOwned.length, 1, 'one node for one call path');
  assert.equal(name(profile.nodes.find((n) => n.children.includes(createOwned[0].id))!.id), 'uv_run');
});
