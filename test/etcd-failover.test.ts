// Two tinykube processes on one etcd: one leads (runs the scheduler, controllers and kubelets);
// when it is killed, the other takes the leader Lease over within the lease duration, its
// scheduler binds new pods, and nothing is done twice (an RC keeps exactly its replicas).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { etcdAvailable, startEtcd, type EtcdServer } from './etcd.js';
import { sleep } from './helpers.js';

const skip = etcdAvailable() ? false : 'etcd is not installed (apt-get install etcd-server)';
const LEASE_SECONDS = 3;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const port = (s.address() as { port: number }).port; s.close(() => resolve(port)); });
  });
}

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

const get = async (p: Proc, path: string) => (await fetch(p.url + path)).json() as Promise<any>;
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

  test('the standby takes over within the lease duration and its scheduler binds new pods', async (t) => {
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
    assert.ok(boundAfter < LEASE_SECONDS * 1000 * 1.5, `took ${boundAfter} ms`);
    await sleep(1000);
    const pods = (await get(second, '/api/v1/namespaces/default/pods?labelSelector=app=web')).items;
    assert.equal(pods.filter((p: any) => !p.metadata.deletionTimestamp).length, 2, 'no pod created twice');
  });
});
