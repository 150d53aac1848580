// A simulated container for the unit tests of its commands: a pod's seeded filesystem, a fixed
// clock, and helpers that run a command or an `sh -c` script and give its output as text.
import { seededFileSystem } from '../../src/kubelet/container-files.js';
import { runCommand, type ExecContext } from '../../src/kubelet/containers.js';
import type { FileSystem } from '../../src/kubelet/filesystem.js';

export const NOW = new Date('2025-03-04T05:06:07Z');

export interface Container { ctx: ExecContext; fs: FileSystem }

export function container(overrides: Partial<ExecContext> = {}, files: Record<string, string> = {}): Container {
  const fs = seededFileSystem({ name: 'kubia', namespace: 'default', podIP: '10.244.1.5' }, files, () => NOW);
  const ctx: ExecContext = {
    podName: 'kubia', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: 'kubia' },
    stdin: async () => Buffer.alloc(0), sleep: async () => {}, now: () => NOW, files: fs, ...overrides,
  };
  return { ctx, fs };
}

export interface TextResult { stdout: string; stderr: string; exitCode: number }

/** Runs argv in the container; stdin (when given) is what the exec sends. */
export async function exec(c: Container, argv: string[], stdin?: Buffer | string): Promise<TextResult> {
  const ctx = stdin === undefined ? c.ctx : { ...c.ctx, stdin: async () => Buffer.from(stdin) };
  const r = await runCommand(argv, ctx);
  return { stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), exitCode: r.exitCode };
}

/** Runs `sh -c script` in the container. */
export function sh(c: Container, script: string, stdin?: Buffer | string): Promise<TextResult> {
  return exec(c, ['sh', '-c', script], stdin);
}
