// The activity bus: each simulated component says when it acts (a request served, a pod bound,
// a controller acting, a kubelet stage, a proxied connection, a committed write), for the
// server-sent activity feed a dashboard lights the architecture diagram from. Publishers check
// `listening` before building anything, so with nobody subscribed a hook costs one comparison.

export const COMPONENTS = ['apiserver', 'scheduler', 'controller-manager', 'kubelet', 'kube-proxy', 'store'] as const;
export type Component = typeof COMPONENTS[number];

/** The object an action concerns; a list or watch names no object, only its kind and namespace. */
export interface ActivityObject {
  kind: string;
  namespace?: string;
  name?: string;
}

export interface ActivityEvent {
  component: Component;
  /** The node the component acted on (kubelet, kube-proxy) or chose (scheduler). */
  node?: string;
  action: string;
  object?: ActivityObject;
  /** RFC 3339 with milliseconds, from the wall clock (a fixed cluster clock does not stop the feed). */
  time: string;
}

export type ActivityListener = (event: ActivityEvent) => void;

/** Which object a store key holds: given by the API layer, which knows the kinds. */
export type KeyResolver = (key: string) => ActivityObject | undefined;

export class ActivityBus {
  private readonly listeners = new Set<ActivityListener>();
  /** Told when the bus starts or stops having listeners (onListening). */
  private readonly listeningWatchers = new Set<(listening: boolean) => void>();
  private resolveKey: KeyResolver = () => undefined;

  /** Whether anyone listens: publishers check this before building an event. */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Calls `listener` with every event from now on; returns the unsubscribe. */
  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.listeningChanged(true);
    return () => {
      if (this.listeners.delete(listener) && !this.listeners.size) this.listeningChanged(false);
    };
  }

  /**
   * Calls `onChange` whenever the bus starts or stops having listeners: the controllers' thread
   * (src/controller-thread.ts) sends its components' events only while someone here listens.
   */
  onListening(onChange: (listening: boolean) => void): () => void {
    this.listeningWatchers.add(onChange);
    return () => { this.listeningWatchers.delete(onChange); };
  }

  private listeningChanged(listening: boolean): void {
    for (const onChange of this.listeningWatchers) onChange(listening);
  }

  publish(component: Component, action: string, object?: ActivityObject, node?: string): void {
    if (!this.listeners.size) return;
    const event: ActivityEvent = { component, action, time: new Date().toISOString() };
    if (node) event.node = node;
    if (object) event.object = object;
    this.relay(event);
  }

  /** Gives listeners an event published elsewhere (the controllers' thread), as it was. */
  relay(event: ActivityEvent): void {
    // A listener that throws must not break the component that published.
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch { /* the listener's own failure */ }
    }
  }

  /** A write the store committed, under `key`. */
  storeWrite(key: string): void {
    if (this.listeners.size) this.publish('store', 'write', this.resolveKey(key));
  }

  /** Set by the API layer (the store only knows keys). */
  resolveKeysWith(resolver: KeyResolver): void {
    this.resolveKey = resolver;
  }
}

/**
 * One bus per cluster, found from its Store: every component (the API server, controllers,
 * kubelets, the pod network, the store itself) holds the store or a registry over it, so
 * none needs a new constructor argument, and clusters in one process stay apart.
 */
const buses = new WeakMap<object, ActivityBus>();

export function activityOf(store: object): ActivityBus {
  let bus = buses.get(store);
  if (!bus) { bus = new ActivityBus(); buses.set(store, bus); }
  return bus;
}
