// The applets users run with kubectl exec, and what they print: ls, cat, mkdir, rm, cp, mv, touch,
// head, tail, wc, test, echo, ps, nslookup, hostname, uname, date, with busybox's texts and exit codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../../src/kubelet/containers.js';
import { container, exec, sh } from './container-context.js';

test('ls: one name a line, -a, -l in busybox columns with a total, -d, errors for missing names', async () => {
  const c = container();
  await sh(c, 'mkdir /w && cd /w && echo hello > b.txt && mkdir a && touch .hidden');
  assert.deepEqual(await exec(c, ['ls', '/w']), { stdout: 'a\nb.txt\n', stderr: '', exitCode: 0 });
  assert.equal((await exec(c, ['ls', '-a', '/w'])).stdout, '.\n..\n.hidden\na\nb.txt\n');
  assert.equal((await exec(c, ['ls', '-l', '/w'])).stdout, [
    'total 8',
    'drwxr-xr-x    2 root     root          4096 Mar  4 05:06 a',
    '-rw-r--r--    1 root     root             6 Mar  4 05:06 b.txt',
    '',
  ].join('\n'));
  assert.equal((await exec(c, ['ls', '-ld', '/tmp', '/dev/null'])).stdout, 'crw-rw-rw-    1 root     root        1,   3 Mar  4 05:06 /dev/null\ndrwxrwxrwt    2 root     root          4096 Mar  4 05:06 /tmp\n');
  assert.deepEqual(await exec(c, ['ls', '/nope', '/w/b.txt']), { stdout: '/w/b.txt\n', stderr: 'ls: /nope: No such file or directory\n', exitCode: 1 });
  assert.equal((await exec(c, ['ls', '/w', '/etc/hostname'])).stdout, '/etc/hostname\n\n/w:\na\nb.txt\n');
  assert.equal((await exec(c, ['ls'])).stdout, 'bin\ndev\netc\nhome\nproc\nroot\nsys\ntmp\nusr\nvar\nw\n');
});

