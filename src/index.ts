// The library API: start a real tinykube in-process, for tests and tools.
//
//   const cluster = await startCluster({ port: 0, store: 'memory' });
//   // cluster.url, cluster.kubeconfigPath
//   await cluster.close();
export { startCluster, StartupError, type Cluster, type ClusterOptions } from './cluster.js';
