// The command line's flag table: Go durations, environment variables, aliases, the nearest flag.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationFlag, envName, nearestFlag, parseFlags, parseGoDuration, UsageError, type CommandSpec, type FlagTable } from '../../src/cli-flags.js';

test('Go durations as time.ParseDuration reads them, in ms', () => {
  const cases: [string, number | undefined][] = [
    ['40s', 40_000], ['1m30s', 90_000], ['500ms', 500], ['1.5h', 5_400_000], ['1h0m0s', 3_600_000], ['0', 0], ['0s', 0],
    ['250us', 0.25], ['2µs', 0.002], ['-5s', -5_000], ['.5s', 500], ['1h1m1s1ms', 3_661_001],
    ['', undefined], ['5', undefined], ['5x', undefined], ['s', undefined], ['1h 2m', undefined], ['1.2.3s', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  assert.ok(Math.abs(parseGoDuration('100ns')! - 0.0001) < 1e-12);
  assert.equal(durationFlag('node-monitor-grace-period', '40'), 40_000, 'a bare number is seconds');
  assert.throws(() => durationFlag('event-ttl', 'soon'), { message: '--event-ttl must be a duration such as 40s, 1m30s or 500ms, not "soon"' });
});

test('the nearest flag for a typo, none for something else', () => {
  const known = ['port', 'address', 'data', 'node-cpu', 'node-memory', 'nodes', 'watch-history'];
  assert.equal(nearestFlag('prot', known), 'port');
  assert.equal(nearestFlag('adress', known), 'address');
  assert.equal(nearestFlag('node-mem', known), 'node-memory');
  assert.equal(nearestFlag('watch-histroy', known), 'watch-history');
  assert.equal(nearestFlag('zzzzzzzz', known), undefined);
  assert.equal(envName('node-cpu'), 'TINYKUBE_NODE_CPU');
});

const COMMAND = {
  name: 'tinykube serve', purpose: 'p', usage: '[flags]',
  flags: {
    address: { type: 'string', default: '127.0.0.1', help: 'h', aliases: ['bind-address'] },
    tls: { type: 'boolean', default: false, help: 'h' },
    v: { type: 'string', default: '0', short: 'v', help: 'h' },
  },
} satisfies CommandSpec<FlagTable>;

test('a flag given wins over its TINYKUBE_ variable, which wins over the default; aliases are the same flag', () => {
  assert.deepEqual(parseFlags(COMMAND, [], {}).values, { address: '127.0.0.1', tls: false, v: '0' });
  assert.deepEqual(parseFlags(COMMAND, [], { TINYKUBE_ADDRESS: '0.0.0.0', TINYKUBE_TLS: 'true', TINYKUBE_V: '2' }).values, { address: '0.0.0.0', tls: true, v: '2' });
  assert.deepEqual(parseFlags(COMMAND, ['--bind-address', '::1', '-v', '4'], { TINYKUBE_ADDRESS: '0.0.0.0' }).values, { address: '::1', tls: false, v: '4' });
  assert.deepEqual(parseFlags(COMMAND, ['--address=::1', '--bind-address=::1'], {}).values.address, '::1');
  assert.throws(() => parseFlags(COMMAND, ['--address=a', '--bind-address=b'], {}), (e: unknown) => e instanceof UsageError && e.message === '--address and --bind-address are one setting; give it once (see tinykube serve --help)');
  assert.throws(() => parseFlags(COMMAND, [], { TINYKUBE_TLS: 'maybe' }), { message: 'TINYKUBE_TLS must be true or false, not "maybe"' });
  assert.equal(parseFlags(COMMAND, ['-h'], {}).help, true);
});
