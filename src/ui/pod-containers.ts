// What the Logs and Terminal tabs share about a pod's containers: which one kubectl would pick,
// its status, and a labelled select to choose another when the pod has more than one.
import type { ContainerStatus, Pod } from '../api/objects.js';
import { isObject } from './api.js';
import { h } from './dom.js';

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
