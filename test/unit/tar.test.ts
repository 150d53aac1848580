// tar in the containers: the archive format both ways (our archives listed and extracted by GNU
// tar, GNU tar's archives extracted by us) and the exact commands kubectl cp runs in a pod:
// `test -d DEST`, `tar -xmf - -C DIR` to copy in, `tar cf - PATH` (or, with --retries,
// `sh -c 'tar cf - PATH | tail -c+N'`) to copy out.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCommand } from '../../src/kubelet/containers.js';
import { readTar, TarError, writeTar, type TarEntry } from '../../src/kubelet/tar.js';
import { container, exec, NOW, sh } from './container-context.js';

const T = new Date('2024-06-01T12:34:56Z');
const binary = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 37) % 256));

test('round trip: files (binary, empty), directories, symlinks, modes, times and long names come back as written', () => {
  const longName = `${'deep/'.repeat(30)}file-with-a-long-name.txt`;
  const veryLong = `${'x'.repeat(120)}/${'y'.repeat(120)}`;
  const entries: TarEntry[] = [
    { name: 'dir', kind: 'dir', mode: 0o750, mtime: T },
    { name: 'dir/bin.dat', kind: 'file', mode: 0o644, mtime: T, data: binary },
    { name: 'dir/empty', kind: 'file', mode: 0o600, mtime: T, data: Buffer.alloc(0) },
    { name: 'dir/link', kind: 'symlink', mode: 0o777, mtime: T, linkname: 'bin.dat' },
    { name: longName, kind: 'file', mode: 0o755, mtime: T, data: Buffer.from('long\n') },
    { name: veryLong, kind: 'file', mode: 0o644, mtime: T, data: Buffer.from('pax\n') },
  ];
  const archive = writeTar(entries);
  assert.equal(archive.length % 512, 0);
  const back = readTar(archive);
  assert.deepEqual(back.map((e) => [e.name, e.kind, e.mode, e.mtime.getTime(), e.data?.toString('hex'), e.linkname ?? '']),
    entries.map((e) => [e.name, e.kind, e.mode, e.mtime.getTime(), e.kind === 'file' ? e.data?.toString('hex') : undefined, e.linkname ?? '']));
});

test('corrupt archives fail with busybox\'s words, never an exception of another kind', () => {
  const archive = writeTar([{ name: 'f', kind: 'file', mode: 0o644, mtime: T, data: Buffer.alloc(2000) }]);
  const bad = Buffer.from(archive);
  bad[10] ^= 0xff;
  assert.throws(() => readTar(bad), new TarError('invalid tar header checksum'));
  assert.throws(() => readTar(archive.subarray(0, 1024)), new TarError('short read'));
  assert.deepEqual(readTar(Buffer.alloc(0)), []);
});

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'tinykube-tar-'));
}

test('GNU tar lists and extracts what our tar writes, byte for byte', async () => {
  const c = container();
  await sh(c, 'mkdir -p /data/sub && echo hello > /data/sub/a.txt && touch /data/empty');
  c.fs.writeFile('/data/bin.dat', binary);
  c.fs.symlink('sub/a.txt', '/data/link');
  const r = await runCommand(['tar', 'cf', '-', '/data'], c.ctx);
  const archive = r.stdout;
  assert.equal(r.stderr.toString(), "tar: removing leading '/' from member names\n");
  const listing = execFileSync('tar', ['tvf', '-', '--utc'], { input: archive }).toString();
  const stamp = '2025-03-04 05:06';
  assert.deepEqual(listing.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), [
    `drwxr-xr-x root/root 0 ${stamp} data/`,
    `-rw-r--r-- root/root 1500 ${stamp} data/bin.dat`,
    `-rw-r--r-- root/root 0 ${stamp} data/empty`,
    `lrwxrwxrwx root/root 0 ${stamp} data/link -> sub/a.txt`,
    `drwxr-xr-x root/root 0 ${stamp} data/sub/`,
    `-rw-r--r-- root/root 6 ${stamp} data/sub/a.txt`,
  ]);
  const dir = scratch();
  execFileSync('tar', ['xf', '-', '-C', dir], { input: archive });
  assert.deepEqual(readFileSync(join(dir, 'data/bin.dat')), binary);
  assert.equal(readFileSync(join(dir, 'data/link'), 'utf8'), 'hello\n');
});

