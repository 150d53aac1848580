// Images on simulated nodes (src/kubelet/images.ts) and the events the default stages record for
// them: the first pod of an image on a node pulls it, later ones find it, as a kubelet does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Pod } from '../../src/api/objects.js';
import { imageStep, NodeImages } from '../../src/kubelet/images.js';
import { loadStages, stageEvents } from '../../src/kubelet/stages.js';

const container = (image: string, imagePullPolicy?: string): Container => ({ name: 'c', image, imagePullPolicy });

test("kube's pull policies: Always pulls, IfNotPresent pulls what the node lacks, Never counts as present", () => {
  assert.equal(imageStep('Always', true), 'pull');
  assert.equal(imageStep('Always', false), 'pull');
  assert.equal(imageStep('IfNotPresent', false), 'pull');
  assert.equal(imageStep('IfNotPresent', true), 'present');
  assert.equal(imageStep(undefined, true), 'present');
  assert.equal(imageStep('Never', false), 'present');
});

test('a node pulls an image once; a start keeps its decision across its two stages', () => {
  const images = new NodeImages();
  const c = container('web:1', 'IfNotPresent');
  assert.equal(images.step('n1', 'pod-a', c), 'pull');
  // pod-a's second stage, with the image on the node by now: still the story of a pull.
  assert.equal(images.step('n1', 'pod-a', c), 'pull');
  assert.equal(images.step('n1', 'pod-b', c), 'present');
  assert.equal(images.step('n2', 'pod-c', c), 'pull', 'another node has its own images');
  images.started('pod-a');
  assert.equal(images.step('n1', 'pod-a', c), 'present', 'a later start of pod-a finds the image');
  assert.equal(images.step('n1', 'pod-d', container('web:1', 'Always')), 'pull');
  images.forgetNode('n1');
  assert.equal(images.step('n1', 'pod-e', c), 'pull', 'a node that left took its images with it');
});

test('the default stages: Pulling and "Successfully pulled" for a pull, "already present on machine" otherwise', () => {
  const stages = loadStages();
  const creating = stages.find((s) => s.name === 'container-creating')!;
  const running = stages.find((s) => s.name === 'running')!;
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', uid: 'u' }, spec: { containers: [{ name: 'web', image: 'web:1' }, { name: 'side', image: 'side:2' }] } };
  const steps: Record<string, 'pull' | 'present'> = { web: 'pull', side: 'present' };
  const text = (stage: typeof creating) => stageEvents(stage, pod, (c) => steps[c.name]).map((e) => `${e.fieldPath} ${e.reason}: ${e.message}`);
  assert.deepEqual(text(creating), ['spec.containers{web} Pulling: Pulling image "web:1"']);
  assert.deepEqual(text(running), [
    'spec.containers{web} Pulled: Successfully pulled image "web:1" in 502ms (502ms including waiting). Image size: 0 bytes.',
    'spec.containers{side} Pulled: Container image "side:2" already present on machine',
    'spec.containers{web} Created: Created container: web',
    'spec.containers{side} Created: Created container: side',
    'spec.containers{web} Started: Started container web',
    'spec.containers{side} Started: Started container side',
  ]);
});
