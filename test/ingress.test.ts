// Ingress with the simulated ingress controller, driven by real kubectl: the default IngressClass
// `tinykube` every cluster starts with, two Deployments (the bootcamp app and nginx) behind two
// Services, one Ingress with a host rule for each made by `kubectl create ingress`: requests to
// the ingress address with `Host: a.example` and `Host: b.example` reach each app, an unknown host
// gets ingress-nginx's 404; `kubectl get ingress` shows CLASS and ADDRESS; validation answers in
// kube's words. The controller listens on the load-balancer address (a loopback address of this
// cluster's own) on port 80, and writes that address into each Ingress's status.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';
import { getOnce, loopbackAddress } from './net.js';

const VERSIONS = ['1.27', '1.30', '1.33'];
const BOOTCAMP = 'gcr.io/google-samples/kubernetes-bootcamp:v1';

const NGINX_404 = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

for (const v of VERSIONS) {
  describe(`Ingress and IngressClass, kubectl ${v}`, () => {
    let cluster: Cluster;
    const address = loopbackAddress();
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);

    before(async () => {
      cluster = await withCluster({ controlPlane: true, nodes: 2, loadBalancerAddress: address });
    });
    after(async () => { await cluster.close(); });

    test('the default IngressClass tinykube, and its columns', async () => {
      const [header, row] = rows(await ok('get', 'ingressclass'));
      assert.deepEqual(header, ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']);
      assert.deepEqual(row.slice(0, 3), ['tinykube', 'tinykube.io/ingress-controller', '<none>']);
      const yaml = await ok('get', 'ingressclass', 'tinykube', '-o', 'jsonpath={.metadata.annotations}');
      assert.equal(yaml, '{"ingressclass.kubernetes.io/is-default-class":"true"}');
    });

    test('two apps behind one Ingress: each Host reaches its app, an unknown one gets 404', async () => {
      assert.equal(await ok('create', 'deployment', 'a', `--image=${BOOTCAMP}`), 'deployment.apps/a created\n');
      assert.equal(await ok('create', 'deployment', 'b', '--image=nginx'), 'deployment.apps/b created\n');
      assert.equal(await ok('expose', 'deployment', 'a', '--port=80', '--target-port=8080'), 'service/a exposed\n');
      assert.equal(await ok('expose', 'deployment', 'b', '--port=80'), 'service/b exposed\n');
      assert.equal(await ok('create', 'ingress', 'web', '--rule=a.example/*=a:80', '--rule=b.example/*=b:80'), 'ingress.networking.k8s.io/web created\n');

      // The class came from the default at admission; the address from the controller.
      const ing = (await http(cluster, 'GET', '/apis/networking.k8s.io/v1/namespaces/default/ingresses/web')).json();
      assert.equal(ing.spec.ingressClassName, 'tinykube');
      assert.deepEqual(ing.spec.rules[0], { host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } });
      const row = await eventually(async () => {
        const r = rows(await ok('get', 'ingress'))[1];
        return r?.[3] === address && r;
      }, 10_000, 'the ingress ADDRESS');
      assert.deepEqual(rows(await ok('get', 'ing'))[0], ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
      assert.deepEqual(row.slice(0, 5), ['web', 'tinykube', 'a.example,b.example', address, '80']);

      const a = await eventually(async () => {
        const r = await getOnce(address, 80, '/', 'a.example');
        return r.status === 200 && r;
      }, 20_000, 'app a answering through the ingress');
      assert.match(a.body ?? '', /^Hello Kubernetes bootcamp! \| Running on: a-[a-z0-9]+-[a-z0-9]{5} \| v=1\n$/);
      const b = await eventually(async () => {
        const r = await getOnce(address, 80, '/index.html', 'b.example:80');
        return r.status === 200 && r;
      }, 20_000, 'app b answering through the ingress');
      assert.match(b.body ?? '', /<h1>Welcome to nginx!<\/h1>\n<p>nginx is serving this page from pod b-[a-z0-9]+-[a-z0-9]{5}, simulated by tinykube\.<\/p>/);
      const none = await getOnce(address, 80, '/', 'c.example');
      assert.equal(none.status, 404);
      assert.equal(none.body, NGINX_404);

      const events = (await http(cluster, 'GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=web')).json().items;
      assert.deepEqual(events.map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`), ['Sync: Scheduled for sync']);
    });

    test('a backend with no ready endpoints answers 503; an Ingress of another class is left alone', async () => {
      await ok('create', 'service', 'clusterip', 'empty', '--tcp=80:8080');
      await ok('create', 'ingress', 'empty', '--rule=empty.example/*=empty:80');
      const r = await eventually(async () => {
        const got = await getOnce(address, 80, '/x', 'empty.example');
        return got.status === 503 && got;
      }, 10_000, 'a 503 for a service without endpoints');
      assert.match(r.body ?? '', /<title>503 Service Temporarily Unavailable<\/title>/);

      await ok('create', 'ingress', 'other', '--class=nginx', '--rule=other.example/*=a:80');
      const [, row] = rows(await ok('get', 'ingress', 'other'));
      assert.deepEqual(row.slice(0, 3), ['other', 'nginx', 'other.example']);
      assert.match(row[3], /^80$/, 'no ADDRESS: no controller serves class nginx');
    });

    test('validation in kube\'s words', async () => {
      const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad
spec:
  rules:
  - host: "*.*.example"
    http:
      paths:
      - path: foo
        pathType: Prefix
        backend:
          service: {name: a}
      - path: /x
        backend:
          service: {name: a, port: {number: 80}}
`;
      const r = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: bad });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'The Ingress "bad" is invalid: \n'
        + '* spec.rules[0].host: Invalid value: "*.*.example": a wildcard DNS-1123 subdomain must start with \'*.\', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, \'-\' or \'.\' and end with an alphanumeric character (e.g. \'*.example.com\', regex used for validation is \'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')\n'
        + '* spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path\n'
        + '* spec.rules[0].http.paths[0].backend: Required value: port name or number is required\n'
        + '* spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified\n');
      const empty = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: empty2\nspec: {}\n' });
      assert.equal(empty.stderr, 'The Ingress "empty2" is invalid: spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified\n');
      const cls = await kubectl(v, cluster, ['create', '-f', '-'], { stdin: 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: x\nspec:\n  controller: nodomain\n' });
      assert.equal(cls.stderr, 'The IngressClass "x" is invalid: spec.controller: Invalid value: "nodomain": must be a domain-prefixed path (such as "acme.io/foo")\n');
    });
  });
}
