// The compatibility matrix's shape: each client we run, the versions of it we run, and the
// features its stories cover. The interop suite fills the cells; `npm run compat` reads both.

export interface ClientSpec {
  /** As the README names it. */
  title: string;
  versions: readonly string[];
  /** Feature id to the words the README shows. */
  features: Record<string, string>;
}

export const KUBECTL_ALL_VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'] as const;

export const CLIENTS = {
  kubectl: {
    title: 'kubectl',
    versions: KUBECTL_ALL_VERSIONS,
    features: {
      discovery: 'discovery: version, api-versions, api-resources',
      explain: 'explain',
      create: 'create: -f, namespace, service, run',
      get: 'get: table, wide, yaml, json, jsonpath, name, custom-columns, go-template, selectors, chunks',
      describe: 'describe',
      apply: 'apply (client-side) and diff',
      'apply-server-side': 'apply --server-side: conflicts, --force-conflicts',
      patch: 'patch: strategic, merge, json',
      edit: 'edit',
      label: 'label and annotate',
      scale: 'scale',
      expose: 'expose',
      'load-balancer': 'expose --type=LoadBalancer: EXTERNAL-IP answers',
      top: 'top nodes, top pods',
      logs: 'logs: --tail, --timestamps, -f',
      exec: 'exec: stdin, exit codes',
      'port-forward': 'port-forward: pod, service',
      cp: 'cp: a file in and out; curl from a pod',
      debug: 'debug -it: an ephemeral container',
      wait: 'wait: condition, delete',
      watch: 'get --watch',
      delete: 'delete: cascade, namespace',
      drain: 'cordon, drain, uncordon',
      'dry-run': '--dry-run=server',
      auth: 'auth can-i',
      errors: 'errors: NotFound, AlreadyExists, Invalid, strict fields',
    },
  },
  'client-node': {
    title: '@kubernetes/client-node',
    versions: ['1.4.0', '2.0.1'],
    features: {
      crud: 'create, read, replace, delete',
      errors: 'errors as ApiException: 404, 409 Conflict',
      patch: 'patch helpers: JSON, merge, strategic, server-side apply',
      'list-watch': 'list, watch from a resourceVersion',
      bookmarks: 'watch bookmarks',
      informer: 'informer and ObjectCache, relist after 410',
      exec: 'exec over websocket',
      'port-forward': 'port-forward over websocket',
    },
  },
  python: {
    title: 'python3-kubernetes (Debian)',
    versions: ['22.6'],
    features: {
      crud: 'create, read, delete',
      errors: 'errors as ApiException',
      patch: 'patch',
      watch: 'watch from a resourceVersion',
      scale: 'scale subresource',
    },
  },
  ruby: {
    title: 'ruby-kubeclient (Debian)',
    versions: ['4.9'],
    features: {
      crud: 'create, read, patch, delete',
      errors: 'errors as ResourceNotFoundError',
      watch: 'watch on /api/v1/watch/... paths',
    },
  },
  websocket: {
    title: 'raw websocket watch (as fabric8)',
    versions: ['RFC 6455'],
    features: {
      watch: 'watch=true with Upgrade: websocket, same events as chunked',
      bookmarks: 'bookmarks',
      expired: 'resume from an expired resourceVersion: ERROR 410',
      refused: 'a bad request is answered before the upgrade',
      timeout: 'timeoutSeconds ends the stream with a close frame',
    },
  },
} as const satisfies Record<string, ClientSpec>;

export type ClientId = keyof typeof CLIENTS;
export type FeatureOf<C extends ClientId> = keyof (typeof CLIENTS)[C]['features'] & string;
