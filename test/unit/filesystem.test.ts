// A container's in-memory filesystem: path resolution, directories, symlinks, renames, the size
// bound, and what a container's filesystem starts with (the base image and its app's files).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppCatalog } from '../../src/kubelet/apps.js';
import { ContainerFiles } from '../../src/kubelet/container-files.js';
import { basename, dirname, FileSystem, FsError, normalize } from '../../src/kubelet/filesystem.js';
import type { Pod } from '../../src/api/objects.js';

const code = (fn: () => unknown): string | undefined => {
  try { fn(); return undefined; } catch (e) { return e instanceof FsError ? e.code : String(e); }
};

test('paths: . and .. fold, relative paths resolve against the working directory, / has no parent', () => {
  assert.equal(normalize('a/./b/../c', '/x'), '/x/a/c');
  assert.equal(normalize('../../..', '/x'), '/');
  assert.equal(normalize('//etc///hosts/'), '/etc/hosts');
  assert.deepEqual([basename('/a/b/'), basename('/'), dirname('/a/b'), dirname('/a'), dirname('a')], ['b', '/', '/a', '/', '.']);
});

test('files and directories: create, read, list sorted bytewise, remove; errors carry errno texts', () => {
  const fs = new FileSystem(() => new Date(0));
  fs.mkdir('/a/b/c', '/', { parents: true });
  fs.writeFile('c/f', Buffer.from('one'), '/a/b');
  fs.writeFile('/a/b/c/f', Buffer.from(' two'), '/', { append: true });
  assert.equal(fs.readFile('/a/b/c/f').toString(), 'one two');
  fs.writeFile('/a/Z', Buffer.from(''));
  fs.writeFile('/a/_', Buffer.from(''));
  assert.deepEqual(fs.readdir('/a'), ['Z', '_', 'b']);
  assert.equal(code(() => fs.readFile('/a/nope')), 'ENOENT');
  assert.equal(code(() => fs.readFile('/a/b')), 'EISDIR');
  assert.equal(code(() => fs.mkdir('/a')), 'EEXIST');
  assert.equal(code(() => fs.mkdir('/x/y')), 'ENOENT');
  assert.equal(code(() => fs.writeFile('/a/Z/f', Buffer.from('x'))), 'ENOTDIR');
  assert.equal(code(() => fs.remove('/a/b')), 'ENOTEMPTY');
  assert.equal(new FsError('ENOENT').message, 'No such file or directory');
  fs.remove('/a/b', '/', { recursive: true });
  assert.equal(fs.exists('/a/b/c/f'), false);
});

test('symlinks: followed on the way and at the end unless asked not to; loops are ELOOP', () => {
  const fs = new FileSystem();
  fs.mkdir('/data/real', '/', { parents: true });
  fs.symlink('real', '/data/link');
  fs.writeFile('/data/link/f', Buffer.from('via link'));
  assert.equal(fs.readFile('/data/real/f').toString(), 'via link');
  assert.equal(fs.realpath('/data/link/f'), '/data/real/f');
  assert.equal(fs.lookup('/data/link', '/', false).kind, 'symlink');
  fs.symlink('/data/new', '/data/dangling');
  fs.writeFile('/data/dangling', Buffer.from('made through the link'));
  assert.equal(fs.readFile('/data/new').toString(), 'made through the link');
  fs.symlink('loop', '/data/loop');
  assert.equal(code(() => fs.readFile('/data/loop')), 'ELOOP');
  assert.equal(code(() => fs.writeFile('/data/loop', Buffer.from('x'))), 'ELOOP');
});

test('rename: replaces a file, refuses a directory into itself or onto a non-empty one', () => {
  const fs = new FileSystem();
  fs.mkdir('/d/sub', '/', { parents: true });
  fs.writeFile('/f', Buffer.from('1'));
  fs.writeFile('/g', Buffer.from('2'));
  fs.rename('/f', '/g');
  assert.deepEqual([fs.exists('/f'), fs.readFile('/g').toString()], [false, '1']);
  assert.equal(code(() => fs.rename('/d', '/d/sub/x')), 'EINVAL');
  fs.mkdir('/e/full', '/', { parents: true });
  assert.equal(code(() => fs.rename('/d', '/e')), 'ENOTEMPTY');
});

test('a container holds at most its limit: a write past it is ENOSPC and changes nothing, removal frees space', () => {
  const fs = new FileSystem(() => new Date(0), 1000);
  fs.writeFile('/a', Buffer.alloc(600));
  assert.equal(code(() => fs.writeFile('/b', Buffer.alloc(500))), 'ENOSPC');
  assert.equal(fs.exists('/b'), false);
  assert.equal(code(() => fs.writeFile('/a', Buffer.alloc(500), '/', { append: true })), 'ENOSPC');
  assert.equal(fs.readFile('/a').length, 600);
  fs.writeFile('/a', Buffer.alloc(900));
  assert.equal(fs.bytesUsed, 900);
  fs.remove('/a');
  fs.writeFile('/b', Buffer.alloc(1000));
  assert.equal(fs.bytesUsed, 1000);
});

const pod = (uid: string, name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { uid, name, namespace: 'shop' }, spec: { containers: [] }, status: { podIP: '10.244.2.7' } });

test('ContainerFiles: the base image with the pod\'s name and DNS, the app\'s files, one filesystem per container until forgotten', () => {
  const files = new ContainerFiles(AppCatalog.load(), () => new Date(0));
  const web = pod('u1', 'web-1');
  const nginx = files.of(web, { name: 'nginx', image: 'nginx:1.27' });
  assert.equal(nginx.readFile('/etc/hostname').toString(), 'web-1\n');
  assert.equal(nginx.readFile('/etc/resolv.conf').toString(), 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  assert.match(nginx.readFile('/etc/hosts').toString(), /\n10\.244\.2\.7\tweb-1\n$/);
  assert.match(nginx.readFile('/usr/share/nginx/html/index.html').toString(), /<title>Welcome to nginx!<\/title>[\s\S]*from pod web-1,/);
  assert.match(nginx.readFile('/etc/nginx/conf.d/default.conf').toString(), /root {3}\/usr\/share\/nginx\/html;/);
  assert.equal(nginx.stat('/tmp').mode, 0o1777);
  const sidecar = files.of(web, { name: 'sidecar', image: 'busybox' });
  assert.equal(sidecar.exists('/usr/share/nginx'), false);
  nginx.writeFile('/tmp/x', Buffer.from('kept'));
  assert.equal(files.of(web, { name: 'nginx', image: 'nginx:1.27' }).readFile('/tmp/x').toString(), 'kept');
  assert.match(files.of(pod('u2', 'kubia'), { name: 'kubia', image: 'luksa/kubia' }).readFile('/app.js').toString(), /www\.listen\(8080\);/);
  files.forget('u1');
  assert.equal(files.of(web, { name: 'nginx', image: 'nginx:1.27' }).exists('/tmp/x'), false);
});
