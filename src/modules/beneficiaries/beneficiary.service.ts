import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { changed, snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { maskIdNumber, maskName } from '../../graphql/masking';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, type Actor } from '../../graphql/principal';
import { regionPrefix, type Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode, type UserError } from '../../graphql/user-error';
import { Household, HouseholdStatus, MAX_HOUSEHOLD_LIST, PovertyCause } from './household.entity';
import { isValidIdNumber } from './id-number';
import { PoorVillage } from './poor-village.entity';
import {
  HouseholdOrderField,
  ImportOutcome,
  MAX_IMPORT_ROWS,
  type HouseholdFilter,
  type HouseholdImportRow,
  type HouseholdOrder,
  type ImportHouseholdsInput,
  type ImportPoorVillagesInput,
  type ImportRowResult,
  type PoorVillageFilter,
  type PoorVillageImportRow,
  type UpdateHouseholdInput,
  type UpdatePoorVillageInput,
} from './beneficiary.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REGISTRY_NUMBER = /^[0-9A-Z]{6,30}$/;
const VILLAGE_CODE = /^\d{12}$/;
const CAUSES = new Set<string>(Object.values(PovertyCause));
const STATUSES = new Set<string>(Object.values(HouseholdStatus));
const VILLAGE_FIELDS: Array<keyof PoorVillage> = ['registeredYear', 'exitYear', 'specialty', 'hasRuralTechAssociation', 'hasNewBusinessEntity', 'hasBrand', 'hasEStation'];
const HOUSEHOLD_FIELDS: Array<keyof Household> = ['villageCode', 'headName', 'headIdNumber', 'size', 'membersAbleToWork', 'povertyCauses', 'status', 'exitYear', 'techniques', 'incomeProjects'];

/** The result of an import batch as the service reports it. */
export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  results: ImportRowResult[];
  failures: ImportRowResult[];
}

/** Audit snapshot of a household (compare these, then mask with `maskedDiff`). */
export function householdAudit(h: Partial<Household>): Record<string, unknown> {
  return snapshot(h as Household, HOUSEHOLD_FIELDS);
}

/** The changed fields of two household snapshots, personal data masked (the trail is read by auditors). */
export function maskedDiff(before: Record<string, unknown>, after: Record<string, unknown>): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const d = changed(before, after);
  for (const side of [d.before, d.after]) {
    if ('headName' in side) side.headName = maskName(side.headName as string);
    if ('headIdNumber' in side) side.headIdNumber = maskIdNumber(side.headIdNumber as string);
  }
  return d;
}

/** A PostgreSQL array literal of text values ({"a","b"}), for bulk statements that pass arrays as text. */
export function pgTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** Normalized household row, ready for the bulk statement. */
export interface HouseholdRowValues {
  registryNumber: string;
  villageCode: string;
  headName: string;
  headIdNumber: string;
  size: number;
  membersAbleToWork: number;
  povertyCauses: PovertyCause[];
  status: HouseholdStatus;
  exitYear: number | null;
  techniques: string[];
  incomeProjects: string[];
}

/**
 * Bulk upsert of households in ONE statement (unnest of column arrays → INSERT … ON CONFLICT DO UPDATE … WHERE
 * changed): rows that differ get version + 1, identical rows are not written. Only rows whose stored village is
 * inside `scopeLike` (a LIKE pattern) are updated. Returns the registry numbers created and updated.
 */
