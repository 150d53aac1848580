// The real peers some tests run against, each from a Debian package: etcd (etcd-server), the
// Python client (python3-kubernetes), the Ruby client (ruby-kubeclient) and the browsers the
// dashboard's tests drive (chromium, firefox-esr). A test that needs a peer
// the machine lacks is skipped with one line naming the package to install, and scripts/run-tests.js
// lists those packages again at the end of the run. With TINYKUBE_REQUIRE_PEERS=1 (as .ci/run
// sets it) a missing peer is a failing test instead: CI must run everything.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { test } from 'node:test';
import { etcdAvailable } from './etcd.js';

/** Debian's interpreter, not whichever python3 is first on PATH: the package installs for it. */
export const PYTHON = '/usr/bin/python3';

/** Debian's Chromium, which playwright-core drives headless (it downloads no browser of its own). */
export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Firefox ESR, which puppeteer-core drives headless over WebDriver BiDi. */
export const FIREFOX = '/usr/bin/firefox-esr';

const PEERS = {
  'etcd-server': { what: 'etcd', available: etcdAvailable },
  'python3-kubernetes': { what: 'python3-kubernetes', available: () => spawnSync(PYTHON, ['-c', 'import kubernetes']).status === 0 },
  'ruby-kubeclient': { what: 'ruby-kubeclient', available: () => spawnSync('ruby', ['-e', "require 'kubeclient'"]).status === 0 },
  chromium: { what: `Chromium (${CHROMIUM})`, available: () => existsSync(CHROMIUM) },
  // Keyed by its package, as the others: Debian's stable release has no package named firefox.
  'firefox-esr': { what: `Firefox (${FIREFOX})`, available: () => existsSync(FIREFOX) },
} as const;

export type Peer = keyof typeof PEERS;

const checked = new Map<Peer, false | string>();

/**
 * The `skip` option of a test or suite that needs `peer`: false when the peer is installed, and
 * otherwise why it is skipped ("etcd is not installed (apt-get install etcd-server)"). Call it at
 * the top level of a test file, where node:test options are written.
 */
export function needs(peer: Peer): false | string {
  let skip = checked.get(peer);
  if (skip !== undefined) return skip;
  skip = PEERS[peer].available() ? false : `${PEERS[peer].what} is not installed (apt-get install ${peer})`;
  checked.set(peer, skip);
  if (skip && process.env.TINYKUBE_REQUIRE_PEERS === '1') {
    const why = skip;
    test(`peer ${peer} is installed`, () => { throw new Error(`TINYKUBE_REQUIRE_PEERS=1 and ${why}`); });
  } else if (skip && process.env.TINYKUBE_PEER_SKIPS) {
    // The test runner's list of what was skipped, printed once at the end of the run.
    appendFileSync(process.env.TINYKUBE_PEER_SKIPS, peer + '\n');
  }
  return skip;
}
