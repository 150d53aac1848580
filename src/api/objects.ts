// The kinds the control plane reads and writes, typed once, with the field names and types of
// the OpenAPI schemas in openapi/ (io.k8s.api.*). Fields are optional as there, except those a
// schema requires. Each kind extends KObject, so it goes wherever an object of any kind does.
// Only the fields something here reads or writes are declared; the rest pass through as unknown.
import type { KObject, ObjectMeta } from './types.js';

/** metav1.Time and MicroTime: RFC 3339 text. A zero time is written as null, as Go encodes it. */
export type Time = string;
/** resource.Quantity in its canonical text. */
export type Quantity = string;
export type IntOrString = number | string;

export interface ObjectReference {
  apiVersion?: string;
  fieldPath?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
}

// ---- Pod ---------------------------------------------------------------------------------------

export interface ContainerPort {
  containerPort: number;
  hostIP?: string;
  hostPort?: number;
  name?: string;
  protocol?: string;
}

export interface ResourceRequirements {
  limits?: Record<string, Quantity>;
  requests?: Record<string, Quantity>;
}

export interface EnvVar { name: string; value?: string; valueFrom?: unknown }

export interface HTTPHeader { name: string; value: string }
export interface HTTPGetAction { path?: string; port: IntOrString; host?: string; scheme?: string; httpHeaders?: HTTPHeader[] }
export interface TCPSocketAction { port: IntOrString; host?: string }
export interface ExecAction { command?: string[] }
export interface GRPCAction { port: number; service?: string }

/** A container's readiness, liveness or startup probe: one handler and its timing. */
export interface Probe {
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  exec?: ExecAction;
  grpc?: GRPCAction;
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  [field: string]: unknown;
}

/** A container added to a running pod for debugging (kube's EphemeralContainer). */
export interface EphemeralContainer extends Container {
  /** The container whose namespaces (processes) it joins. */
  targetContainerName?: string;
  stdin?: boolean;
  tty?: boolean;
}

export interface Toleration {
  effect?: string;
  key?: string;
  operator?: string;
  tolerationSeconds?: number;
  value?: string;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: unknown[];
}

export interface Affinity {
  nodeAffinity?: NodeAffinity;
  podAffinity?: unknown;
  podAntiAffinity?: unknown;
}

export interface PodReadinessGate {
  conditionType: string;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: EphemeralContainer[];
  restartPolicy?: string;
  serviceAccountName?: string;
  /** The deprecated name of serviceAccountName, kept equal to it. */
  serviceAccount?: string;
  hostNetwork?: boolean;
  priority?: number;
  activeDeadlineSeconds?: number;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  schedulerName?: string;
  readinessGates?: PodReadinessGate[];
  terminationGracePeriodSeconds?: number;
  [field: string]: unknown;
}

export interface ContainerStateWaiting { reason?: string; message?: string }
export interface ContainerStateRunning { startedAt?: Time }
export interface ContainerStateTerminated {
  exitCode: number;
  containerID?: string;
  finishedAt?: Time;
  message?: string;
  reason?: string;
  signal?: number;
  startedAt?: Time;
}

export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: Time | null;
  lastTransitionTime?: Time | null;
  message?: string;
  reason?: string;
}

export interface HostIP { ip: string }
export interface PodIP { ip: string }

export interface PodStatus {
  phase?: string;
  conditions?: PodCondition[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  ephemeralContainerStatuses?: ContainerStatus[];
  hostIP?: string;
  hostIPs?: HostIP[];
  podIP?: string;
  podIPs?: PodIP[];
  startTime?: Time;
  message?: string;
  reason?: string;
  nominatedNodeName?: string;
  qosClass?: string;
  [field: string]: unknown;
}

export interface Pod extends KObject {
  spec?: PodSpec;
  status?: PodStatus;
}

/** A pod template as controllers copy it (ReplicationController.spec.template). */
export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

// ---- Node --------------------------------------------------------------------------------------

export interface Taint {
  key: string;
  effect: string;
  timeAdded?: Time;
  value?: string;
}

export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
  taints?: Taint[];
  unschedulable?: boolean;
  [field: string]: unknown;
}

export interface NodeCondition {
  type: string;
  status: string;
  lastHeartbeatTime?: Time | null;
  lastTransitionTime?: Time | null;
  message?: string;
  reason?: string;
}

