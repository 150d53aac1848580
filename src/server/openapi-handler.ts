// /openapi/v3 (the index and one document per group-version, addressed by content hash) and
// /openapi/v2 (JSON, or the gnostic protobuf document kubectl 1.27 and 1.28 require).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GroupVersionDocument } from '../api/openapi.js';
import { errors } from '../api/errors.js';
import { sendBody, sendError } from './http.js';
import { parseMediaTypes } from './negotiation.js';
import { encodeGnosticDocument, toSwagger2 } from './openapi-v2.js';

const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const V2_PROTOBUF_ACCEPT = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', V2_PROTOBUF];

/**
 * Serves the documents `documents()` gives; they change when a kind is registered or
 * unregistered, and with them their hashes, so clients that cache by hash fetch them anew.
 */
export class OpenAPIHandler {
  private served?: { docs: GroupVersionDocument[]; index: string; v2?: { json: string; protobuf: Buffer } };

  constructor(private readonly documents: () => GroupVersionDocument[]) {}

  private current(): { docs: GroupVersionDocument[]; index: string; v2?: { json: string; protobuf: Buffer } } {
    const docs = this.documents();
    if (this.served?.docs !== docs) {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const d of docs) paths[d.path] = { serverRelativeURL: `/openapi/v3/${d.path}?hash=${d.hash}` };
      this.served = { docs, index: JSON.stringify({ paths }) };
    }
    return this.served;
  }

  handle(pathname: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): boolean {
    if (pathname === '/openapi/v3' || pathname === '/openapi/v3/') {
      sendBody(res, 200, 'application/json', this.current().index);
      return true;
    }
    if (pathname.startsWith('/openapi/v3/')) {
      const gv = pathname.slice('/openapi/v3/'.length);
      const doc = this.current().docs.find((d) => d.path === gv);
      if (!doc) { sendError(res, errors.pathNotFound()); return true; }
      const hashed = query.get('hash') === doc.hash;
      const headers: Record<string, string> = hashed
        ? { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + 365 * 864e5).toUTCString(), ETag: `"${doc.hash}"` }
        : { ETag: `"${doc.hash}"` };
      if (req.headers['if-none-match'] === `"${doc.hash}"`) { res.writeHead(304, headers); res.end(); return true; }
      sendBody(res, 200, 'application/json', doc.json, headers);
      return true;
    }
    if (pathname === '/openapi/v2' || pathname === '/swagger.json') {
      const v2 = this.swagger();
      const wantsProto = parseMediaTypes(req.headers.accept).some((m) => V2_PROTOBUF_ACCEPT.includes(m.type));
      if (wantsProto) sendBody(res, 200, V2_PROTOBUF, v2.protobuf);
      else sendBody(res, 200, 'application/json', v2.json);
      return true;
    }
    return false;
  }

  /** Built on first use: only kubectl 1.27/1.28 and old clients ask for it. */
  private swagger(): { json: string; protobuf: Buffer } {
    const served = this.current();
    if (!served.v2) {
      const doc = toSwagger2(served.docs);
      served.v2 = { json: JSON.stringify(doc), protobuf: encodeGnosticDocument(doc) };
    }
    return served.v2;
  }
}
