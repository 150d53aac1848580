// Startup floor: a bare node:http server answering /readyz, started the same way as tinykube.
import { createServer } from 'node:http';

createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('ok');
}).listen(Number(process.env.PORT), '127.0.0.1');
