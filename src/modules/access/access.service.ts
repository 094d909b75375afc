import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { In, type DataSource } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { keyOf } from '../../graphql/node';
import { Role, hasRole, type Actor, type Principal } from '../../graphql/principal';
import type { Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import type { ApiKeyVerifier } from '../../server/auth';
import { NATIONAL_REGION, scopePrefixOf } from '../../server/auth';
import type { RegionService } from '../regions/region.service';
import { escapeLike } from '../regions/region.service';
import { ApiKey } from './api-key.entity';
import type { ApiKeyFilter, CreateApiKeyInput, RevokeApiKeyInput } from './access.types';

/** Roles that may create and revoke API keys (within their scope). */
export const KEY_ADMINS = [Role.NATIONAL_ADMIN, Role.PROVINCIAL_COORDINATOR] as const;

/** Rank of a role for "cannot grant a role above your own": read-only roles rank with the lowest coordinator. */
const RANK: Record<Role, number> = {
  [Role.NATIONAL_ADMIN]: 4,
  [Role.PROVINCIAL_COORDINATOR]: 3,
  [Role.CITY_COORDINATOR]: 2,
  [Role.COUNTY_COORDINATOR]: 1,
  [Role.ANALYST]: 1,
  [Role.AUDITOR]: 1,
  [Role.ORGANIZATION_MANAGER]: 99,
  [Role.EXPERT]: 99,
};

const KEY_FORMAT = /^zk_([0-9a-f]{12})_([A-Za-z0-9_-]{32,64})$/;
const TOUCH_INTERVAL_MS = 60_000;
const AUDITED: Array<keyof ApiKey> = ['name', 'roles', 'regionCode', 'prefix', 'revokedAt', 'revokedBy', 'revokeReason'];

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Service accounts and their API keys: creation (secret shown once), revocation, listing, verification. */
export class AccessService implements ApiKeyVerifier {
  /** When each key's lastUsedAt was last written by this process (so it is written at most once a minute). */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly regions: RegionService,
  ) {}

  /** Principal of an API key, or null when it is malformed, unknown or revoked (the caller answers 401). */
  async verify(key: string): Promise<Principal | null> {
    const m = KEY_FORMAT.exec(key.trim());
    if (!m) return null;
    const row = await this.ds.getRepository(ApiKey).findOne({ where: { prefix: `zk_${m[1]}` } });
    if (!row || row.revokedAt) return null;
    const expected = Buffer.from(row.secretHash, 'hex');
    const actual = Buffer.from(sha256(key.trim()), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    const now = Date.now();
    if (now - (this.touched.get(row.id) ?? 0) >= TOUCH_INTERVAL_MS) {
      this.touched.set(row.id, now);
      // Other instances may have touched it: the condition keeps the write rate at one a minute per key overall.
      await this.ds.query(`UPDATE api_key SET "lastUsedAt" = now() WHERE id = $1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 minute')`, [row.id]);
    }
    return {
      kind: 'SERVICE_ACCOUNT',
      subject: `apikey:${row.id}`,
      name: row.name,
      roles: row.roles,
      regionCode: row.regionCode,
      scopePrefix: scopePrefixOf(row.regionCode),
      apiKeyId: row.id,
    };
  }

  async create(actor: Actor, scope: Scope, input: CreateApiKeyInput): Promise<{ apiKey: ApiKey; secret: string }> {
    const p = actor.principal;
    if (!hasRole(p, ...KEY_ADMINS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only national admins and provincial coordinators create API keys');
    const ownRank = Math.max(...p.roles.filter((r) => (KEY_ADMINS as readonly Role[]).includes(r)).map((r) => RANK[r]));
    const tooHigh = input.roles.filter((r) => RANK[r] > ownRank);
    if (tooHigh.length) throw new DomainError(UserErrorCode.FORBIDDEN, `You cannot grant roles above your own: ${tooHigh.join(', ')}`, ['input', 'roles']);
    if (input.regionCode === NATIONAL_REGION) {
      if (scope.prefix !== '') throw new DomainError(UserErrorCode.FORBIDDEN, 'Only national scope can create a nationwide key', ['input', 'regionCode']);
    } else {
      if (!scope.covers(input.regionCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The key\'s region is outside your region scope', ['input', 'regionCode']);
      const [region] = await this.regions.byCodes([input.regionCode]);
      if (!region) throw new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${input.regionCode}`, ['input', 'regionCode']);
    }
    const id = randomUUID();
    const prefix = `zk_${id.replace(/-/g, '').slice(0, 12)}`;
    const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
    return this.ds.transaction(async (em) => {
      const apiKey = em.create(ApiKey, {
        id,
        name: input.name.trim(),
        roles: [...new Set(input.roles)],
        regionCode: input.regionCode,
        prefix,
        secretHash: sha256(secret),
        createdBy: p.subject,
        lastUsedAt: null,
        revokedAt: null,
        revokedBy: null,
        revokeReason: null,
      });
      await em.insert(ApiKey, apiKey);
      const saved = await em.findOneByOrFail(ApiKey, { id });
      await this.audit.record(em, actor, {
        operation: 'createApiKey',
        entityType: 'ApiKey',
        entityId: id,
        regionCode: auditRegion(saved.regionCode),
        after: snapshot(saved, AUDITED),
      });
      return { apiKey: saved, secret };
    });
  }

  async revoke(actor: Actor, scope: Scope, input: RevokeApiKeyInput): Promise<ApiKey> {
    if (!hasRole(actor.principal, ...KEY_ADMINS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only national admins and provincial coordinators revoke API keys');
    const id = rawKeyId(input.id);
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No API key with this id', ['input', 'id']);
    return this.ds.transaction(async (em) => {
      const key = await em.findOne(ApiKey, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw new DomainError(UserErrorCode.NOT_FOUND, 'No API key with this id', ['input', 'id']);
      if (!coversKey(scope, key)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The key is outside your region scope', ['input', 'id']);
      if (key.revokedAt) throw new DomainError(UserErrorCode.INVALID_STATE, 'The key is already revoked', ['input', 'id']);
      const before = snapshot(key, ['revokedAt', 'revokedBy', 'revokeReason']);
      await em.update(ApiKey, { id }, { revokedAt: () => 'now()', revokedBy: actor.principal.subject, revokeReason: input.reason.trim() } as never);
      const saved = await em.findOneByOrFail(ApiKey, { id });
      await this.audit.record(em, actor, {
        operation: 'revokeApiKey',
        entityType: 'ApiKey',
        entityId: id,
        regionCode: auditRegion(saved.regionCode),
        before,
        after: snapshot(saved, ['revokedAt', 'revokedBy', 'revokeReason']),
      });
      this.touched.delete(id);
      return saved;
    });
  }

  /** Keys whose region lies in the scope (nationwide keys only for national scope), newest first. */
  async list(scope: Scope, filter: ApiKeyFilter | null | undefined, page: PageArgs): Promise<Page<ApiKey>> {
    const qb = this.ds.getRepository(ApiKey).createQueryBuilder('k');
    const s = scope.sql('k.regionCode');
    qb.where(s.where, s.params);
    if (!filter?.includeRevoked) qb.andWhere('k.revokedAt IS NULL');
    if (filter?.nameContains) qb.andWhere('k.name LIKE :name', { name: `%${escapeLike(filter.nameContains)}%` });
    return paginate(qb, page, { column: 'k.createdAt', value: (k) => k.createdAt, direction: 'DESC', idColumn: 'k.id', idValue: (k) => k.id });
  }

  /** Keys by raw id, null where unknown or outside the scope (for `node`). */
  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<ApiKey | null>> {
    const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    const qb = this.ds.getRepository(ApiKey).createQueryBuilder('k').where({ id: In(valid.length ? valid : ['00000000-0000-0000-0000-000000000000']) });
    const s = scope.sql('k.regionCode');
    qb.andWhere(s.where, s.params);
    const rows = await qb.getMany();
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }
}

/** Accepts a key's global ID or raw UUID. */
function rawKeyId(id: string): string | null {
  const raw = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id : keyOf(id, 'ApiKey');
  return raw && /^[0-9a-f-]{36}$/i.test(raw) ? raw.toLowerCase() : null;
}

function coversKey(scope: Scope, key: ApiKey): boolean {
  return scope.prefix === '' || (key.regionCode !== NATIONAL_REGION && scope.covers(key.regionCode));
}

/** Audit events of nationwide keys carry no region (visible to national scope only). */
function auditRegion(code: string): string | null {
  return code === NATIONAL_REGION ? null : code;
}
