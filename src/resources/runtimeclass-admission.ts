// kube's RuntimeClass admission plugin (plugin/pkg/admission/runtimeclass) on pod creation: a pod
// naming a runtimeClassName gets the class's overhead.podFixed as spec.overhead and the class's
// scheduling merged into its nodeSelector (a conflicting key is refused) and tolerations
// (MergeTolerations: a toleration another one covers is dropped). A class that does not exist, an
// overhead the pod sets that differs from its class's, or one set without a class defining one,
// is refused with kube's 403s. Pods without a class pass untouched.
import { errors } from '../api/errors.js';
import { isJsonObject, jsonEqual } from '../api/json.js';
import type { RuntimeClass, Toleration } from '../api/objects.js';
import { tryParseQuantity } from '../api/quantity.js';
import type { Admission, RegistryContext } from '../api/resource-store.js';
import type { KObject } from '../api/types.js';

const GROUP = 'node.k8s.io';

function isRuntimeClass(o: KObject): o is RuntimeClass {
  return typeof o.handler === 'string';
}

function runtimeClass(registry: RegistryContext, name: string): RuntimeClass | undefined {
  const store = registry.resource('runtimeclasses', GROUP);
  const found = store?.cache.get(store.key(undefined, name))?.object;
  return found && isRuntimeClass(found) ? found : undefined;
}

/** apiequality.Semantic on two resource lists: the same names with equal quantities. */
function sameResources(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  if (!a || !b) return a === b;
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((n) => {
    const x = tryParseQuantity(a[n]);
    const y = tryParseQuantity(b[n]);
    return x && y ? x.cmp(y) === 0 : a[n] === b[n];
  });
}

/** isSuperset: whether `ss` tolerates everything `t` does. */
function isSuperset(ss: Toleration, t: Toleration): boolean {
  if (jsonEqual(ss, t)) return true;
  const ssKey = ss.key ?? '';
  if ((t.key ?? '') !== ssKey && (ssKey !== '' || ss.operator !== 'Exists')) return false;
  const ssEffect = ss.effect ?? '';
  if ((t.effect ?? '') !== ssEffect && ssEffect !== '') return false;
  if (ssEffect === 'NoExecute' && ss.tolerationSeconds !== undefined) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds > ss.tolerationSeconds) return false;
  }
  switch (ss.operator ?? '') {
    case 'Equal': case '': return t.operator === 'Equal' && (t.value ?? '') === (ss.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

/** MergeTolerations (pkg/util/tolerations): both lists in order, without those another one covers. */
export function mergeTolerations(first: Toleration[], second: Toleration[]): Toleration[] {
  const all = [...first, ...second];
  const merged: Toleration[] = [];
  all.forEach((t, i) => {
    if (merged.some((m) => isSuperset(m, t))) return;
    // Of equal tolerations the first is kept; one covered by a different later one is dropped.
    if (all.slice(i + 1).some((later) => !jsonEqual(t, later) && isSuperset(later, t))) return;
    merged.push(t);
  });
  return merged;
}

/** What the DefaultTolerationSeconds plugin adds: NoExecute tolerations of unready and unreachable nodes for 300 s. */
function defaultTolerationSeconds(tolerations: Toleration[]): Toleration[] {
  return ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']
    .filter((key) => !tolerations.some((t) => t.key === key && (!t.effect || t.effect === 'NoExecute')))
    .map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }));
}

const isToleration = (v: unknown): v is Toleration => isJsonObject(v);

export const runtimeClassAdmission: Admission = ({ gr, name, object }, registry) => {
  if (gr.group !== '' || gr.resource !== 'pods') return;
  const spec = object.spec;
  if (!isJsonObject(spec)) return;
  const forbidden = (why: string) => errors.forbidden(gr, name ?? '', why);
  const podOverhead = isJsonObject(spec.overhead) ? spec.overhead : undefined;
  const className = typeof spec.runtimeClassName === 'string' ? spec.runtimeClassName : undefined;
  if (className === undefined) {
    if (podOverhead) throw forbidden("pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
    return;
  }
  const rc = runtimeClass(registry, className);
  if (!rc) throw forbidden(`pod rejected: RuntimeClass "${className}" not found`);
  // setOverhead, then validateOverhead's checks on the result.
  const classOverhead = rc.overhead?.podFixed;
  if (classOverhead) {
    if (podOverhead && !sameResources(classOverhead, podOverhead)) throw forbidden("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    spec.overhead = { ...classOverhead };
  } else if (podOverhead) {
    throw forbidden('pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  }
  // setScheduling: the class's node selector must agree with the pod's; tolerations merge.
  const scheduling = rc.scheduling;
  if (!scheduling) return;
  const selector = isJsonObject(spec.nodeSelector) ? { ...spec.nodeSelector } : undefined;
  const classSelector = scheduling.nodeSelector ?? {};
  const merged: Record<string, unknown> = selector ?? { ...classSelector };
  for (const [key, value] of Object.entries(classSelector)) {
    const podValue = merged[key];
    if (podValue !== undefined && podValue !== value) {
      throw forbidden(`conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${typeof podValue === 'string' ? podValue : JSON.stringify(podValue)}`);
    }
    merged[key] = value;
  }
  if (selector || scheduling.nodeSelector) spec.nodeSelector = merged;
  const podTolerations = Array.isArray(spec.tolerations) ? spec.tolerations.filter(isToleration) : [];
  // DefaultTolerationSeconds runs before this plugin in kube: its tolerations come before the class's.
  if (scheduling.tolerations?.length) podTolerations.push(...defaultTolerationSeconds(podTolerations));
  const tolerations = mergeTolerations(podTolerations, scheduling.tolerations ?? []);
  if (tolerations.length || spec.tolerations !== undefined) spec.tolerations = tolerations;
};
