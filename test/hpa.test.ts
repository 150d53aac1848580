// HorizontalPodAutoscalers with real kubectl on a fixed clock: `kubectl autoscale`, the
// `get hpa` TARGETS, the controller scaling a Deployment up when its pods' usage is high and
// back down once the 5-minute scale-down stabilization window has passed, kube's events, the
// autoscaling/v1 view of the same object, and validation texts.
//
// Usage is driven as a test author would on a cluster without load: the pods are annotated
// with `tinykube.io/cpu-usage` (src/kubelet/usage.ts), which metrics-server's view and the HPA
// controller read. Pods created later report the default (a tenth of their request), so the
// scale-down step annotates every pod there is then.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cluster } from '../src/index.js';
import { eventually, http, kubectl, kubectlOk, rows, withCluster } from './helpers.js';

const START = '2026-01-01T00:00:00Z';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
const HPA_V2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
const HPA_V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';

const advance = async (cluster: Cluster, seconds: number) => {
  const r = await http(cluster, 'POST', '/tinykube/v1/clock', { advanceSeconds: seconds });
  assert.equal(r.status, 200, r.text);
};
const eventsOf = async (cluster: Cluster, name: string): Promise<any[]> =>
  (await http(cluster, 'GET', `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name}`)}`)).json().items;
const readyPods = async (cluster: Cluster, count: number): Promise<any[] | false> => {
  const pods: any[] = (await http(cluster, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).json().items;
  const ready = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  return ready.length === count && pods.length === count && ready;
};

const webDeployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  spec: {
    replicas: 1, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '100m' } } }] } },
  },
};

for (const v of ['1.27', '1.30', '1.33']) {
  describe(`HorizontalPodAutoscalers with kubectl ${v}`, () => {
    let cluster: Cluster;
    const ok = (...args: string[]) => kubectlOk(v, cluster, args);
    before(async () => { cluster = await withCluster({ controlPlane: true, nodes: 1, admin: true, clock: new Date(START) }); });
    after(async () => { await cluster.close(); });

    test('autoscale a Deployment: scale up on high usage, back down after the stabilization window', async () => {
      assert.equal((await http(cluster, 'POST', DEPLOYMENTS, webDeployment)).status, 201);
      await eventually(() => readyPods(cluster, 1), 20_000, 'one ready pod');
      assert.equal(await ok('autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5'), 'horizontalpodautoscaler.autoscaling/web autoscaled\n');

      const table = rows(await ok('get', 'hpa'));
      assert.deepEqual(table[0], ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
      assert.deepEqual(table[1].slice(0, 6), ['web', 'Deployment/web', 'cpu: <unknown>/50%', '1', '5', '0']);

      // The first sync, 15 s on: a tenth of the request is used.
      await advance(cluster, 15);
      const synced = await eventually(async () => { const s = (await http(cluster, 'GET', `${HPA_V2}/web`)).json().status; return s.currentMetrics && s; }, 10_000, 'the first sync');
      assert.deepEqual(synced.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 10, averageValue: '10m' } } }]);
      assert.deepEqual(rows(await ok('get', 'hpa', 'web'))[1].slice(0, 6), ['web', 'Deployment/web', 'cpu: 10%/50%', '1', '5', '1']);
      const conditions = Object.fromEntries(synced.conditions.map((c: any) => [c.type, [c.status, c.reason]]));
      assert.deepEqual(conditions, { AbleToScale: ['True', 'ReadyForNewScale'], ScalingActive: ['True', 'ValidMetricFound'], ScalingLimited: ['False', 'DesiredWithinRange'] });

      // The autoscaling/v1 view of the same object.
      const v1 = (await http(cluster, 'GET', `${HPA_V1}/web`)).json();
      assert.equal(v1.apiVersion, 'autoscaling/v1');
      assert.deepEqual(v1.spec, { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
      assert.equal(v1.status.currentCPUUtilizationPercentage, 10);
      assert.deepEqual(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/current-metrics']), [{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 10, currentAverageValue: '10m' } }]);

      // High usage: 200% of the request, four times the target.
      await ok('annotate', 'pods', '-l', 'app=web', 'tinykube.io/cpu-usage=200m');
      await advance(cluster, 15);
      await eventually(async () => (await http(cluster, 'GET', `${DEPLOYMENTS}/web`)).json().spec.replicas === 4, 10_000, 'scaled to 4');
      const up = await eventually(async () => (await eventsOf(cluster, 'web')).find((e) => e.reason === 'SuccessfulRescale'), 10_000, 'the rescale event');
      assert.deepEqual([up.type, up.message, up.source.component, up.involvedObject.kind], ['Normal', 'New size: 4; reason: cpu resource utilization (percentage of request) above target', 'horizontal-pod-autoscaler', 'HorizontalPodAutoscaler']);
      assert.equal((await http(cluster, 'GET', `${HPA_V2}/web`)).json().status.lastScaleTime, '2026-01-01T00:00:30Z');

      // Low usage on all four: the recommendation drops to 1, held at 4 for 5 minutes.
      const pods = await eventually(() => readyPods(cluster, 4), 20_000, 'four ready pods');
      assert.equal(pods.length, 4);
      await ok('annotate', 'pods', '-l', 'app=web', 'tinykube.io/cpu-usage=5m', '--overwrite');
      await advance(cluster, 15);
      const held = await eventually(async () => {
        const s = (await http(cluster, 'GET', `${HPA_V2}/web`)).json().status;
        return s.currentMetrics?.[0]?.resource?.current?.averageUtilization === 5 && s;
      }, 10_000, 'the low usage seen');
      assert.equal(held.desiredReplicas, 4);
      assert.deepEqual(held.conditions.find((c: any) => c.type === 'AbleToScale').reason, 'ScaleDownStabilized');
      await advance(cluster, 300);
      await eventually(async () => (await http(cluster, 'GET', `${DEPLOYMENTS}/web`)).json().spec.replicas === 1, 10_000, 'scaled back to 1');
      const down = await eventually(async () => (await eventsOf(cluster, 'web')).find((e) => e.message === 'New size: 1; reason: All metrics below target'), 10_000, 'the scale-down event');
      assert.equal(down.reason, 'SuccessfulRescale');

      const described = await ok('describe', 'hpa', 'web');
      assert.match(described, /Reference:\s+Deployment\/web/);
      assert.match(described, /Min replicas:\s+1/);
      assert.match(described, /Max replicas:\s+5/);
      assert.match(described, /SuccessfulRescale\s.*New size: 1; reason: All metrics below target/);
    });

    test('validation answers with kube\'s texts', async () => {
      const bad = await kubectl(v, cluster, ['autoscale', 'deployment', 'web', '--name=bad', '--min=3', '--max=2']);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, 'error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3\n');
      const r = await http(cluster, 'POST', HPA_V2, {
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 0, maxReplicas: 0, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] },
      });
      assert.equal(r.status, 422);
      assert.equal(r.json().message, 'HorizontalPodAutoscaler.autoscaling "bad" is invalid: [spec.minReplicas: Invalid value: 0: must be greater than or equal to 1, spec.maxReplicas: Invalid value: 0: must be greater than 0, spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0, spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas]');
      const v1 = await http(cluster, 'POST', HPA_V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad' }, spec: { scaleTargetRef: { kind: 'Deployment', name: '' }, maxReplicas: 2, targetCPUUtilizationPercentage: 0 } });
      assert.equal(v1.status, 422);
      assert.equal(v1.json().message, 'HorizontalPodAutoscaler.autoscaling "bad" is invalid: [spec.scaleTargetRef.name: Required value, spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0]');
    });
  });
}
