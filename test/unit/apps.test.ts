// The simulated apps: chosen by image repository, answering the same bytes for every path a pod
// is reached by; a user's file adds apps or replaces built-in ones, and a bad one says why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answer, AppCatalog, AppError, imageRepository, listensOn } from '../../src/kubelet/apps.js';
import { scratchFile } from '../helpers.js';

const host = { pod: 'kubia-x7k2p', namespace: 'default', podIP: '10.244.1.5' };
const get = (url: string) => ({ method: 'GET', url, headers: { host: 'example', 'user-agent': 'curl/8.5.0' } });

test('image references normalize to their repository', () => {
  const cases: [string, string][] = [
    ['nginx', 'nginx'], ['nginx:1.27', 'nginx'], ['docker.io/library/nginx:latest', 'nginx'], ['library/nginx', 'nginx'],
    ['luksa/kubia', 'luksa/kubia'], ['docker.io/luksa/kubia:v2', 'luksa/kubia'], ['nginx@sha256:abc', 'nginx'],
    ['registry.k8s.io/e2e-test-images/agnhost:2.47', 'registry.k8s.io/e2e-test-images/agnhost'], ['localhost:5000/app:1', 'localhost:5000/app'],
  ];
  for (const [image, want] of cases) assert.equal(imageRepository(image), want, image);
});

test('the built-in apps: kubia, nginx (its page, a 404 elsewhere), echo, and a default page', () => {
  const apps = AppCatalog.load();
  const kubia = answer(apps.appFor('luksa/kubia:latest'), get('/'), host);
  assert.deepEqual(kubia, { status: 200, headers: {}, body: "You've hit kubia-x7k2p\n" });
  const nginx = answer(apps.appFor('nginx:1.27'), get('/'), host);
  assert.equal(nginx.status, 200);
  assert.equal(nginx.headers['Content-Type'], 'text/html');
  assert.match(nginx.body, /<title>Welcome to nginx!<\/title>/);
  const missing = answer(apps.appFor('nginx'), get('/nope'), host);
  assert.deepEqual([missing.status, /404 Not Found/.test(missing.body)], [404, true]);
  const echo = answer(apps.appFor('ealen/echo-server'), { method: 'POST', url: '/path/x?a=1&b=2', headers: { 'x-test': 'yes' }, body: 'hello' }, host);
  assert.deepEqual(JSON.parse(echo.body), { host: { hostname: 'kubia-x7k2p', ip: '10.244.1.5' }, http: { method: 'POST', path: '/path/x', query: { a: '1', b: '2' } }, headers: { 'x-test': 'yes' }, body: 'hello' });
  const other = answer(apps.appFor('busybox'), get('/'), host);
  assert.match(other.body, /Pod kubia-x7k2p in namespace default/);
  assert.ok(listensOn(apps.appFor('luksa/kubia'), [], 8080), 'kubia listens on 8080 undeclared');
  assert.ok(!listensOn(apps.appFor('luksa/kubia'), [], 9090));
  assert.ok(listensOn(apps.appFor('busybox'), [9090], 9090), 'a declared port listens');
});

test('an entry naming a tag wins over one naming the repository: the bootcamp app says its version', () => {
  const apps = AppCatalog.load();
  const say = (image: string) => answer(apps.appFor(image), get('/'), host).body;
  assert.equal(say('gcr.io/google-samples/kubernetes-bootcamp:v1'), 'Hello Kubernetes bootcamp! | Running on: kubia-x7k2p | v=1\n');
  assert.equal(say('gcr.io/google-samples/kubernetes-bootcamp:v2'), 'Hello Kubernetes bootcamp! | Running on: kubia-x7k2p | v=2\n');
  assert.equal(say('docker.io/jocatalin/kubernetes-bootcamp:v2'), 'Hello Kubernetes bootcamp! | Running on: kubia-x7k2p | v=2\n');
  assert.equal(say('gcr.io/google-samples/kubernetes-bootcamp'), 'Hello Kubernetes bootcamp! | Running on: kubia-x7k2p | v=1\n');
  assert.equal(answer(apps.appFor('gcr.io/google-samples/kubernetes-bootcamp:v2'), get('/'), host).headers['Content-Type'], 'text/plain');
});

test("a user's file comes first and replaces a built-in app of the same name; a bad one is refused", () => {
  const file = scratchFile('apps.yaml', [
    '- name: kubia',
    '  images: [luksa/kubia]',
    '  http: {body: "Hey from {{pod}} at {{path}}\\n", headers: {Content-Type: text/plain}}',
    '- name: mine',
    '  images: [example.com/team/app]',
    '  ports: [9000]',
    '  http: echo',
  ].join('\n'));
  const apps = AppCatalog.load(file);
  assert.equal(answer(apps.appFor('luksa/kubia'), get('/a?b=c'), host).body, 'Hey from kubia-x7k2p at /a\n');
  assert.equal(apps.appFor('example.com/team/app:3').name, 'mine');
  assert.equal(apps.appFor('nginx').name, 'nginx', 'the other built-in apps stay');
  assert.throws(() => AppCatalog.load(scratchFile('bad-apps.yaml', '- name: broken\n  images: [x]\n  http: {status: 200}\n')), (e) => e instanceof AppError && /app 1 \(broken\): http: is neither echo nor a reply with a body/.test(e.message));
  assert.throws(() => AppCatalog.load(scratchFile('not-a-list.yaml', 'apps: {}\n')), (e) => e instanceof AppError && /not a list of apps/.test(e.message));
});
