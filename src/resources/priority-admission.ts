// kube's Priority admission plugin (plugin/pkg/admission/priority): a new pod's priorityClassName
// is resolved to spec.priority and spec.preemptionPolicy (the global default class when none is
// named, else priority 0 and PreemptLowerPriority); a class that does not exist, or a priority or
// policy the pod gives that differs from the class's, is refused with a 403. A PriorityClass may
// be made the global default only while no other class is.
import { errors } from '../api/errors.js';
import { isJsonObject } from '../api/json.js';
import type { PriorityClass } from '../api/objects.js';
import type { Admission, RegistryContext } from '../api/resource-store.js';
import type { KObject } from '../api/types.js';

const GROUP = 'scheduling.k8s.io';

function isPriorityClass(o: KObject): o is PriorityClass {
  return typeof o.value === 'number';
}

function priorityClasses(registry: RegistryContext): PriorityClass[] | undefined {
  const store = registry.resource('priorityclasses', GROUP);
  return store?.cache.list(store.listPrefix(undefined)).map((o) => o.object).filter(isPriorityClass);
}

/** The global default class; the lowest-valued one should a race have left several. */
export function defaultPriorityClass(classes: PriorityClass[]): PriorityClass | undefined {
  let found: PriorityClass | undefined;
  for (const pc of classes) if (pc.globalDefault && (!found || pc.value < found.value)) found = pc;
  return found;
}

/** What a pod gets: the class named (or the default's name), its priority and preemption policy. */
export interface ResolvedPriority { className: string; priority: number; preemptionPolicy?: string }

/** establishPriority: `undefined` when the class named does not exist. */
export function resolvePriority(className: string, classes: PriorityClass[]): ResolvedPriority | undefined {
  if (!className) {
    const dpc = defaultPriorityClass(classes);
    if (dpc) return { className: dpc.metadata.name ?? '', priority: dpc.value, preemptionPolicy: dpc.preemptionPolicy };
    return { className: '', priority: 0, preemptionPolicy: 'PreemptLowerPriority' };
  }
  const pc = classes.find((c) => c.metadata.name === className);
  return pc && { className, priority: pc.value, preemptionPolicy: pc.preemptionPolicy };
}

export const priorityAdmission: Admission = ({ gr, name, object }, registry) => {
  const classes = (gr.group === '' && gr.resource === 'pods') || (gr.group === GROUP && gr.resource === 'priorityclasses') ? priorityClasses(registry) : undefined;
  if (!classes) return;
  if (gr.resource === 'priorityclasses') {
    const dpc = object.globalDefault === true ? defaultPriorityClass(classes) : undefined;
    if (dpc) throw errors.forbidden(gr, name ?? '', `PriorityClass ${dpc.metadata.name} is already marked as default. Only one default can exist`);
    return;
  }
  const spec = object.spec;
  if (!isJsonObject(spec)) return;
  const named = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
  const resolved = resolvePriority(named, classes);
  if (!resolved) throw errors.forbidden(gr, name ?? '', `no PriorityClass with name ${named} was found`);
  if (resolved.className) spec.priorityClassName = resolved.className;
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== resolved.priority) {
    throw errors.forbidden(gr, name ?? '', `the integer value of priority (${JSON.stringify(spec.priority)}) must not be provided in pod spec; priority admission controller computed ${resolved.priority} from the given PriorityClass name`);
  }
  spec.priority = resolved.priority;
  const policy = resolved.preemptionPolicy;
  if (policy === undefined) return;
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null && spec.preemptionPolicy !== policy) {
    throw errors.forbidden(gr, name ?? '', `the string value of PreemptionPolicy (${typeof spec.preemptionPolicy === 'string' ? spec.preemptionPolicy : JSON.stringify(spec.preemptionPolicy)}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
  }
  spec.preemptionPolicy = policy;
};
