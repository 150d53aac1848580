// Which pod spec changes an update may make (kube's ValidatePodUpdate), compared in place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodSpec } from '../../src/api/objects.js';
import { onlyMutableSpecChanged } from '../../src/resources/pods.js';

const spec = (): PodSpec => ({
  containers: [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }] }],
  initContainers: [{ name: 'init', image: 'busybox' }],
  tolerations: [{ key: 'a', operator: 'Exists' }],
  terminationGracePeriodSeconds: 30,
});

test('images, the deadline, tolerations and the grace period may change', () => {
  const changed = spec();
  changed.containers[0].image = 'nginx:2';
  changed.initContainers![0].image = 'busybox:2';
  changed.activeDeadlineSeconds = 60;
  changed.tolerations = [];
  changed.terminationGracePeriodSeconds = 1;
  assert.equal(onlyMutableSpecChanged(changed, spec(), false), true);
});

test('any other field may not, in any container or at the top', () => {
  const port = spec();
  port.containers[0].ports = [{ containerPort: 81 }];
  assert.equal(onlyMutableSpecChanged(port, spec(), false), false);
  const added = spec();
  added.containers.push({ name: 'second', image: 'x' });
  assert.equal(onlyMutableSpecChanged(added, spec(), false), false);
  const removedImage = spec();
  delete removedImage.containers[0].image;
  assert.equal(onlyMutableSpecChanged(removedImage, spec(), false), true, 'an image is compared nowhere, as kube strips it');
  const hostname = spec();
  hostname.hostname = 'h';
  assert.equal(onlyMutableSpecChanged(hostname, spec(), false), false);
  const noInit = spec();
  delete noInit.initContainers;
  assert.equal(onlyMutableSpecChanged(noInit, spec(), false), false);
});

test('nodeName only when a binding sets it', () => {
  const bound = spec();
  bound.nodeName = 'node-1';
  assert.equal(onlyMutableSpecChanged(bound, spec(), true), true);
  assert.equal(onlyMutableSpecChanged(bound, spec(), false), false);
});

test('key order does not matter', () => {
  const reordered: PodSpec = { terminationGracePeriodSeconds: 30, tolerations: [{ operator: 'Exists', key: 'a' }], initContainers: [{ image: 'busybox', name: 'init' }], containers: [{ ports: [{ containerPort: 80 }], image: 'nginx:1', name: 'app' }] };
  assert.equal(onlyMutableSpecChanged(reordered, spec(), false), true);
});
