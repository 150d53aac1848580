// The pure parts of Secrets and of what pods take from ConfigMaps and Secrets: kube's validation
// texts per type, stringData merged into data, env and volume resolution with the kubelet's
// errors, and the ServiceAccount admission's token volume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../src/api/objects.js';
import { configProblem, resolveEnv, resolveVolumeFiles, type ConfigSource } from '../../src/kubelet/container-config.js';
import { mergeStringData, validateSecret, validateSecretUpdate, type Secret } from '../../src/resources/secrets.js';
import { mountServiceAccountToken, shouldAutomount } from '../../src/resources/service-account-admission.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (type: string, data: Record<string, string> = {}, annotations?: Record<string, string>): Secret => ({ metadata: { name: 's', annotations }, type, data });
const texts = (s: Secret, old?: Secret) => [...(old ? validateSecretUpdate(s, old) : []), ...validateSecret(s)].map(String);

test('each well-known type requires its keys, with kube\'s texts', () => {
  assert.deepEqual(texts(secret('Opaque', { 'a b': b64('x') })), [`data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`]);
  assert.deepEqual(texts(secret('kubernetes.io/service-account-token')), ['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
  assert.deepEqual(texts(secret('kubernetes.io/service-account-token', {}, { 'kubernetes.io/service-account.name': 'bot' })), []);
  assert.deepEqual(texts(secret('kubernetes.io/dockerconfigjson')), ['data[.dockerconfigjson]: Required value']);
  assert.deepEqual(texts(secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":') })), ['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input']);
  assert.deepEqual(texts(secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('[1]') })), ['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}']);
  assert.deepEqual(texts(secret('kubernetes.io/dockercfg', { '.dockercfg': b64('xyz') })), ['data[.dockercfg]: Invalid value: "<secret contents redacted>": invalid character \'x\' looking for beginning of value']);
  assert.deepEqual(texts(secret('kubernetes.io/tls', { 'tls.crt': b64('c') })), ['data[tls.key]: Required value']);
  assert.deepEqual(texts(secret('kubernetes.io/basic-auth')), ['data[username]: Required value', 'data[password]: Required value']);
  assert.deepEqual(texts(secret('kubernetes.io/basic-auth', { password: '' })), []);
  assert.deepEqual(texts(secret('kubernetes.io/ssh-auth', { 'ssh-privatekey': '' })), ['data[ssh-privatekey]: Required value']);
  assert.deepEqual(texts(secret('Opaque', { big: Buffer.alloc(1024 * 1024 + 1).toString('base64') })), ['data: Too long: must have at most 1048576 bytes']);
});

test('stringData goes into data as base64 and is dropped; the type defaults to Opaque', () => {
  const s: Secret = { metadata: { name: 's' }, data: { a: b64('old'), b: b64('kept') }, stringData: { a: 'new' } };
  mergeStringData(s);
  assert.deepEqual(s, { metadata: { name: 's' }, data: { a: b64('new'), b: b64('kept') }, type: 'Opaque' });
});

test('updates keep the type, and an immutable secret its data and flag', () => {
  const old: Secret = { ...secret('Opaque', { a: b64('1') }), immutable: true };
  assert.deepEqual(texts({ ...secret('kubernetes.io/tls', { a: b64('2') }) }, old), [
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
    'immutable: Forbidden: field is immutable when `immutable` is set',
    'data: Forbidden: field is immutable when `immutable` is set',
    'data[tls.crt]: Required value',
    'data[tls.key]: Required value',
  ]);
});

const source = (configMaps: Record<string, Record<string, string>>, secrets: Record<string, Record<string, string>>): ConfigSource => ({
  configMap: (_ns, name) => (configMaps[name] ? { data: configMaps[name] } : undefined),
  secret: (_ns, name) => (secrets[name] ? { data: secrets[name] } : undefined),
});
const pod = (container: Record<string, unknown>, volumes: unknown[] = []): Pod => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'app', image: 'busybox', ...container }], volumes } });

test('envFrom with its prefix, then env whose references win; optional ones may be missing', () => {
  const p = pod({
    envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }, { secretRef: { name: 'sec' } }, { configMapRef: { name: 'gone', optional: true } }],
    env: [{ name: 'token', value: 'plain' }, { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cm', key: 'mode' } } }, { name: 'OPT', valueFrom: { secretKeyRef: { name: 'sec', key: 'nope', optional: true } } }],
  });
  const resolved = resolveEnv(p, p.spec?.containers[0] ?? { name: '' }, source({ cm: { mode: 'fast' } }, { sec: { token: b64('t0k') } }));
  assert.deepEqual(resolved, { ok: { CM_mode: 'fast', token: 'plain', FROM_CM: 'fast' } });
});

test('a missing object or key is the kubelet\'s error, and CreateContainerConfigError', () => {
  const c = (env: unknown[]) => pod({ env });
  const src = source({ cm: { mode: 'fast' } }, {});
  const run = (p: Pod) => resolveEnv(p, p.spec?.containers[0] ?? { name: '' }, src);
  assert.deepEqual(run(c([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }])), { error: 'configmap "x" not found' });
  assert.deepEqual(run(c([{ name: 'A', valueFrom: { secretKeyRef: { name: 'x', key: 'k' } } }])), { error: 'secret "x" not found' });
  assert.deepEqual(run(c([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }])), { error: "couldn't find key k in ConfigMap ns/cm" });
  assert.deepEqual(configProblem(pod({ envFrom: [{ secretRef: { name: 'x' } }] }), src), {
    container: 'app',
    waiting: { reason: 'CreateContainerConfigError', message: 'secret "x" not found' },
    event: { reason: 'Failed', message: 'Error: secret "x" not found', fieldPath: 'spec.containers{app}' },
  });
});

test('configMap and secret volumes become files at their mount paths', () => {
  const p = pod({ volumeMounts: [{ name: 'conf', mountPath: '/etc/conf/' }, { name: 'creds', mountPath: '/creds' }] }, [
    { name: 'conf', configMap: { name: 'cm' } },
    { name: 'creds', secret: { secretName: 'sec', items: [{ key: 'token', path: 'auth/token' }] } },
  ]);
  const files = resolveVolumeFiles(p, p.spec?.containers[0] ?? { name: '' }, source({ cm: { mode: 'fast' } }, { sec: { token: b64('t0k'), other: b64('x') } }));
  assert.deepEqual(files, { ok: { '/etc/conf/mode': Buffer.from('fast'), '/creds/auth/token': Buffer.from('t0k') } });
  const missing = configProblem(p, source({}, {}));
  assert.deepEqual(missing?.event, { reason: 'FailedMount', message: 'MountVolume.SetUp failed for volume "conf" : configmap "cm" not found' });
});

test('ServiceAccount admission mounts kube-api-access in every container once', () => {
  const p = pod({});
  const spec = p.spec ?? { containers: [] };
  spec.initContainers = [{ name: 'init', image: 'busybox', volumeMounts: [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }];
  mountServiceAccountToken(spec, 'abcde');
  assert.deepEqual(spec.containers[0].volumeMounts, [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  assert.deepEqual(spec.initContainers[0].volumeMounts, [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  assert.deepEqual(spec.volumes, [{
    name: 'kube-api-access-abcde',
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  }]);
  assert.equal(shouldAutomount({ containers: [] }, false), false);
  assert.equal(shouldAutomount({ containers: [], automountServiceAccountToken: true }, false), true);
  assert.equal(shouldAutomount({ containers: [] }, undefined), true);
});
