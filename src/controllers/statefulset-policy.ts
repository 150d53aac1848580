// What a StatefulSet does next, as kube's stateful set control decides it, as pure functions:
// members are `<set>-<ordinal>`; missing ones are created lowest first and condemned ones (at or
// above replicas) deleted highest first, one at a time and each only after the one before is
// Running and Ready (OrderedReady) or all at once (Parallel); then the rolling update replaces,
// highest ordinal first and one at a time, each pod at or above the partition whose revision is
// not the update revision. The status counts follow computeReplicaStatus.

/** What the plan needs to know of one pod. */
export interface Member {
  ordinal: number;
  revision: string;
  /** Running with its Ready condition true. */
  runningReady: boolean;
  /** Running and Ready for minReadySeconds. */
  available: boolean;
  terminating: boolean;
  /** Succeeded or Failed: a member that has to be replaced. */
  finished: boolean;
  /** The kubelet has given it a phase (isCreated). */
  created: boolean;
}

export interface SetState {
  replicas: number;
  /** spec.ordinals.start. */
  start: number;
  /** podManagementPolicy Parallel. */
  parallel: boolean;
  /** updateStrategy RollingUpdate (else OnDelete). */
  rolling: boolean;
  partition: number;
  currentRevision: string;
  updateRevision: string;
  members: Member[];
}

export type Action =
  | { type: 'create'; ordinal: number; revision: 'current' | 'update' }
  | { type: 'delete'; ordinal: number; reason: 'failed' | 'condemned' | 'update' };

const healthy = (m: Member) => m.runningReady && !m.terminating;

/** The pod name pattern kube parses members by: `<parent>-<ordinal>`. */
const MEMBER_NAME = /^(.*)-([0-9]+)$/;

/** The ordinal of `<set>-<n>`, or -1 when the pod is not named as a member of `set`. */
export function memberOrdinal(set: string, pod: string): number {
  const m = MEMBER_NAME.exec(pod);
  if (!m || m[1] !== set) return -1;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 2 ** 31 - 1 ? n : -1;
}

/** Which revision a newly created member gets: the current one below the partition. */
export function revisionFor(state: Pick<SetState, 'rolling' | 'partition' | 'start'>, ordinal: number): 'current' | 'update' {
  return state.rolling && ordinal < state.start + state.partition ? 'current' : 'update';
}

/** The actions of one pass, in order; OrderedReady stops at the first one or at a member not yet healthy. */
export function plan(state: SetState): Action[] {
  const monotonic = !state.parallel;
  const actions: Action[] = [];
  const end = state.start + state.replicas;
  const byOrdinal = new Map(state.members.map((m) => [m.ordinal, m]));
  for (let ordinal = state.start; ordinal < end; ordinal++) {
    const m = byOrdinal.get(ordinal);
    if (m?.finished && !m.terminating) {
      actions.push({ type: 'delete', ordinal, reason: 'failed' });
      if (monotonic) return actions;
      continue;
    }
    if (!m) {
      actions.push({ type: 'create', ordinal, revision: revisionFor(state, ordinal) });
      if (monotonic) return actions;
      continue;
    }
    if (monotonic && (m.terminating || !m.runningReady || !m.available)) return actions;
  }
  const condemned = state.members.filter((m) => m.ordinal < state.start || m.ordinal >= end).sort((a, b) => b.ordinal - a.ordinal);
  for (const m of condemned) {
    if (m.terminating) {
      if (monotonic) return actions;
      continue;
    }
    actions.push({ type: 'delete', ordinal: m.ordinal, reason: 'condemned' });
    if (monotonic) return actions;
  }
  if (!state.rolling || actions.length) return actions;
  // Rolling update: the highest member not at the update revision goes first; wait for each to come back healthy.
  for (let ordinal = end - 1; ordinal >= state.start + state.partition; ordinal--) {
    const m = byOrdinal.get(ordinal);
    if (!m) continue;
    if (m.revision !== state.updateRevision && !m.terminating) return [{ type: 'delete', ordinal, reason: 'update' }];
    if (!healthy(m)) return actions;
  }
  return actions;
}

export interface SetStatusCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  currentRevision: string;
  updateRevision: string;
}

/**
 * The counts kube's status reports, and the current revision: a rolling update whose every
 * member is updated and ready makes the update revision current (completeRollingUpdate).
 */
export function statusCounts(state: Pick<SetState, 'rolling' | 'currentRevision' | 'updateRevision' | 'members'>): SetStatusCounts {
  const s: SetStatusCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0, currentRevision: state.currentRevision, updateRevision: state.updateRevision };
  for (const m of state.members) {
    if (m.created) s.replicas++;
    if (m.runningReady) {
      s.readyReplicas++;
      if (m.available) s.availableReplicas++;
    }
    if (m.created && !m.terminating) {
      if (m.revision === state.currentRevision) s.currentReplicas++;
      if (m.revision === state.updateRevision) s.updatedReplicas++;
    }
  }
  if (state.rolling && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
    s.currentReplicas = s.updatedReplicas;
    s.currentRevision = s.updateRevision;
  }
  return s;
}
