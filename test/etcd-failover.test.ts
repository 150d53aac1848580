// Two tinykube processes on one etcd: one leads (runs the scheduler, controllers and kubelets);
// when it is killed, the other takes the leader Lease over within the lease duration, its
// scheduler binds new pods, and nothing is done twice (an RC keeps exactly its replicas).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEtcd, type EtcdServer } from './etcd.js';
import { freePort, kubectlBinary, sleep } from './helpers.js';
import { needs } from './peers.js';

const skip = needs('etcd-server');
const LEASE_SECONDS = 3;


interface Proc { proc: ChildProcess; url: string }

async function serve(etcd: string): Promise<Proc> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--store', 'etcd', '--etcd-endpoints', etcd, '--nodes', '2',
    '--leader-lease-duration', String(LEASE_SECONDS), '--port', String(port), '--data', mkdtempSync(join(tmpdir(), 'tk-fo-'))], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(`${url}/readyz`)).ok) return { proc, url }; } catch { /* starting */ }
    await sleep(50);
  }
  throw new Error('tinykube did not start');
}

const get = async (p: Proc, path: string) => (await fetch(p.url + path)).json();
const post = (p: Proc, path: string, body: unknown) => fetch(p.url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const holder = async (p: Proc) => (await get(p, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/tinykube-control-plane')).spec?.holderIdentity as string | undefined;

describe('leader election across two processes on one etcd', { skip }, () => {
  let etcd: EtcdServer;
  let first: Proc;
  let second: Proc;
  before(async () => {
    etcd = await startEtcd();
    first = await serve(etcd.endpoint);
    for (let i = 0; i < 100 && !(await holder(first)); i++) await sleep(100);
    second = await serve(etcd.endpoint);
  });
  after(async () => {
    for (const p of [first, second]) p?.proc.kill('SIGKILL');
    await etcd?.stop();
  });

  test('kubectl writes through one process; a watch on the other sees it', async () => {
    const leases = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
    const rv = (await get(first, leases)).metadata.resourceVersion;
    const controller = new AbortController();
    const watch = fetch(`${first.url}${leases}?watch=1&resourceVersion=${rv}`, { signal: controller.signal }).then(async (res) => {
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      return JSON.parse(text.split('\n')[0]);
    });
    await sleep(200);
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'tk-fo-kc-')), 'config');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: s\n  cluster:\n    server: ${second.url}\ncontexts:\n- name: s\n  context:\n    cluster: s\n    user: u\ncurrent-context: s\nusers:\n- name: u\n  user: {}\n`);
    const created = spawnSync(kubectlBinary('1.33'), ['--kubeconfig', kubeconfig, 'create', '-f', '-'], { input: 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: seen\nspec:\n  holderIdentity: x\n', encoding: 'utf8' });
    assert.equal(created.stdout, 'lease.coordination.k8s.io/seen created\n', created.stderr);
    const event = await watch;
    assert.deepEqual([event.type, event.object.metadata.name], ['ADDED', 'seen']);
    assert.equal(event.object.metadata.resourceVersion, (await get(second, `${leases}/seen`)).metadata.resourceVersion);
  });

  test('the standby takes over when the lease expires and its scheduler binds new pods', async (t) => {
    const leader = await holder(first);
    assert.ok(leader);
    const rc = { metadata: { name: 'web' }, spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    assert.equal((await post(second, '/api/v1/namespaces/default/replicationcontrollers', rc)).status, 201);
    const running = async () => (await get(second, '/api/v1/namespaces/default/pods?labelSelector=app=web')).items.filter((p: any) => p.status.phase === 'Running').length;
    for (let i = 0; i < 100 && (await running()) < 2; i++) await sleep(100);
    assert.equal(await running(), 2, 'the leader runs the RC');
    first.proc.kill('SIGKILL');
    const killed = Date.now();
    assert.equal((await post(second, '/api/v1/namespaces/default/pods', { metadata: { name: 'after' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } })).status, 201);
    let boundAfter = 0;
    for (let i = 0; i < 200; i++) {
      if ((await get(second, '/api/v1/namespaces/default/pods/after')).spec.nodeName) { boundAfter = Date.now() - killed; break; }
      await sleep(50);
    }
    assert.ok(boundAfter > 0, 'the new pod was never bound');
    assert.notEqual(await holder(second), leader);
    t.diagnostic(`failover: new pod bound ${boundAfter} ms after the leader was killed (lease duration ${LEASE_SECONDS} s)`);
    // The standby takes over the moment the lease has gone unrenewed for its duration, counted
    // from the leader's last renewal (before the kill), and its scheduler binds at once.
    assert.ok(boundAfter <= LEASE_SECONDS * 1000 + 500, `took ${boundAfter} ms`);
    await sleep(1000);
    const pods = (await get(second, '/api/v1/namespaces/default/pods?labelSelector=app=web')).items;
    assert.equal(pods.filter((p: any) => !p.metadata.deletionTimestamp).length, 2, 'no pod created twice');
  });
});
