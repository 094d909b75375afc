import { createRemoteJWKSet, jwtVerify, SignJWT, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { GraphQLError } from 'graphql';
import type { Config } from '../config';
import { ANONYMOUS, Role, type Principal } from '../graphql/principal';
import { regionPrefix } from '../graphql/scope';

/** The region claim value meaning "the whole country". */
export const NATIONAL_REGION = '000000';

/** Claims Zhuli reads from a bearer JWT. */
export interface ZhuliClaims extends JWTPayload {
  roles?: string[];
  /** Region code of the principal's scope, e.g. 341524; 000000 = the whole country. */
  region?: string;
  name?: string;
  /** UUID of the organization an ORGANIZATION_MANAGER acts for. */
  org?: string;
  /** UUID of the expert an EXPERT acts as. */
  expert?: string;
}

/** Looks up API keys (implemented by the access module); returns null for unknown or revoked keys. */
export interface ApiKeyVerifier {
  verify(key: string): Promise<Principal | null>;
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** Turns the credentials of a request (bearer JWT or API key) into a principal; bad credentials are 401. */
export class Authenticator {
  private readonly secret: Uint8Array;
  private readonly jwks?: JWTVerifyGetKey;
  apiKeys?: ApiKeyVerifier;

  constructor(private readonly config: Config) {
    this.secret = new TextEncoder().encode(config.jwtSecret);
    if (config.jwksUrl) this.jwks = createRemoteJWKSet(new URL(config.jwksUrl));
  }

  /** Principal for an Authorization header value and/or an X-API-Key value (anonymous when both are absent). */
  async authenticate(authorization?: string | null, apiKey?: string | null): Promise<Principal> {
    if (apiKey) {
      const p = this.apiKeys ? await this.apiKeys.verify(apiKey) : null;
      if (!p) throw unauthenticated('Unknown or revoked API key');
      return p;
    }
    if (!authorization) return ANONYMOUS;
    const m = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!m) throw unauthenticated('Authorization header must be "Bearer <token>"');
    if (m[1].startsWith('zk_')) return this.authenticate(null, m[1]);
    return this.verifyToken(m[1]);
  }

  async verifyToken(token: string): Promise<Principal> {
    let payload: ZhuliClaims;
    try {
      const options = { issuer: this.config.jwtIssuer, audience: this.config.jwtAudience };
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8') || '{}') as { alg?: string };
      if (header.alg === 'HS256') {
        ({ payload } = await jwtVerify<ZhuliClaims>(token, this.secret, { ...options, algorithms: ['HS256'] }));
      } else if (header.alg === 'RS256' && this.jwks) {
        ({ payload } = await jwtVerify<ZhuliClaims>(token, this.jwks, { ...options, algorithms: ['RS256'] }));
      } else {
        throw unauthenticated(`Token algorithm ${header.alg ?? '?'} is not accepted`);
      }
    } catch (err) {
      if (err instanceof GraphQLError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw unauthenticated('Token expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw unauthenticated(`Token rejected: ${err.claim} claim is not valid`);
      if (err instanceof joseErrors.JWKSNoMatchingKey) throw unauthenticated('Token rejected: no key of the configured JWKS matches it');
      if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) throw unauthenticated('Token rejected: the JWKS could not be fetched; retry later');
      throw unauthenticated('Token rejected: invalid signature or malformed token');
    }
    return principalFromClaims(payload);
  }

  /** Signs a development/test token with the HS256 secret. */
  async mint(claims: { sub: string; roles: Role[]; region: string; name?: string; org?: string; expert?: string }, ttlSeconds = 3600): Promise<string> {
    return new SignJWT({ roles: claims.roles, region: claims.region, name: claims.name, org: claims.org, expert: claims.expert })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub)
      .setIssuer(this.config.jwtIssuer)
      .setAudience(this.config.jwtAudience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.secret);
  }
}

/** Validates Zhuli's claims: known roles and a region scope are required. */
export function principalFromClaims(c: ZhuliClaims): Principal {
  if (!c.sub) throw unauthenticated('Token has no subject');
  const roles = (Array.isArray(c.roles) ? c.roles : []).filter((r): r is Role => Object.values(Role).includes(r as Role));
  if (!roles.length) throw unauthenticated('Token carries no known role');
  if (typeof c.region !== 'string' || !/^\d{6}(\d{3}){0,2}$/.test(c.region)) throw unauthenticated('Token carries no region scope (claim "region")');
  return {
    kind: 'USER',
    subject: c.sub,
    name: c.name,
    roles,
    regionCode: c.region,
    scopePrefix: scopePrefixOf(c.region),
    organizationId: c.org,
    expertId: c.expert,
    expiresAt: c.exp,
  };
}

/** Scope prefix of a region claim ('' for the whole country). */
export function scopePrefixOf(region: string): string {
  return region === NATIONAL_REGION ? '' : regionPrefix(region);
}
