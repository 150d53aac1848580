// A real etcd server for tests: Debian's etcd-server on free loopback ports with a temporary data
// directory, stopped afterwards. Tests that need it take their skip from needs('etcd-server') (peers.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

export const ETCD_BINARY = process.env.TINYKUBE_ETCD ?? 'etcd';

export function etcdAvailable(): boolean {
  return spawnSync(ETCD_BINARY, ['--version'], { encoding: 'utf8' }).status === 0;
}


export interface EtcdServer { endpoint: string; stop(): Promise<void> }

export async function startEtcd(): Promise<EtcdServer> {
  const [client, peer] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-etcd-'));
  const endpoint = `http://127.0.0.1:${client}`;
  const proc: ChildProcess = spawn(ETCD_BINARY, [
    '--name', 'tinykube-test', '--data-dir', dir,
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `tinykube-test=http://127.0.0.1:${peer}`, '--log-level', 'error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => { stderr += d; });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${endpoint}/health`)).ok) break; } catch { /* starting */ }
    if (proc.exitCode !== null) throw new Error(`etcd exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    stop: () => new Promise((resolve) => {
      proc.once('exit', () => { rmSync(dir, { recursive: true, force: true }); resolve(); });
      proc.kill('SIGTERM');
    }),
  };
}
