// The framework's own ceiling: express answering every GET with the same bytes from memory
// (BODY_FILE, as application/json), the bytes tinykube serves for the same request.
import { readFileSync } from 'node:fs';
import express from 'express';

const body = readFileSync(process.env.BODY_FILE);
const app = express();
app.disable('etag');
app.disable('x-powered-by');
app.get('/readyz', (req, res) => { res.type('text/plain').send('ok'); });
app.use((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': body.length });
  res.end(body);
});
app.listen(Number(process.env.PORT), '127.0.0.1');
