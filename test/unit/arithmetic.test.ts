// Shell arithmetic, $((EXPR)), as ash evaluates it: precedence, variables, bases, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arithmetic } from '../../src/kubelet/arithmetic.js';
import { container, sh } from './container-context.js';

test('arithmetic: C precedence, parentheses, unary operators, comparisons, bases, 64-bit wrap', () => {
  const v = (e: string, vars: Record<string, string> = {}) => arithmetic(e, (n) => vars[n]);
  assert.equal(v('40+2'), 42n);
  assert.equal(v('1 + 2 * 3 - 4 / 2'), 5n);
  assert.equal(v('(1 + 2) * 3 % 4'), 1n);
  assert.equal(v('-3 / 2'), -1n);
  assert.equal(v('!0 + ~0'), 0n);
  assert.equal(v('2 < 3 && 3 >= 3 || 0'), 1n);
  assert.equal(v('1 << 4 | 0x0f ^ 010'), 23n);
  assert.equal(v('x * y + z', { x: '6', y: '7' }), 42n);
  assert.equal(v('9223372036854775807 + 1'), -9223372036854775808n);
  assert.equal(v(''), 0n);
  assert.throws(() => v('1 / 0'), /^Error: divide by zero$|divide by zero/);
  assert.throws(() => v('1 +'), /arithmetic syntax error/);
  assert.throws(() => v('x', { x: 'abc' }), /arithmetic syntax error/);
});

test('$((EXPR)) in the shell: parameters expanded, quoted or not; errors on stderr', async () => {
  const c = container();
  assert.deepEqual(await sh(c, 'A=40; echo probe-$((A+2)) "$(( $A * 2 ))"'), { stdout: 'probe-42 80\n', stderr: '', exitCode: 0 });
  assert.deepEqual(await sh(c, 'echo $((1/0))'), { stdout: '\n', stderr: 'sh: divide by zero\n', exitCode: 0 });
});
