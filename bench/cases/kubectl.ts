// kubectl: wall time of `kubectl get pods` against a 1,000-pod namespace, against
// `kubectl version --client` (kubectl's own floor: start, parse config, print).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMany, pod } from '../lib/objects.js';
import { median, startTinykube } from '../lib/processes.js';
import type { Row } from '../lib/report.js';

function timeCommand(args: string[], env: NodeJS.ProcessEnv, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    execFileSync('kubectl', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function kubectl(quick: boolean): Promise<Row[]> {
  const runs = quick ? 5 : 11;
  const tk = await startTinykube({ store: 'memory', apiOnly: true });
  await fetch(`${tk.url}/api/v1/namespaces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'bench' } }) });
  await createMany(tk.url, '/api/v1/namespaces/bench/pods', 1000, (i) => pod(`pod-${i}`));
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-kubectl-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${tk.url}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user: {}\n`);
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
  timeCommand(['get', 'pods', '-n', 'bench'], env, 1); // fills kubectl's discovery cache, as any second run finds it
  const get = timeCommand(['get', 'pods', '-n', 'bench'], env, runs);
  const floor = timeCommand(['version', '--client'], env, runs);
  await tk.stop();
  return [{ figure: 'kubectl get pods, 1,000 pods', value: get, unit: 'ms', baseline: floor, baselineLabel: 'kubectl version --client', ratio: get / floor, target: 'ratio <= 1.3', pass: get / floor <= 1.3 }];
}
