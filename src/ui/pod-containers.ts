// What the Logs and Terminal tabs share about a pod's containers: which one kubectl would pick,
// its status, a labelled select to choose another when the pod has more than one, and the pod
// followed as `kubectl get pod <name> --watch` follows it.
import { isJsonObject } from '../api/json.js';
import type { ContainerStatus, Pod } from '../api/objects.js';
import { isObject, type Api } from './api.js';
import { h } from './dom.js';
import type { ObjectRef } from './shell.js';

export function isPod(v: unknown): v is Pod { return isObject(v); }

/** The annotation kubectl reads for the container to use when none is named. */
const DEFAULT_CONTAINER = 'kubectl.kubernetes.io/default-container';

export function containerNames(pod: Pod): string[] {
  return (pod.spec?.containers ?? []).map((c) => c.name);
}

/** kubectl's choice: the annotated default container when it exists, else the first. */
export function defaultContainer(pod: Pod): string {
  const names = containerNames(pod);
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER];
  return annotated && names.includes(annotated) ? annotated : names[0] ?? '';
}

export function containerStatus(pod: Pod, name: string): ContainerStatus | undefined {
  return pod.status?.containerStatuses?.find((s) => s.name === name);
}

/** A labelled select of the pod's containers, shown only when there is a choice. */
export class ContainerPicker {
  readonly el: HTMLElement;
  private readonly select: HTMLSelectElement;
  private names: string[] = [];

  constructor(id: string, onChange: (name: string) => void) {
    this.select = h('select', { id });
    this.el = h('span', { class: 'container-picker', hidden: '' }, h('label', { for: id }, 'Container'), this.select);
    this.select.addEventListener('change', () => onChange(this.select.value));
  }

  get value(): string { return this.select.value; }

  /** Sets the choices (in place: most pod updates leave them as they were), keeping the selection. */
  update(names: string[], selected: string): void {
    if (names.join('\n') !== this.names.join('\n')) {
      this.names = names;
      this.select.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
    }
    if (this.select.value !== selected) this.select.value = selected;
    this.el.hidden = names.length < 2;
  }
}

/** How long to wait before listing again after a failure. */
const RETRY_MS = 2000;

/**
 * Reports the pod now and at each change (undefined once it is gone) until `signal` aborts: a
 * list and a watch selecting it by name (metadata.name field selector), listed again when the
 * watch ends or fails.
 */
export async function followPod(api: Api, ref: ObjectRef, on: (pod: Pod | undefined) => void, failed: (e: Error) => void, signal: AbortSignal): Promise<void> {
  const collection = `/api/v1/namespaces/${encodeURIComponent(ref.namespace ?? 'default')}/pods?fieldSelector=${encodeURIComponent(`metadata.name=${ref.name}`)}`;
  while (!signal.aborted) {
    try {
      const list = await api.get(collection, signal);
      const items: unknown[] = isJsonObject(list) && Array.isArray(list.items) ? list.items : [];
      on(items.find(isPod));
      const rv = isJsonObject(list) && isJsonObject(list.metadata) && typeof list.metadata.resourceVersion === 'string' ? list.metadata.resourceVersion : '';
      for await (const e of await api.watch(`${collection}&watch=true&resourceVersion=${encodeURIComponent(rv)}`, signal)) {
        if (!isJsonObject(e) || e.type === 'ERROR') break;
        if (isPod(e.object)) on(e.type === 'DELETED' ? undefined : e.object);
      }
    } catch (e) {
      if (signal.aborted) return;
      failed(e instanceof Error ? e : new Error(String(e)));
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