export async function upsertHouseholds(em: EntityManager | DataSource, rows: HouseholdRowValues[], scopeLike = '%'): Promise<{ created: string[]; updated: string[] }> {
  if (!rows.length) return { created: [], updated: [] };
  const cols = {
    r: [] as string[], v: [] as string[], n: [] as string[], i: [] as string[], s: [] as number[], w: [] as number[],
    c: [] as string[], st: [] as string[], ey: [] as Array<number | null>, t: [] as string[], p: [] as string[],
  };
  for (const x of rows) {
    cols.r.push(x.registryNumber);
    cols.v.push(x.villageCode);
    cols.n.push(x.headName);
    cols.i.push(x.headIdNumber);
    cols.s.push(x.size);
    cols.w.push(x.membersAbleToWork);
    cols.c.push(`{${x.povertyCauses.join(',')}}`);
    cols.st.push(x.status);
    cols.ey.push(x.exitYear);
    cols.t.push(pgTextArray(x.techniques));
    cols.p.push(pgTextArray(x.incomeProjects));
  }
  const out: Array<{ registryNumber: string; inserted: boolean }> = await em.query(
    `INSERT INTO household ("registryNumber", "villageCode", "headName", "headIdNumber", size, "membersAbleToWork", "povertyCauses", status, "exitYear", techniques, "incomeProjects")
     SELECT x.r, x.v, x.n, x.i, x.s, x.w, x.c::poverty_cause[], x.st::household_status, x.ey, x.t::text[], x.p::text[]
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::int[], $10::text[], $11::text[])
            AS x(r, v, n, i, s, w, c, st, ey, t, p)
     ON CONFLICT ("registryNumber") DO UPDATE SET
       "villageCode" = EXCLUDED."villageCode", "headName" = EXCLUDED."headName", "headIdNumber" = EXCLUDED."headIdNumber",
       size = EXCLUDED.size, "membersAbleToWork" = EXCLUDED."membersAbleToWork", "povertyCauses" = EXCLUDED."povertyCauses",
       status = EXCLUDED.status, "exitYear" = EXCLUDED."exitYear", techniques = EXCLUDED.techniques, "incomeProjects" = EXCLUDED."incomeProjects",
       version = household.version + 1, "updatedAt" = now()
     WHERE household."villageCode" LIKE $12
       AND (household."villageCode", household."headName", household."headIdNumber", household.size, household."membersAbleToWork",
            household."povertyCauses", household.status, household."exitYear", household.techniques, household."incomeProjects")
           IS DISTINCT FROM
           (EXCLUDED."villageCode", EXCLUDED."headName", EXCLUDED."headIdNumber", EXCLUDED.size, EXCLUDED."membersAbleToWork",
            EXCLUDED."povertyCauses", EXCLUDED.status, EXCLUDED."exitYear", EXCLUDED.techniques, EXCLUDED."incomeProjects")
     RETURNING "registryNumber", (xmax = 0) AS inserted`,
    [cols.r, cols.v, cols.n, cols.i, cols.s, cols.w, cols.c, cols.st, cols.ey, cols.t, cols.p, scopeLike],
  );
  return { created: out.filter((o) => o.inserted).map((o) => o.registryNumber), updated: out.filter((o) => !o.inserted).map((o) => o.registryNumber) };
}

