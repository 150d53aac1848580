// Immediate dominators and retained sizes of a heap snapshot's graph, from its root (node 0), by
// Cooper, Harvey and Kennedy's iterative algorithm over a reverse postorder. Weak edges do not
// retain, as in DevTools.
import type { HeapSnapshot } from './heap-snapshot.js';

export function dominators(s: HeapSnapshot): { idom: Int32Array; retained: Float64Array } {
  const n = s.nodeCount;
  // Strong successors as CSR.
  const succStart = new Uint32Array(n + 1);
  const succ: number[] = [];
  for (let v = 0; v < n; v++) {
    succStart[v] = succ.length;
    for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e++) if (s.edgeType(e) !== 'weak' && s.edgeType(e) !== 'shortcut') succ.push(s.edgeTarget(e));
  }
  succStart[n] = succ.length;

  // Postorder from the root, iteratively.
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const visited = new Uint8Array(n);
  const stack = [0], next = [succStart[0]];
  visited[0] = 1;
  while (stack.length) {
    const top = stack.length - 1, v = stack[top];
    if (next[top] < succStart[v + 1]) {
      const w = succ[next[top]++];
      if (!visited[w]) { visited[w] = 1; stack.push(w); next.push(succStart[w]); }
    } else {
      post[v] = order.length;
      order.push(v);
      stack.pop(); next.pop();
    }
  }

  // Predecessors among reachable nodes, as CSR.
  const predCount = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) if (visited[v]) for (let i = succStart[v]; i < succStart[v + 1]; i++) predCount[succ[i] + 1]++;
  for (let v = 0; v < n; v++) predCount[v + 1] += predCount[v];
  const pred = new Uint32Array(predCount[n]);
  const fill = predCount.slice(0, n);
  for (let v = 0; v < n; v++) if (visited[v]) for (let i = succStart[v]; i < succStart[v + 1]; i++) pred[fill[succ[i]]++] = v;

  // idom by postorder number.
  const doms = new Int32Array(order.length).fill(-1);
  const root = post[0];
  doms[root] = root;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (a < b) a = doms[a];
      while (b < a) b = doms[b];
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let p = order.length - 1; p >= 0; p--) {
      if (p === root) continue;
      const v = order[p];
      let d = -1;
      for (let i = predCount[v]; i < predCount[v + 1]; i++) {
        const q = post[pred[i]];
        if (doms[q] === -1) continue;
        d = d === -1 ? q : intersect(q, d);
      }
      if (d !== doms[p]) { doms[p] = d; changed = true; }
    }
  }

  const idom = new Int32Array(n).fill(-1);
  const retained = new Float64Array(n);
  for (let p = 0; p < order.length; p++) {
    const v = order[p];
    idom[v] = order[doms[p]];
    retained[v] += s.selfSize(v);
    if (p !== root) retained[idom[v]] += retained[v];
  }
  return { idom, retained };
}
