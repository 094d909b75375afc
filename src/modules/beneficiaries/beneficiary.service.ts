import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { changed, snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { bulkUpsert, columnsOf, ImportBatch, writeBatch, type ImportResult } from '../../graphql/import';
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
  type HouseholdFilter,
  type HouseholdImportRow,
  type HouseholdOrder,
  type ImportHouseholdsInput,
  type ImportPoorVillagesInput,
  type PoorVillageFilter,
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

/** Audit snapshot of a household (compare these, then mask with `maskedDiff`). */
export function householdAudit(h: Partial<Household>): Record<string, unknown> {
  return snapshot(h as Household, HOUSEHOLD_FIELDS);
}

/** Masks the personal data in an audit snapshot of a household (the trail is read by auditors). */
export function maskPersonal(side: Record<string, unknown>): void {
  if ('headName' in side) side.headName = maskName(side.headName as string);
  if ('headIdNumber' in side) side.headIdNumber = maskIdNumber(side.headIdNumber as string);
}

/** The changed fields of two household snapshots, personal data masked. */
export function maskedDiff(before: Record<string, unknown>, after: Record<string, unknown>): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const d = changed(before, after);
  maskPersonal(d.before);
  maskPersonal(d.after);
  return d;
}

/** Normalized village registration row, ready for the bulk statement. */
interface VillageRowValues {
  regionCode: string;
  registeredYear: number;
  exitYear: number | null;
  specialty: string | null;
  hasRuralTechAssociation: boolean;
  hasNewBusinessEntity: boolean;
  hasBrand: boolean;
  hasEStation: boolean;
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
 * Bulk upsert of households in ONE statement (`bulkUpsert`): rows that differ get version + 1, identical rows are
 * not written. Only rows whose stored village is inside `scopeLike` (a LIKE pattern) are updated. Returns the
 * registry numbers created and updated.
 */
export function upsertHouseholds(em: EntityManager | DataSource, rows: HouseholdRowValues[], scopeLike = '%'): Promise<{ created: string[]; updated: string[] }> {
  return bulkUpsert(em, {
    table: 'household',
    key: 'registryNumber',
    columns: columnsOf(rows, {
      registryNumber: 'text', villageCode: 'text', headName: 'text', headIdNumber: 'text', size: 'int', membersAbleToWork: 'int',
      povertyCauses: 'poverty_cause[]', status: 'household_status', exitYear: 'int', techniques: 'text[]', incomeProjects: 'text[]',
    }),
    guard: (param, table) => `${table}."villageCode" LIKE ${param(scopeLike)}`,
  });
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
    const batch = new ImportBatch<VillageRowValues>(input.rows, (r) => String(r.villageCode ?? ''));
    input.rows.forEach((row, index) => {
      const at = batch.reporter(index);
      if (!VILLAGE_CODE.test(row.villageCode ?? '')) at('villageCode', 'villageCode must be a 12-digit village code');
      if (!Number.isInteger(row.registeredYear) || row.registeredYear < 1986 || row.registeredYear > 2100) at('registeredYear', 'registeredYear must be a year between 1986 and 2100');
      if (row.exitYear != null && (!Number.isInteger(row.exitYear) || row.exitYear < row.registeredYear || row.exitYear > 2100)) at('exitYear', 'exitYear must be a year not before registeredYear');
      if (row.specialty != null && row.specialty.length > 100) at('specialty', 'specialty is at most 100 characters');
      if (!batch.failed(index) && !scope.covers(row.villageCode)) at('villageCode', `village ${row.villageCode} is outside your region scope`, UserErrorCode.FORBIDDEN);
      batch.accept(index, row.villageCode, {
        regionCode: row.villageCode,
        registeredYear: row.registeredYear,
        exitYear: row.exitYear ?? null,
        specialty: row.specialty?.trim() || null,
        hasRuralTechAssociation: Boolean(row.hasRuralTechAssociation),
        hasNewBusinessEntity: Boolean(row.hasNewBusinessEntity),
        hasBrand: Boolean(row.hasBrand),
        hasEStation: Boolean(row.hasEStation),
      }, 'villageCode');
    });
    const codes = batch.good.map((g) => g.values.regionCode);
    const known = new Set<string>(codes.length ? (await this.ds.query(`SELECT code FROM region WHERE code = ANY($1) AND level = 'VILLAGE'`, [codes])).map((r: { code: string }) => r.code) : []);
    for (const g of batch.good) if (!known.has(g.values.regionCode)) batch.fail(g.index, 'villageCode', `No village with code ${g.values.regionCode}`, UserErrorCode.NOT_FOUND);
    const valid = batch.good.map((g) => g.values);
    if (!valid.length) return batch.settle({ created: [], updated: [] });
    const done = await writeBatch(this.ds, this.audit, actor, {
      operation: 'importPoorVillages',
      entityType: 'PoorVillageImport',
      idempotencyKey: input.idempotencyKey,
      regionCodes: valid.map((v) => v.regionCode),
      upsert: (em) =>
        bulkUpsert(em, {
          table: 'poor_village',
          key: 'regionCode',
          columns: columnsOf(valid, { regionCode: 'text', registeredYear: 'int', exitYear: 'int', specialty: 'text', hasRuralTechAssociation: 'bool', hasNewBusinessEntity: 'bool', hasBrand: 'bool', hasEStation: 'bool' }),
        }),
      // Keep the region's designation in step with the registration (the same years).
      after: (em, out) =>
        em.query(
          `UPDATE region r SET "povertyDesignation" = 'POOR_VILLAGE', "designatedYear" = p."registeredYear", "povertyExitYear" = p."exitYear", version = r.version + 1, "updatedAt" = now()
             FROM poor_village p WHERE p."regionCode" = r.code AND r.code = ANY($1)
              AND (r."povertyDesignation", r."designatedYear", r."povertyExitYear") IS DISTINCT FROM ('POOR_VILLAGE'::poverty_designation, p."registeredYear", p."exitYear")`,
          [[...out.created, ...out.updated]],
        ),
    });
    return batch.settle(done);
  }

