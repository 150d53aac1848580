// Protobuf bodies: Go structs embedded inline in JSON (LocalObjectReference in every ConfigMap
// and Secret reference, Probe's handler) arrive as fields of their own in the proto messages and
// must come out in the enclosing object, as kubectl 1.32+ sends pods.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type protobuf from 'protobufjs';
import { PROTO_DIR } from '../../src/paths.js';
import { decodeProtobufBody } from '../../src/server/protobuf-decode.js';

const protobufjs: typeof protobuf = createRequire(import.meta.url)('protobufjs');

function encodePod(pod: Record<string, unknown>): Buffer {
  const root = new protobufjs.Root();
  const files: unknown = JSON.parse(readFileSync(join(PROTO_DIR, 'index.json'), 'utf8'));
  for (const f of Array.isArray(files) ? files : []) protobufjs.parse(readFileSync(join(PROTO_DIR, String(f)), 'utf8'), root, { keepCase: true });
  const raw = root.lookupType('k8s.io.api.core.v1.Pod').encode(pod).finish();
  const envelope = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown').encode({ typeMeta: { apiVersion: 'v1', kind: 'Pod' }, raw }).finish();
  return Buffer.concat([Buffer.from('k8s\u0000', 'latin1'), envelope]);
}

test('references to ConfigMaps and Secrets, and probe handlers, are inline as in JSON', () => {
  const body = encodePod({
    metadata: { name: 'p' },
    spec: {
      containers: [{
        name: 'app', image: 'busybox',
        env: [{ name: 'A', valueFrom: { configMapKeyRef: { localObjectReference: { name: 'cm' }, key: 'k' } } }],
        envFrom: [{ secretRef: { localObjectReference: { name: 's' } } }],
        readinessProbe: { handler: { httpGet: { path: '/ready' } }, periodSeconds: 5 },
      }],
      volumes: [{ name: 'v', volumeSource: { projected: { sources: [{ configMap: { localObjectReference: { name: 'kube-root-ca.crt' }, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } } }],
    },
  });
  const pod = JSON.parse(JSON.stringify(decodeProtobufBody(body)));
  const c = pod.spec.containers[0];
  assert.deepEqual(c.env, [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }]);
  assert.deepEqual(c.envFrom, [{ secretRef: { name: 's' } }]);
  assert.deepEqual(c.readinessProbe, { httpGet: { path: '/ready' }, periodSeconds: 5 });
  assert.deepEqual(pod.spec.volumes, [{ name: 'v', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } }]);
});

test('a container\'s stdin, stdinOnce and tty are plain bools: false on the wire is unset, as JSON omits it', () => {
  const pod = JSON.parse(JSON.stringify(decodeProtobufBody(encodePod({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a', image: 'nginx', stdin: false, stdinOnce: false, tty: false }, { name: 'b', image: 'busybox', stdin: true, tty: true }] },
    status: { containerStatuses: [{ name: 'a', ready: false, restartCount: 0, image: 'nginx', imageID: '' }] },
  }))));
  assert.deepEqual(pod.spec.containers, [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox', stdin: true, tty: true }]);
  // ContainerStatus.ready has no omitempty: its false is kept.
  assert.equal(pod.status.containerStatuses[0].ready, false);
});