/** Shape and rule checks of one household row; returns the normalized values or the row's errors. */
export function checkHouseholdRow(row: HouseholdImportRow, index: number): { values?: HouseholdRowValues; errors: UserError[] } {
  const errors: UserError[] = [];
  const at = (field: string, message: string, code = UserErrorCode.VALIDATION) => errors.push({ field: ['input', 'rows', String(index), field], message, code });
  const registryNumber = String(row.registryNumber ?? '').trim().toUpperCase();
  if (!REGISTRY_NUMBER.test(registryNumber)) at('registryNumber', 'registryNumber must be 6–30 digits or capital letters');
  const villageCode = String(row.villageCode ?? '').trim();
  if (!VILLAGE_CODE.test(villageCode)) at('villageCode', 'villageCode must be a 12-digit village code');
  const headName = String(row.headName ?? '').trim();
  if (headName.length < 1 || headName.length > 50) at('headName', 'headName must be 1–50 characters');
  const headIdNumber = String(row.headIdNumber ?? '').trim().toUpperCase();
  if (!isValidIdNumber(headIdNumber)) at('headIdNumber', 'headIdNumber must be an 18-character resident ID number with a valid GB 11643 check character');
  const size = row.size;
  if (!Number.isInteger(size) || size < 1 || size > 30) at('size', 'size must be between 1 and 30');
  const labour = row.membersAbleToWork;
  if (!Number.isInteger(labour) || labour < 0 || (Number.isInteger(size) && labour > size)) at('membersAbleToWork', 'membersAbleToWork must be between 0 and size');
  const causes = [...new Set(row.povertyCauses ?? [])];
  if (!causes.length || causes.some((c) => !CAUSES.has(c))) at('povertyCauses', 'povertyCauses needs at least one known cause');
  const status = row.status ?? HouseholdStatus.POOR;
  if (!STATUSES.has(status)) at('status', 'unknown status');
  const exitYear = row.exitYear ?? null;
  if (exitYear !== null && (!Number.isInteger(exitYear) || exitYear < 2000 || exitYear > 2100)) at('exitYear', 'exitYear must be a year between 2000 and 2100');
  if (status === HouseholdStatus.EXITED && exitYear === null) at('exitYear', 'an EXITED household needs its exit year (脱贫年份)');
  if (status === HouseholdStatus.POOR && exitYear !== null) at('exitYear', 'a POOR household has no exit year');
  const techniques = (row.techniques ?? []).map((t) => t.trim()).filter(Boolean);
  if (techniques.length > MAX_HOUSEHOLD_LIST || techniques.some((t) => t.length > 50)) at('techniques', `at most ${MAX_HOUSEHOLD_LIST} techniques of at most 50 characters`);
  const incomeProjects = (row.incomeProjects ?? []).map((t) => t.trim()).filter(Boolean);
  if (incomeProjects.length > MAX_HOUSEHOLD_LIST || incomeProjects.some((t) => t.length > 100)) at('incomeProjects', `at most ${MAX_HOUSEHOLD_LIST} income projects of at most 100 characters`);
  if (errors.length) return { errors };
  return { errors, values: { registryNumber, villageCode, headName, headIdNumber, size, membersAbleToWork: labour, povertyCauses: causes, status, exitYear, techniques, incomeProjects } };
}

