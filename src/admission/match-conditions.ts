// A webhook's matchConditions: CEL expressions over the request, every one of which must hold for
// the webhook to be called (kube's matchconditions matcher). A condition that is false decides,
// even when another fails to evaluate; an evaluation error alone is the failure policy's to
// judge. The variables are object, oldObject and request, as the webhook would receive them
// (`authorizer` and `params` are not offered here).
import { compileRule } from '../api/cel-rules.js';
import type { MatchCondition } from './types.js';

export type ConditionsOutcome = { matches: boolean } | { error: string };

export function evaluateMatchConditions(conditions: readonly MatchCondition[], vars: { object: unknown; oldObject: unknown; request: unknown }): ConditionsOutcome {
  const errors: string[] = [];
  for (const condition of conditions) {
    const program = compileRule(condition.expression ?? '');
    if (program instanceof Error) { errors.push(`expression '${condition.name ?? ''}' resulted in error: ${program.message}`); continue; }
    let value: unknown;
    try {
      value = program({ object: vars.object, oldObject: vars.oldObject, request: vars.request });
    } catch (e) {
      errors.push(`expression '${condition.name ?? ''}' resulted in error: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (value === false) return { matches: false };
    if (value !== true) errors.push(`expression '${condition.name ?? ''}' resulted in error: must evaluate to bool`);
  }
  return errors.length ? { error: errors.join(', ') } : { matches: true };
}
