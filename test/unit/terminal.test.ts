// The interactive exec's pure parts: the tty line discipline (echo, erase, kill, ^C, ^D, escape
// sequences swallowed, the canonical line's limit), onlcr, which shell an exec starts and the
// prompt it shows per image; and a TerminalSession over a unit container.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineDiscipline, MAX_CANON, onlcr } from '../../src/kubelet/line-discipline.js';
import { interactiveShellName, prompt, shellFlavor, terminalShell } from '../../src/kubelet/shell-prompt.js';
import { TerminalSession } from '../../src/kubelet/terminal.js';
import { container } from './container-context.js';

const echoOf = (d: LineDiscipline, text: string) => d.feed(text).map((r) => r.echo).join('');
const linesOf = (d: LineDiscipline, text: string) => d.feed(text).flatMap((r) => (r.done ? [r.done] : []));

test('line discipline: printable input echoed, CR or LF ends the line with CR LF echoed', () => {
  const d = new LineDiscipline();
  const results = d.feed('ls -l\r');
  assert.equal(results.map((r) => r.echo).join(''), 'ls -l\r\n');
  assert.deepEqual(results.at(-1)?.done, { line: 'ls -l' });
  assert.deepEqual(linesOf(d, 'a\rb\n\r'), [{ line: 'a' }, { line: 'b' }, { line: '' }]);
  assert.equal(echoOf(d, 'é✓\t'), 'é✓\t');
  assert.deepEqual(linesOf(d, '\r'), [{ line: 'é✓\t' }]);
});

test('line discipline: DEL and ^H erase one character (\\b \\b) when there is one; ^U erases the line', () => {
  const d = new LineDiscipline();
  assert.equal(echoOf(d, '\x7f'), '');
  assert.equal(echoOf(d, 'abc\x7f\bd'), 'abc\b \b\b \bd');
  assert.equal(d.pending, 'ad');
  assert.equal(echoOf(d, 'xé\x7f'), 'xé\b \b');
  assert.equal(echoOf(d, '\x15'), '\b \b'.repeat(3));
  assert.deepEqual(linesOf(d, 'ok\r'), [{ line: 'ok' }]);
});

test('line discipline: ^C drops the line (^C CR LF), ^D ends input only on an empty line', () => {
  const d = new LineDiscipline();
  const r = d.feed('rm x\x03');
  assert.deepEqual(r.at(-1), { echo: '^C\r\n', done: 'interrupt' });
  assert.equal(d.pending, '');
  assert.deepEqual(d.feed('ab\x04').at(-1), { echo: '' });
  assert.equal(d.pending, 'ab');
  d.feed('\x15');
  assert.deepEqual(d.key('\x04'), { echo: '', done: 'eof' });
});

test('line discipline: escape sequences (arrows, Home, F5, Alt-x) and other control characters are swallowed', () => {
  const d = new LineDiscipline();
  assert.equal(echoOf(d, 'a\x1b[A\x1b[D\x1b[1;5C\x1bOH\x1b[15~\x1bxb\x07\x00c'), 'abc');
  assert.deepEqual(linesOf(d, '\r'), [{ line: 'abc' }]);
});

test(`line discipline: a line holds at most ${MAX_CANON} characters, as a tty's canonical buffer; more is dropped`, () => {
  const d = new LineDiscipline();
  assert.equal(echoOf(d, 'x'.repeat(MAX_CANON + 10)).length, MAX_CANON);
  assert.equal(linesOf(d, '\r')[0] && d.pending, '');
});

test('onlcr: every LF goes out as CR LF', () => {
  assert.equal(onlcr('a\nb\n\n'), 'a\r\nb\r\n\r\n');
  assert.equal(onlcr('no newline'), 'no newline');
});

test('which execs are interactive shells: a shell with no script, bare or by path, or through busybox', () => {
  for (const argv of [['sh'], ['/bin/sh'], ['ash'], ['/bin/ash'], ['bash'], ['/bin/bash', '-l'], ['sh', '-i'], ['busybox', 'sh'], ['/bin/busybox', 'ash'], ['bash', '--login']]) {
    assert.ok(interactiveShellName(argv), argv.join(' '));
  }
  for (const argv of [['sh', '-c', 'ls'], ['sh', 'script.sh'], ['cat'], ['busybox'], ['busybox', 'ls'], ['busybox', '/bin/sh'], ['zsh'], []]) {
    assert.equal(interactiveShellName(argv), undefined, argv.join(' '));
  }
  assert.equal(interactiveShellName(['/usr/bin/bash']), 'bash');
});

