// Preemption as kube-scheduler's DefaultPreemption PostFilter plugin decides it, as pure
// functions: whether the pod may preempt, which pods each node would lose (every lower-priority
// pod removed, then as many reprieved as still let the pod fit: those whose PodDisruptionBudget
// would be violated first, most important first), and which node to preempt on (fewest PDB
// violations, lowest highest victim priority, smallest priority sum, fewest victims, latest
// start). The scheduler applies the outcome: DisruptionTarget, deletion, events, nomination.
import type { MetaLabelSelector, Pod, PodDisruptionBudget } from '../api/objects.js';
import { matchesLabels, selectorFromLabelSelector, SelectorError, type LabelSelector } from '../api/selectors.js';
import { unschedulableMessage } from './scheduling.js';

/** What preemption reads of a policy/v1 PodDisruptionBudget. */
export interface DisruptionBudget {
  namespace: string;
  selector?: MetaLabelSelector;
  /** status.disruptionsAllowed */
  disruptionsAllowed: number;
  /** Names in status.disruptedPods: already counted by the API server, so not counted again. */
  disruptedPods?: readonly string[];
}

/** A policy/v1 PodDisruptionBudget as preemption reads it; undefined for one without a namespace or spec. */
export function disruptionBudgetOf(pdb: PodDisruptionBudget): DisruptionBudget | undefined {
  const { spec, status } = pdb;
  if (!pdb.metadata.namespace || !spec) return undefined;
  return { namespace: pdb.metadata.namespace, selector: spec.selector, disruptionsAllowed: status?.disruptionsAllowed ?? 0, disruptedPods: Object.keys(status?.disruptedPods ?? {}) };
}

/** A node the pod did not fit on: why, the pods on it, and the filters run again without some of them. */
export interface PreemptionNode {
  name: string;
  /** The filters' reasons the pod does not fit there now. */
  reasons: readonly string[];
  /** The pods bound (or assumed) to it. */
  pods: Pod[];
  /** The filters' reasons with only `remaining` of its pods; empty when the pod fits. */
  check(remaining: Pod[]): readonly string[];
}

export type PreemptionOutcome =
  | { node: string; victims: Pod[] }
  /** No preemption: the PostFilter's message, and whether a nomination the pod has is cleared. */
  | { message: string; clearNomination: boolean };

export const NO_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
const MAX_INT32 = 2 ** 31 - 1;

/** Filter failures removing pods can cure (kube's Unschedulable, not UnschedulableAndUnresolvable). */
const RESOLVABLE = [/^Too many pods$/, /^Insufficient /, /^node\(s\) didn't have free ports/];

export function preemptionMightHelp(reasons: readonly string[]): boolean {
  return reasons.length > 0 && reasons.every((r) => RESOLVABLE.some((re) => re.test(r)));
}

/** corev1helpers.PodPriority: spec.priority, 0 when unset. */
export function podPriority(pod: Pod): number {
  return typeof pod.spec?.priority === 'number' ? pod.spec.priority : 0;
}

/** When a pod started; one not started yet counts as starting last. */
function startTime(pod: Pod): number {
  const t = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** util.MoreImportantPod: higher priority, then the one that has run longer. */
export function moreImportant(a: Pod, b: Pod): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  return pa !== pb ? pa > pb : startTime(a) < startTime(b);
}

const byImportance = (a: Pod, b: Pod) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0);

/** Whether the pod is terminating because the scheduler preempted it. */
export function terminatingByPreemption(pod: Pod): boolean {
  if (!pod.metadata.deletionTimestamp) return false;
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'DisruptionTarget');
  return c?.status === 'True' && c.reason === 'PreemptionByScheduler';
}

/**
 * PodEligibleToPreemptOthers: why the pod may not preempt, or undefined. `nominated` are the pods
 * on the node the pod is nominated to (undefined when it is nominated nowhere, or that node no
 * longer fits it for reasons preemption cannot cure).
 */
