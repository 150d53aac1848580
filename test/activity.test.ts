// The activity feed (GET /tinykube/v1/activity, server-sent events) against a running tinykube:
// what each simulated component publishes when kubectl 1.33 creates the kubia RC on three nodes
// and a pod curls a service, the per-second counters, authentication and authorization with
// --tls, and a client that stops reading being dropped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { activityOf, type ActivityEvent } from '../src/observe/activity.js';
import { eventually, FIXTURES, http, kubectlOk, scratchFile, withCluster } from './helpers.js';

const FEED = '/tinykube/v1/activity';
const V = '1.33';

interface Message { event: string; data: string }

/** A plain HTTP(S) client of the feed, parsing its messages as an EventSource would. */
class FeedReader {
  readonly messages: Message[] = [];
  readonly comments: string[] = [];
  retry?: number;
  /** Everything received (an error's Status body). */
  text = '';
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  private pending = '';

  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => { this.text += chunk; this.take(chunk); });
    this.ended = new Promise((resolve) => res.on('end', resolve));
  }

  static open(cluster: Cluster, headers: Record<string, string> = {}): Promise<FeedReader> {
    const request = cluster.url.startsWith('https:') ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(cluster.url + FEED, { headers, ca: cluster.caCertificate }, (res) => resolve(new FeedReader(res)));
      req.on('error', reject);
      req.end();
    });
  }

  events(): ActivityEvent[] {
    return this.messages.filter((m) => m.event === 'message').map((m) => JSON.parse(m.data));
  }

  counters(): Record<string, number>[] {
    return this.messages.filter((m) => m.event === 'counters').map((m) => JSON.parse(m.data));
  }

  close(): void { this.res.destroy(); }

  private take(chunk: string): void {
    this.pending += chunk;
    let end: number;
    while ((end = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line);
        else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) this.messages.push({ event, data: data.join('\n') });
    }
  }
}

