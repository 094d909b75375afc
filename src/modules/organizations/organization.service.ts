import { QueryFailedError, type DataSource, type SelectQueryBuilder } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { entityJsonSql } from '../../db/entity-json';
import { changed, snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs, type SortKey } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor } from '../../graphql/principal';
import { regionPrefix, type Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import { RegionLevel, type Region } from '../regions/region.entity';
import { escapeLike, type RegionService } from '../regions/region.service';
import { bulkUpsert, columnsOf, ImportBatch, writeBatch, type ImportResult } from '../../graphql/import';
import { Organization, OrganizationType, RegistryStatus, SocietyDiscipline } from './organization.entity';
import { ServiceCategory } from './service-category';
import { isValidCreditCode, PHONE_PATTERN } from './validators';
import { REGION_CODE, RegistryOrderField, type ArchiveOrganizationInput, type CreateOrganizationInput, type ImportOrganizationsInput, type OrganizationFilter, type OrganizationImportRow, type OrganizationOrder, type UpdateOrganizationInput } from './organization.types';

const AUDITED: Array<keyof Organization> = ['name', 'type', 'societyDiscipline', 'regionCode', 'level', 'creditCode', 'contactName', 'contactPhone', 'serviceCategories', 'status', 'archivedAt', 'archiveReason'];
/** The fields an import sets (and compares). */
const IMPORTED: Array<keyof Organization> = ['name', 'type', 'societyDiscipline', 'regionCode', 'level', 'creditCode', 'contactName', 'contactPhone', 'serviceCategories'];
const TYPES = new Set<string>(Object.values(OrganizationType));
const CATEGORIES = new Set<string>(Object.values(ServiceCategory));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws the first of several domain errors, carrying the rest. */
export function throwAll(errors: DomainError[]): void {
  if (errors.length) throw new DomainError(errors[0].code, errors[0].message, errors[0].field, errors.slice(1));
}

/** Keyset sort key for the registry orderings (alias `a`: `o` or `e`). */
export function registrySort<T extends { id: string; name: string; createdAt: Date; updatedAt: Date }>(alias: string, order: { field: RegistryOrderField; direction: 'ASC' | 'DESC' } | null | undefined): SortKey<T> {
  const field = order?.field ?? RegistryOrderField.NAME;
  const prop = field === RegistryOrderField.CREATED_AT ? 'createdAt' : field === RegistryOrderField.UPDATED_AT ? 'updatedAt' : 'name';
  return { column: `${alias}.${prop}`, value: (r) => r[prop], direction: order?.direction ?? 'ASC', idColumn: `${alias}.id`, idValue: (r) => r.id };
}

/** Turns a unique violation of the named constraint into a DUPLICATE userError on `field`. */
export function duplicateAs(err: unknown, constraint: string, field: string[], message: string): unknown {
  if (err instanceof QueryFailedError) {
    const d = (err as unknown as { driverError?: { code?: string; constraint?: string } }).driverError;
    if (d?.code === '23505' && d.constraint === constraint) return new DomainError(UserErrorCode.DUPLICATE, message, field);
  }
  return err;
}

/** S&T organizations (科技组织): registry records, read within the caller's region scope, archived never deleted. */
export class OrganizationService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly regions: RegionService,
  ) {}

  /** Organizations by database id, null for unknown or out-of-scope ones (order kept). */
  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<Organization | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: Organization[] = [];
    if (valid.length) {
      const s = scope.sql('o.regionCode');
      rows = await this.ds.getRepository(Organization).createQueryBuilder('o').where('o.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /**
   * SQL (a json value) of the organization whose id is the SQL expression `idSql`, null when none or outside the scope:
   * what byIds loads, for a statement that reads it with other rows (src/graphql/preload.ts). `bind` binds a value.
   */
  jsonSql(scope: Scope, idSql: string, bind: (value: unknown) => string): string {
    return `(SELECT ${entityJsonSql(this.ds, Organization, 'o')} FROM organization o WHERE o.id = ${idSql} AND ${scope.condition('o."regionCode"', bind)})`;
  }

  /** One organization regardless of scope (for references such as an expert's employer). */
  async findAnywhere(id: string): Promise<Organization | null> {
    return UUID.test(id) ? this.ds.getRepository(Organization).findOneBy({ id }) : null;
  }

  async list(scope: Scope, filter: OrganizationFilter | null | undefined, order: OrganizationOrder | null | undefined, page: PageArgs): Promise<Page<Organization>> {
    const qb = this.ds.getRepository(Organization).createQueryBuilder('o');
    const s = scope.sql('o.regionCode');
    qb.where(s.where, s.params);
    applyFilter(qb, filter);
    return paginate(qb, page, registrySort<Organization>('o', order));
  }

  async create(actor: Actor, scope: Scope, input: CreateOrganizationInput): Promise<Organization> {
    const region = await this.regionIn(scope, input.regionCode, true);
    const creditCode = input.creditCode.toUpperCase();
    checkDiscipline(input.type, input.societyDiscipline ?? null, true);
    try {
      return await this.ds.transaction(async (em) => {
        const saved = await em.save(
          em.create(Organization, {
            name: input.name.trim(),
            type: input.type,
            societyDiscipline: input.societyDiscipline ?? null,
            regionCode: region.code,
            level: region.level,
            creditCode,
            contactName: input.contactName.trim(),
            contactPhone: input.contactPhone,
            serviceCategories: [...new Set(input.serviceCategories)],
            status: RegistryStatus.ACTIVE,
            archivedAt: null,
            archiveReason: null,
          }),
        );
        await this.audit.record(em, actor, { operation: 'createOrganization', entityType: 'Organization', entityId: saved.id, regionCode: saved.regionCode, after: snapshot(saved, AUDITED) });
        return saved;
      });
    } catch (err) {
      throw duplicateAs(err, 'organization_credit_code_unique', ['input', 'creditCode'], `Credit code ${creditCode} is already registered`);
    }
  }

  async update(actor: Actor, scope: Scope, input: UpdateOrganizationInput): Promise<Organization> {
    const id = uuidOf(input.id, 'Organization');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', ['input', 'id']);
    const p = actor.principal;
    // Region lookups run before the transaction: PGlite has one connection, so never wait on another inside one.
    const newRegion = input.regionCode != null ? await this.regionIn(scope, input.regionCode, hasRole(p, ...COORDINATORS)) : null;
    const creditCode = input.creditCode?.toUpperCase();
    try {
      return await this.ds.transaction(async (em) => {
        const org = await em.findOne(Organization, { where: { id }, lock: { mode: 'pessimistic_write' } });
        if (!org) throw new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', ['input', 'id']);
        if (!this.mayEdit(actor, scope, org)) throw new DomainError(UserErrorCode.FORBIDDEN, 'You may not change this organization (outside your region scope, or not yours)', ['input', 'id']);
        if (org.status === RegistryStatus.ARCHIVED) throw new DomainError(UserErrorCode.INVALID_STATE, 'The organization is ARCHIVED and cannot be changed', ['input', 'id']);
        if (org.version !== input.version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Organization is at version ${org.version}, you sent ${input.version}`, ['input', 'version']);
        if (newRegion && newRegion.code !== org.regionCode && !(hasRole(p, ...COORDINATORS) && scope.covers(newRegion.code))) {
          throw new DomainError(UserErrorCode.FORBIDDEN, 'Only a coordinator whose scope covers both regions may move an organization', ['input', 'regionCode']);
        }
        const before = snapshot(org, AUDITED);
        if (input.name != null) org.name = input.name.trim();
        if (input.type != null) org.type = input.type;
        if (input.societyDiscipline !== undefined) org.societyDiscipline = input.societyDiscipline;
        else if (org.type !== OrganizationType.SOCIETY) org.societyDiscipline = null;
        if (newRegion) {
          org.regionCode = newRegion.code;
          org.level = newRegion.level;
        }
        if (creditCode != null) org.creditCode = creditCode;
        if (input.contactName != null) org.contactName = input.contactName.trim();
        if (input.contactPhone != null) org.contactPhone = input.contactPhone;
        if (input.serviceCategories != null) org.serviceCategories = [...new Set(input.serviceCategories)];
        checkDiscipline(org.type, org.societyDiscipline, input.societyDiscipline !== undefined || input.type != null);
        const diff = changed(before, snapshot(org, AUDITED));
        if (!Object.keys(diff.after).length) return org;
        const saved = await em.save(org);
        await this.audit.record(em, actor, { operation: 'updateOrganization', entityType: 'Organization', entityId: org.id, regionCode: saved.regionCode, ...diff });
        return saved;
      });
    } catch (err) {
      throw duplicateAs(err, 'organization_credit_code_unique', ['input', 'creditCode'], `Credit code ${creditCode} is already registered`);
    }
  }

  async archive(actor: Actor, scope: Scope, input: ArchiveOrganizationInput): Promise<Organization> {
    const id = uuidOf(input.id, 'Organization');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', ['input', 'id']);
    return this.ds.transaction(async (em) => {
      const org = await em.findOne(Organization, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!org) throw new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', ['input', 'id']);
      if (!hasRole(actor.principal, ...COORDINATORS) || !scope.covers(org.regionCode)) {
        throw new DomainError(UserErrorCode.FORBIDDEN, 'Only a coordinator whose scope covers the organization may archive it', ['input', 'id']);
      }
      if (org.status === RegistryStatus.ARCHIVED) throw new DomainError(UserErrorCode.INVALID_STATE, 'The organization is already ARCHIVED', ['input', 'id']);
      if (input.version != null && org.version !== input.version) {
        throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Organization is at version ${org.version}, you sent ${input.version}`, ['input', 'version']);
      }
      const before = snapshot(org, AUDITED);
      org.status = RegistryStatus.ARCHIVED;
      org.archivedAt = new Date();
      org.archiveReason = input.reason.trim();
      const saved = await em.save(org);
      await this.audit.record(em, actor, { operation: 'archiveOrganization', entityType: 'Organization', entityId: org.id, regionCode: org.regionCode, ...changed(before, snapshot(saved, AUDITED)) });
      return saved;
    });
  }

  /** Organizations by unified social credit code, regardless of scope (references from other areas' imports). */
  async byCreditCodesAnywhere(codes: readonly string[]): Promise<Organization[]> {
    return codes.length ? this.ds.getRepository(Organization).createQueryBuilder('o').where('o.creditCode = ANY(:codes)', { codes: [...codes] }).getMany() : [];
  }

  /**
   * Bulk upsert of organizations by unified social credit code: every row checked on its own (shape, checksum,
   * discipline, phone, a region that exists and is in scope; an existing record must be in scope and ACTIVE),
   * then ONE set-based upsert and one audit event in a transaction. Identical rows are not written (UNCHANGED).
   */
  async importOrganizations(actor: Actor, scope: Scope, input: ImportOrganizationsInput): Promise<ImportResult> {
    if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators import organizations');
    const batch = new ImportBatch<OrganizationRowValues>(input.rows, (r) => String(r.creditCode ?? '').trim().toUpperCase());
    input.rows.forEach((row, index) => {
      const values = checkOrganizationRow(row, batch.reporter(index));
      if (!batch.failed(index) && !scope.covers(values.regionCode)) batch.fail(index, 'regionCode', `Region ${values.regionCode} is outside your region scope`, UserErrorCode.FORBIDDEN);
      batch.accept(index, values.creditCode, values, 'creditCode');
    });
    if (!batch.good.length) return batch.settle({ created: [], updated: [] });
    const regions = new Map((await this.regions.byCodes([...new Set(batch.good.map((g) => g.values.regionCode))])).filter((r) => r !== null).map((r) => [r.code, r]));
    const existing = new Map((await this.byCreditCodesAnywhere(batch.good.map((g) => g.values.creditCode))).map((o) => [o.creditCode, o]));
    for (const { index, values } of batch.good) {
      const region = regions.get(values.regionCode);
      const old = existing.get(values.creditCode);
      if (!region) batch.fail(index, 'regionCode', `No region with code ${values.regionCode}`, UserErrorCode.NOT_FOUND);
      else if (old && !scope.covers(old.regionCode)) batch.fail(index, 'creditCode', `Organization ${values.creditCode} is registered outside your region scope`, UserErrorCode.FORBIDDEN);
      else if (old?.status === RegistryStatus.ARCHIVED) batch.fail(index, 'creditCode', `Organization ${values.creditCode} is ARCHIVED and cannot be changed`, UserErrorCode.INVALID_STATE);
      else values.level = region.level;
    }
    const good = batch.good.map((g) => g.values);
    if (!good.length) return batch.settle({ created: [], updated: [] });
    const byCode = new Map(good.map((g) => [g.creditCode, g]));
    const done = await writeBatch(this.ds, this.audit, actor, {
      operation: 'importOrganizations',
      entityType: 'OrganizationImport',
      idempotencyKey: input.idempotencyKey,
      regionCodes: good.map((g) => g.regionCode),
      upsert: (em) =>
        bulkUpsert(em, {
          table: 'organization',
          key: 'creditCode',
          columns: columnsOf(good, {
            creditCode: 'text', name: 'text', type: 'organization_type', societyDiscipline: 'society_discipline', regionCode: 'text', level: 'region_level',
            contactName: 'text', contactPhone: 'text', serviceCategories: 'service_category[]',
          }),
          guard: activeInScope(scope),
        }),
      stored: (c) => snapshot(existing.get(c) as Organization, IMPORTED),
      imported: (c) => snapshot(byCode.get(c) as unknown as Organization, IMPORTED),
    });
    return batch.settle(done);
  }

  /** Coordinators within scope edit any organization there; a manager edits only their own. */
  private mayEdit(actor: Actor, scope: Scope, org: Organization): boolean {
    const p = actor.principal;
    if (hasRole(p, ...COORDINATORS) && scope.covers(org.regionCode)) return true;
    return hasRole(p, Role.ORGANIZATION_MANAGER) && p.organizationId === org.id;
  }

  /** The region of a code: NOT_FOUND if unknown, FORBIDDEN if `mustCover` and outside the scope. */
  private async regionIn(scope: Scope, code: string, mustCover: boolean): Promise<Region> {
    const [region] = await this.regions.byCodes([code]);
    if (!region) throw new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${code}`, ['input', 'regionCode']);
    if (mustCover && !scope.covers(region.code)) throw new DomainError(UserErrorCode.FORBIDDEN, `Region ${code} is outside your region scope`, ['input', 'regionCode']);
    return region;
  }
}

/** Societies need a discipline; other kinds must not have one. */
function checkDiscipline(type: OrganizationType, discipline: string | null, report: boolean): void {
  if (!report) return;
  if (type === OrganizationType.SOCIETY && !discipline) throw new DomainError(UserErrorCode.VALIDATION, 'A society needs a discipline (学会学科)', ['input', 'societyDiscipline']);
  if (type !== OrganizationType.SOCIETY && discipline) throw new DomainError(UserErrorCode.VALIDATION, 'Only societies have a discipline', ['input', 'societyDiscipline']);
}

function applyFilter(qb: SelectQueryBuilder<Organization>, filter: OrganizationFilter | null | undefined): void {
  if (!filter) return;
  if (filter.types?.length) qb.andWhere('o.type IN (:...types)', { types: filter.types });
  if (filter.status != null) qb.andWhere('o.status = :status', { status: filter.status });
  if (filter.within != null) qb.andWhere('o.regionCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
  if (filter.level != null) qb.andWhere('o.level = :level', { level: filter.level });
  if (filter.societyDiscipline != null) qb.andWhere('o.societyDiscipline = :discipline', { discipline: filter.societyDiscipline });
  if (filter.serviceCategories?.length) qb.andWhere('o.serviceCategories && CAST(:cats AS service_category[])', { cats: filter.serviceCategories });
  if (filter.nameContains) qb.andWhere('o.name ILIKE :name', { name: `%${escapeLike(filter.nameContains)}%` });
}


/** Normalized organization row, ready for the bulk statement (`level` comes from the region). */
interface OrganizationRowValues {
  creditCode: string;
  name: string;
  type: OrganizationType;
  societyDiscipline: SocietyDiscipline | null;
  regionCode: string;
  level: RegionLevel;
  contactName: string;
  contactPhone: string;
  serviceCategories: ServiceCategory[];
}

/** Shape and rule checks of one organization row: reports each problem through `fail`, returns the normalized values. */
function checkOrganizationRow(row: OrganizationImportRow, fail: (field: string, message: string) => void): OrganizationRowValues {
  const creditCode = String(row.creditCode ?? '').trim().toUpperCase();
  if (!isValidCreditCode(creditCode)) fail('creditCode', 'creditCode must be an 18-character unified social credit code (统一社会信用代码) with a valid check character');
  const name = String(row.name ?? '').trim();
  if (name.length < 2 || name.length > 200) fail('name', 'name must be 2–200 characters');
  if (!TYPES.has(row.type)) fail('type', 'unknown organization type');
  const discipline = row.societyDiscipline ?? null;
  if (row.type === OrganizationType.SOCIETY && !discipline) fail('societyDiscipline', 'A society needs a discipline (学会学科)');
  if (row.type !== OrganizationType.SOCIETY && discipline) fail('societyDiscipline', 'Only societies have a discipline');
  const regionCode = String(row.regionCode ?? '').trim();
  if (!REGION_CODE.test(regionCode)) fail('regionCode', 'regionCode must be a 6, 9 or 12 digit division code');
  const contactName = String(row.contactName ?? '').trim();
  if (contactName.length < 2 || contactName.length > 50) fail('contactName', 'contactName must be 2–50 characters');
  const contactPhone = String(row.contactPhone ?? '').trim();
  if (!PHONE_PATTERN.test(contactPhone)) fail('contactPhone', 'contactPhone must be a mainland mobile number (13812345678) or a landline with area code (0551-12345678)');
  const serviceCategories = [...new Set(row.serviceCategories ?? [])];
  if (!serviceCategories.length || serviceCategories.some((c) => !CATEGORIES.has(c))) fail('serviceCategories', 'serviceCategories needs at least one known category');
  return { creditCode, name, type: row.type, societyDiscipline: discipline, regionCode, level: RegionLevel.COUNTY, contactName, contactPhone, serviceCategories };
}

/**
 * The upsert guard of the registry imports: a stored record is only changed when it is inside the caller's scope
 * and ACTIVE (the rows were checked for both before; this closes the race with a concurrent move or archive).
 */
export function activeInScope(scope: Scope): (param: (value: unknown) => string, table: string) => string {
  return (param, t) => `${t}."regionCode" LIKE ${param(`${scope.prefix ?? '-'}%`)} AND ${t}.status = 'ACTIVE'`;
}
