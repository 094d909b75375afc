import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import request from 'supertest';
import { NATIONAL_REGION, Role, startTestApp, type TestApp } from './harness';

/** Token rules: every bad credential is HTTP 401 with extensions.code UNAUTHENTICATED and never data. */

let app: TestApp;
let jwks: http.Server;
let rsa: { privateKey: KeyLike; publicKey: KeyLike };
let otherRsa: { privateKey: KeyLike; publicKey: KeyLike };
const secret = () => new TextEncoder().encode(app.config.jwtSecret);

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  otherRsa = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'sso-1', alg: 'RS256', use: 'sig' };
  jwks = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  app = await startTestApp({ jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json` });
});
afterAll(async () => {
  await app?.stop();
  await new Promise((resolve) => jwks?.close(resolve));
});

interface Claims {
  sub?: string;
  roles?: unknown;
  region?: unknown;
  iss?: string;
  aud?: string;
  exp?: number;
}
function hs256(claims: Claims, key: Uint8Array = secret()): Promise<string> {
  const { iss = app.config.jwtIssuer, aud = app.config.jwtAudience, exp = Math.floor(Date.now() / 1000) + 600, ...rest } = claims;
  return new SignJWT({ ...rest }).setProtectedHeader({ alg: 'HS256' }).setIssuer(iss).setAudience(aud).setExpirationTime(exp).setIssuedAt().sign(key);
}
function rs256(claims: Claims, key = rsa.privateKey, kid = 'sso-1'): Promise<string> {
  const { iss = app.config.jwtIssuer, aud = app.config.jwtAudience, exp = Math.floor(Date.now() / 1000) + 600, ...rest } = claims;
  return new SignJWT({ ...rest }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(iss).setAudience(aud).setExpirationTime(exp).setIssuedAt().sign(key);
}
const good = { sub: 'u-1', roles: [Role.COUNTY_COORDINATOR], region: '341524' };
const QUERY = '{ me { subject kind roles regionCode } region(code: "341524") { name } }';

async function expect401(headers: Record<string, string>, message: RegExp): Promise<void> {
  const req = request(app.origin).post('/graphql').set('content-type', 'application/json');
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  const res = await req.send({ query: QUERY });
  expect(res.status).toBe(401);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  expect(res.body.errors[0].message).toMatch(message);
}

describe('bearer JWT (HS256)', () => {
  it('accepts a valid token and reports the principal in `me`', async () => {
    const res = await app.gql(QUERY, {}, await hs256(good));
    expect(res.status).toBe(200);
    expect(res.data.me).toEqual({ subject: 'u-1', kind: 'USER', roles: ['COUNTY_COORDINATOR'], regionCode: '341524' });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['expired', () => hs256({ ...good, exp: Math.floor(Date.now() / 1000) - 120 }), /expired/i],
    ['wrong signature', () => hs256(good, new TextEncoder().encode('another-secret-of-sufficient-length')), /signature/i],
    ['wrong audience', () => hs256({ ...good, aud: 'someone-else' }), /aud/],
    ['wrong issuer', () => hs256({ ...good, iss: 'evil' }), /iss/],
    ['missing region claim', () => hs256({ sub: 'u-1', roles: [Role.COUNTY_COORDINATOR] }), /region/],
    ['malformed region claim', () => hs256({ ...good, region: '34' }), /region/],
    ['no known role', () => hs256({ ...good, roles: ['SUPERUSER'] }), /role/],
    ['no roles at all', () => hs256({ sub: 'u-1', region: '341524' }), /role/],
    ['no subject', () => hs256({ roles: [Role.ANALYST], region: NATIONAL_REGION }), /subject/],
    ['garbage', async () => 'not.a.jwt', /malformed|signature/i],
    ['alg none', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`, /algorithm/i],
  ])('refuses a token that is %s: 401 UNAUTHENTICATED, no data', async (_name, make, message) => {
    await expect401({ authorization: `Bearer ${await make()}` }, message);
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    await expect401({ authorization: 'Basic dXNlcjpwdw==' }, /Bearer/);
  });
});

describe('API keys', () => {
  it('refuses unknown and malformed keys in either header', async () => {
    await expect401({ 'x-api-key': 'zk_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, /API key/);
    await expect401({ 'x-api-key': 'nonsense' }, /API key/);
    await expect401({ authorization: 'Bearer zk_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, /API key/);
  });

  it('refuses a revoked key with 401 while a valid one works', async () => {
    const admin = await app.token([Role.NATIONAL_ADMIN], NATIONAL_REGION);
    const created = await app.gql(`mutation { createApiKey(input: { name: "Token rules test", roles: [ANALYST], regionCode: "340000" }) { secret apiKey { keyId } userErrors { code } } }`, {}, admin);
    const key = created.data.createApiKey.secret as string;
    const ok = await request(app.origin).post('/graphql').set('content-type', 'application/json').set('x-api-key', key).send({ query: QUERY });
    expect(ok.status).toBe(200);
    expect(ok.body.data.me.kind).toBe('SERVICE_ACCOUNT');
    const revoked = await app.gql(`mutation($id: ID!) { revokeApiKey(input: { id: $id, reason: "rotated" }) { userErrors { code } } }`, { id: created.data.createApiKey.apiKey.keyId }, admin);
    expect(revoked.data.revokeApiKey.userErrors).toEqual([]);
    await expect401({ 'x-api-key': key }, /revoked/);
    await expect401({ authorization: `Bearer ${key}` }, /revoked/);
  });
});

describe('RS256 tokens from a JWKS (provincial single sign-on)', () => {
  it('accepts a token signed by a key in the JWKS', async () => {
    const res = await app.gql(QUERY, {}, await rs256({ ...good, sub: 'sso-user' }));
    expect(res.status).toBe(200);
    expect(res.data.me.subject).toBe('sso-user');
  });

  it('still accepts HS256 tokens beside the JWKS', async () => {
    const res = await app.gql(QUERY, {}, await hs256(good));
    expect(res.data.me.kind).toBe('USER');
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['signed by a key not in the JWKS', () => rs256(good, otherRsa.privateKey), /signature|malformed/i],
    ['naming an unknown kid', () => rs256(good, otherRsa.privateKey, 'sso-9'), /no key of the configured JWKS/],
    ['expired', () => rs256({ ...good, exp: Math.floor(Date.now() / 1000) - 120 }), /expired/i],
    ['for another audience', () => rs256({ ...good, aud: 'x' }), /aud/],
    ['without a region', () => rs256({ sub: 'sso-user', roles: [Role.ANALYST] }), /region/],
  ])('refuses an RS256 token %s', async (_name, make, message) => {
    await expect401({ authorization: `Bearer ${await make()}` }, message);
  });

  it('without a configured JWKS, RS256 tokens are refused', async () => {
    const plain = await startTestApp();
    try {
      const res = await request(plain.origin).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${await rs256(good)}`).send({ query: QUERY });
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(res.body.errors[0].message).toMatch(/RS256 is not accepted/);
    } finally {
      await plain.stop();
    }
  });
});

describe('anonymous callers', () => {
  it('see public data; protected fields answer UNAUTHENTICATED', async () => {
    const res = await app.gql('{ me { kind roles regionCode scopePrefix } region(code: "341524") { name } }');
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ me: { kind: 'ANONYMOUS', roles: [], regionCode: null, scopePrefix: null }, region: { name: '金寨县' } });
    const denied = await app.gql('{ auditEvents { totalCount } }');
    expect(denied.data).toBeNull();
    expect(denied.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
