// Service-account tokens: HS256 signatures, expiry, and the claims kube puts in them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signJWT, verifyJWT } from '../../src/server/auth/jwt.js';
import { ISSUER, ServiceAccountTokens, serviceAccountClaims } from '../../src/server/auth/service-account-tokens.js';

const KEY = Buffer.alloc(32, 7);

test('a signed token verifies with its key until it expires, and not with another key or altered', () => {
  const token = signJWT({ sub: 'x', exp: 2000 }, KEY);
  assert.deepEqual(verifyJWT(token, KEY, 1999), { sub: 'x', exp: 2000 });
  assert.equal(verifyJWT(token, KEY, 2000), undefined);
  assert.equal(verifyJWT(token, Buffer.alloc(32, 8), 1000), undefined);
  const [h, , s] = token.split('.');
  assert.equal(verifyJWT(`${h}.${Buffer.from('{"sub":"admin"}').toString('base64url')}.${s}`, KEY, 1000), undefined);
  assert.equal(verifyJWT('not-a-token', KEY, 1000), undefined);
});

test('the claims are kube\'s, and a token authenticates as its service account', () => {
  const sa = { namespace: 'team', name: 'bot', uid: 'u-1' };
  assert.deepEqual(serviceAccountClaims(sa, [ISSUER], 1000, 3600, 'j-1'), {
    aud: [ISSUER], exp: 4600, iat: 1000, iss: ISSUER, jti: 'j-1',
    'kubernetes.io': { namespace: 'team', serviceaccount: { name: 'bot', uid: 'u-1' } },
    nbf: 1000, sub: 'system:serviceaccount:team:bot',
  });
  const tokens = new ServiceAccountTokens(KEY);
  const now = new Date(1_000_000);
  const token = tokens.issue(sa, [ISSUER], now, 600);
  const user = { username: 'system:serviceaccount:team:bot', uid: 'u-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:team'], namespace: 'team', name: 'bot' };
  assert.deepEqual(tokens.verify(token, now), { user, audiences: ['https://kubernetes.default.svc.cluster.local'] });
  assert.equal(tokens.verify(token, new Date(1_000_000 + 600_000)), undefined);
  // A token for another audience is not for the API.
  assert.equal(tokens.verify(tokens.issue(sa, ['vault'], now, 600), now), undefined);
  assert.deepEqual(tokens.verify(tokens.issue(sa, ['vault', 'other'], now, 600), now, ['other', 'elsewhere']), { user, audiences: ['other'] });
});
