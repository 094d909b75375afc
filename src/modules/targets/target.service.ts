import type { DataSource, EntityManager } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { COORDINATORS, hasRole, type Actor } from '../../graphql/principal';
import { regionPrefix, type Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import { RegionLevel, type Region } from '../regions/region.entity';
import type { RegionService } from '../regions/region.service';
import type { Indicator } from './indicator';
import { Target } from './target.entity';
import type { SetTargetInput, SplitTargetInput, TargetFilter } from './target.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Regions that carry targets: the associations that are assessed (province, city, county). */
const TARGET_LEVELS: readonly RegionLevel[] = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY];

/** What the children of a target add up to (computed in SQL). */
export interface ChildrenSum {
  sum: number;
  /** How many direct children have a target for the same year and indicator. */
  count: number;
}

/**
 * Targets (目标任务) per region, year and indicator: set by the association of the region or one above it
 * (its scope covers the region), split down to the children in one all-or-nothing call, audited.
 */
export class TargetService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly regions: RegionService,
  ) {}

  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<Target | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: Target[] = [];
    if (valid.length) {
      const s = scope.sql('t.regionCode');
      rows = await this.ds.getRepository(Target).createQueryBuilder('t').where('t.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  async list(scope: Scope, filter: TargetFilter | null | undefined, page: PageArgs): Promise<Page<Target>> {
    const qb = this.ds.getRepository(Target).createQueryBuilder('t');
    const s = scope.sql('t.regionCode');
    qb.where(s.where, s.params);
    if (filter?.within) qb.andWhere('t.regionCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
    if (filter?.parentCode) qb.andWhere('t.regionCode IN (SELECT r.code FROM region r WHERE r."parentCode" = :parentCode)', { parentCode: filter.parentCode });
    if (filter?.year != null) qb.andWhere('t.year = :year', { year: filter.year });
    if (filter?.indicators?.length) qb.andWhere('t.indicator IN (:...indicators)', { indicators: filter.indicators });
    return paginate(qb, page, { column: 't.regionCode', value: (t) => t.regionCode, direction: 'ASC', idColumn: 't.id', idValue: (t) => t.id });
  }

  /** Sum of the direct children's targets (same year and indicator) of many targets, one statement. */
  async childrenSums(ids: readonly string[]): Promise<ChildrenSum[]> {
    const rows: Array<{ id: string; sum: string; count: number }> = await this.ds.query(
      `SELECT t.id, COALESCE(SUM(c.value), 0)::text AS sum, COUNT(c.id)::int AS count
         FROM target t
         JOIN region r ON r."parentCode" = t."regionCode"
         JOIN target c ON c."regionCode" = r.code AND c.year = t.year AND c.indicator = t.indicator
        WHERE t.id = ANY($1::uuid[])
        GROUP BY t.id`,
      [[...ids]],
    );
    const map = new Map(rows.map((r) => [r.id, { sum: Number(r.sum), count: r.count }]));
    return ids.map((id) => map.get(id) ?? { sum: 0, count: 0 });
  }

  /** The targets of regions for one year (all indicators), for statistics and assessments. */
  async forRegions(codes: readonly string[], year: number): Promise<Array<{ regionCode: string; indicator: Indicator; value: number }>> {
    if (!codes.length) return [];
    return this.ds.query(`SELECT "regionCode", indicator::text AS indicator, value FROM target WHERE year = $1 AND "regionCode" = ANY($2::text[])`, [year, [...codes]]);
  }

  async set(actor: Actor, scope: Scope, input: SetTargetInput): Promise<Target> {
    requireCoordinator(actor);
    await this.targetRegion(scope, input.regionCode, ['input', 'regionCode']);
    return this.ds.transaction(async (em) => {
      const existing = await em.findOne(Target, { where: { regionCode: input.regionCode, year: input.year, indicator: input.indicator }, lock: { mode: 'pessimistic_write' } });
      if (input.version != null && (existing?.version ?? 0) !== input.version) {
        throw new DomainError(UserErrorCode.VERSION_CONFLICT, existing ? `Target is at version ${existing.version}, you sent ${input.version}` : 'The target does not exist yet; omit version to create it', ['input', 'version']);
      }
      return this.write(em, actor, existing, input.regionCode, input.year, input.indicator, input.value, 'setTarget');
    });
  }

  async split(actor: Actor, scope: Scope, input: SplitTargetInput): Promise<{ parent: Target; targets: Target[] }> {
    requireCoordinator(actor);
    const parentRegion = await this.targetRegion(scope, input.regionCode, ['input', 'regionCode']);
    if (parentRegion.level === RegionLevel.COUNTY) throw new DomainError(UserErrorCode.VALIDATION, 'County targets are not split further (targets go down to counties)', ['input', 'regionCode']);
    const codes = input.parts.map((p) => p.regionCode);
    const regions = await this.regions.byCodes(codes);
    const errors: DomainError[] = [];
    const seen = new Set<string>();
    input.parts.forEach((p, i) => {
      const r = regions[i];
      const at = ['input', 'parts', String(i), 'regionCode'];
      if (seen.has(p.regionCode)) errors.push(new DomainError(UserErrorCode.VALIDATION, `Region ${p.regionCode} is listed twice`, at));
      seen.add(p.regionCode);
      if (!r || r.parentCode !== parentRegion.code) errors.push(new DomainError(UserErrorCode.VALIDATION, `Region ${p.regionCode} is not a direct child of ${parentRegion.code} (${parentRegion.name})`, at));
    });
    if (errors.length) throw new DomainError(errors[0].code, errors[0].message, errors[0].field, errors.slice(1));
    return this.ds.transaction(async (em) => {
      // The parent row is locked: concurrent splits of the same target queue here, so the sum check holds.
      const parent = await em.findOne(Target, { where: { regionCode: parentRegion.code, year: input.year, indicator: input.indicator }, lock: { mode: 'pessimistic_write' } });
      if (!parent) throw new DomainError(UserErrorCode.INVALID_STATE, `${parentRegion.name} (${parentRegion.code}) has no ${input.indicator} target for ${input.year}; set it first`, ['input', 'regionCode']);
      const [{ others }] = await em.query(
        `SELECT COALESCE(SUM(c.value), 0)::int AS others FROM target c JOIN region r ON r.code = c."regionCode"
          WHERE r."parentCode" = $1 AND c.year = $2 AND c.indicator = $3 AND NOT (c."regionCode" = ANY($4::text[]))`,
        [parentRegion.code, input.year, input.indicator, codes],
      );
      const total = others + input.parts.reduce((a, p) => a + p.value, 0);
      if (total > parent.value) {
        throw new DomainError(
          UserErrorCode.LIMIT_EXCEEDED,
          `The children's ${input.indicator} targets would add up to ${total} (${others} already set for children not listed), more than ${parentRegion.name}'s ${parent.value}`,
          ['input', 'parts'],
        );
      }
      const existing = await em.getRepository(Target).createQueryBuilder('t').setLock('pessimistic_write')
        .where('t.regionCode IN (:...codes) AND t.year = :year AND t.indicator = :indicator', { codes, year: input.year, indicator: input.indicator }).getMany();
      const byCode = new Map(existing.map((t) => [t.regionCode, t]));
      const targets: Target[] = [];
      for (const p of input.parts) targets.push(await this.write(em, actor, byCode.get(p.regionCode) ?? null, p.regionCode, input.year, input.indicator, p.value, 'splitTarget'));
      return { parent, targets };
    });
  }

  /** A province, city or county inside the scope; NOT_FOUND / VALIDATION / FORBIDDEN otherwise. */
  private async targetRegion(scope: Scope, code: string, field: string[]): Promise<Region> {
    const [region] = await this.regions.byCodes([code]);
    if (!region) throw new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${code}`, field);
    if (!TARGET_LEVELS.includes(region.level)) throw new DomainError(UserErrorCode.VALIDATION, `Targets are set for provinces, cities and counties, not a ${region.level}`, field);
    if (!scope.covers(code)) throw new DomainError(UserErrorCode.FORBIDDEN, `${region.name} (${code}) is outside your region scope`, field);
    return region;
  }

  private async write(em: EntityManager, actor: Actor, existing: Target | null, regionCode: string, year: number, indicator: Indicator, value: number, operation: string): Promise<Target> {
    if (existing && existing.value === value) return existing;
    const before = existing ? { value: existing.value } : null;
    const t = existing ?? em.create(Target, { regionCode, year, indicator });
    t.value = value;
    t.setBy = actor.principal.subject;
    const saved = await em.save(t);
    await this.audit.record(em, actor, { operation, entityType: 'Target', entityId: saved.id, regionCode, before, after: { regionCode, year, indicator, value } });
    return saved;
  }
}

function requireCoordinator(actor: Actor): void {
  if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators set targets');
}
