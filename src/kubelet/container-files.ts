// The filesystems of the simulated containers: one per pod uid and container name, made on first
// use from a small busybox-like base every image gets (/bin, /etc with the pod's hostname, hosts
// and resolv.conf as the kubelet writes them, /tmp, /root) plus the files the image's app entry
// names (apps.ts), and forgotten with the pod.
import type { Container, Pod } from '../api/objects.js';
import type { AppCatalog } from './apps.js';
import { DEFAULT_LIMIT, FileSystem } from './filesystem.js';

/** The cluster DNS service's address, as kubeadm and kind give it. */
export const CLUSTER_DNS = '10.96.0.10';
export const CLUSTER_DOMAIN = 'cluster.local';

/** What a container's base files say about its pod. */
export interface PodHost { name: string; namespace: string; podIP?: string }

/** The commands /bin holds (every one a busybox applet here). */
export const BIN = [
  'busybox', 'cat', 'cp', 'date', 'echo', 'env', 'false', 'head', 'hostname', 'id', 'ls', 'mkdir', 'mv', 'nslookup',
  'printenv', 'ps', 'pwd', 'rm', 'sh', 'sleep', 'tail', 'tar', 'test', 'touch', 'true', 'uname', 'wc', 'wget', 'whoami',
];

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;

const GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
nogroup:x:65534:
`;

/** The base files every container starts with: directories (mode) and files (contents). */
export function baseFiles(host: PodHost): { dirs: Record<string, number>; files: Record<string, string> } {
  const search = [`${host.namespace}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN];
  return {
    dirs: {
      '/bin': 0o755, '/dev': 0o755, '/etc': 0o755, '/home': 0o755, '/proc': 0o555, '/root': 0o700, '/sys': 0o555,
      '/tmp': 0o1777, '/usr': 0o755, '/usr/bin': 0o755, '/usr/local/bin': 0o755, '/var': 0o755, '/var/log': 0o755,
    },
    files: {
      '/etc/hostname': `${host.name}\n`,
      // The kubelet's own hosts file: localhost entries, then the pod's address and name.
      '/etc/hosts': `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${host.podIP ? `${host.podIP}\t${host.name}\n` : ''}`,
      '/etc/resolv.conf': `search ${search.join(' ')}\nnameserver ${CLUSTER_DNS}\noptions ndots:5\n`,
      '/etc/passwd': PASSWD,
      '/etc/group': GROUP,
    },
  };
}

/**
 * A filesystem holding the base files and `extra` (an image's own files, {{pod}}-style names
 * filled in), then `mounted` (volumes' files, as they are).
 */
export function seededFileSystem(host: PodHost, extra: Record<string, string> = {}, clock: () => Date = () => new Date(), limit = DEFAULT_LIMIT, mounted: Record<string, Buffer> = {}): FileSystem {
  const fs = new FileSystem(clock, limit);
  const base = baseFiles(host);
  for (const [dir, mode] of Object.entries(base.dirs)) fs.mkdir(dir, '/', { parents: true, mode });
  fs.device('/dev/null');
  for (const name of BIN) fs.writeFile(`/bin/${name}`, Buffer.alloc(0), '/', { mode: 0o755 });
  const fill = (text: string) => text.replaceAll('{{pod}}', host.name).replaceAll('{{namespace}}', host.namespace).replaceAll('{{podIP}}', host.podIP ?? '');
  for (const [path, contents] of Object.entries({ ...base.files, ...extra })) {
    fs.mkdir(path.slice(0, path.lastIndexOf('/')) || '/', '/', { parents: true });
    fs.writeFile(path, Buffer.from(fill(contents)));
  }
  for (const [path, contents] of Object.entries(mounted)) {
    fs.mkdir(path.slice(0, path.lastIndexOf('/')) || '/', '/', { parents: true });
    fs.writeFile(path, contents, '/', { mode: 0o644 });
  }
  return fs;
}

/** The files a container's volumes hold (ConfigMaps, Secrets), by absolute path. */
export type MountedFiles = (pod: Pod, container: Container) => Record<string, Buffer>;

/** Every container's filesystem, made on first use and kept until its pod is forgotten. */
export class ContainerFiles {
  private readonly filesystems = new Map<string, FileSystem>();
  /** Set by whoever can read the volumes' sources (the composition root). */
  mounted: MountedFiles = () => ({});

  /** `limit` bounds each container's file contents, in bytes. */
  constructor(private readonly apps: AppCatalog, private readonly clock: () => Date = () => new Date(), private readonly limit = DEFAULT_LIMIT) {}

  /** The filesystem of `container` in `pod`, made from its image on first use. */
  of(pod: Pod, container: Container): FileSystem {
    const key = this.key(pod, container.name);
    let fs = this.filesystems.get(key);
    if (!fs) {
      const host = { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? 'default', podIP: pod.status?.podIP };
      fs = seededFileSystem(host, this.apps.appFor(container.image).files, this.clock, this.limit, this.mounted(pod, container));
      this.filesystems.set(key, fs);
    }
    return fs;
  }

  /** Drops the filesystems of a pod that is gone. */
  forget(uid: string): void {
    for (const key of [...this.filesystems.keys()]) if (key.startsWith(`${uid}/`)) this.filesystems.delete(key);
  }

  private key(pod: Pod, container: string): string {
    return `${pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`}/${container}`;
  }
}