test('cat, mkdir, rm, touch: busybox\'s error texts and exit code 1, the rest still done', async () => {
  const c = container();
  assert.deepEqual(await exec(c, ['cat', '/etc/hostname', '/nope', '/etc/hostname']), { stdout: 'kubia\nkubia\n', stderr: "cat: can't open '/nope': No such file or directory\n", exitCode: 1 });
  assert.deepEqual(await exec(c, ['cat', '/etc']), { stdout: '', stderr: 'cat: read error: Is a directory\n', exitCode: 1 });
  assert.deepEqual(await exec(c, ['cat'], 'piped\n'), { stdout: 'piped\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await exec(c, ['mkdir', '/tmp', '/a/b']), { stdout: '', stderr: "mkdir: can't create directory '/tmp': File exists\nmkdir: can't create directory '/a/b': No such file or directory\n", exitCode: 1 });
  assert.deepEqual(await exec(c, ['mkdir', '-p', '/a/b', '/tmp']), { stdout: '', stderr: '', exitCode: 0 });
  assert.deepEqual(await exec(c, ['rm', '/a', '/nope']), { stdout: '', stderr: "rm: can't remove '/a': Is a directory\nrm: can't remove '/nope': No such file or directory\n", exitCode: 1 });
  assert.deepEqual(await exec(c, ['rm', '-rf', '/a', '/nope']), { stdout: '', stderr: '', exitCode: 0 });
  assert.equal(c.fs.exists('/a'), false);
  assert.deepEqual(await exec(c, ['touch', '/tmp/t', '/no/t']), { stdout: '', stderr: 'touch: /no/t: No such file or directory\n', exitCode: 1 });
  assert.equal(c.fs.readFile('/tmp/t').length, 0);
});

test('cp and mv: files, into directories, -r for trees; busybox\'s errors', async () => {
  const c = container();
  await sh(c, 'mkdir -p /src/sub && echo 1 > /src/one && echo 2 > /src/sub/two');
  assert.deepEqual(await exec(c, ['cp', '/src', '/dst']), { stdout: '', stderr: "cp: omitting directory '/src'\n", exitCode: 1 });
  assert.deepEqual(await exec(c, ['cp', '-r', '/src', '/dst']), { stdout: '', stderr: '', exitCode: 0 });
  assert.equal((await sh(c, 'cat /dst/one /dst/sub/two')).stdout, '1\n2\n');
  await exec(c, ['cp', '/src/one', '/tmp']);
  assert.equal(c.fs.readFile('/tmp/one').toString(), '1\n');
  assert.deepEqual(await exec(c, ['cp', '/nope', '/tmp']), { stdout: '', stderr: "cp: can't stat '/nope': No such file or directory\n", exitCode: 1 });
  assert.deepEqual(await exec(c, ['mv', '/tmp/one', '/tmp/uno']), { stdout: '', stderr: '', exitCode: 0 });
  assert.deepEqual([c.fs.exists('/tmp/one'), c.fs.readFile('/tmp/uno').toString()], [false, '1\n']);
  assert.deepEqual(await exec(c, ['mv', '/nope', '/tmp']), { stdout: '', stderr: "mv: can't rename '/nope': No such file or directory\n", exitCode: 1 });
});

test('head, tail (-n, -c, +N), wc', async () => {
  const c = container();
  c.fs.writeFile('/n', Buffer.from('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n'));
  assert.equal((await exec(c, ['head', '/n'])).stdout, '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
  assert.equal((await exec(c, ['head', '-n', '2', '/n'])).stdout, '1\n2\n');
  assert.equal((await exec(c, ['head', '-3', '/n'])).stdout, '1\n2\n3\n');
  assert.equal((await exec(c, ['head', '-c', '3', '/n'])).stdout, '1\n2');
  assert.equal((await exec(c, ['tail', '-n', '2', '/n'])).stdout, '11\n12\n');
  assert.equal((await exec(c, ['tail', '-n', '+11', '/n'])).stdout, '11\n12\n');
  assert.equal((await exec(c, ['tail', '-c', '3', '/n'])).stdout, '12\n');
  assert.equal((await exec(c, ['tail', '-c+22', '/n'])).stdout, '11\n12\n');
  assert.equal((await exec(c, ['tail', '-c', '+1', '/n'])).stdout, (await exec(c, ['tail', '-c+0', '/n'])).stdout);
  assert.equal((await exec(c, ['head', '-n', '1', '/n', '/etc/hostname'])).stdout, '==> /n <==\n1\n\n==> /etc/hostname <==\nkubia\n');
  assert.equal((await sh(c, 'wc -l < /n')).stdout, '12\n');
  assert.equal((await exec(c, ['wc', '-l', '/n'])).stdout, '12 /n\n');
  assert.equal((await exec(c, ['wc', '/n'])).stdout, '     12      12      27 /n\n');
  assert.deepEqual(await exec(c, ['tail', '-n', 'x', '/n']), { stdout: '', stderr: "tail: invalid number 'x'\n", exitCode: 1 });
});

test('test and [: files, strings, numbers; 2 for a bad expression', async () => {
  const c = container();
  const status = async (...args: string[]) => (await exec(c, args)).exitCode;
  assert.deepEqual(await Promise.all([
    status('test', '-d', '/tmp'), status('test', '-f', '/tmp'), status('test', '-f', '/etc/hosts'), status('test', '-e', '/nope'),
    status('[', '-s', '/etc/hosts', ']'), status('[', 'a', '=', 'a', ']'), status('[', '3', '-lt', '2', ']'), status('test', '!', '-e', '/nope'),
    status('test', '-z', ''), status('test', '-d', '/tmp', '-a', '-f', '/etc/hosts'), status('test'),
  ]), [0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(await exec(c, ['[', '-d', '/tmp']), { stdout: '', stderr: '[: missing ]\n', exitCode: 2 });
  assert.deepEqual(await exec(c, ['test', 'x', '-eq', '1']), { stdout: '', stderr: "test: invalid number 'x'\n", exitCode: 2 });
});

test('echo, hostname, uname, id, whoami, date, sleep, pwd', async () => {
  const c = container();
  assert.equal((await exec(c, ['echo', '-n', 'a', 'b'])).stdout, 'a b');
  assert.equal((await exec(c, ['echo', '-e', 'a\\tb\\nc'])).stdout, 'a\tb\nc\n');
  assert.equal((await exec(c, ['echo', '-x'])).stdout, '-x\n');
  assert.equal((await exec(c, ['hostname'])).stdout, 'kubia\n');
  assert.equal((await exec(c, ['uname'])).stdout, 'Linux\n');
  assert.equal((await exec(c, ['uname', '-nm'])).stdout, 'kubia x86_64\n');
  assert.equal((await exec(c, ['id'])).stdout, 'uid=0(root) gid=0(root) groups=0(root)\n');
  assert.equal((await exec(c, ['whoami'])).stdout, 'root\n');
  assert.equal((await exec(c, ['date'])).stdout, 'Tue Mar  4 05:06:07 UTC 2025\n');
  assert.equal((await exec(c, ['date', '+%Y-%m-%dT%H:%M:%S %s'])).stdout, '2025-03-04T05:06:07 1741064767\n');
  assert.deepEqual(await exec(c, ['sleep', 'x']), { stdout: '', stderr: "sleep: invalid number 'x'\n", exitCode: 1 });
  assert.equal((await sh(c, 'cd /etc; pwd')).stdout, '/etc\n');
});

test('ps: PID 1 is the container\'s main process, then the shells a command runs under, then ps', async () => {
  const c = container({ mainProcess: 'nginx: master process nginx -g daemon off;' });
  const header = 'PID   USER     TIME  COMMAND\n';
  assert.equal((await exec(c, ['ps'])).stdout, `${header}    1 root      0:00 nginx: master process nginx -g daemon off;\n    7 root      0:00 ps\n`);
  // ash runs a script's only command in its own process, as exec does.
  assert.equal((await sh(c, 'ps aux')).stdout, `${header}    1 root      0:00 nginx: master process nginx -g daemon off;\n    7 root      0:00 ps aux\n`);
  assert.equal((await sh(c, 'true; ps')).stdout, `${header}    1 root      0:00 nginx: master process nginx -g daemon off;\n    7 root      0:00 sh -c true; ps\n    9 root      0:00 ps\n`);
});

test('nslookup: busybox\'s answer through the cluster DNS, NXDOMAIN with exit code 1', async () => {
  const names: Record<string, string> = { kubia: 'kubia.default.svc.cluster.local', 'kubia.default': 'kubia.default.svc.cluster.local' };
  const c = container({ resolve: (name) => (names[name] ? { name: names[name], address: '10.111.1.2' } : undefined) });
  const server = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n';
  assert.deepEqual(await exec(c, ['nslookup', 'kubia']), { stdout: `${server}Name:\tkubia.default.svc.cluster.local\nAddress: 10.111.1.2\n\n`, stderr: '', exitCode: 0 });
  assert.deepEqual(await exec(c, ['nslookup', 'x']), { stdout: `${server}** server can't find x: NXDOMAIN\n\n`, stderr: '', exitCode: 1 });
  assert.equal((await exec(container(), ['nslookup', 'kubia'])).exitCode, 1, 'no DNS: nothing resolves');
});

test('curl -o and wget write into the container\'s filesystem', async () => {
  const c = container({ fetch: () => ({ status: 200, headers: {}, body: 'page\n' }) });
  assert.deepEqual(await exec(c, ['curl', '-s', '-o', '/tmp/page', 'http://kubia/']), { stdout: '', stderr: '', exitCode: 0 });
  assert.equal(c.fs.readFile('/tmp/page').toString(), 'page\n');
  assert.deepEqual(await sh(c, 'cd /tmp && wget -q http://kubia/ && cat index.html'), { stdout: 'page\n', stderr: '', exitCode: 0 });
  assert.equal((await sh(c, 'wget -qO /tmp/x http://kubia/a.txt; cat /tmp/x')).stdout, 'page\n');
});

test('bad input stays bounded: copying a tree into itself, a script running itself, output past what memory may hold', async () => {
  const c = container();
  await sh(c, 'mkdir -p /d/e');
  assert.deepEqual(await exec(c, ['cp', '-r', '/', '/d/e/x']), { stdout: '', stderr: "cp: can't copy a directory into itself\n", exitCode: 1 });
  assert.deepEqual(await exec(c, ['cp', '-r', '/d', '/d/e']), { stdout: '', stderr: "cp: can't copy a directory into itself\n", exitCode: 1 });
  await sh(c, 'echo "sh /tmp/self" > /tmp/self');
  const self = await exec(c, ['sh', '/tmp/self']);
  assert.deepEqual([self.stderr, self.exitCode], ["sh: can't fork: Resource temporarily unavailable\n", 2]);
  c.fs.writeFile('/big', Buffer.alloc(50 * 1024 * 1024));
  const cat = await runCommand(['cat', '/big', '/big', '/big'], c.ctx);
  assert.deepEqual([cat.stdout.length, cat.stderr.toString(), cat.exitCode], [100 * 1024 * 1024, 'write error: File too large\n', 1]);
  const tar = await runCommand(['tar', 'cf', '-', '/big', '/big', '/big'], c.ctx);
  assert.deepEqual([tar.stdout.length, tar.stderr.toString(), tar.exitCode], [0, "tar: removing leading '/' from member names\ntar: write error: File too large\n", 1]);
});