/** Registered poor villages and households (建档立卡贫困村/户): read within scope, bulk import, audited updates. */
export class BeneficiaryService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
  ) {}

  /** Village registrations by code; null for unknown or out-of-scope ones (order kept). */
  async villagesByCodes(scope: Scope, codes: readonly string[]): Promise<Array<PoorVillage | null>> {
    const valid = codes.filter((c) => VILLAGE_CODE.test(c));
    let rows: PoorVillage[] = [];
    if (valid.length) {
      const s = scope.sql('v.regionCode');
      rows = await this.ds.getRepository(PoorVillage).createQueryBuilder('v').where('v.regionCode IN (:...codes)', { codes: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.regionCode, r]));
    return codes.map((c) => map.get(c) ?? null);
  }

  /** Households by id; null for unknown or out-of-scope ones (order kept). */
  async householdsByIds(scope: Scope, ids: readonly string[]): Promise<Array<Household | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: Household[] = [];
    if (valid.length) {
      const s = scope.sql('h.villageCode');
      rows = await this.ds.getRepository(Household).createQueryBuilder('h').where('h.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /** One household regardless of scope (services of higher areas check scope themselves). */
  async householdAnywhere(id: string): Promise<Household | null> {
    return UUID.test(id) ? this.ds.getRepository(Household).findOneBy({ id }) : null;
  }

  /** One village registration regardless of scope. */
  async villageAnywhere(code: string): Promise<PoorVillage | null> {
    return VILLAGE_CODE.test(code) ? this.ds.getRepository(PoorVillage).findOneBy({ regionCode: code }) : null;
  }

  async listVillages(scope: Scope, filter: PoorVillageFilter | null | undefined, page: PageArgs): Promise<Page<PoorVillage>> {
    const qb = this.ds.getRepository(PoorVillage).createQueryBuilder('v');
    const s = scope.sql('v.regionCode');
    qb.where(s.where, s.params);
    if (filter?.within) qb.andWhere('v.regionCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
    if (filter?.exited != null) qb.andWhere(filter.exited ? 'v.exitYear IS NOT NULL' : 'v.exitYear IS NULL');
    if (filter?.hasRuralTechAssociation != null) qb.andWhere('v.hasRuralTechAssociation = :rta', { rta: filter.hasRuralTechAssociation });
    if (filter?.hasEStation != null) qb.andWhere('v.hasEStation = :es', { es: filter.hasEStation });
    return paginate(qb, page, { column: 'v.regionCode', value: (v) => v.regionCode, direction: 'ASC', idColumn: 'v.regionCode', idValue: (v) => v.regionCode });
  }

  async listHouseholds(scope: Scope, filter: HouseholdFilter | null | undefined, order: HouseholdOrder | null | undefined, page: PageArgs): Promise<Page<Household>> {
    const qb = this.ds.getRepository(Household).createQueryBuilder('h');
    const s = scope.sql('h.villageCode');
    qb.where(s.where, s.params);
    applyHouseholdFilter(qb, filter);
    const byUpdated = order?.field === HouseholdOrderField.UPDATED_AT;
    return paginate(qb, page, {
      column: byUpdated ? 'h.updatedAt' : 'h.registryNumber',
      value: (h) => (byUpdated ? h.updatedAt : h.registryNumber),
      direction: order?.direction ?? 'ASC',
      idColumn: 'h.id',
      idValue: (h) => h.id,
    });
  }

  /** Bulk upsert of village registrations by village code; also marks the region a registered poor village. */
  async importVillages(actor: Actor, scope: Scope, input: ImportPoorVillagesInput): Promise<ImportResult> {
    requireCoordinator(actor);
    if (input.rows.length > MAX_IMPORT_ROWS) throw new DomainError(UserErrorCode.LIMIT_EXCEEDED, `At most ${MAX_IMPORT_ROWS} rows per call`, ['input', 'rows']);
    const results: ImportRowResult[] = input.rows.map((r, index) => ({ index, key: String(r.villageCode ?? ''), outcome: ImportOutcome.FAILED, errors: [] }));
    const good: Array<{ index: number; row: PoorVillageImportRow }> = [];
    const seen = new Set<string>();
    input.rows.forEach((row, index) => {
      const errs = results[index].errors;
      const at = (field: string, message: string, code = UserErrorCode.VALIDATION) => errs.push({ field: ['input', 'rows', String(index), field], message, code });
      if (!VILLAGE_CODE.test(row.villageCode ?? '')) at('villageCode', 'villageCode must be a 12-digit village code');
      if (!Number.isInteger(row.registeredYear) || row.registeredYear < 1986 || row.registeredYear > 2100) at('registeredYear', 'registeredYear must be a year between 1986 and 2100');
      if (row.exitYear != null && (!Number.isInteger(row.exitYear) || row.exitYear < row.registeredYear || row.exitYear > 2100)) at('exitYear', 'exitYear must be a year not before registeredYear');
      if (row.specialty != null && row.specialty.length > 100) at('specialty', 'specialty is at most 100 characters');
      if (!errs.length && seen.has(row.villageCode)) at('villageCode', `village ${row.villageCode} appears twice in this batch`, UserErrorCode.DUPLICATE);
      if (!errs.length && !scope.covers(row.villageCode)) at('villageCode', `village ${row.villageCode} is outside your region scope`, UserErrorCode.FORBIDDEN);
      if (!errs.length) {
        seen.add(row.villageCode);
        good.push({ index, row });
      }
    });
    const codes = good.map((g) => g.row.villageCode);
    const known = new Set<string>(codes.length ? (await this.ds.query(`SELECT code FROM region WHERE code = ANY($1) AND level = 'VILLAGE'`, [codes])).map((r: { code: string }) => r.code) : []);
    const valid = good.filter((g) => {
      if (known.has(g.row.villageCode)) return true;
      results[g.index].errors.push({ field: ['input', 'rows', String(g.index), 'villageCode'], message: `No village with code ${g.row.villageCode}`, code: UserErrorCode.NOT_FOUND });
      return false;
    });
    const outcome = new Map<string, ImportOutcome>();
    if (valid.length) {
      await this.ds.transaction(async (em) => {
        const v = valid.map((g) => g.row);
        const out: Array<{ regionCode: string; inserted: boolean }> = await em.query(
          `INSERT INTO poor_village ("regionCode", "registeredYear", "exitYear", specialty, "hasRuralTechAssociation", "hasNewBusinessEntity", "hasBrand", "hasEStation")
           SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::bool[], $6::bool[], $7::bool[], $8::bool[])
           ON CONFLICT ("regionCode") DO UPDATE SET "registeredYear" = EXCLUDED."registeredYear", "exitYear" = EXCLUDED."exitYear", specialty = EXCLUDED.specialty,
             "hasRuralTechAssociation" = EXCLUDED."hasRuralTechAssociation", "hasNewBusinessEntity" = EXCLUDED."hasNewBusinessEntity",
             "hasBrand" = EXCLUDED."hasBrand", "hasEStation" = EXCLUDED."hasEStation", version = poor_village.version + 1, "updatedAt" = now()
           WHERE (poor_village."registeredYear", poor_village."exitYear", poor_village.specialty, poor_village."hasRuralTechAssociation", poor_village."hasNewBusinessEntity", poor_village."hasBrand", poor_village."hasEStation")
                 IS DISTINCT FROM (EXCLUDED."registeredYear", EXCLUDED."exitYear", EXCLUDED.specialty, EXCLUDED."hasRuralTechAssociation", EXCLUDED."hasNewBusinessEntity", EXCLUDED."hasBrand", EXCLUDED."hasEStation")
           RETURNING "regionCode", (xmax = 0) AS inserted`,
          [v.map((r) => r.villageCode), v.map((r) => r.registeredYear), v.map((r) => r.exitYear ?? null), v.map((r) => r.specialty?.trim() || null),
            v.map((r) => Boolean(r.hasRuralTechAssociation)), v.map((r) => Boolean(r.hasNewBusinessEntity)), v.map((r) => Boolean(r.hasBrand)), v.map((r) => Boolean(r.hasEStation))],
        );
        for (const o of out) outcome.set(o.regionCode, o.inserted ? ImportOutcome.CREATED : ImportOutcome.UPDATED);
        if (!out.length) return;
        // Keep the region's designation in step with the registration (the same years).
        await em.query(
          `UPDATE region r SET "povertyDesignation" = 'POOR_VILLAGE', "designatedYear" = p."registeredYear", "povertyExitYear" = p."exitYear", version = r.version + 1, "updatedAt" = now()
             FROM poor_village p WHERE p."regionCode" = r.code AND r.code = ANY($1)
              AND (r."povertyDesignation", r."designatedYear", r."povertyExitYear") IS DISTINCT FROM ('POOR_VILLAGE'::poverty_designation, p."registeredYear", p."exitYear")`,
          [out.map((o) => o.regionCode)],
        );
        await this.audit.record(em, actor, {
          operation: 'importPoorVillages',
          entityType: 'PoorVillageImport',
          entityId: input.idempotencyKey ?? actor.requestId,
          regionCode: commonRegion(out.map((o) => o.regionCode), actor),
          after: { created: out.filter((o) => o.inserted).map((o) => o.regionCode), updated: out.filter((o) => !o.inserted).map((o) => o.regionCode) },
        });
      });
    }
    for (const g of valid) results[g.index].outcome = outcome.get(g.row.villageCode) ?? ImportOutcome.UNCHANGED;
    return summarize(results);
  }

  /**
   * Bulk upsert of households by registry number: every row checked on its own (bad rows reported with their
   * index, good rows kept), village codes and existing records checked in two statements, then ONE multi-row
   * INSERT … ON CONFLICT and one audit event in a transaction. Identical rows are not written (UNCHANGED).
   */
  async importHouseholds(actor: Actor, scope: Scope, input: ImportHouseholdsInput): Promise<ImportResult> {
    requireCoordinator(actor);
    if (input.rows.length > MAX_IMPORT_ROWS) throw new DomainError(UserErrorCode.LIMIT_EXCEEDED, `At most ${MAX_IMPORT_ROWS} rows per call`, ['input', 'rows']);
    const results: ImportRowResult[] = input.rows.map((r, index) => ({ index, key: String(r.registryNumber ?? '').trim().toUpperCase(), outcome: ImportOutcome.FAILED, errors: [] }));
    let good: Array<{ index: number; values: HouseholdRowValues }> = [];
    const seen = new Set<string>();
    input.rows.forEach((row, index) => {
      const { values, errors } = checkHouseholdRow(row, index);
      const fail = (field: string, message: string, code: UserErrorCode) => results[index].errors.push({ field: ['input', 'rows', String(index), field], message, code });
      if (!values) results[index].errors.push(...errors);
      else if (seen.has(values.registryNumber)) fail('registryNumber', `registry number ${values.registryNumber} appears twice in this batch`, UserErrorCode.DUPLICATE);
      else if (!scope.covers(values.villageCode)) fail('villageCode', `village ${values.villageCode} is outside your region scope`, UserErrorCode.FORBIDDEN);
      else {
        seen.add(values.registryNumber);
        good.push({ index, values });
      }
    });
    if (good.length) {
      const villages = [...new Set(good.map((g) => g.values.villageCode))];
      const known = new Set<string>((await this.ds.query(`SELECT code FROM region WHERE code = ANY($1) AND level = 'VILLAGE'`, [villages])).map((r: { code: string }) => r.code));
      const existing = new Map<string, Household>();
      const rows: Household[] = await this.ds.getRepository(Household).createQueryBuilder('h').where('h.registryNumber = ANY(:nums)', { nums: good.map((g) => g.values.registryNumber) }).getMany();
      for (const h of rows) existing.set(h.registryNumber, h);
      good = good.filter(({ index, values }) => {
        const fail = (field: string, message: string, code: UserErrorCode) => results[index].errors.push({ field: ['input', 'rows', String(index), field], message, code });
        const old = existing.get(values.registryNumber);
        if (!known.has(values.villageCode)) fail('villageCode', `No village with code ${values.villageCode}`, UserErrorCode.NOT_FOUND);
        else if (old && !scope.covers(old.villageCode)) fail('registryNumber', `household ${values.registryNumber} is registered outside your region scope`, UserErrorCode.FORBIDDEN);
        else return true;
        return false;
      });
      if (good.length) {
        const done = await this.ds.transaction(async (em) => {
          const r = await upsertHouseholds(em, good.map((g) => g.values), scope.prefix === '' ? '%' : `${scope.prefix}%`);
          if (r.created.length || r.updated.length) {
            const byNumber = new Map(good.map((g) => [g.values.registryNumber, g.values]));
            const before: Record<string, unknown> = {};
            const after: Record<string, unknown> = { created: r.created };
            const updated: Record<string, unknown> = {};
            for (const n of r.updated) {
              const d = maskedDiff(householdAudit(existing.get(n) as Household), householdAudit(byNumber.get(n) as unknown as Household));
              before[n] = d.before;
              updated[n] = d.after;
            }
            after.updated = updated;
            await this.audit.record(em, actor, {
              operation: 'importHouseholds',
              entityType: 'HouseholdImport',
              entityId: input.idempotencyKey ?? actor.requestId,
              regionCode: commonRegion(good.map((g) => g.values.villageCode), actor),
              before: { updated: before },
              after,
            });
          }
          return r;
        });
        const created = new Set(done.created);
        const updated = new Set(done.updated);
        for (const g of good) results[g.index].outcome = created.has(g.values.registryNumber) ? ImportOutcome.CREATED : updated.has(g.values.registryNumber) ? ImportOutcome.UPDATED : ImportOutcome.UNCHANGED;
      }
    }
    return summarize(results);
  }

  async updateVillage(actor: Actor, scope: Scope, input: UpdatePoorVillageInput): Promise<PoorVillage> {
    requireCoordinator(actor);
    return this.ds.transaction(async (em) => {
      const v = await em.findOne(PoorVillage, { where: { regionCode: input.villageCode }, lock: { mode: 'pessimistic_write' } });
      if (!v) throw new DomainError(UserErrorCode.NOT_FOUND, `No registered poor village with code ${input.villageCode}`, ['input', 'villageCode']);
      if (!scope.covers(v.regionCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The village is outside your region scope', ['input', 'villageCode']);
      if (v.version !== input.version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Village is at version ${v.version}, you sent ${input.version}`, ['input', 'version']);
      const before = snapshot(v, VILLAGE_FIELDS);
      if (input.registeredYear != null) v.registeredYear = input.registeredYear;
      if (input.exitYear !== undefined) v.exitYear = input.exitYear;
      if (input.specialty !== undefined) v.specialty = input.specialty?.trim() || null;
      if (input.hasRuralTechAssociation != null) v.hasRuralTechAssociation = input.hasRuralTechAssociation;
      if (input.hasNewBusinessEntity != null) v.hasNewBusinessEntity = input.hasNewBusinessEntity;
      if (input.hasBrand != null) v.hasBrand = input.hasBrand;
      if (input.hasEStation != null) v.hasEStation = input.hasEStation;
      if (v.exitYear !== null && v.exitYear < v.registeredYear) throw new DomainError(UserErrorCode.VALIDATION, 'exitYear is before registeredYear', ['input', 'exitYear']);
      const diff = changed(before, snapshot(v, VILLAGE_FIELDS));
      if (!Object.keys(diff.after).length) return v;
      const saved = await em.save(v);
      await em.query(`UPDATE region SET "designatedYear" = $2, "povertyExitYear" = $3, version = version + 1, "updatedAt" = now() WHERE code = $1 AND ("designatedYear", "povertyExitYear") IS DISTINCT FROM ($2::smallint, $3::smallint)`, [v.regionCode, v.registeredYear, v.exitYear]);
      await this.audit.record(em, actor, { operation: 'updatePoorVillage', entityType: 'PoorVillage', entityId: v.regionCode, regionCode: v.regionCode, ...diff });
      return saved;
    });
  }

  /**
   * Adds practical techniques (e.g. taught at a training) to households' techniques mastered inside the caller's
   * transaction, in ONE statement: techniques already there are kept, new ones appended in the order given, at most
   * MAX_HOUSEHOLD_LIST per household (the rest are not recorded; `atLimit` names those households). Changed rows get
   * version + 1; one audit event for the batch (entity `source.entityType`/`source.entityId`).
   */
  async learnTechniques(
    em: EntityManager,
    actor: Actor,
    householdIds: readonly string[],
    techniques: readonly string[],
    source: { operation: string; entityType: string; entityId: string; regionCode: string },
  ): Promise<{ updated: string[]; atLimit: string[] }> {
    if (!householdIds.length || !techniques.length) return { updated: [], atLimit: [] };
    const rows: Array<{ id: string; old: string[]; merged: string[]; atLimit: boolean; updated: boolean }> = await em.query(
      `WITH src AS (
         SELECT h.id, h.techniques AS old,
                ARRAY(SELECT d.t FROM (SELECT u.t, min(u.o) AS o FROM unnest(h.techniques || $2::text[]) WITH ORDINALITY u(t, o) GROUP BY u.t) d ORDER BY d.o LIMIT $3) AS merged,
                (SELECT count(DISTINCT u.t) FROM unnest(h.techniques || $2::text[]) u(t)) AS wanted
           FROM household h WHERE h.id = ANY($1::uuid[]) ORDER BY h.id FOR UPDATE),
       upd AS (
         UPDATE household h SET techniques = src.merged, version = h.version + 1, "updatedAt" = now()
           FROM src WHERE h.id = src.id AND h.techniques IS DISTINCT FROM src.merged RETURNING h.id)
       SELECT src.id, src.old, src.merged, src.wanted > cardinality(src.merged) AS "atLimit", EXISTS (SELECT 1 FROM upd WHERE upd.id = src.id) AS updated FROM src ORDER BY src.id`,
      [[...householdIds], [...techniques], MAX_HOUSEHOLD_LIST],
    );
    const changedRows = rows.filter((r) => r.updated);
    if (changedRows.length) {
      await this.audit.record(em, actor, {
        operation: source.operation,
        entityType: source.entityType,
        entityId: source.entityId,
        regionCode: source.regionCode,
        before: { techniques: Object.fromEntries(changedRows.map((r) => [r.id, r.old])) },
        after: { techniques: Object.fromEntries(changedRows.map((r) => [r.id, r.merged])) },
      });
    }
    return { updated: changedRows.map((r) => r.id), atLimit: rows.filter((r) => r.atLimit).map((r) => r.id) };
  }

  async updateHousehold(actor: Actor, scope: Scope, input: UpdateHouseholdInput): Promise<Household> {
    requireCoordinator(actor);
    const id = uuidOf(input.id, 'Household');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No household with this ID', ['input', 'id']);
    return this.ds.transaction(async (em) => {
      const h = await em.findOne(Household, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!h) throw new DomainError(UserErrorCode.NOT_FOUND, 'No household with this ID', ['input', 'id']);
      if (!scope.covers(h.villageCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The household is outside your region scope', ['input', 'id']);
      if (h.version !== input.version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Household is at version ${h.version}, you sent ${input.version}`, ['input', 'version']);
      const before = householdAudit(h);
      if (input.headName != null) h.headName = input.headName.trim();
      if (input.size != null) h.size = input.size;
      if (input.membersAbleToWork != null) h.membersAbleToWork = input.membersAbleToWork;
      if (input.povertyCauses != null) h.povertyCauses = [...new Set(input.povertyCauses)];
      if (input.status != null) h.status = input.status;
      if (input.exitYear !== undefined) h.exitYear = input.exitYear;
      if (input.techniques != null) h.techniques = input.techniques.map((t) => t.trim()).filter(Boolean);
      if (input.incomeProjects != null) h.incomeProjects = input.incomeProjects.map((t) => t.trim()).filter(Boolean);
      if (h.membersAbleToWork > h.size) throw new DomainError(UserErrorCode.VALIDATION, 'membersAbleToWork exceeds size', ['input', 'membersAbleToWork']);
      if (h.status === HouseholdStatus.EXITED && h.exitYear === null) throw new DomainError(UserErrorCode.VALIDATION, 'an EXITED household needs its exit year (脱贫年份)', ['input', 'exitYear']);
      if (h.status === HouseholdStatus.POOR) h.exitYear = null;
      const diff = maskedDiff(before, householdAudit(h));
      if (!Object.keys(diff.after).length) return h;
      const saved = await em.save(h);
      await this.audit.record(em, actor, { operation: 'updateHousehold', entityType: 'Household', entityId: h.id, regionCode: h.villageCode, ...diff });
      return saved;
    });
  }
}

function requireCoordinator(actor: Actor): void {
  if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators maintain the beneficiary registry');
}

/** The county all codes share (audit region of a batch), else the caller's own region. */
function commonRegion(codes: string[], actor: Actor): string | null {
  const counties = new Set(codes.map((c) => c.slice(0, 6)));
  if (counties.size === 1) return [...counties][0];
  const r = actor.principal.regionCode;
  return r && r !== '000000' ? r : null;
}

function summarize(results: ImportRowResult[]): ImportResult {
  const count = (o: ImportOutcome) => results.filter((r) => r.outcome === o).length;
  return { created: count(ImportOutcome.CREATED), updated: count(ImportOutcome.UPDATED), unchanged: count(ImportOutcome.UNCHANGED), failed: count(ImportOutcome.FAILED), results, failures: results.filter((r) => r.outcome === ImportOutcome.FAILED) };
}

function applyHouseholdFilter(qb: SelectQueryBuilder<Household>, f: HouseholdFilter | null | undefined): void {
  if (!f) return;
  if (f.within) qb.andWhere('h.villageCode LIKE :within', { within: `${regionPrefix(f.within)}%` });
  if (f.status?.length) qb.andWhere('h.status IN (:...statuses)', { statuses: f.status });
  if (f.povertyCauses?.length) qb.andWhere('h.povertyCauses && CAST(:causes AS poverty_cause[])', { causes: f.povertyCauses });
  if (f.withLabourWithoutTechnique != null) {
    qb.andWhere(f.withLabourWithoutTechnique ? `h.membersAbleToWork > 0 AND cardinality(h.techniques) = 0` : `NOT (h.membersAbleToWork > 0 AND cardinality(h.techniques) = 0)`);
  }
  if (f.registryNumber) qb.andWhere('h.registryNumber = :rn', { rn: f.registryNumber.trim().toUpperCase() });
}