  /**
   * Bulk upsert of households by registry number: every row checked on its own (bad rows reported with their
   * index, good rows kept), village codes and existing records checked in two statements, then ONE multi-row
   * INSERT … ON CONFLICT and one audit event in a transaction. Identical rows are not written (UNCHANGED).
   */
  async importHouseholds(actor: Actor, scope: Scope, input: ImportHouseholdsInput): Promise<ImportResult> {
    requireCoordinator(actor);
    const batch = new ImportBatch<HouseholdRowValues>(input.rows, (r) => String(r.registryNumber ?? '').trim().toUpperCase());
    input.rows.forEach((row, index) => {
      const { values, errors } = checkHouseholdRow(row, index);
      if (!values) return batch.results[index].errors.push(...errors);
      if (!scope.covers(values.villageCode)) batch.fail(index, 'villageCode', `village ${values.villageCode} is outside your region scope`, UserErrorCode.FORBIDDEN);
      batch.accept(index, values.registryNumber, values, 'registryNumber');
    });
    if (!batch.good.length) return batch.settle({ created: [], updated: [] });
    const villages = [...new Set(batch.good.map((g) => g.values.villageCode))];
    const known = new Set<string>((await this.ds.query(`SELECT code FROM region WHERE code = ANY($1) AND level = 'VILLAGE'`, [villages])).map((r: { code: string }) => r.code));
    const existing = new Map<string, Household>();
    const rows: Household[] = await this.ds.getRepository(Household).createQueryBuilder('h').where('h.registryNumber = ANY(:nums)', { nums: batch.good.map((g) => g.values.registryNumber) }).getMany();
    for (const h of rows) existing.set(h.registryNumber, h);
    for (const { index, values } of batch.good) {
      const old = existing.get(values.registryNumber);
      if (!known.has(values.villageCode)) batch.fail(index, 'villageCode', `No village with code ${values.villageCode}`, UserErrorCode.NOT_FOUND);
      else if (old && !scope.covers(old.villageCode)) batch.fail(index, 'registryNumber', `household ${values.registryNumber} is registered outside your region scope`, UserErrorCode.FORBIDDEN);
    }
    const good = batch.good.map((g) => g.values);
    if (!good.length) return batch.settle({ created: [], updated: [] });
    const byNumber = new Map(good.map((g) => [g.registryNumber, g]));
    const done = await writeBatch(this.ds, this.audit, actor, {
      operation: 'importHouseholds',
      entityType: 'HouseholdImport',
      idempotencyKey: input.idempotencyKey,
      regionCodes: good.map((g) => g.villageCode),
      upsert: (em) => upsertHouseholds(em, good, scope.prefix === '' ? '%' : `${scope.prefix}%`),
      stored: (n) => householdAudit(existing.get(n) as Household),
      imported: (n) => householdAudit(byNumber.get(n) as unknown as Household),
      mask: maskPersonal,
    });
    return batch.settle(done);
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
