// The library API: start a real tinykube in-process, for tests and tools.
//
//   await using cluster = await startCluster();   // in memory, on a free port, its files removed on close
//   // cluster.url, cluster.kubeconfigPath
export { startCluster, StartupError, type Cluster, type ClusterOptions } from './cluster.js';
