// The containers' sh: its grammar, and scripts' output as busybox ash prints it (lists, pipes,
// redirections, expansions, builtins, errors and exit codes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScript, ShellSyntaxError } from '../../src/kubelet/shell-parse.js';
import { container, exec, sh } from './container-context.js';

test('parse: lists, and-or, pipelines, assignments, redirections with fds, quoted and expanded parts', () => {
  const script = parseScript(`A=1 echo "x $B" 'y' 2>&1 | wc -l && ! false; cat <in >>out`);
  assert.equal(script.length, 2);
  const [first, second] = script;
  assert.equal(first.rest[0].op, '&&');
  assert.equal(first.rest[0].pipeline.negated, true);
  const echo = first.first.commands[0];
  assert.deepEqual(echo.assignments, [{ name: 'A', value: [{ kind: 'text', text: '1', quoted: false }] }]);
  assert.deepEqual(echo.words[1], [{ kind: 'text', text: 'x ', quoted: true }, { kind: 'param', name: 'B', quoted: true }]);
  assert.deepEqual(echo.redirects, [{ fd: 2, op: '>&', target: [{ kind: 'text', text: '1', quoted: false }] }]);
  assert.deepEqual(second.first.commands[0].redirects.map((r) => [r.fd, r.op]), [[0, '<'], [1, '>>']]);
  assert.throws(() => parseScript('echo "open'), ShellSyntaxError);
  assert.throws(() => parseScript('| x'), /syntax error: unexpected "\|"/);
});

test('lists: ; runs on, && and || by the last status, exit stops the script with its code', async () => {
  const c = container();
  assert.deepEqual(await sh(c, 'echo a; false; echo b $?'), { stdout: 'a\nb 1\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'false && echo no || echo yes'), { stdout: 'yes\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'echo before; exit 3; echo after'), { stdout: 'before\n', stderr: '', exitCode: 3 });
  assert.deepEqual(await sh(c, 'false'), { stdout: '', stderr: '', exitCode: 1 });
  assert.deepEqual(await sh(c, '! true'), { stdout: '', stderr: '', exitCode: 1 });
});

test('unknown commands: `sh: x: not found` and 127 in a shell, the runtime\'s error when exec\'d directly', async () => {
  const c = container();
  assert.deepEqual(await sh(c, 'nope 1; echo $?'), { stdout: '127\n', stderr: 'sh: nope: not found\n', exitCode: 0 });
  assert.deepEqual(await exec(c, ['nope']), {
    stdout: '', exitCode: 127,
    stderr: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown\n',
  });
  assert.equal((await exec(c, ['/bin/echo', 'by path'])).stdout, 'by path\n');
});

test('redirections: > truncates, >> appends, < reads, 2>&1 joins stderr, /dev/null swallows; a missing directory is ash\'s error', async () => {
  const c = container();
  assert.deepEqual(await sh(c, 'echo one > /tmp/f; echo two >> /tmp/f; cat < /tmp/f'), { stdout: 'one\ntwo\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'echo x > /tmp/f; cat /tmp/f'), { stdout: 'x\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'cat /nope 2>&1'), { stdout: "cat: can't open '/nope': No such file or directory\n", stderr: '', exitCode: 1 });
  assert.deepEqual(await sh(c, 'cat /nope 2>/dev/null; echo $?'), { stdout: '1\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'echo x > /no/such/f'), { stdout: '', stderr: "sh: can't create /no/such/f: nonexistent directory\n", exitCode: 1 });
  assert.deepEqual(await sh(c, 'cat < /nope'), { stdout: '', stderr: "sh: can't open '/nope': No such file or directory\n", exitCode: 1 });
  assert.deepEqual(await sh(c, 'echo err >&2'), { stdout: '', stderr: 'err\n', exitCode: 0 });
});

test('pipes: each stage\'s stdout is the next one\'s stdin; the exec\'s stdin goes to the first reader', async () => {
  const c = container();
  assert.deepEqual(await sh(c, 'echo -n "a b c" | wc -w'), { stdout: '3\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'cat | head -n 2; cat', 'l1\nl2\nl3\n'), { stdout: 'l1\nl2\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'cat /etc/passwd | head -1 | cat'), { stdout: 'root:x:0:0:root:/root:/bin/sh\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await exec(c, ['sh'], 'echo from a script on stdin; hostname'), { stdout: 'from a script on stdin\nkubia\n', stderr: '', exitCode: 0 });
});

test('expansions: $VAR, ${VAR}, ${VAR:-word}, $?, $(...), quotes; unquoted results split and glob', async () => {
  const c = container();
  assert.equal((await sh(c, 'A="x  y"; echo $A "$A" ${A}z ${NOPE:-default value} \'$A\'')).stdout, 'x y x  y x yz default value $A\n');
  assert.equal((await sh(c, 'echo "$(hostname)-$(echo a b)" `echo back`')).stdout, 'kubia-a b back\n');
  assert.equal((await sh(c, 'echo /etc/host* /etc/*.none')).stdout, '/etc/hostname /etc/hosts /etc/*.none\n');
  assert.equal((await sh(c, 'cd /etc && echo res*')).stdout, 'resolv.conf\n');
  assert.equal((await sh(c, 'echo "/etc/*" \\$HOME')).stdout, '/etc/* $HOME\n');
  assert.equal((await exec(c, ['sh', '-c', 'echo $0 $1 $#', 'name', 'first'])).stdout, 'name first 1\n');
});

test('builtins: cd (and its error), export to children, assignments local to a command, unset', async () => {
  const c = container();
  assert.deepEqual(await sh(c, 'cd /etc; pwd; cd ..; pwd; echo $PWD'), { stdout: '/etc\n/\n/\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'cd /nope'), { stdout: '', stderr: "sh: cd: can't cd to /nope: No such file or directory\n", exitCode: 2 });
  assert.deepEqual(await sh(c, 'cd /etc/hosts'), { stdout: '', stderr: "sh: cd: can't cd to /etc/hosts: Not a directory\n", exitCode: 2 });
  assert.equal((await sh(c, 'A=local; export B=exported; printenv A B; echo $A')).stdout, 'exported\nlocal\n');
  assert.equal((await sh(c, 'C=only-here printenv C; printenv C; echo $?')).stdout, 'only-here\n1\n');
  assert.equal((await sh(c, 'export D=1; unset D; echo "[$D]"')).stdout, '[]\n');
});

test('env from a shell shows what ash exports (PWD, SHLVL); exec env shows the container\'s environment', async () => {
  const c = container();
  assert.equal((await exec(c, ['env'])).stdout, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME=kubia\n');
  assert.equal((await sh(c, 'export X=1; env')).stdout, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME=kubia\nPWD=/\nSHLVL=1\nX=1\n');
  assert.equal((await exec(c, ['env', 'Y=2', 'printenv', 'Y'])).stdout, '2\n');
});
