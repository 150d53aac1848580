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
  assert.equal(onlyMutableSpecChanged(changed, spec()), true);
});

test('any other field may not, in any container or at the top', () => {
  const port = spec();
  port.containers[0].ports = [{ containerPort: 81 }];
  assert.equal(onlyMutableSpecChanged(port, spec()), false);
  const added = spec();
  added.containers.push({ name: 'second', image: 'x' });
  assert.equal(onlyMutableSpecChanged(added, spec()), false);
  const removedImage = spec();
  delete removedImage.containers[0].image;
  assert.equal(onlyMutableSpecChanged(removedImage, spec()), true, 'an image is compared nowhere, as kube strips it');
  const hostname = spec();
  hostname.hostname = 'h';
  assert.equal(onlyMutableSpecChanged(hostname, spec()), false);
  const noInit = spec();
  delete noInit.initContainers;
  assert.equal(onlyMutableSpecChanged(noInit, spec()), false);
});

test('nodeName is not an update\'s to set (a binding sets it, beneath validation)', () => {
  const bound = spec();
  bound.nodeName = 'node-1';
  assert.equal(onlyMutableSpecChanged(bound, spec()), false);
});

test('key order does not matter', () => {
  const reordered: PodSpec = { terminationGracePeriodSeconds: 30, tolerations: [{ operator: 'Exists', key: 'a' }], initContainers: [{ image: 'busybox', name: 'init' }], containers: [{ ports: [{ containerPort: 80 }], image: 'nginx:1', name: 'app' }] };
  assert.equal(onlyMutableSpecChanged(reordered, spec()), true);
});