test('shell flavors: Debian-based images have dash as sh and bash; busybox, alpine and unknown images ash', () => {
  assert.equal(shellFlavor('kubia', 'sh'), 'dash');
  assert.equal(shellFlavor('nginx', 'bash'), 'bash');
  assert.equal(shellFlavor('ubuntu', 'ash'), 'ash');
  assert.equal(shellFlavor('busybox', 'sh'), 'ash');
  assert.equal(shellFlavor('alpine', 'bash'), 'ash');
  assert.equal(shellFlavor('default', 'sh'), 'ash');
  assert.equal(terminalShell('busybox', ['busybox', 'sh']), 'ash');
  assert.equal(terminalShell('kubia', ['busybox', 'sh']), undefined);
  assert.equal(terminalShell('kubia', ['/bin/bash']), 'bash');
  assert.equal(terminalShell('kubia', ['sh', '-c', 'ls']), undefined);
});

test('prompts to root: ash `\\w # `, dash `# `, bash `root@\\h:\\w# `, $HOME shown as ~', () => {
  const at = (cwd: string) => ({ cwd, home: '/root', hostname: 'web-1.example' });
  assert.equal(prompt('ash', at('/')), '/ # ');
  assert.equal(prompt('ash', at('/tmp')), '/tmp # ');
  assert.equal(prompt('ash', at('/root')), '~ # ');
  assert.equal(prompt('ash', at('/root/x')), '~/x # ');
  assert.equal(prompt('ash', at('/rootless')), '/rootless # ');
  assert.equal(prompt('ash', { cwd: '/root', hostname: 'h' }), '/root # ');
  assert.equal(prompt('dash', at('/tmp')), '# ');
  assert.equal(prompt('bash', at('/')), 'root@web-1:/# ');
  assert.equal(prompt('bash', at('/root')), 'root@web-1:~# ');
});

/** A session over a unit container: its output so far, and its exit code once it has one. */
function session(flavor: 'ash' | 'dash' | 'bash' = 'ash') {
  const c = container();
  const s = { out: '', code: undefined as number | undefined, t: undefined as unknown as TerminalSession };
  s.t = new TerminalSession({ argv: ['sh'], ctx: c.ctx, flavor, write: (d) => { s.out += d.toString('utf8'); }, exit: (code) => { s.code = code; } });
  return s;
}

const settle = () => new Promise((r) => setTimeout(r, 50));

test('a session: typeahead before the first prompt waits for it; the shell keeps cd, variables and $?', async () => {
  const s = session();
  s.t.input(Buffer.from('cd /tmp\rA=5; false\recho $A $? $PWD\r'));
  assert.equal(s.out, '');
  s.t.start();
  await settle();
  assert.equal(s.out, '/ # cd /tmp\r\n/tmp # A=5; false\r\n/tmp # echo $A $? $PWD\r\n5 1 /tmp\r\n/tmp # ');
  s.t.input(Buffer.from('exit 4\r'));
  await settle();
  assert.equal(s.code, 4);
});

test('a session: UTF-8 split across chunks, a syntax error on the terminal, stdin end as ^D with the last status', async () => {
  const s = session('dash');
  s.t.start();
  const bytes = Buffer.from('echo ✓\r');
  s.t.input(bytes.subarray(0, 6));
  s.t.input(bytes.subarray(6));
  await settle();
  assert.equal(s.out, '# echo ✓\r\n✓\r\n# ');
  s.t.input(Buffer.from('echo "open\r'));
  await settle();
  assert.match(s.out, /echo "open\r\nsh: .+\r\n# $/);
  s.t.endInput();
  await settle();
  assert.equal(s.code, 2);
});

test('a session: bash says exit as it leaves', async () => {
  const s = session('bash');
  s.t.start();
  s.t.input(Buffer.from('exit\r'));
  await settle();
  assert.equal(s.out, 'root@kubia:/# exit\r\nexit\r\n');
  assert.equal(s.code, 0);
});
