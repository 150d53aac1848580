// Calling a webhook as kube-apiserver's webhook client does: POST the AdmissionReview as JSON to
// clientConfig.url, or to a Service (https://<name>.<namespace>.svc:<port><path>, the certificate
// checked for that name) reached through the simulated network's host mapping: an ExternalName
// service's host, or the first ready address of the service's Endpoints (a webhook the user runs
// on the host is a Service with manual Endpoints at 127.0.0.1). HTTPS verified against caBundle
// (the system's roots without one), within timeoutSeconds. Failures are Errors worded as Go's
// net/http and client-go word them, since kube's messages quote them.
import { request } from 'node:https';
import type { Endpoints, Service } from '../api/objects.js';
import type { Registry } from '../api/registry.js';
import { resources } from '../client/resources.js';
import type { WebhookClientConfig } from './types.js';

/** Where a webhook is reached: the URL kube names in its messages, and the socket address behind it. */
interface Target { url: URL; host: string; port: number; servername: string }

/** A failure to get an answer from the webhook (kube's ErrCallingWebhook reasons). */
export class CallError extends Error {}

/** Resolves a client config to a target, or says why it cannot be reached. */
export function resolveTarget(registry: Registry, config: WebhookClientConfig): Target {
  if (config.url !== undefined) {
    const url = new URL(config.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return { url, host, port: Number(url.port || 443), servername: host };
  }
  const ref = config.service ?? {};
  const name = ref.name ?? '';
  const namespace = ref.namespace ?? '';
  const port = ref.port ?? 443;
  const dnsName = `${name}.${namespace}.svc`;
  const url = new URL(`https://${dnsName}:${port}${ref.path ?? ''}`);
  const client = resources(registry);
  const service: Service | undefined = client.services.lister.get(namespace, name);
  if (!service) throw new CallError(`service "${name}" not found`);
  if (service.spec?.type === 'ExternalName') {
    return { url, host: service.spec.externalName ?? '', port, servername: dnsName };
  }
  const servicePort = (service.spec?.ports ?? []).find((p) => p.port === port);
  if (!servicePort) throw new CallError(`no service port ${port} found for service "${name}"`);
  const endpoints: Endpoints | undefined = client.endpoints.lister.get(namespace, name);
  for (const subset of endpoints?.subsets ?? []) {
    const address = subset.addresses?.[0];
    const endpointPort = (subset.ports ?? []).find((p) => (p.name ?? '') === (servicePort.name ?? '')) ?? (subset.ports?.length === 1 ? subset.ports[0] : undefined);
    if (address && endpointPort) return { url, host: address.ip, port: endpointPort.port, servername: dnsName };
  }
  throw new CallError(`no endpoints available for service "${name}"`);
}

/** A Go duration of whole seconds, as client-go's timeout query parameter carries it. */
const seconds = (s: number) => `${s}s`;

/** POSTs `body` and returns the answer's JSON; throws CallError with Go's words for what went wrong. */
export async function postReview(target: Target, caBundle: string | undefined, timeoutSeconds: number, body: unknown): Promise<unknown> {
  const url = new URL(target.url);
  url.searchParams.set('timeout', seconds(timeoutSeconds));
  const where = `Post "${url.toString()}"`;
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new CallError(`${where}: ${why}`));
    const req = request({
      host: target.host,
      port: target.port,
      servername: target.servername,
      path: url.pathname + url.search,
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': Buffer.byteLength(payload), Host: url.host },
      ca: caBundle ? Buffer.from(caBundle, 'base64') : undefined,
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(goNetError(e, target)));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) { reject(new CallError(`${where}: ${statusError(code, text)}`)); return; }
        try {
          resolve(JSON.parse(text));
        } catch (e) {
          reject(new CallError(`${where}: ${e instanceof Error ? e.message : String(e)}`));
        }
      });
    });
    const timer = setTimeout(() => { req.destroy(); fail('context deadline exceeded'); }, timeoutSeconds * 1000);
    req.on('error', (e) => { clearTimeout(timer); fail(goNetError(e, target)); });
    req.end(payload);
  });
}

/** client-go's error for an answer that is not a success and not a Status. */
function statusError(code: number, body: string): string {
  if (code === 404) return 'the server could not find the requested resource';
  if (code === 400) return 'the server rejected our request for an unknown reason';
  return `an error on the server (${JSON.stringify(body.trim() || 'unknown')}) has prevented the request from succeeding`;
}

interface NodeNetError extends Error { code?: string; cert?: { subjectaltname?: string } }

function isNetError(e: Error): e is NodeNetError {
  return 'code' in e;
}

/** A connection or TLS failure as Go's dialer and crypto/tls report it. */
function goNetError(e: Error, target: Target): string {
  const code = isNetError(e) ? e.code : undefined;
  const address = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  switch (code) {
    case 'ECONNREFUSED': return `dial tcp ${address}: connect: connection refused`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `dial tcp: lookup ${target.host}: no such host`;
    case 'ECONNRESET': return 'EOF';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED': return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = (isNetError(e) ? e.cert?.subjectaltname ?? '' : '').split(', ').map((n) => n.replace(/^(DNS|IP Address):/, '')).filter(Boolean);
      return `tls: failed to verify certificate: x509: certificate is valid for ${names.join(', ')}, not ${target.servername}`;
    }
  }
  return e.message;
}
