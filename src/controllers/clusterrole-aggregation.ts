// The clusterrole-aggregation controller (kube-controller-manager's): a ClusterRole with an
// aggregationRule has as its rules the rules of every other ClusterRole its selectors match,
// taken in name order without duplicates, kept so whenever any ClusterRole changes.
import type { Registry } from '../api/registry.js';
import { jsonEqual } from '../api/json.js';
import { matchesLabels, selectorFromLabelSelector } from '../api/selectors.js';
import type { ClusterRoleObject } from '../authorization.js';
import { Controller } from '../client/controller.js';
import { ignoreRaces } from '../client/races.js';
import { typedResource, type TypedResource } from '../client/typed-resource.js';
import { QUIET, type Logger } from '../logging/log.js';
import type { PolicyRule } from '../server/auth/rbac-rules.js';

const MANAGER = 'clusterrole-aggregation-controller';

/** The rules `role` aggregates from `all`: matching roles in name order, each rule once. */
export function aggregatedRules(role: ClusterRoleObject, all: readonly ClusterRoleObject[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map(selectorFromLabelSelector);
  const matching = all
    .filter((r) => r.metadata.name !== role.metadata.name && selectors.some((s) => matchesLabels(s, r.metadata.labels)))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const rules: PolicyRule[] = [];
  for (const r of matching) for (const rule of r.rules ?? []) if (!rules.some((have) => jsonEqual(have, rule))) rules.push(rule);
  return rules;
}

export class ClusterRoleAggregationController {
  private readonly controller: Controller<string>;
  private readonly roles: TypedResource<ClusterRoleObject>;

  constructor(registry: Registry, private readonly log: Logger = QUIET) {
    this.roles = typedResource<ClusterRoleObject>(registry, 'clusterroles', 'rbac.authorization.k8s.io');
    this.controller = new Controller<string>({ name: 'clusterrole-aggregation controller', reconcile: (name) => this.reconcile(name), identity: (name) => name, log })
      // Any role may be selected by an aggregating one: every aggregating role looks again.
      .watch(this.roles, (_change, queue) => {
        for (const r of this.roles.lister.list()) if (r.aggregationRule) queue.add(r.metadata.name);
      });
  }

  start(): void { this.controller.start(); }
  stop(): void { this.controller.stop(); }

  private async reconcile(name: string): Promise<void> {
    const role = this.roles.lister.get(undefined, name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, this.roles.lister.list());
    if (jsonEqual(role.rules ?? [], rules)) return;
    const updated = await ignoreRaces(this.roles.update({ name }, (current) => ({ ...current, rules }), { dryRun: false, fieldManager: MANAGER }));
    if (updated) this.log.V(2).info('Aggregated the rules of a ClusterRole', { clusterRole: name, rules: rules.length });
  }
}