export interface NodeAddress { type: string; address: string }

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

export interface DaemonEndpoint { Port: number }
export interface NodeDaemonEndpoints { kubeletEndpoint?: DaemonEndpoint }

export interface NodeStatus {
  addresses?: NodeAddress[];
  allocatable?: Record<string, Quantity>;
  capacity?: Record<string, Quantity>;
  conditions?: NodeCondition[];
  daemonEndpoints?: NodeDaemonEndpoints;
  nodeInfo?: NodeSystemInfo;
  [field: string]: unknown;
}

export interface Node extends KObject {
  spec?: NodeSpec;
  status?: NodeStatus;
}

// ---- Service and its endpoints ----------------------------------------------------------------

export interface ServicePort {
  port: number;
  name?: string;
  protocol?: string;
  targetPort?: IntOrString;
  nodePort?: number;
  appProtocol?: string;
}

export interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: ServicePort[];
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  externalIPs?: string[];
  externalName?: string;
  sessionAffinity?: string;
  [field: string]: unknown;
}

export interface LoadBalancerIngress { ip?: string; hostname?: string; ipMode?: string }

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: Time;
  observedGeneration?: number;
}

export interface ServiceStatus {
  loadBalancer?: { ingress?: LoadBalancerIngress[] };
  conditions?: Condition[];
}

