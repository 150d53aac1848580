// The fan-out floor: watchers hold chunked responses (?node=NAME, or none for everything) and each
// POSTed event line is written to the watchers of its node and to the unfiltered ones. No storage,
// no encoding: what delivering events over HTTP costs in node.
import { createServer } from 'node:http';

const byNode = new Map();
const everything = new Set();
createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/readyz') { res.end('ok'); return; }
  if (req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const node = url.searchParams.get('node');
    const set = node ? (byNode.get(node) ?? byNode.set(node, new Set()).get(node)) : everything;
    set.add(res);
    res.on('close', () => set.delete(res));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const line = Buffer.concat(chunks);
    const node = url.searchParams.get('node');
    for (const w of byNode.get(node) ?? []) w.write(line);
    for (const w of everything) w.write(line);
    res.end('{}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
