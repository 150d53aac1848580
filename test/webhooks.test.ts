// Admission webhooks against a webhook server the test runs on a local HTTPS port with its own
// CA, as a controller author's test would: kubectl 1.27, 1.30 and 1.33 see a validating webhook's
// denial word for word, a mutating webhook's JSONPatch lands in the stored pod, failurePolicy
// decides what a webhook that is down does, selectors limit which objects go to a webhook, the
// AdmissionReview carries what kube sends, timeouts are kept and warnings reach kubectl's stderr.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Cluster } from '../src/index.js';
import { freePort, http, kubectl, kubectlOk, makeCertificates, withCluster } from './helpers.js';

const VERSIONS = ['1.27', '1.30', '1.33'];

/** What a webhook answers to a review, by the path it was called on. */
type Handler = (request: any) => Record<string, unknown>;

const patch = (ops: unknown[]) => ({ patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') });

const HANDLERS: Record<string, Handler> = {
  '/deny': (r) => ({ allowed: false, status: { code: 403, reason: 'Forbidden', message: `pod ${r.name} may not run here` } }),
  '/mutate': () => ({ allowed: true, ...patch([{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }]) }),
  '/allow': () => ({ allowed: true }),
  '/warn': () => ({ allowed: true, warnings: ['this pod looks odd'] }),
  '/slow': () => ({ allowed: true }),
};

describe('admission webhooks', () => {
  let cluster: Cluster;
  let server: Server;
  let port: number;
  let caBundle: string;
  /** Every review the webhook server received, with the path it came to. */
  const received: { path: string; review: any }[] = [];

  before(async () => {
    const pki = makeCertificates();
    caBundle = Buffer.from(pki.ca).toString('base64');
    server = createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0];
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        received.push({ path, review });
        const answer = () => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, ...HANDLERS[path](review.request) } }));
        };
        if (path === '/slow') setTimeout(answer, 2500); else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    cluster = await withCluster();
  });
  after(async () => {
    await cluster.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A configuration of one webhook on pod creates (and updates) of pods labelled `case=<name>`. */
  const configuration = (kind: 'Validating' | 'Mutating', name: string, clientConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: { name },
    webhooks: [{
      name: `${name}.example.com`, clientConfig, sideEffects: 'None', admissionReviewVersions: ['v1'],
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      objectSelector: { matchLabels: { case: name } },
      ...extra,
    }],
  });
  const at = (path: string) => ({ url: `https://127.0.0.1:${port}${path}`, caBundle });
  const pod = (name: string, labels: Record<string, string>, namespace = 'default') => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

  test('the configurations are served with kube defaults, columns and validation texts', async () => {
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'deny', at('/deny')) });
    const got = JSON.parse(await kubectlOk('1.33', cluster, ['get', 'validatingwebhookconfiguration', 'deny', '-o', 'json']));
    const hook = got.webhooks[0];
    assert.deepEqual([hook.failurePolicy, hook.matchPolicy, hook.namespaceSelector, hook.timeoutSeconds, hook.rules[0].scope], ['Fail', 'Equivalent', {}, 10, '*']);
    const table = await kubectlOk('1.33', cluster, ['get', 'validatingwebhookconfigurations']);
    assert.match(table, /^NAME\s+WEBHOOKS\s+AGE\ndeny\s+1\s+\S+\n$/);
    const bad = JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'bad' }, webhooks: [{ name: 'bad', clientConfig: { url: 'http://127.0.0.1/x' }, timeoutSeconds: 40 }] });
    const r = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: bad });
    assert.equal(r.stderr, 'The MutatingWebhookConfiguration "bad" is invalid: \n'
      + '* webhooks[0].name: Invalid value: "bad": should be a domain with at least three segments separated by dots\n'
      + '* webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun\n'
      + '* webhooks[0].timeoutSeconds: Invalid value: 40: the timeout value must be between 1 and 30 seconds\n'
      + '* webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]\n'
      + '* webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1\n');
  });

  for (const v of VERSIONS) {
    const tag = v.replace('.', '-');
    test(`kubectl ${v}: a validating webhook denies with its message; other pods pass its objectSelector`, async () => {
      await kubectlOk(v, cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'deny', at('/deny')) });
      const denied = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: pod(`denied-${tag}`, { case: 'deny' }) });
      assert.deepEqual([denied.code, denied.stdout, denied.stderr], [1, '', `Error from server (Forbidden): error when creating "STDIN": admission webhook "deny.example.com" denied the request: pod denied-${tag} may not run here\n`]);
      const other = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: pod(`other-${tag}`, { case: 'none' }) });
      assert.deepEqual([other.code, other.stdout], [0, `pod/other-${tag} created\n`]);
    });

    test(`kubectl ${v}: a mutating webhook's JSONPatch adds a label to the stored pod`, async () => {
      await kubectlOk(v, cluster, ['apply', '-f', '-'], { stdin: configuration('Mutating', 'mutate', at('/mutate')) });
      await kubectlOk(v, cluster, ['create', '-f', '-'], { stdin: pod(`mutated-${tag}`, { case: 'mutate' }) });
      const labels = JSON.parse(await kubectlOk(v, cluster, ['get', 'pod', `mutated-${tag}`, '-o', 'jsonpath={.metadata.labels}']));
      assert.deepEqual(labels, { case: 'mutate', mutated: 'yes' });
    });
  }

  test('reinvocationPolicy IfNeeded: a mutating webhook runs again once a later one changed the object', async () => {
    const selector = { objectSelector: { matchLabels: { case: 'reinvoke' } } };
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Mutating', 'a-first', at('/allow'), { ...selector, reinvocationPolicy: 'IfNeeded' }) });
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Mutating', 'b-second', at('/mutate'), selector) });
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: pod('reinvoked', { case: 'reinvoke' }) });
    const calls = received.filter((r) => r.review.request.name === 'reinvoked').map((r) => [r.path, r.review.request.object.metadata.labels.mutated ?? '']);
    assert.deepEqual(calls, [['/allow', ''], ['/mutate', ''], ['/allow', 'yes']]);
  });

  test('failurePolicy: Ignore lets a create through when the webhook is down, Fail refuses it with kube\'s text', async () => {
    const down = await freePort();
    const url = { url: `https://127.0.0.1:${down}/x`, caBundle };
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'ignored', url, { failurePolicy: 'Ignore' }) });
    const ok = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: pod('passes', { case: 'ignored' }) });
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, 'pod/passes created\n', '']);
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'closed', url, { failurePolicy: 'Fail' }) });
    const refused = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: pod('refused', { case: 'closed' }) });
    assert.deepEqual([refused.code, refused.stderr], [1, `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "closed.example.com": failed to call webhook: Post "https://127.0.0.1:${down}/x?timeout=10s": dial tcp 127.0.0.1:${down}: connect: connection refused\n`]);
  });

  test('a webhook that answers later than timeoutSeconds fails the request', async () => {
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'slow', at('/slow'), { timeoutSeconds: 1 }) });
    const r = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: pod('too-slow', { case: 'slow' }) });
    assert.equal(r.stderr, `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/slow?timeout=1s": context deadline exceeded\n`);
  });

  test('a webhook\'s certificate must be signed by its caBundle', async () => {
    const other = Buffer.from(makeCertificates().ca).toString('base64');
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'untrusted', { url: `https://127.0.0.1:${port}/allow`, caBundle: other }) });
    const r = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: pod('untrusted', { case: 'untrusted' }) });
    assert.equal(r.stderr, `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "untrusted.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/allow?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority\n`);
  });

  test('warnings from a webhook reach kubectl\'s stderr', async () => {
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'warn', at('/warn')) });
    for (const v of ['1.27', '1.33']) {
      const r = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: pod(`warned-${v.replace('.', '-')}`, { case: 'warn' }) });
      assert.deepEqual([r.code, r.stderr], [0, 'Warning: this pod looks odd\n']);
    }
  });

  test('a namespaceSelector limits a webhook to labelled namespaces', async () => {
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Mutating', 'byns', at('/mutate'), { namespaceSelector: { matchLabels: { webhooks: 'on' } } }) });
    await kubectlOk('1.33', cluster, ['create', 'namespace', 'with-hooks']);
    await kubectlOk('1.33', cluster, ['label', 'namespace', 'with-hooks', 'webhooks=on']);
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: pod('in-labelled', { case: 'byns' }, 'with-hooks') });
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: pod('in-default', { case: 'byns' }) });
    const labelled = JSON.parse(await kubectlOk('1.33', cluster, ['get', 'pod', 'in-labelled', '-n', 'with-hooks', '-o', 'jsonpath={.metadata.labels}']));
    const plain = JSON.parse(await kubectlOk('1.33', cluster, ['get', 'pod', 'in-default', '-o', 'jsonpath={.metadata.labels}']));
    assert.deepEqual([labelled, plain], [{ case: 'byns', mutated: 'yes' }, { case: 'byns' }]);
  });

  test('matchConditions (CEL over object, oldObject and request) decide whether the webhook is called', async () => {
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], {
      stdin: configuration('Mutating', 'conditional', at('/mutate'), {
        matchConditions: [
          { name: 'named-for-it', expression: 'object.metadata.name.startsWith("want-")' },
          { name: 'on-create', expression: 'request.operation == "CREATE" && oldObject == null' },
        ],
      }),
    });
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: pod('want-me', { case: 'conditional' }) });
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: pod('skip-me', { case: 'conditional' }) });
    const labels = async (name: string) => JSON.parse(await kubectlOk('1.33', cluster, ['get', 'pod', name, '-o', 'jsonpath={.metadata.labels}']));
    assert.deepEqual([await labels('want-me'), await labels('skip-me')], [{ case: 'conditional', mutated: 'yes' }, { case: 'conditional' }]);
    assert.deepEqual(received.filter((r) => r.path === '/mutate' && r.review.request.object?.metadata?.labels?.case === 'conditional').map((r) => r.review.request.name), ['want-me']);
    // A condition that cannot be evaluated is the failure policy's: Fail refuses the request.
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], {
      stdin: configuration('Validating', 'broken-condition', at('/allow'), { matchConditions: [{ name: 'missing', expression: 'object.spec.nothere == 1' }] }),
    });
    const refused = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: pod('condition-error', { case: 'broken-condition' }) });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /failed calling webhook "broken-condition\.example\.com": failed to evaluate match conditions: expression 'missing' resulted in error: /);
  });

  test('the AdmissionReview carries kind, resource, operation, userInfo, object, oldObject, dryRun and options', async () => {
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'review', at('/allow')) });
    await kubectlOk('1.33', cluster, ['create', '-f', '-'], { stdin: pod('reviewed', { case: 'review' }) });
    await kubectlOk('1.33', cluster, ['label', 'pod', 'reviewed', 'extra=1']);
    await kubectlOk('1.33', cluster, ['label', 'pod', 'reviewed', 'extra=2', '--overwrite', '--dry-run=server']);
    const reviews = received.filter((r) => r.path === '/allow' && r.review.request.name === 'reviewed').map((r) => r.review);
    assert.equal(reviews.length, 3);
    const [create, update, dry] = reviews;
    assert.deepEqual([create.apiVersion, create.kind], ['admission.k8s.io/v1', 'AdmissionReview']);
    const req = create.request;
    assert.deepEqual([req.kind, req.resource, req.requestKind, req.requestResource, req.namespace, req.operation, req.dryRun, req.oldObject],
      [{ group: '', version: 'v1', kind: 'Pod' }, { group: '', version: 'v1', resource: 'pods' }, { group: '', version: 'v1', kind: 'Pod' }, { group: '', version: 'v1', resource: 'pods' }, 'default', 'CREATE', false, null]);
    assert.deepEqual(req.userInfo, { username: 'system:unsecured', groups: ['system:masters', 'system:authenticated'] });
    assert.deepEqual([req.object.metadata.name, req.options.kind, req.options.fieldManager], ['reviewed', 'CreateOptions', 'kubectl-create']);
    assert.match(req.uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual([update.request.operation, update.request.oldObject.metadata.labels, update.request.object.metadata.labels, update.request.options.kind, update.request.dryRun],
      ['UPDATE', { case: 'review' }, { case: 'review', extra: '1' }, 'UpdateOptions', false]);
    assert.deepEqual([dry.request.dryRun, dry.request.options.dryRun], [true, ['All']]);
  });

  test('sideEffects other than None and NoneOnDryRun are refused, as in admissionregistration/v1', async () => {
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'effects', at('/allow')) });
    const changed = await http(cluster, 'PATCH', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/effects', [{ op: 'replace', path: '/webhooks/0/sideEffects', value: 'Some' }], { 'Content-Type': 'application/json-patch+json' });
    assert.deepEqual([changed.status, changed.json().message], [422, 'ValidatingWebhookConfiguration.admissionregistration.k8s.io "effects" is invalid: webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"']);
  });

  test('a webhook behind a Service with manual Endpoints on the host is called by the service\'s name', async () => {
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'webhook', namespace: 'default' }, spec: { ports: [{ port: 443, targetPort: port }] } },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'webhook', namespace: 'default' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port }] }] },
    ] }) });
    await kubectlOk('1.33', cluster, ['apply', '-f', '-'], { stdin: configuration('Validating', 'bysvc', { service: { name: 'webhook', namespace: 'default', path: '/deny' }, caBundle }) });
    const r = await kubectl('1.33', cluster, ['create', '-f', '-'], { stdin: pod('via-service', { case: 'bysvc' }) });
    assert.equal(r.stderr, 'Error from server (Forbidden): error when creating "STDIN": admission webhook "bysvc.example.com" denied the request: pod via-service may not run here\n');
  });

  test('@kubernetes/client-node sees the denial as a 403 Status', async () => {
    const core = cluster.kubeConfig(k8s.KubeConfig).makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.createNamespacedPod({ namespace: 'default', body: JSON.parse(pod('from-client', { case: 'deny' })) }), (e: any) => {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      assert.deepEqual([e.code, body.reason, body.message], [403, 'Forbidden', 'admission webhook "deny.example.com" denied the request: pod from-client may not run here']);
      return true;
    });
  });
});