export interface Service extends KObject {
  spec?: ServiceSpec;
  status?: ServiceStatus;
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

/** core/v1 EndpointPort. */
export interface EndpointPort {
  port: number;
  name?: string;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KObject {
  subsets?: EndpointSubset[];
}

export interface EndpointConditions {
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

/** discovery/v1 Endpoint. */
export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
  zone?: string;
}

/** discovery/v1 EndpointPort: every field optional there. */
export interface EndpointSlicePort {
  port?: number;
  name?: string;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSlice extends KObject {
  addressType: string;
  endpoints: Endpoint[];
  ports?: EndpointSlicePort[];
}

// ---- Workloads, namespaces, events, leases, bindings ------------------------------------------

export interface ReplicationControllerSpec {
  minReadySeconds?: number;
  replicas?: number;
  selector?: Record<string, string>;
  template?: PodTemplateSpec;
}

/** A ReplicationController's or ReplicaSet's condition (ReplicaFailure is the one kube sets). */
export interface ReplicaSetCondition { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string }

export interface ReplicationControllerStatus {
  replicas: number;
  availableReplicas?: number;
  fullyLabeledReplicas?: number;
  observedGeneration?: number;
  readyReplicas?: number;
  conditions?: ReplicaSetCondition[];
}

export interface ReplicationController extends KObject {
  spec?: ReplicationControllerSpec;
  status?: ReplicationControllerStatus;
}

// ---- apps/v1: ReplicaSets and Deployments -------------------------------------------------

/** metav1.LabelSelector: what a ReplicaSet or Deployment selects its pods by. */
export interface LabelSelectorRequirement { key: string; operator: string; values?: string[] }
export interface MetaLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ReplicaSetSpec {
  minReadySeconds?: number;
  replicas?: number;
  selector?: MetaLabelSelector;
  template?: PodTemplateSpec;
}

/** A ReplicaSet's status has the same fields as a ReplicationController's. */
export type ReplicaSetStatus = ReplicationControllerStatus;

export interface ReplicaSet extends KObject {
  spec?: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export interface RollingUpdateDeployment { maxSurge?: IntOrString; maxUnavailable?: IntOrString }
export interface DeploymentStrategy { type?: string; rollingUpdate?: RollingUpdateDeployment }

export interface DeploymentSpec {
  replicas?: number;
  selector?: MetaLabelSelector;
  template?: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

/** apps/v1 DeploymentCondition: unlike metav1.Condition it has lastUpdateTime. */
export interface DeploymentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: Time;
  lastTransitionTime?: Time;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface Deployment extends KObject {
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

export interface Namespace extends KObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: unknown[] };
}

export interface ConfigMap extends KObject {
  data?: Record<string, string>;
  /** base64, as on the wire */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export interface EventSource { component?: string; host?: string }
export interface EventSeries { count?: number; lastObservedTime?: Time }

/** core/v1 Event (events.k8s.io/v1 Events are stored as these). */
export interface Event extends KObject {
  involvedObject: ObjectReference;
  action?: string;
  count?: number;
  eventTime?: Time | null;
  firstTimestamp?: Time | null;
  lastTimestamp?: Time | null;
  message?: string;
  reason?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
  series?: EventSeries;
  source?: EventSource;
  type?: string;
}

/** events.k8s.io/v1 Event: the same objects as core/v1 Events, some fields renamed. */
export interface EventsV1Event extends KObject {
  eventTime?: Time | null;
  action?: string;
  note?: string;
  reason?: string;
  regarding?: ObjectReference;
  related?: ObjectReference;
  reportingController?: string;
  reportingInstance?: string;
  series?: EventSeries;
  type?: string;
  deprecatedLastTimestamp?: Time | null;
}

export interface LeaseSpec {
  acquireTime?: Time;
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  leaseTransitions?: number;
  preferredHolder?: string;
  renewTime?: Time;
  strategy?: string;
}

export interface Lease extends KObject {
  spec?: LeaseSpec;
}

export interface Binding extends KObject {
  target: ObjectReference;
}

// policy/v1 PodDisruptionBudget (the disruption controller and pods/eviction read it).

export type UnhealthyPodEvictionPolicy = 'IfHealthyBudget' | 'AlwaysAllow';

export interface PodDisruptionBudgetSpec {
  minAvailable?: IntOrString;
  maxUnavailable?: IntOrString;
  selector?: MetaLabelSelector;
  unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicy | string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pods the eviction handler let go, by name, with when it did: not counted as healthy until the controller sees them deleted. */
  disruptedPods?: Record<string, Time>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: Condition[];
}

export interface PodDisruptionBudget extends KObject {
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

// HorizontalPodAutoscalers (autoscaling/v2, the storage version, and autoscaling/v1).

export interface CrossVersionObjectReference { apiVersion?: string; kind: string; name: string }

export interface MetricTarget { type: string; value?: string; averageValue?: string; averageUtilization?: number }
export interface MetricValueStatus { value?: string; averageValue?: string; averageUtilization?: number }
export interface MetricIdentifier { name: string; selector?: MetaLabelSelector }

export interface MetricSpec {
  type: string;
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: { metric: MetricIdentifier; target: MetricTarget };
  object?: { describedObject: CrossVersionObjectReference; metric: MetricIdentifier; target: MetricTarget };
  external?: { metric: MetricIdentifier; target: MetricTarget };
}

export interface MetricStatus {
  type: string;
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
  pods?: { metric: MetricIdentifier; current: MetricValueStatus };
  object?: { describedObject: CrossVersionObjectReference; metric: MetricIdentifier; current: MetricValueStatus };
  external?: { metric: MetricIdentifier; current: MetricValueStatus };
}

export interface HPAScalingPolicy { type: string; value: number; periodSeconds: number }
export interface HPAScalingRules { stabilizationWindowSeconds?: number; selectPolicy?: string; policies?: HPAScalingPolicy[] }
export interface HorizontalPodAutoscalerBehavior { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules }

export interface HorizontalPodAutoscalerCondition { type: string; status: string; lastTransitionTime?: Time; reason?: string; message?: string }

export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: Time;
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: MetricStatus[];
  conditions?: HorizontalPodAutoscalerCondition[];
}

export interface HorizontalPodAutoscaler extends KObject {
  spec?: {
    scaleTargetRef: CrossVersionObjectReference;
    minReplicas?: number;
    maxReplicas: number;
    metrics?: MetricSpec[];
    behavior?: HorizontalPodAutoscalerBehavior;
  };
  status?: HorizontalPodAutoscalerStatus;
}

export interface HorizontalPodAutoscalerV1 extends KObject {
  spec?: { scaleTargetRef: CrossVersionObjectReference; minReplicas?: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
  status?: { observedGeneration?: number; lastScaleTime?: Time; currentReplicas?: number; desiredReplicas?: number; currentCPUUtilizationPercentage?: number };
}

// ---- ResourceQuota and LimitRange (core/v1) ----------------------------------------------------

/** core/v1 ScopedResourceSelectorRequirement: a quota scope and, for PriorityClass, its values. */
export interface ScopedResourceSelectorRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

export interface ResourceQuotaSpec {
  hard?: Record<string, Quantity>;
  scopes?: string[];
  scopeSelector?: { matchExpressions?: ScopedResourceSelectorRequirement[] };
}

export interface ResourceQuotaStatus {
  hard?: Record<string, Quantity>;
  used?: Record<string, Quantity>;
}

export interface ResourceQuota extends KObject {
  spec?: ResourceQuotaSpec;
  status?: ResourceQuotaStatus;
}

export interface LimitRangeItem {
  type: string;
  max?: Record<string, Quantity>;
  min?: Record<string, Quantity>;
  default?: Record<string, Quantity>;
  defaultRequest?: Record<string, Quantity>;
  maxLimitRequestRatio?: Record<string, Quantity>;
}

export interface LimitRange extends KObject {
  spec?: { limits?: LimitRangeItem[] };
}

// ---- scheduling.k8s.io/v1: PriorityClass ----

export type PreemptionPolicy = 'PreemptLowerPriority' | 'Never';

export interface PriorityClass extends KObject {
  value: number;
  globalDefault?: boolean;
  description?: string;
  preemptionPolicy?: string;
}

// ---- networking.k8s.io/v1: Ingress, IngressClass, NetworkPolicy --------------------------------

export interface ServiceBackendPort { name?: string; number?: number }

export interface IngressBackend {
  service?: { name: string; port?: ServiceBackendPort };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface HTTPIngressPath { path?: string; pathType?: string; backend: IngressBackend }

export interface IngressRule { host?: string; http?: { paths: HTTPIngressPath[] } }

export interface IngressTLS { hosts?: string[]; secretName?: string }

export interface IngressPortStatus { port: number; protocol: string; error?: string }

export interface IngressLoadBalancerIngress { ip?: string; hostname?: string; ports?: IngressPortStatus[] }

export interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: IngressBackend;
  rules?: IngressRule[];
  tls?: IngressTLS[];
}

export interface Ingress extends KObject {
  spec?: IngressSpec;
  status?: { loadBalancer?: { ingress?: IngressLoadBalancerIngress[] } };
}

export interface IngressClassParametersReference { apiGroup?: string; kind: string; name: string; namespace?: string; scope?: string }

export interface IngressClass extends KObject {
  spec?: { controller?: string; parameters?: IngressClassParametersReference };
}

export interface NetworkPolicyPort { protocol?: string; port?: IntOrString; endPort?: number }

export interface IPBlock { cidr: string; except?: string[] }

export interface NetworkPolicyPeer { podSelector?: MetaLabelSelector; namespaceSelector?: MetaLabelSelector; ipBlock?: IPBlock }

export interface NetworkPolicyIngressRule { ports?: NetworkPolicyPort[]; from?: NetworkPolicyPeer[] }

export interface NetworkPolicyEgressRule { ports?: NetworkPolicyPort[]; to?: NetworkPolicyPeer[] }

export interface NetworkPolicySpec {
  podSelector?: MetaLabelSelector;
  policyTypes?: string[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

export interface NetworkPolicy extends KObject {
  spec?: NetworkPolicySpec;
}

// ---- PodTemplate, ComponentStatus (core/v1) and RuntimeClass (node.k8s.io/v1) ------------------
export interface PodTemplate extends KObject {
  template?: PodTemplateSpec;
}

export interface ComponentCondition { type: string; status: string; message?: string; error?: string }

export interface ComponentStatus extends KObject {
  conditions?: ComponentCondition[];
}

export interface RuntimeClassScheduling { nodeSelector?: Record<string, string>; tolerations?: Toleration[] }

export interface RuntimeClass extends KObject {
  handler: string;
  overhead?: { podFixed?: Record<string, Quantity> };
  scheduling?: RuntimeClassScheduling;
}

// certificates.k8s.io/v1: CertificateSigningRequests.

export interface CertificateSigningRequestCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface CertificateSigningRequestSpec {
  /** base64 of the PEM-encoded PKCS#10 request, as on the wire. */
  request: string;
  signerName: string;
  expirationSeconds?: number;
  usages?: string[];
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface CertificateSigningRequest extends KObject {
  spec: CertificateSigningRequestSpec;
  status?: {
    conditions?: CertificateSigningRequestCondition[];
    /** base64 of the issued PEM certificate chain, as on the wire. */
    certificate?: string;
  };
}