describe('the activity feed with kubectl 1.33 on a 3-node cluster', () => {
  let cluster: Cluster;
  let feed: FeedReader;
  const ok = (...args: string[]) => kubectlOk(V, cluster, args);
  const kubiaPods = async () => ((await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dkubia')).json().items as any[]);

  before(async () => {
    cluster = await withCluster({ controlPlane: true, nodes: 3 });
    feed = await FeedReader.open(cluster);
  });
  after(async () => { feed.close(); await cluster.close(); });

  test('served as text/event-stream with a retry of 2 s, without the admin API', async () => {
    assert.equal(feed.res.statusCode, 200);
    assert.equal(feed.res.headers['content-type'], 'text/event-stream');
    await eventually(() => feed.retry === 2000, 5000, 'the retry field');
  });

  test('kubectl create -f kubia-rc.yaml: apiserver, store, controller-manager, scheduler and kubelet events naming the same nodes', async () => {
    assert.equal(await ok('create', '-f', join(FIXTURES, 'kubia-rc.yaml')), 'replicationcontroller/kubia created\n');
    const pods = await eventually(async () => { const p = await kubiaPods(); return p.length === 3 && p.every((x) => x.status?.phase === 'Running') && p; }, 20_000, 'three kubia pods running');
    const podNodes = new Map(pods.map((p) => [p.metadata.name as string, p.spec.nodeName as string]));
    const events = await eventually(() => {
      const e = feed.events();
      const running = e.filter((x) => x.component === 'kubelet' && x.action === 'running' && podNodes.has(x.object?.name ?? ''));
      return running.length >= 3 && e;
    }, 20_000, 'kubelet events for the three pods');
    const named = (e: ActivityEvent) => e.object?.name ?? '';

    assert.ok(events.some((e) => e.component === 'apiserver' && e.action === 'create' && e.object?.kind === 'ReplicationController' && e.object.namespace === 'default'),
      'an apiserver create of the RC');
    assert.ok(events.some((e) => e.component === 'store' && e.action === 'write' && e.object?.kind === 'ReplicationController' && named(e) === 'kubia'), 'the store writing the RC');
    assert.ok(events.some((e) => e.component === 'store' && e.object?.kind === 'Pod' && podNodes.has(named(e))), 'the store writing the pods');
    const replication = events.filter((e) => e.component === 'controller-manager' && e.action === 'replication');
    assert.ok(replication.length >= 3, 'one replication event per pod created (SuccessfulCreate)');
    assert.deepEqual(replication[0].object, { kind: 'ReplicationController', namespace: 'default', name: 'kubia' });

    const binds = events.filter((e) => e.component === 'scheduler' && e.action === 'bind' && podNodes.has(named(e)));
    assert.deepEqual(new Map(binds.map((e) => [named(e), e.node])), podNodes, 'each bind names the node the pod is on');
    const kubelet = events.filter((e) => e.component === 'kubelet' && podNodes.has(named(e)));
    for (const e of kubelet) assert.equal(e.node, podNodes.get(named(e)), `${e.action} of ${named(e)} on its node`);
    assert.deepEqual(new Set(kubelet.map((e) => e.action)), new Set(['container-creating', 'running']));
    for (const e of events) assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('a pod curling a service: a kube-proxy event on the node of the pod that answered', async () => {
    assert.equal(await ok('expose', 'rc', 'kubia', '--port=80', '--target-port=8080'), 'service/kubia exposed\n');
    const [client] = await kubiaPods();
    await eventually(async () => ((await http(cluster, 'GET', '/api/v1/namespaces/default/endpoints/kubia')).json().subsets?.[0]?.addresses?.length ?? 0) === 3, 10_000, 'the endpoints ready');
    const seen = feed.events().length;
    const answer = await ok('exec', client.metadata.name, '--', 'curl', '-s', 'http://kubia');
    const answered = /^You've hit (kubia-[a-z0-9]{5})\n$/.exec(answer)?.[1];
    assert.ok(answered, answer);
    const proxied = await eventually(() => feed.events().slice(seen).find((e) => e.component === 'kube-proxy'), 10_000, 'a kube-proxy event');
    const pod = (await http(cluster, 'GET', `/api/v1/namespaces/default/pods/${answered}`)).json();
    assert.deepEqual({ action: proxied.action, node: proxied.node, object: proxied.object }, { action: 'proxy', node: pod.spec.nodeName, object: { kind: 'Service', namespace: 'default', name: 'kubia' } });
  });

  test('counters every second: each component\'s count of the last second', async () => {
    const before = feed.counters().length;
    const counters = await eventually(() => { const c = feed.counters().slice(before); return c.length >= 2 && c; }, 10_000, 'two counters messages');
    for (const c of counters) {
      assert.deepEqual(Object.keys(c).sort(), ['apiserver', 'controller-manager', 'kube-proxy', 'kubelet', 'scheduler', 'store']);
      for (const n of Object.values(c)) assert.ok(Number.isInteger(n) && n >= 0);
    }
    // The kubelets' heartbeats (node status, Leases) are API writes, so the store is never idle for long.
    await eventually(() => feed.counters().slice(before).some((c) => c.store > 0), 30_000, 'a second with store writes counted');
  });

  test('a client that stops reading is dropped after a bounded amount of events', async () => {
    const bus = activityOf(cluster.registry.store);
    const listening = bus.subscribers;
    const socket = connect(new URL(cluster.url).port ? Number(new URL(cluster.url).port) : 80, new URL(cluster.url).hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`GET ${FEED} HTTP/1.1\r\nHost: tinykube\r\n\r\n`);
    socket.pause();
    await eventually(() => bus.subscribers === listening + 1, 5000, 'the slow client subscribed');
    // Each event is about 130 bytes: 400,000 is some 50 MB, far past the 1 MiB bound and what
    // the kernel's socket buffers hold. A few hundred per turn of the event loop, so the reading
    // feed of this suite (in this process) keeps up meanwhile.
    let published = 0;
    while (bus.subscribers > listening && published < 400_000) {
      for (let i = 0; i < 200; i++) bus.publish('apiserver', 'get', { kind: 'Pod', namespace: 'default', name: `flood-${published + i}` });
      published += 200;
      await new Promise((r) => setTimeout(r, 1));
    }
    socket.destroy();
    assert.equal(bus.subscribers, listening, `the slow client dropped (after ${published} events)`);
    assert.ok(!feed.res.destroyed, 'the reading client is kept');
    assert.ok(feed.events().some((e) => e.object?.name === `flood-${published - 1}`), 'and has read the flood');
  });
});

describe('the activity feed with --tls', () => {
  let cluster: Cluster;
  before(async () => {
    const tokens = scratchFile('activity-tokens.csv', 't0k3n-bob,bob,1001\n');
    cluster = await withCluster({ tls: true, tokenFile: tokens });
  });
  after(async () => { await cluster.close(); });

  test('401 without a token; 403 for a user RBAC does not grant the path; 200 once a ClusterRole names it', async () => {
    const anonymous = await FeedReader.open(cluster);
    assert.equal(anonymous.res.statusCode, 401);
    await anonymous.ended;
    assert.equal(JSON.parse(anonymous.text).reason, 'Unauthorized');
    const bob = await FeedReader.open(cluster, { Authorization: 'Bearer t0k3n-bob' });
    assert.equal(bob.res.statusCode, 403);
    await bob.ended;
    assert.equal(JSON.parse(bob.text).message, 'forbidden: User "bob" cannot get path "/tinykube/v1/activity"');

    const adminToken = /token: (\S+)/.exec(readFileSync(cluster.kubeconfigPath, 'utf8'))?.[1] ?? '';
    const admin = await FeedReader.open(cluster, { Authorization: `Bearer ${adminToken}` });
    assert.equal(admin.res.statusCode, 200);
    await eventually(() => admin.retry === 2000, 5000, 'the admin\'s feed');
    admin.close();

    assert.equal(await kubectlOk(V, cluster, ['create', 'clusterrole', 'activity-reader', '--verb=get', '--non-resource-url=/tinykube/v1/activity']), 'clusterrole.rbac.authorization.k8s.io/activity-reader created\n');
    assert.equal(await kubectlOk(V, cluster, ['create', 'clusterrolebinding', 'bob-activity', '--clusterrole=activity-reader', '--user=bob']), 'clusterrolebinding.rbac.authorization.k8s.io/bob-activity created\n');
    const granted = await eventually(async () => {
      const r = await FeedReader.open(cluster, { Authorization: 'Bearer t0k3n-bob' });
      if (r.res.statusCode === 200) return r;
      r.close();
      return undefined;
    }, 5000, 'bob allowed');
    await eventually(() => granted.retry === 2000, 5000, 'bob\'s feed');
    granted.close();
  });
});
