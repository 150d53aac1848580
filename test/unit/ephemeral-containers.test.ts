// kube's rules for ephemeral containers as pure functions: what may be added, what may never
// change, and what a write through pods/ephemeralcontainers keeps as stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EphemeralContainer, Pod } from '../../src/api/objects.js';
import { resetFields } from '../../src/api/reset-fields.js';
import {
  EPHEMERAL_CONTAINERS_SUBRESOURCE, validateEphemeralContainers, validateEphemeralContainersOnCreate, validateEphemeralContainersUpdate,
} from '../../src/resources/ephemeral-containers.js';

const texts = (errs: { toString(): string }[]) => errs.map(String);

function pod(ephemeralContainers?: EphemeralContainer[], annotations?: Record<string, string>): Pod {
  return {
    metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'web', image: 'nginx' }], initContainers: [{ name: 'init', image: 'busybox' }], ...(ephemeralContainers ? { ephemeralContainers } : {}) },
  };
}

const debugger1: EphemeralContainer = { name: 'debugger-abcde', image: 'busybox', stdin: true, tty: true, resources: {} };

test('an ephemeral container kubectl debug sends is valid; resources: {} is no resources', () => {
  assert.deepEqual(texts(validateEphemeralContainers(pod([debugger1]).spec, 'spec')), []);
});

test('names are unique across containers, init containers and ephemeral containers', () => {
  const spec = pod([{ name: 'web', image: 'busybox' }, { name: 'init', image: 'busybox' }, { name: 'x', image: 'a' }, { name: 'x', image: 'b' }]).spec;
  assert.deepEqual(texts(validateEphemeralContainers(spec, 'spec')), [
    'spec.ephemeralContainers[0].name: Duplicate value: "web"',
    'spec.ephemeralContainers[1].name: Duplicate value: "init"',
    'spec.ephemeralContainers[3].name: Duplicate value: "x"',
  ]);
});

test('ports, resources, probes, lifecycle and subpaths cannot be set, in the Go struct order; the target must be a container', () => {
  const c: EphemeralContainer = {
    name: 'dbg', image: 'busybox', targetContainerName: 'debugger-other',
    lifecycle: { preStop: { exec: { command: ['true'] } } }, readinessProbe: { exec: { command: ['true'] } },
    ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } },
    volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 'x' }],
  };
  assert.deepEqual(texts(validateEphemeralContainers(pod([c]).spec, 'spec')), [
    'spec.ephemeralContainers[0].targetContainerName: Not found: "debugger-other"',
    'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container',
  ]);
});

test('name and image are required, the name a DNS label', () => {
  assert.deepEqual(texts(validateEphemeralContainers(pod([{ name: '', image: '' }, { name: 'Bad_Name', image: 'x', imagePullPolicy: 'Sometimes' }]).spec, 'spec')), [
    'spec.ephemeralContainers[0].name: Required value',
    'spec.ephemeralContainers[0].image: Required value',
    'spec.ephemeralContainers[1].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    'spec.ephemeralContainers[1].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
  ]);
});

test('ephemeral containers cannot be set on create', () => {
  assert.deepEqual(texts(validateEphemeralContainersOnCreate(pod([debugger1]).spec)), ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
  assert.deepEqual(validateEphemeralContainersOnCreate(pod().spec), []);
});

test('existing ephemeral containers may be kept and added to, but not removed or changed', () => {
  const other: EphemeralContainer = { name: 'debugger-fghij', image: 'busybox' };
  assert.deepEqual(validateEphemeralContainersUpdate(pod([debugger1, other]), pod([debugger1]), []), []);
  assert.deepEqual(texts(validateEphemeralContainersUpdate(pod([other]), pod([debugger1]), [])), [
    'spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-abcde" may not be removed\n',
  ]);
  const [changed] = validateEphemeralContainersUpdate(pod([{ ...debugger1, image: 'alpine' }]), pod([debugger1]), []);
  assert.ok(String(changed).startsWith('spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-abcde" may not be changed\n'), String(changed));
  assert.match(String(changed), /- \timage: "busybox",\n\+ \timage: "alpine",/);
});

test('a static pod takes no ephemeral containers: that is the only error', () => {
  const mirror = { 'kubernetes.io/config.mirror': 'abc' };
  const spec = validateEphemeralContainers(pod([{ name: 'web', image: 'x' }]).spec, 'spec');
  assert.deepEqual(texts(validateEphemeralContainersUpdate(pod([debugger1], mirror), pod(undefined, mirror), spec)), [
    ': Forbidden: static pods do not support ephemeral containers',
  ]);
});

test('a write through pods/ephemeralcontainers keeps everything but spec.ephemeralContainers', () => {
  const view = EPHEMERAL_CONTAINERS_SUBRESOURCE;
  assert.equal(view.type, 'view');
  if (view.type !== 'view') return;
  const current: Pod = { ...pod(), metadata: { name: 'web', labels: { app: 'web' } }, status: { phase: 'Running' } };
  const next: Pod = {
    metadata: { name: 'web', labels: { app: 'changed' } },
    spec: { containers: [{ name: 'web', image: 'evil' }], nodeName: 'node-9', ephemeralContainers: [debugger1] },
    status: { phase: 'Failed' },
  };
  resetFields(next, current, view.resetFields);
  assert.deepEqual(next, {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx' }], initContainers: [{ name: 'init', image: 'busybox' }], ephemeralContainers: [debugger1] },
    status: { phase: 'Running' },
  });
});
