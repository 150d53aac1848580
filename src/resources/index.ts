// Every resource tinykube serves and its Strategy, keyed by `group/resource` ('' for core).
// Which resources exist, their scope, verbs and subresources come from openapi/; this table adds
// what OpenAPI does not say (defaults, validation, printers, short names).
import type { Strategy } from '../api/types.js';
import { namespaceStrategy, nodeStrategy } from './cluster.js';
import { eventStrategy, eventsV1Strategy } from './events.js';
import { endpointSliceStrategy, endpointsStrategy, leaseStrategy } from './networking.js';
import { podStrategy } from './pods.js';
import { replicationControllerStrategy } from './replicationcontrollers.js';
import { serviceStrategy } from './services.js';

export const STRATEGIES: Record<string, Strategy> = {
  '/pods': podStrategy,
  '/services': serviceStrategy,
  '/replicationcontrollers': replicationControllerStrategy,
  '/nodes': nodeStrategy,
  '/namespaces': namespaceStrategy,
  '/endpoints': endpointsStrategy,
  '/events': eventStrategy,
  'events.k8s.io/events': eventsV1Strategy,
  'discovery.k8s.io/endpointslices': endpointSliceStrategy,
  'coordination.k8s.io/leases': leaseStrategy,
};
