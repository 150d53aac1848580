// The images on each simulated node, as a kubelet's image manager sees them: a container's start
// pulls its image (events Pulling, then "Successfully pulled") under imagePullPolicy Always, or
// under IfNotPresent when the node does not have it yet; otherwise the image is "already present
// on machine" (one Pulled event). So, as on a real cluster, the first pod of an image on a node
// pulls it and the later ones find it.
import type { Container } from '../api/objects.js';

/** What a container start does about its image. */
export type ImageStep = 'pull' | 'present';

/**
 * kube's pull policies. Never counts as present: a simulated node has no images but those its
 * pulls brought, and users who set Never load their images out of band (kind load, minikube image
 * load), so their pods start rather than fail with ErrImageNeverPull.
 */
export function imageStep(policy: string | undefined, onNode: boolean): ImageStep {
  if (policy === 'Always') return 'pull';
  if (policy === 'Never') return 'present';
  return onNode ? 'present' : 'pull';
}

/** The events of a start's image step, as the kubelet words them. */
export function imageEvents(image: string, step: ImageStep): { type: 'Normal'; reason: string; message: string }[] {
  return step === 'pull'
    ? [
      { type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"` },
      { type: 'Normal', reason: 'Pulled', message: `Successfully pulled image "${image}" in 502ms (502ms including waiting). Image size: 0 bytes.` },
    ]
    : [{ type: 'Normal', reason: 'Pulled', message: `Container image "${image}" already present on machine` }];
}

type ImageUser = Pick<Container, 'name' | 'image' | 'imagePullPolicy'>;

export class NodeImages {
  /** Node name to the images it holds. */
  private readonly byNode = new Map<string, Set<string>>();
  /**
   * Pod uid to container name to the step its current start took: a start's events are recorded
   * at two stages (Pulling, then Pulled), and the second must tell the same story as the first
   * although the image is on the node by then. Kept until the start completes or the pod goes.
   */
  private readonly starts = new Map<string, Map<string, ImageStep>>();

  /** The step `container` of pod `uid` takes on `node` for the start under way (decided once per start). */
  step(node: string, uid: string, container: ImageUser): ImageStep {
    let steps = this.starts.get(uid);
    if (!steps) this.starts.set(uid, (steps = new Map<string, ImageStep>()));
    let step = steps.get(container.name);
    if (step === undefined) {
      const image = container.image ?? '';
      let images = this.byNode.get(node);
      if (!images) this.byNode.set(node, (images = new Set<string>()));
      step = imageStep(container.imagePullPolicy, images.has(image));
      // Pulled now, so starts that come after this one find it (the kubelet pulls one at a time).
      images.add(image);
      steps.set(container.name, step);
    }
    return step;
  }

  /** The start of pod `uid`'s containers is done (or given up): the next start decides again. */
  started(uid: string, containerName?: string): void {
    if (containerName === undefined) { this.starts.delete(uid); return; }
    const steps = this.starts.get(uid);
    steps?.delete(containerName);
    if (steps && !steps.size) this.starts.delete(uid);
  }

  /** A node that left the cluster takes its images with it. */
  forgetNode(node: string): void {
    this.byNode.delete(node);
  }
}
