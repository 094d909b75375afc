import { In, type DataSource } from 'typeorm';
import { entityJsonSql } from '../../db/entity-json';
import type { AuditPort } from '../../db/audit-port';
import { changed, snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { COORDINATORS, hasRole, type Actor } from '../../graphql/principal';
import { regionPrefix, Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import { CountyPairing } from './county-pairing.entity';
import { PovertyDesignation, Region, RegionLevel } from './region.entity';
import { RegionOrderField, type CreateCountyPairingInput, type RegionFilter, type RegionOrder, type UpdateRegionPovertyInput } from './region.types';

/** Codes of the ancestors of a region, province first, derived from the code itself. */
export function ancestorCodes(code: string): string[] {
  const out: string[] = [];
  if (code.length >= 6) {
    const province = `${code.slice(0, 2)}0000`;
    const city = `${code.slice(0, 4)}00`;
    const county = code.slice(0, 6);
    if (province !== code) out.push(province);
    if (city !== code && city !== province) out.push(city);
    if (code.length > 6) out.push(county);
    if (code.length > 9) out.push(code.slice(0, 9));
  }
  return out;
}

const POVERTY_FIELDS: Array<keyof Region> = ['povertyDesignation', 'designatedYear', 'povertyExitYear'];

/** Regions (行政区划) and county pairings: public reference data, changed only by coordinators above them. */
export class RegionService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
  ) {}

  /**
   * SQL (a json array, null for none) of the regions whose codes are in the SQL array `codesSql` and of their ancestors
   * (ancestorCodes, in SQL), each once: what regionByCode reads and primes for those codes, for a statement that reads
   * them with other rows (src/graphql/preload.ts).
   */
  withAncestorsJsonSql(codesSql: string): string {
    return `(SELECT json_agg(${entityJsonSql(this.ds, Region, 'r')}) FROM region r WHERE r.code IN (
              SELECT a FROM unnest(${codesSql}) c,
                LATERAL (VALUES (c), (left(c, 2) || '0000'), (left(c, 4) || '00'), (CASE WHEN length(c) > 6 THEN left(c, 6) END), (CASE WHEN length(c) > 9 THEN left(c, 9) END)) x(a)))`;
  }

  async byCodes(codes: readonly string[]): Promise<Array<Region | null>> {
    const rows = await this.ds.getRepository(Region).findBy({ code: In([...codes]) });
    const map = new Map(rows.map((r) => [r.code, r]));
    return codes.map((c) => map.get(c) ?? null);
  }

  async pairingsByIds(ids: readonly string[]): Promise<Array<CountyPairing | null>> {
    const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    const rows = valid.length ? await this.ds.getRepository(CountyPairing).findBy({ id: In(valid) }) : [];
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  async list(filter: RegionFilter | null | undefined, order: RegionOrder | null | undefined, page: PageArgs): Promise<Page<Region>> {
    const qb = this.ds.getRepository(Region).createQueryBuilder('r');
    if (filter?.parentCode != null) qb.andWhere('r.parentCode = :parentCode', { parentCode: filter.parentCode });
    if (filter?.within != null) qb.andWhere('r.code LIKE :within', { within: `${regionPrefix(filter.within)}%` });
    if (filter?.level != null) qb.andWhere('r.level = :level', { level: filter.level });
    if (filter?.povertyDesignation?.length) qb.andWhere('r.povertyDesignation IN (:...pd)', { pd: filter.povertyDesignation });
    if (filter?.nameContains) qb.andWhere('r.name LIKE :name', { name: `%${escapeLike(filter.nameContains)}%` });
    const byName = order?.field === RegionOrderField.NAME;
    return paginate(qb, page, {
      column: byName ? 'r.name' : 'r.code',
      value: (r) => (byName ? r.name : r.code),
      direction: order?.direction ?? 'ASC',
      idColumn: 'r.code',
      idValue: (r) => r.code,
    });
  }

  async createPairing(actor: Actor, scope: Scope, input: CreateCountyPairingInput): Promise<CountyPairing> {
    if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators record county pairings');
    if (input.helperCode === input.helpedCode) throw new DomainError(UserErrorCode.VALIDATION, 'A county cannot pair with itself', ['input', 'helpedCode']);
    if (input.endDate && input.endDate < input.startDate) throw new DomainError(UserErrorCode.VALIDATION, 'endDate is before startDate', ['input', 'endDate']);
    const [helper, helped] = await this.byCodes([input.helperCode, input.helpedCode]);
    const errors: DomainError[] = [];
    if (!helper || helper.level !== RegionLevel.COUNTY) errors.push(new DomainError(UserErrorCode.NOT_FOUND, `No county with code ${input.helperCode}`, ['input', 'helperCode']));
    if (!helped || helped.level !== RegionLevel.COUNTY) errors.push(new DomainError(UserErrorCode.NOT_FOUND, `No county with code ${input.helpedCode}`, ['input', 'helpedCode']));
    if (errors.length) throw new DomainError(errors[0].code, errors[0].message, errors[0].field, errors.slice(1));
    if (!scope.covers(input.helpedCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The helped county is outside your region scope', ['input', 'helpedCode']);
    return this.ds.transaction(async (em) => {
      const saved = await em.save(em.create(CountyPairing, { ...input, endDate: input.endDate ?? null }));
      await this.audit.record(em, actor, {
        operation: 'createCountyPairing',
        entityType: 'CountyPairing',
        entityId: saved.id,
        regionCode: saved.helpedCode,
        after: snapshot(saved, ['helperCode', 'helpedCode', 'basis', 'startDate', 'endDate']),
      });
      return saved;
    });
  }

  async updatePoverty(actor: Actor, scope: Scope, input: UpdateRegionPovertyInput): Promise<Region> {
    if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators change poverty designations');
    return this.ds.transaction(async (em) => {
      const region = await em.findOne(Region, { where: { code: input.code }, lock: { mode: 'pessimistic_write' } });
      if (!region) throw new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${input.code}`, ['input', 'code']);
      if (!scope.covers(region.code) || regionPrefix(region.code) === scope.prefix) {
        throw new DomainError(UserErrorCode.FORBIDDEN, 'Designations are changed by the association above the region, within its scope', ['input', 'code']);
      }
      if (region.version !== input.version) {
        throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Region is at version ${region.version}, you sent ${input.version}`, ['input', 'version']);
      }
      const countyLevel = [PovertyDesignation.NATIONAL, PovertyDesignation.PROVINCIAL].includes(input.povertyDesignation);
      if (countyLevel && region.level !== RegionLevel.COUNTY) throw new DomainError(UserErrorCode.VALIDATION, 'Only counties are national or provincial poor counties', ['input', 'povertyDesignation']);
      if (input.povertyDesignation === PovertyDesignation.POOR_VILLAGE && region.level !== RegionLevel.VILLAGE) {
        throw new DomainError(UserErrorCode.VALIDATION, 'Only villages are registered poor villages', ['input', 'povertyDesignation']);
      }
      const before = snapshot(region, POVERTY_FIELDS);
      region.povertyDesignation = input.povertyDesignation;
      region.designatedYear = input.designatedYear ?? null;
      region.povertyExitYear = input.povertyExitYear ?? null;
      if (region.povertyExitYear !== null && region.designatedYear !== null && region.povertyExitYear < region.designatedYear) {
        throw new DomainError(UserErrorCode.VALIDATION, 'povertyExitYear is before designatedYear', ['input', 'povertyExitYear']);
      }
      const saved = await em.save(region);
      await this.audit.record(em, actor, {
        operation: 'updateRegionPoverty',
        entityType: 'Region',
        entityId: region.code,
        regionCode: region.code,
        ...changed(before, snapshot(saved, POVERTY_FIELDS)),
      });
      return saved;
    });
  }
}

/** Escapes LIKE wildcards in user text. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
