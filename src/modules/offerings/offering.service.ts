import type { DataSource, SelectQueryBuilder } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { changed, snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor } from '../../graphql/principal';
import { regionPrefix, Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import type { ExpertService } from '../experts/expert.service';
import { RegistryStatus } from '../organizations/organization.entity';
import type { OrganizationService } from '../organizations/organization.service';
import type { RegionService } from '../regions/region.service';
import { ServiceOffering } from './offering.entity';
import type { CreateServiceOfferingInput, ServiceOfferingFilter, UpdateServiceOfferingInput } from './offering.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUDITED: Array<keyof ServiceOffering> = ['organizationId', 'expertId', 'providerRegionCode', 'title', 'description', 'categories', 'modes', 'regionCodes', 'capacity', 'activeFrom', 'activeTo', 'status'];

/**
 * SQL condition: the offering is visible in the scope when its provider's region is inside it, or one of the
 * regions it serves overlaps it (inside the scope, or containing it) — a county coordinator sees the provincial
 * society's offering that serves the whole province.
 */
export function offeringScopeSql(scope: Scope, alias: string): { where: string; params: Record<string, string> } {
  if (scope.prefix === null) return { where: 'FALSE', params: {} };
  if (scope.prefix === '') return { where: 'TRUE', params: {} };
  return {
    where: `(${alias}."providerRegionCode" LIKE :offScopeLike OR EXISTS (SELECT 1 FROM unnest(${alias}."servedPrefixes") sp WHERE sp LIKE :offScopeLike OR :offScopeRaw LIKE sp || '%'))`,
    params: { offScopeLike: `${scope.prefix}%`, offScopeRaw: scope.prefix },
  };
}

/** The `CATEGORY:prefix` pairs an offering is found by (see ServiceOffering.matchKeys). */
export function offeringMatchKeys(categories: readonly string[], servedPrefixes: readonly string[]): string[] {
  return categories.flatMap((c) => servedPrefixes.map((p) => `${c}:${p}`));
}

/** Service offerings (科技服务) of organizations and experts. */
export class OfferingService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly regions: RegionService,
    private readonly organizations: OrganizationService,
    private readonly experts: ExpertService,
  ) {}

  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<ServiceOffering | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: ServiceOffering[] = [];
    if (valid.length) {
      const s = offeringScopeSql(scope, 'o');
      rows = await this.ds.getRepository(ServiceOffering).createQueryBuilder('o').where('o.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /** One offering regardless of scope (matching checks who may act on it). */
  async findAnywhere(id: string): Promise<ServiceOffering | null> {
    return UUID.test(id) ? this.ds.getRepository(ServiceOffering).findOneBy({ id }) : null;
  }

  async list(scope: Scope, filter: ServiceOfferingFilter | null | undefined, page: PageArgs): Promise<Page<ServiceOffering>> {
    const qb = this.ds.getRepository(ServiceOffering).createQueryBuilder('o');
    const s = offeringScopeSql(scope, 'o');
    qb.where(s.where, s.params);
    applyFilter(qb, filter);
    return paginate(qb, page, { column: 'o.createdAt', value: (o) => o.createdAt, direction: 'DESC', idColumn: 'o.id', idValue: (o) => o.id });
  }

  async create(actor: Actor, scope: Scope, input: CreateServiceOfferingInput): Promise<ServiceOffering> {
    if (!!input.organizationId === !!input.expertId) throw new DomainError(UserErrorCode.VALIDATION, 'Give exactly one provider: organizationId or expertId', ['input', input.organizationId ? 'expertId' : 'organizationId']);
    const provider = await this.provider(input.organizationId ?? null, input.expertId ?? null);
    if (!this.mayManage(actor, scope, provider)) throw new DomainError(UserErrorCode.FORBIDDEN, 'You may not manage offerings of this provider (not yours, or outside your region scope)', ['input', input.organizationId ? 'organizationId' : 'expertId']);
    const regionCodes = await this.checkRegions(input.regionCodes);
    checkPeriod(input.activeFrom, input.activeTo ?? null);
    return this.ds.transaction(async (em) => {
      const saved = await em.save(
        em.create(ServiceOffering, {
          organizationId: provider.organizationId,
          expertId: provider.expertId,
          providerRegionCode: provider.regionCode,
          title: input.title.trim(),
          description: input.description?.trim() || null,
          categories: [...new Set(input.categories)],
          modes: [...new Set(input.modes)],
          regionCodes,
          servedPrefixes: regionCodes.map(regionPrefix),
          matchKeys: offeringMatchKeys([...new Set(input.categories)], regionCodes.map(regionPrefix)),
          capacity: input.capacity,
          activeFrom: input.activeFrom,
          activeTo: input.activeTo ?? null,
          status: RegistryStatus.ACTIVE,
        }),
      );
      await this.audit.record(em, actor, { operation: 'createServiceOffering', entityType: 'ServiceOffering', entityId: saved.id, regionCode: saved.providerRegionCode, after: snapshot(saved, AUDITED) });
      return saved;
    });
  }

  async update(actor: Actor, scope: Scope, input: UpdateServiceOfferingInput): Promise<ServiceOffering> {
    const id = uuidOf(input.id, 'ServiceOffering');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No service offering with this ID', ['input', 'id']);
    const regionCodes = input.regionCodes != null ? await this.checkRegions(input.regionCodes) : null;
    return this.ds.transaction(async (em) => {
      const o = await em.findOne(ServiceOffering, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!o) throw new DomainError(UserErrorCode.NOT_FOUND, 'No service offering with this ID', ['input', 'id']);
      if (!this.mayManage(actor, scope, { organizationId: o.organizationId, expertId: o.expertId, regionCode: o.providerRegionCode })) {
        throw new DomainError(UserErrorCode.FORBIDDEN, 'You may not change this offering (not yours, or outside your region scope)', ['input', 'id']);
      }
      if (o.version !== input.version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Offering is at version ${o.version}, you sent ${input.version}`, ['input', 'version']);
      const before = snapshot(o, AUDITED);
      if (input.title != null) o.title = input.title.trim();
      if (input.description !== undefined) o.description = input.description?.trim() || null;
      if (input.categories != null) o.categories = [...new Set(input.categories)];
      if (input.modes != null) o.modes = [...new Set(input.modes)];
      if (regionCodes) {
        o.regionCodes = regionCodes;
        o.servedPrefixes = regionCodes.map(regionPrefix);
      }
      o.matchKeys = offeringMatchKeys(o.categories, o.servedPrefixes);
      if (input.capacity != null) o.capacity = input.capacity;
      if (input.activeFrom != null) o.activeFrom = input.activeFrom;
      if (input.activeTo !== undefined) o.activeTo = input.activeTo;
      if (input.status != null) o.status = input.status;
      checkPeriod(o.activeFrom, o.activeTo);
      const diff = changed(before, snapshot(o, AUDITED));
      if (!Object.keys(diff.after).length) return o;
      const saved = await em.save(o);
      await this.audit.record(em, actor, { operation: 'updateServiceOffering', entityType: 'ServiceOffering', entityId: o.id, regionCode: o.providerRegionCode, ...diff });
      return saved;
    });
  }

  /** Whether the actor may manage a provider's offerings: coordinators covering its region, or the provider itself. */
  mayManage(actor: Actor, scope: Scope, provider: { organizationId: string | null; expertId: string | null; regionCode: string }): boolean {
    const p = actor.principal;
    if (hasRole(p, ...COORDINATORS) && scope.covers(provider.regionCode)) return true;
    if (provider.organizationId && hasRole(p, Role.ORGANIZATION_MANAGER) && p.organizationId === provider.organizationId) return true;
    return !!provider.expertId && hasRole(p, Role.EXPERT) && p.expertId === provider.expertId;
  }

  private async provider(orgGlobalId: string | null, expertGlobalId: string | null): Promise<{ organizationId: string | null; expertId: string | null; regionCode: string }> {
    if (orgGlobalId) {
      const key = uuidOf(orgGlobalId, 'Organization');
      const org = key ? await this.organizations.findAnywhere(key) : null;
      if (!org) throw new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', ['input', 'organizationId']);
      if (org.status !== RegistryStatus.ACTIVE) throw new DomainError(UserErrorCode.INVALID_STATE, 'The organization is ARCHIVED', ['input', 'organizationId']);
      return { organizationId: org.id, expertId: null, regionCode: org.regionCode };
    }
    const key = uuidOf(expertGlobalId as string, 'Expert');
    const [expert] = key ? await this.experts.byIds(Scope.everything, [key]) : [null];
    if (!expert) throw new DomainError(UserErrorCode.NOT_FOUND, 'No expert with this ID', ['input', 'expertId']);
    if (expert.status !== RegistryStatus.ACTIVE) throw new DomainError(UserErrorCode.INVALID_STATE, 'The expert is ARCHIVED', ['input', 'expertId']);
    return { organizationId: null, expertId: expert.id, regionCode: expert.regionCode };
  }

  private async checkRegions(codes: string[]): Promise<string[]> {
    const unique = [...new Set(codes)];
    const found = await this.regions.byCodes(unique);
    const missing = unique.filter((_c, i) => !found[i]);
    if (missing.length) throw new DomainError(UserErrorCode.NOT_FOUND, `Unknown region codes: ${missing.join(', ')}`, ['input', 'regionCodes']);
    return unique;
  }
}

function checkPeriod(from: string, to: string | null): void {
  for (const [name, d] of [['activeFrom', from], ['activeTo', to]] as const) {
    if (d !== null && (Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d)) {
      throw new DomainError(UserErrorCode.VALIDATION, `${name} is not a calendar date`, ['input', name]);
    }
  }
  if (to !== null && to < from) throw new DomainError(UserErrorCode.VALIDATION, 'activeTo is before activeFrom', ['input', 'activeTo']);
}

function applyFilter(qb: SelectQueryBuilder<ServiceOffering>, f: ServiceOfferingFilter | null | undefined): void {
  if (!f) return;
  if (f.categories?.length) qb.andWhere('o.categories && CAST(:cats AS service_category[])', { cats: f.categories });
  if (f.modes?.length) qb.andWhere('o.modes && CAST(:modes AS service_mode[])', { modes: f.modes });
  if (f.serving) qb.andWhere(`EXISTS (SELECT 1 FROM unnest(o."servedPrefixes") sp2 WHERE :serving LIKE sp2 || '%')`, { serving: f.serving });
  if (f.organizationId) qb.andWhere('o.organizationId = :oid', { oid: uuidOf(f.organizationId, 'Organization') ?? '00000000-0000-0000-0000-000000000000' });
  if (f.expertId) qb.andWhere('o.expertId = :eid', { eid: uuidOf(f.expertId, 'Expert') ?? '00000000-0000-0000-0000-000000000000' });
  if (f.status) qb.andWhere('o.status = :ostatus', { ostatus: f.status });
  if (f.activeToday) qb.andWhere(`o.status = 'ACTIVE' AND o.activeFrom <= CURRENT_DATE AND (o.activeTo IS NULL OR o.activeTo >= CURRENT_DATE)`);
}
