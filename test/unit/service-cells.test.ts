// kube's printService cells, shared by the API's Table and the dashboard: the server prints wide,
// so load balancer addresses are sorted and de-duplicated but never clipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from '../../src/api/objects.js';
import { clusterIPCell, externalIPCell, portsCell } from '../../src/api/service-cells.js';

const svc = (spec: Service['spec'], status?: Service['status']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec, status });

test('EXTERNAL-IP by type, as printService says', () => {
  assert.equal(externalIPCell(svc({ type: 'ClusterIP' })), '<none>');
  assert.equal(externalIPCell(svc({ type: 'NodePort', externalIPs: ['1.2.3.4', '5.6.7.8'] })), '1.2.3.4,5.6.7.8');
  assert.equal(externalIPCell(svc({ type: 'LoadBalancer' })), '<pending>');
  const ingress = [{ ip: '172.18.0.9' }, { hostname: 'lb.example.com' }, { ip: '172.18.0.10' }, { ip: '172.18.0.9' }];
  assert.equal(externalIPCell(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress } })), '172.18.0.10,172.18.0.9,lb.example.com');
  assert.equal(externalIPCell(svc({ type: 'LoadBalancer', externalIPs: ['9.9.9.9'] }, { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } })), '10.0.0.1,9.9.9.9');
  assert.equal(externalIPCell(svc({ type: 'ExternalName', externalName: 'db.example.com' })), 'db.example.com');
});

test('CLUSTER-IP is the first of clusterIPs; PORT(S) shows node ports', () => {
  assert.equal(clusterIPCell({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::a'] }), '10.96.0.10');
  assert.equal(clusterIPCell({ clusterIP: 'None', clusterIPs: ['None'] }), 'None');
  assert.equal(clusterIPCell({}), '<none>');
  assert.equal(portsCell({ ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }, { port: 53, protocol: 'UDP' }] }), '80:30080/TCP,53/UDP');
  assert.equal(portsCell({}), '<none>');
});