test('our tar extracts what GNU tar writes (GNU and PAX formats, long names, symlinks, modes)', async () => {
  const dir = scratch();
  const long = `${'nested/'.repeat(20)}f.txt`;
  mkdirSync(join(dir, 'src', long, '..'), { recursive: true });
  writeFileSync(join(dir, 'src', long), 'deep\n');
  writeFileSync(join(dir, 'src/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'src/bin.dat'), binary);
  symlinkSync('run.sh', join(dir, 'src/link'));
  utimesSync(join(dir, 'src/bin.dat'), T, T);
  for (const format of ['gnu', 'pax']) {
    const archive = execFileSync('tar', ['cf', '-', `--format=${format}`, '-C', dir, 'src']);
    const c = container();
    assert.deepEqual(await exec(c, ['tar', 'xf', '-', '-C', '/tmp'], archive), { stdout: '', stderr: '', exitCode: 0 }, format);
    assert.equal(c.fs.readFile(`/tmp/src/${long}`).toString(), 'deep\n', format);
    assert.deepEqual(c.fs.readFile('/tmp/src/bin.dat'), binary, format);
    assert.equal(c.fs.stat('/tmp/src/run.sh').mode, 0o755, format);
    assert.equal(c.fs.stat('/tmp/src/bin.dat').mtime.getTime(), T.getTime(), format);
    assert.equal(c.fs.stat('/tmp/src/link', '/', false).target, 'run.sh', format);
  }
  const gz = execFileSync('tar', ['czf', '-', '--owner=root', '--group=root', '--mtime=2024-06-01 12:34:56Z', '-C', dir, 'src/run.sh']);
  const listed = await exec(container(), ['tar', 'tzvf', '-'], gz);
  assert.equal(listed.stdout, '-rwxr-xr-x root/root        10 2024-06-01 12:34:56 src/run.sh\n');
});

/** The archive kubectl cp writes for `kubectl cp LOCAL POD:DEST`: Go's ustar, names relative to DEST's directory. */
function kubectlArchive(files: Record<string, string>): Buffer {
  return writeTar(Object.entries(files).map(([name, text]) => ({ name, kind: 'file', mode: 0o644, mtime: T, data: Buffer.from(text), uname: 'me', gname: 'me', uid: 1000, gid: 1000 })));
}

test('kubectl cp into a pod: test -d on the destination, then tar -xmf - -C DIR (with --no-preserve\'s flags too)', async () => {
  const c = container();
  assert.equal((await exec(c, ['test', '-d', '/tmp'])).exitCode, 0);
  assert.equal((await exec(c, ['test', '-d', '/tmp/new.txt'])).exitCode, 1);
  // `kubectl cp notes.txt kubia:/tmp/new.txt`: DEST is no directory, so the member is named new.txt.
  assert.deepEqual(await exec(c, ['tar', '-xmf', '-', '-C', '/tmp'], kubectlArchive({ 'new.txt': 'notes\n' })), { stdout: '', stderr: '', exitCode: 0 });
  assert.equal(c.fs.readFile('/tmp/new.txt').toString(), 'notes\n');
  assert.equal(c.fs.stat('/tmp/new.txt').mtime.getTime(), NOW.getTime(), 'm: extraction time, not the archive\'s');
  // `kubectl cp --no-preserve ./site kubia:/tmp`: /tmp is a directory, so the members are site/...; parents are made as needed.
  await exec(c, ['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-', '-C', '/tmp'], kubectlArchive({ 'site/index.html': '<p>hi</p>\n', 'site/css/a.css': 'p{}\n' }));
  assert.equal((await sh(c, 'cat /tmp/site/index.html /tmp/site/css/a.css')).stdout, '<p>hi</p>\np{}\n');
  assert.deepEqual(await exec(c, ['tar', '-xmf', '-', '-C', '/nope'], kubectlArchive({ a: '' })), { stdout: '', stderr: "tar: can't change directory to '/nope': No such file or directory\n", exitCode: 1 });
});

test('kubectl cp out of a pod: tar cf - PATH names members as kubectl strips them; --retries resumes with tail -c+N', async () => {
  const c = container();
  await sh(c, 'mkdir -p /var/log/app && echo one > /var/log/app/1.log && echo two > /var/log/app/2.log');
  const out = await runCommand(['tar', 'cf', '-', '/var/log/app'], c.ctx);
  assert.equal(out.stderr.toString(), "tar: removing leading '/' from member names\n");
  assert.deepEqual(readTar(out.stdout).map((e) => e.name), ['var/log/app', 'var/log/app/1.log', 'var/log/app/2.log']);
  const file = await runCommand(['tar', 'cf', '-', '/var/log/app/2.log'], c.ctx);
  assert.deepEqual(readTar(file.stdout).map((e) => [e.name, e.data?.toString()]), [['var/log/app/2.log', 'two\n']]);
  // The first try reads from byte 0 (tail's +0 is +1), a retry from the byte after those it has.
  const first = await runCommand(['sh', '-c', 'tar cf - /var/log/app | tail -c+0'], c.ctx);
  assert.deepEqual(first.stdout, out.stdout);
  const resumed = await runCommand(['sh', '-c', 'tar cf - /var/log/app | tail -c+1025'], c.ctx);
  assert.deepEqual(resumed.stdout, out.stdout.subarray(1024));
  const missing = await exec(c, ['tar', 'cf', '-', '/nope']);
  assert.deepEqual([missing.stderr, missing.exitCode], ["tar: removing leading '/' from member names\ntar: /nope: No such file or directory\ntar: error exit delayed from previous errors\n", 1]);
});

test('tar in a pod: f FILE, t and tv, z, and a full filesystem stops extraction with ENOSPC', async () => {
  const c = container();
  await sh(c, 'mkdir /w && cd /w && echo a > a && tar czf /tmp/w.tgz a');
  assert.equal((await sh(c, 'tar tzf /tmp/w.tgz')).stdout, 'a\n');
  assert.equal((await sh(c, 'tar tvf /tmp/w.tgz')).stdout, '-rw-r--r-- root/root         2 2025-03-04 05:06:07 a\n');
  assert.equal((await sh(c, 'cd /tmp && tar xzf w.tgz && cat /tmp/a')).stdout, 'a\n');
  const big = kubectlArchive({ huge: 'x'.repeat(70 * 1024 * 1024) });
  const full = await exec(c, ['tar', '-xmf', '-', '-C', '/tmp'], big);
  assert.deepEqual([full.stderr, full.exitCode], ["tar: can't create 'huge': No space left on device\n", 1]);
});
