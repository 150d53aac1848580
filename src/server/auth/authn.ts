// Authentication as kube-apiserver does it with a static token file and client certificates:
// `Authorization: Bearer <token>` looked up in the tokens, or a client certificate the cluster's
// CA signed (user = CN, groups = O), or a service-account token (the bearer callback). Every authenticated user is also in system:authenticated.
// Without credentials, or with bad ones, a request is 401 Unauthorized when authentication is on;
// when it is off (plain HTTP, the default) every caller is kube's old insecure-port identity.
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { StatusError } from '../../api/errors.js';
import { API_AUDIENCE } from './service-account-tokens.js';
import { protocolToken, ProtocolTokenError } from './websocket-protocol.js';

export interface UserInfo { username: string; uid?: string; groups: string[] }

export const UNSECURED: UserInfo = { username: 'system:unsecured', groups: ['system:masters', 'system:authenticated'] };

export class TokenFileError extends Error {}

/** One CSV line, with double-quoted fields ("a,b") as kube's token file allows. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(field); field = ''; } else field += c;
  }
  if (quoted) throw new TokenFileError('an unterminated quote');
  out.push(field);
  return out.map((f) => f.trim());
}

/** kube's static token file: `token,user,uid[,"group1,group2"]` per line. */
export function parseTokenFile(text: string, source: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    const where = `${source}, line ${i + 1}`;
    let fields: string[];
    try {
      fields = csvFields(line);
    } catch (e) {
      throw new TokenFileError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (fields.length < 3) throw new TokenFileError(`${where}: expected token,user,uid[,"group1,group2"]`);
    const [token, username, uid, groups = ''] = fields;
    if (!token) throw new TokenFileError(`${where}: the token is empty`);
    if (!username) throw new TokenFileError(`${where}: the user name is empty`);
    if (tokens.has(token)) throw new TokenFileError(`${where}: the token is given twice`);
    tokens.set(token, { username, uid: uid || undefined, groups: groups.split(',').map((g) => g.trim()).filter(Boolean) });
  });
  return tokens;
}

/** Who each request in flight is, once authenticated (for handlers that answer with it). */
const requestUsers = new WeakMap<IncomingMessage, UserInfo>();

export function userOf(req: IncomingMessage): UserInfo {
  return requestUsers.get(req) ?? UNSECURED;
}

/** Records who a request acts as from now on (an impersonated user). */
export function actAs(req: IncomingMessage, user: UserInfo): void {
  requestUsers.set(req, user);
}

export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

/** A token's user and the audiences it was accepted for. */
export interface TokenAuthentication { user: UserInfo; audiences: string[] }

/** Authenticates the tokens the token file does not hold (service-account tokens), for `audiences`. */
export type BearerAuthenticator = (token: string, audiences: readonly string[]) => TokenAuthentication | undefined;

export class Authenticator {
  /**
   * `required` false: authentication is off. `bearer` authenticates tokens the token file does
   * not hold (service-account tokens).
   */
  constructor(private readonly tokens: Map<string, UserInfo>, readonly required: boolean, private readonly bearer: BearerAuthenticator = () => undefined) {}

  /**
   * Who a bearer token is, from the token file or as a service account, and for which of
   * `audiences` (the API's unless a TokenReview asks for others); undefined when neither knows it
   * for any of them. The token file's tokens are the API's, as kube wraps audience-agnostic
   * authenticators.
   */
  authenticateToken(token: string, audiences: readonly string[] = [API_AUDIENCE]): TokenAuthentication | undefined {
    const fileUser = this.tokens.get(token);
    const found = fileUser && audiences.includes(API_AUDIENCE) ? { user: fileUser, audiences: [API_AUDIENCE] } : fileUser ? undefined : this.bearer(token, audiences);
    return found && { user: withAuthenticated(found.user), audiences: found.audiences };
  }

  /** Who sent `req` (remembered for userOf); throws 401 when authentication is on and no valid credentials came with it. */
  authenticate(req: IncomingMessage): UserInfo {
    if (!this.required) return UNSECURED; // userOf's default: nothing to remember
    const user = this.identify(req);
    requestUsers.set(req, user);
    return user;
  }

  private identify(req: IncomingMessage): UserInfo {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const found = m && this.authenticateToken(m[1]);
      if (!found) throw unauthorized();
      return found.user;
    }
    const fromProtocol = this.protocolUser(req);
    if (fromProtocol) return fromProtocol;
    const socket = req.socket;
    if (socket instanceof TLSSocket && socket.encrypted && socket.authorized) {
      const cert = socket.getPeerCertificate();
      const cn = cert?.subject?.CN;
      if (cn) {
        const o = cert.subject.O;
        return withAuthenticated({ username: Array.isArray(cn) ? cn[0] : cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] });
      }
    }
    throw unauthorized();
  }

  /**
   * A websocket's token subprotocol (what a browser sends); once it authenticates, the entry is
   * taken out of the request's subprotocols, as kube does, so the upgrade never echoes it.
   */
  private protocolUser(req: IncomingMessage): UserInfo | undefined {
    let found;
    try {
      found = protocolToken(req);
    } catch (e) {
      if (e instanceof ProtocolTokenError) throw unauthorized();
      throw e;
    }
    if (!found) return undefined;
    const authenticated = this.authenticateToken(found.token);
    if (!authenticated) throw unauthorized();
    req.headers['sec-websocket-protocol'] = found.otherProtocols.join(',');
    return authenticated.user;
  }
}

function withAuthenticated(user: UserInfo): UserInfo {
  return { ...user, groups: user.groups.includes('system:authenticated') ? user.groups : [...user.groups, 'system:authenticated'] };
}