export function ineligibleToPreempt(pod: Pod, nominated: Pod[] | undefined): string | undefined {
  if (pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  const priority = podPriority(pod);
  if (nominated?.some((p) => podPriority(p) < priority && terminatingByPreemption(p))) return 'not eligible due to a terminating pod on the nominated node.';
  return undefined;
}

function compiled(pdbs: readonly DisruptionBudget[]): { pdb: DisruptionBudget; selector: LabelSelector | undefined }[] {
  return pdbs.map((pdb) => {
    try {
      return { pdb, selector: selectorFromLabelSelector(pdb.selector) };
    } catch (e) {
      if (e instanceof SelectorError) return { pdb, selector: undefined };
      throw e;
    }
  });
}

/** filterPodsWithPDBViolation: the pods whose removal would take a budget below zero, and the rest; order kept. */
export function splitByPDBViolation(pods: Pod[], pdbs: readonly DisruptionBudget[]): { violating: Pod[]; nonViolating: Pod[] } {
  const budgets = compiled(pdbs);
  const allowed = budgets.map((b) => b.pdb.disruptionsAllowed);
  const violating: Pod[] = [];
  const nonViolating: Pod[] = [];
  for (const pod of pods) {
    let violated = false;
    const labels = pod.metadata.labels ?? {};
    if (Object.keys(labels).length) {
      budgets.forEach(({ pdb, selector }, i) => {
        // An invalid or empty selector matches nothing; a pod already disrupted is counted already.
        if (pdb.namespace !== pod.metadata.namespace || !selector?.length || !matchesLabels(selector, labels)) return;
        if (pdb.disruptedPods?.includes(pod.metadata.name ?? '')) return;
        if (--allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pod);
  }
  return { violating, nonViolating };
}

/** SelectVictimsOnNode: the fewest pods to remove for the pod to fit, or the reasons it cannot. */
export function selectVictims(pod: Pod, node: PreemptionNode, pdbs: readonly DisruptionBudget[]): { victims: Pod[]; pdbViolations: number } | { reasons: readonly string[] } {
  const priority = podPriority(pod);
  const potential = node.pods.filter((p) => podPriority(p) < priority);
  if (!potential.length) return { reasons: [NO_VICTIMS] };
  const remaining = new Set(node.pods.filter((p) => !potential.includes(p)));
  const without = node.check([...remaining]);
  if (without.length) return { reasons: without };
  potential.sort(byImportance);
  const { violating, nonViolating } = splitByPDBViolation(potential, pdbs);
  const victims: Pod[] = [];
  let pdbViolations = 0;
  const reprieve = (p: Pod): boolean => {
    remaining.add(p);
    if (!node.check([...remaining]).length) return true;
    remaining.delete(p);
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) pdbViolations++;
  for (const p of nonViolating) reprieve(p);
  if (violating.length && nonViolating.length) victims.sort(byImportance);
  return { victims, pdbViolations };
}

interface Candidate { node: string; victims: Pod[]; pdbViolations: number }

/** pickOneNodeForPreemption: each criterion in turn narrows the nodes; the first left wins. */
export function pickNode(candidates: Candidate[]): Candidate | undefined {
  const scores: ((c: Candidate) => number)[] = [
    (c) => -c.pdbViolations,
    (c) => -podPriority(c.victims[0]),
    (c) => -c.victims.reduce((sum, p) => sum + podPriority(p) + MAX_INT32 + 1, 0),
    (c) => -c.victims.length,
    // The latest start among the highest-priority victims' earliest.
    (c) => {
      const top = podPriority(c.victims[0]);
      return Math.min(...c.victims.filter((p) => podPriority(p) === top).map(startTime));
    },
  ];
  let left = candidates;
  for (const score of scores) {
    if (left.length <= 1) break;
    const values = left.map(score);
    const best = Math.max(...values);
    left = left.filter((_, i) => values[i] === best);
  }
  return left[0];
}

/**
 * The DefaultPreemption PostFilter: where the pod preempts and whom, or the message that says
 * why it cannot (prefixed `preemption: ` as the plugin prefixes it).
 */
export function preempt(pod: Pod, nodes: PreemptionNode[], pdbs: readonly DisruptionBudget[], nominated: Pod[] | undefined): PreemptionOutcome {
  const ineligible = ineligibleToPreempt(pod, nominated);
  if (ineligible) return { message: `preemption: ${ineligible}`, clearNomination: false };
  const reasons: (readonly string[])[] = [];
  const violating: Candidate[] = [];
  const nonViolating: Candidate[] = [];
  for (const node of nodes) {
    if (!preemptionMightHelp(node.reasons)) { reasons.push([NOT_HELPFUL]); continue; }
    const selected = selectVictims(pod, node, pdbs);
    if ('reasons' in selected) { reasons.push(selected.reasons); continue; }
    // It fits with every pod kept (kube counts this an error): nothing to preempt there.
    if (!selected.victims.length) { reasons.push([NO_VICTIMS]); continue; }
    (selected.pdbViolations ? violating : nonViolating).push({ node: node.name, ...selected });
  }
  const best = pickNode([...nonViolating, ...violating]);
  if (!best) return { message: `preemption: ${unschedulableMessage(nodes.length, reasons)}`, clearNomination: true };
  return { node: best.node, victims: best.victims };
}
