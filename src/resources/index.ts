// The built-in kinds: every Strategy tinykube serves from the start, and the admission checks
// that come with them. Which resources exist, their scope, verbs and subresources come from
// openapi/; a Strategy adds what OpenAPI does not say (defaults, validation, printers, short
// names, its subresources' handlers). Only the composition root imports this folder.
import type { MetaParts } from '../api/openapi.js';
import type { Admission } from '../api/resource-store.js';
import type { Strategy } from '../api/types.js';
import type { PodNetwork } from '../kubelet/pod-network.js';
import type { ServiceAccountTokens } from '../server/auth/service-account-tokens.js';
import { namespaceLifecycle, namespaceStrategy, nodeStrategy, SYSTEM_NAMESPACES } from './cluster.js';
import { configMapStrategy } from './configmaps.js';
import { Connections } from './connections.js';
import { eventStrategy, eventsV1Strategy } from './events.js';
import { metricsStrategies } from './metrics.js';
import { endpointSliceStrategy, endpointsStrategy, leaseStrategy } from './networking.js';
import { bindingStrategy, podStrategy } from './pods.js';
import { replicationControllerStrategy } from './replicationcontrollers.js';
import { replicaSetStrategy } from './replicasets.js';
import { deploymentStrategy } from './deployments.js';
import { statefulSetStrategy } from './statefulsets.js';
import { daemonSetStrategy } from './daemonsets.js';
import { controllerRevisionStrategy } from './controllerrevisions.js';
import { jobStrategy } from './jobs.js';
import { cronJobStrategy } from './cronjobs.js';
import { reviewStrategies } from './reviews.js';
import { rbacStrategies } from './rbac.js';
import { secretStrategy } from './secrets.js';
import { serviceAccountStrategy } from './serviceaccounts.js';
import { serviceStrategy } from './services.js';
import { persistentVolumeStrategy } from './persistentvolumes.js';
import { persistentVolumeClaimStrategy, storageClaimAdmission } from './persistentvolumeclaims.js';
import { storageClassStrategy } from './storageclasses.js';
import { mutatingWebhookConfigurationStrategy, validatingWebhookConfigurationStrategy } from './webhook-configurations.js';
import { customResourceDefinitionStrategy } from './customresourcedefinitions.js';
import { podDisruptionBudgetStrategy } from './poddisruptionbudgets.js';
import { horizontalPodAutoscalerV1Strategy, horizontalPodAutoscalerV2Strategy } from './horizontalpodautoscalers.js';
import { resourceQuotaStrategy } from './resourcequotas.js';
import { limitRangeStrategy } from './limitranges.js';
import { limitRangerAdmission } from './limit-ranger.js';
export { QuotaAdmission } from './quota-admission.js';
import { priorityClassStrategy, SYSTEM_PRIORITY_CLASSES } from './priorityclasses.js';
import { priorityAdmission } from './priority-admission.js';
import { defaultIngressClassAdmission, ingressStrategy } from './ingresses.js';
import { ingressClassStrategy } from './ingressclasses.js';
import { networkPolicyStrategy } from './networkpolicies.js';
import { podTemplateStrategy } from './podtemplates.js';
import { componentStatusStrategy, type ComponentSources } from './componentstatuses.js';
import { runtimeClassStrategy } from './runtimeclasses.js';
import { runtimeClassAdmission } from './runtimeclass-admission.js';
import { certificateSigningRequestStrategy } from './certificatesigningrequests.js';

/** What the built-in kinds need of the running cluster: the simulated pods' network and logs, for log, exec and proxy. */
export interface BuiltinDependencies {
  network: PodNetwork;
  /** What kinds that bring their own OpenAPI (metrics) take from the core group-version's document. */
  meta: MetaParts;
  /** Signs the tokens serviceaccounts/token issues. */
  tokens: ServiceAccountTokens;
  /** What componentstatuses report: whether this server runs the scheduler and controllers. */
  components?: ComponentSources;
}

/** With a subresource table extended by `more`. */
function withSubresources(strategy: Strategy, more: Strategy['subresources']): Strategy {
  return { ...strategy, subresources: { ...strategy.subresources, ...more } };
}

export function builtinStrategies({ network, meta, tokens, components = { controlPlane: true } }: BuiltinDependencies): Strategy[] {
  const connections = new Connections(network);
  return [
    withSubresources(podStrategy, connections.podSubresources()),
    bindingStrategy,
    withSubresources(serviceStrategy, connections.serviceSubresources()),
    replicationControllerStrategy,
    replicaSetStrategy,
    deploymentStrategy,
    statefulSetStrategy,
    daemonSetStrategy,
    controllerRevisionStrategy,
    jobStrategy,
    cronJobStrategy,
    nodeStrategy,
    namespaceStrategy,
    endpointsStrategy,
    configMapStrategy,
    secretStrategy,
    serviceAccountStrategy(tokens),
    eventStrategy,
    eventsV1Strategy,
    endpointSliceStrategy,
    leaseStrategy,
    ...reviewStrategies,
    ...rbacStrategies,
    persistentVolumeStrategy,
    persistentVolumeClaimStrategy,
    storageClassStrategy,
    mutatingWebhookConfigurationStrategy,
    validatingWebhookConfigurationStrategy,
    customResourceDefinitionStrategy,
    horizontalPodAutoscalerV2Strategy,
    horizontalPodAutoscalerV1Strategy,
    priorityClassStrategy,
    ...metricsStrategies(meta),
    podDisruptionBudgetStrategy,
    resourceQuotaStrategy,
    limitRangeStrategy,
    ingressStrategy,
    ingressClassStrategy,
    networkPolicyStrategy,
    podTemplateStrategy,
    componentStatusStrategy(components),
    runtimeClassStrategy,
    certificateSigningRequestStrategy,
  ];
}

/** The admission checks of the built-in kinds, in the order kube runs its plugins. */
export const BUILTIN_ADMISSION: Admission[] = [namespaceLifecycle, limitRangerAdmission, priorityAdmission, storageClaimAdmission, defaultIngressClassAdmission, runtimeClassAdmission];

/** The namespaces every cluster has, which may not be deleted. */
export { SYSTEM_NAMESPACES };

/** The PriorityClasses every cluster has (system-node-critical, system-cluster-critical). */
export { SYSTEM_PRIORITY_CLASSES };
