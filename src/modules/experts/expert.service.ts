import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { entityJsonSql } from '../../db/entity-json';
import { changed, snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor } from '../../graphql/principal';
import { regionPrefix, type Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import { bulkUpsert, columnsOf, ImportBatch, writeBatch, type ImportResult } from '../../graphql/import';
import { RegistryStatus } from '../organizations/organization.entity';
import { REGION_CODE } from '../organizations/organization.types';
import { ServiceCategory } from '../organizations/service-category';
import { isValidCreditCode, PHONE_PATTERN } from '../organizations/validators';
import { activeInScope, registrySort, throwAll, type OrganizationService } from '../organizations/organization.service';
import { ancestorCodes, escapeLike, type RegionService } from '../regions/region.service';
import { Expert, ExpertRosterStatus } from './expert.entity';
import { MAX_SERVICE_REGIONS, type ArchiveExpertInput, type CreateExpertInput, type ExpertFilter, type ExpertImportRow, type ExpertOrder, type ExpertRosterInput, type ImportExpertsInput, type UpdateExpertInput } from './expert.types';

const AUDITED: Array<keyof Expert> = [
  'externalRef', 'name', 'title', 'employerId', 'regionCode', 'specialties', 'specialtyNote', 'serviceRegionCodes', 'contactPhone', 'email',
  'rosterStatus', 'rosterFiledBy', 'rosterFiledAt', 'rosterFiledWithCode', 'rosterRegisteredBy', 'rosterRegisteredAt', 'status', 'archivedAt', 'archiveReason',
];
/** The fields an import sets (and compares). */
const IMPORTED: Array<keyof Expert> = ['externalRef', 'name', 'title', 'employerId', 'regionCode', 'specialties', 'specialtyNote', 'serviceRegionCodes', 'contactPhone', 'email'];
const EXTERNAL_REF = /^[A-Za-z0-9._:/-]{1,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CATEGORIES = new Set<string>(Object.values(ServiceCategory));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Region code of 中国科协 (the national association), with which province-level rosters are filed. */
export const NATIONAL_ASSOCIATION_CODE = '000000';

/**
 * The association an expert's roster entry is filed with (报上一级科协备案): the expert's own association is the
 * one of their county (or their city/province, if that is their home region); the entry goes one level up.
 */
export function rosterFilingCode(regionCode: string): string {
  const association = regionCode.length > 6 ? regionCode.slice(0, 6) : regionCode;
  return ancestorCodes(association).at(-1) ?? NATIONAL_ASSOCIATION_CODE;
}

/** S&T experts (科技专家) and their roster (名册): DRAFT → FILED (with the next-higher association) → REGISTERED. */
export class ExpertService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly regions: RegionService,
    private readonly organizations: OrganizationService,
  ) {}

  /** Experts by database id, null for unknown or out-of-scope ones (order kept). */
  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<Expert | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: Expert[] = [];
    if (valid.length) {
      const s = scope.sql('e.regionCode');
      rows = await this.ds.getRepository(Expert).createQueryBuilder('e').where('e.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /**
   * SQL (a json value) of the expert whose id is the SQL expression `idSql`, null when none or outside the scope: what
   * byIds loads, for a statement that reads it with other rows (src/graphql/preload.ts). `bind` binds a value.
   */
  jsonSql(scope: Scope, idSql: string, bind: (value: unknown) => string): string {
    return `(SELECT ${entityJsonSql(this.ds, Expert, 'e')} FROM expert e WHERE e.id = ${idSql} AND ${scope.condition('e."regionCode"', bind)})`;
  }

  async list(scope: Scope, filter: ExpertFilter | null | undefined, order: ExpertOrder | null | undefined, page: PageArgs): Promise<Page<Expert>> {
    const qb = this.ds.getRepository(Expert).createQueryBuilder('e');
    const s = scope.sql('e.regionCode');
    qb.where(s.where, s.params);
    applyFilter(qb, filter);
    return paginate(qb, page, registrySort<Expert>('e', order));
  }

  async create(actor: Actor, scope: Scope, input: CreateExpertInput): Promise<Expert> {
    await this.checkRefs(scope, { regionCode: input.regionCode, employerId: input.employerId, serviceRegionCodes: input.serviceRegionCodes });
    return this.ds.transaction(async (em) => {
      const saved = await em.save(
        em.create(Expert, {
          name: input.name.trim(),
          title: input.title?.trim() || null,
          employerId: input.employerId ? uuidOf(input.employerId, 'Organization') : null,
          regionCode: input.regionCode,
          specialties: [...new Set(input.specialties)],
          specialtyNote: input.specialtyNote ?? null,
          serviceRegionCodes: [...new Set(input.serviceRegionCodes ?? [])],
          contactPhone: input.contactPhone,
          email: input.email ?? null,
          rosterStatus: ExpertRosterStatus.DRAFT,
          status: RegistryStatus.ACTIVE,
        }),
      );
      await this.audit.record(em, actor, { operation: 'createExpert', entityType: 'Expert', entityId: saved.id, regionCode: saved.regionCode, after: snapshot(saved, AUDITED) });
      return saved;
    });
  }

  async update(actor: Actor, scope: Scope, input: UpdateExpertInput): Promise<Expert> {
    const id = this.idOf(input.id);
    const p = actor.principal;
    const coordinator = hasRole(p, ...COORDINATORS);
    // References are checked before the transaction: PGlite has one connection, so never wait on another inside one.
    await this.checkRefs(scope, { regionCode: input.regionCode ?? undefined, employerId: input.employerId ?? undefined, serviceRegionCodes: input.serviceRegionCodes ?? undefined }, coordinator);
    return this.ds.transaction(async (em) => {
      const expert = await this.lockedForChange(em, id);
      const asCoordinator = coordinator && scope.covers(expert.regionCode);
      const asSelf = hasRole(p, Role.EXPERT) && p.expertId === expert.id;
      if (!asCoordinator && !asSelf) throw new DomainError(UserErrorCode.FORBIDDEN, 'You may not change this expert (outside your region scope, or not yourself)', ['input', 'id']);
      this.assertActive(expert);
      this.assertVersion(expert, input.version);
      const employerId = input.employerId === undefined ? undefined : input.employerId === null ? null : uuidOf(input.employerId, 'Organization');
      const errors: DomainError[] = [];
      if (!asCoordinator && input.regionCode != null && input.regionCode !== expert.regionCode) {
        errors.push(new DomainError(UserErrorCode.FORBIDDEN, 'Only a coordinator may change the home region', ['input', 'regionCode']));
      }
      if (!asCoordinator && employerId !== undefined && employerId !== expert.employerId) {
        errors.push(new DomainError(UserErrorCode.FORBIDDEN, 'Only a coordinator may change the employer', ['input', 'employerId']));
      }
      throwAll(errors);
      const before = snapshot(expert, AUDITED);
      if (input.name != null) expert.name = input.name.trim();
      if (input.title !== undefined) expert.title = input.title?.trim() || null;
      if (employerId !== undefined) expert.employerId = employerId;
      if (input.regionCode != null) expert.regionCode = input.regionCode;
      if (input.specialties != null) expert.specialties = [...new Set(input.specialties)];
      if (input.specialtyNote !== undefined) expert.specialtyNote = input.specialtyNote;
      if (input.serviceRegionCodes != null) expert.serviceRegionCodes = [...new Set(input.serviceRegionCodes)];
      if (input.contactPhone != null) expert.contactPhone = input.contactPhone;
      if (input.email !== undefined) expert.email = input.email;
      const diff = changed(before, snapshot(expert, AUDITED));
      if (!Object.keys(diff.after).length) return expert;
      const saved = await em.save(expert);
      await this.audit.record(em, actor, { operation: 'updateExpert', entityType: 'Expert', entityId: expert.id, regionCode: saved.regionCode, ...diff });
      return saved;
    });
  }

  async archive(actor: Actor, scope: Scope, input: ArchiveExpertInput): Promise<Expert> {
    const id = this.idOf(input.id);
    return this.transition(actor, 'archiveExpert', id, (expert) => {
      if (!hasRole(actor.principal, ...COORDINATORS) || !scope.covers(expert.regionCode)) {
        throw new DomainError(UserErrorCode.FORBIDDEN, 'Only a coordinator whose scope covers the expert may archive them', ['input', 'id']);
      }
      this.assertActive(expert);
      this.assertVersion(expert, input.version);
      expert.status = RegistryStatus.ARCHIVED;
      expert.archivedAt = new Date();
      expert.archiveReason = input.reason.trim();
    });
  }

  /** DRAFT → FILED: the expert's association files the roster entry with the next-higher association. */
  async fileRoster(actor: Actor, scope: Scope, input: ExpertRosterInput): Promise<Expert> {
    const id = this.idOf(input.id);
    return this.transition(actor, 'fileExpertRoster', id, (expert) => {
      if (!hasRole(actor.principal, ...COORDINATORS) || !scope.covers(expert.regionCode)) {
        throw new DomainError(UserErrorCode.FORBIDDEN, "Only a coordinator whose scope covers the expert's region may file the roster entry", ['input', 'id']);
      }
      this.assertActive(expert);
      this.assertVersion(expert, input.version);
      if (expert.rosterStatus !== ExpertRosterStatus.DRAFT) {
        throw new DomainError(UserErrorCode.INVALID_STATE, `The roster entry is ${expert.rosterStatus}; only a DRAFT entry can be filed`, ['input', 'id']);
      }
      expert.rosterStatus = ExpertRosterStatus.FILED;
      expert.rosterFiledBy = actor.principal.subject;
      expert.rosterFiledAt = new Date();
      expert.rosterFiledWithCode = rosterFilingCode(expert.regionCode);
    });
  }

  /** FILED → REGISTERED: the association the entry was filed with (or one above it) registers it. */
  async registerRoster(actor: Actor, scope: Scope, input: ExpertRosterInput): Promise<Expert> {
    const id = this.idOf(input.id);
    return this.transition(actor, 'registerExpertRoster', id, (expert) => {
      const coordinator = hasRole(actor.principal, ...COORDINATORS);
      if (!coordinator || !(scope.covers(expert.regionCode) || scope.covers(expert.rosterFiledWithCode))) {
        throw new DomainError(UserErrorCode.FORBIDDEN, 'This expert is outside your region scope', ['input', 'id']);
      }
      this.assertActive(expert);
      this.assertVersion(expert, input.version);
      if (expert.rosterStatus !== ExpertRosterStatus.FILED) {
        throw new DomainError(UserErrorCode.INVALID_STATE, `The roster entry is ${expert.rosterStatus}; only a FILED entry can be registered`, ['input', 'id']);
      }
      if (!scope.covers(expert.rosterFiledWithCode)) {
        throw new DomainError(UserErrorCode.FORBIDDEN, `The entry was filed with the association of ${expert.rosterFiledWithCode}; only it (or one above it) registers it`, ['input', 'id']);
      }
      expert.rosterStatus = ExpertRosterStatus.REGISTERED;
      expert.rosterRegisteredBy = actor.principal.subject;
      expert.rosterRegisteredAt = new Date();
    });
  }

  /**
   * Bulk upsert of experts by external reference: every row checked on its own (shape, phone, regions that exist,
   * home region in scope, an employer registered by credit code and ACTIVE; an existing expert must be in scope
   * and ACTIVE), then ONE set-based upsert and one audit event in a transaction. New experts are DRAFT on the
   * roster; an update never touches the roster status. Identical rows are not written (UNCHANGED).
   */
  async importExperts(actor: Actor, scope: Scope, input: ImportExpertsInput): Promise<ImportResult> {
    if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators import experts');
    const batch = new ImportBatch<ExpertRowValues>(input.rows, (r) => String(r.externalRef ?? '').trim());
    const employerCodes = new Map<number, string>();
    input.rows.forEach((row, index) => {
      const checked = checkExpertRow(row, batch.reporter(index));
      if (batch.failed(index)) return;
      if (!scope.covers(checked.values.regionCode)) batch.fail(index, 'regionCode', `Region ${checked.values.regionCode} is outside your region scope`, UserErrorCode.FORBIDDEN);
      if (checked.employerCreditCode) employerCodes.set(index, checked.employerCreditCode);
      batch.accept(index, checked.values.externalRef, checked.values, 'externalRef');
    });
    if (!batch.good.length) return batch.settle({ created: [], updated: [] });
    const codes = [...new Set(batch.good.flatMap((g) => [g.values.regionCode, ...g.values.serviceRegionCodes]))];
    const found = new Set((await this.regions.byCodes(codes)).filter((r) => r !== null).map((r) => r.code));
    const employers = new Map((await this.organizations.byCreditCodesAnywhere([...new Set(employerCodes.values())])).map((o) => [o.creditCode, o]));
    const existing = new Map<string, Expert>();
    const stored: Expert[] = await this.ds.getRepository(Expert).createQueryBuilder('e').where('e.externalRef = ANY(:refs)', { refs: batch.good.map((g) => g.values.externalRef) }).getMany();
    for (const e of stored) existing.set(e.externalRef as string, e);
    for (const { index, values } of batch.good) {
      const fail = batch.reporter(index);
      if (!found.has(values.regionCode)) fail('regionCode', `No region with code ${values.regionCode}`, UserErrorCode.NOT_FOUND);
      values.serviceRegionCodes.forEach((c) => found.has(c) || fail('serviceRegionCodes', `No region with code ${c}`, UserErrorCode.NOT_FOUND));
      const code = employerCodes.get(index);
      if (code) {
        // Employers may lie outside the caller's scope (a county's expert from a provincial university).
        const employer = employers.get(code);
        if (!employer) fail('employerCreditCode', `No organization with credit code ${code}`, UserErrorCode.NOT_FOUND);
        else if (employer.status === RegistryStatus.ARCHIVED) fail('employerCreditCode', `The employer ${code} is ARCHIVED`, UserErrorCode.INVALID_STATE);
        else values.employerId = employer.id;
      }
      const old = existing.get(values.externalRef);
      if (old && !scope.covers(old.regionCode)) fail('externalRef', `Expert ${values.externalRef} is registered outside your region scope`, UserErrorCode.FORBIDDEN);
      else if (old?.status === RegistryStatus.ARCHIVED) fail('externalRef', `Expert ${values.externalRef} is ARCHIVED and cannot be changed`, UserErrorCode.INVALID_STATE);
    }
    const good = batch.good.map((g) => g.values);
    if (!good.length) return batch.settle({ created: [], updated: [] });
    const byRef = new Map(good.map((g) => [g.externalRef, g]));
    const done = await writeBatch(this.ds, this.audit, actor, {
      operation: 'importExperts',
      entityType: 'ExpertImport',
      idempotencyKey: input.idempotencyKey,
      regionCodes: good.map((g) => g.regionCode),
      upsert: (em) =>
        bulkUpsert(em, {
          table: 'expert',
          key: 'externalRef',
          columns: columnsOf(good, {
            externalRef: 'text', name: 'text', title: 'text', employerId: 'uuid', regionCode: 'text', specialties: 'service_category[]', specialtyNote: 'text',
            serviceRegionCodes: 'text[]', contactPhone: 'text', email: 'text',
          }),
          guard: activeInScope(scope),
        }),
      stored: (k) => snapshot(existing.get(k) as Expert, IMPORTED),
      imported: (k) => snapshot(byRef.get(k) as unknown as Expert, IMPORTED),
    });
    return batch.settle(done);
  }

  /** Locks the expert, lets `apply` check and change it, saves and audits — all in one transaction. */
  private transition(actor: Actor, operation: string, id: string, apply: (e: Expert) => void): Promise<Expert> {
    return this.ds.transaction(async (em) => {
      const expert = await this.lockedForChange(em, id);
      const before = snapshot(expert, AUDITED);
      apply(expert);
      const saved = await em.save(expert);
      await this.audit.record(em, actor, { operation, entityType: 'Expert', entityId: expert.id, regionCode: expert.regionCode, ...changed(before, snapshot(saved, AUDITED)) });
      return saved;
    });
  }

  private async lockedForChange(em: EntityManager, id: string): Promise<Expert> {
    const expert = await em.findOne(Expert, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!expert) throw new DomainError(UserErrorCode.NOT_FOUND, 'No expert with this ID', ['input', 'id']);
    return expert;
  }

  private idOf(globalId: string): string {
    const id = uuidOf(globalId, 'Expert');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No expert with this ID', ['input', 'id']);
    return id;
  }

  private assertActive(expert: Expert): void {
    if (expert.status === RegistryStatus.ARCHIVED) throw new DomainError(UserErrorCode.INVALID_STATE, 'The expert is ARCHIVED and cannot be changed', ['input', 'id']);
  }

  private assertVersion(expert: Expert, version: number | null | undefined): void {
    if (version != null && expert.version !== version) {
      throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Expert is at version ${expert.version}, you sent ${version}`, ['input', 'version']);
    }
  }

  /** Checks the referenced home region (in scope), employer and service regions exist; reports every problem. */
  private async checkRefs(scope: Scope, refs: { regionCode?: string; employerId?: string | null; serviceRegionCodes?: string[] }, homeMustBeInScope = true): Promise<void> {
    const errors: DomainError[] = [];
    const codes = [...new Set([...(refs.regionCode ? [refs.regionCode] : []), ...(refs.serviceRegionCodes ?? [])])];
    const found = new Set((await this.regions.byCodes(codes)).filter((r) => r !== null).map((r) => r.code));
    if (refs.regionCode) {
      if (!found.has(refs.regionCode)) errors.push(new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${refs.regionCode}`, ['input', 'regionCode']));
      else if (homeMustBeInScope && !scope.covers(refs.regionCode)) errors.push(new DomainError(UserErrorCode.FORBIDDEN, `Region ${refs.regionCode} is outside your region scope`, ['input', 'regionCode']));
    }
    (refs.serviceRegionCodes ?? []).forEach((code, i) => {
      if (!found.has(code)) errors.push(new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${code}`, ['input', 'serviceRegionCodes', String(i)]));
    });
    if (refs.employerId) {
      // Employers may lie outside the caller's scope (a county's expert from a provincial university).
      const key = uuidOf(refs.employerId, 'Organization');
      const employer = key ? await this.organizations.findAnywhere(key) : null;
      if (!employer) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', ['input', 'employerId']));
      else if (employer.status === RegistryStatus.ARCHIVED) errors.push(new DomainError(UserErrorCode.INVALID_STATE, 'The employer is ARCHIVED', ['input', 'employerId']));
    }
    throwAll(errors);
  }
}

function applyFilter(qb: SelectQueryBuilder<Expert>, filter: ExpertFilter | null | undefined): void {
  if (!filter) return;
  if (filter.status != null) qb.andWhere('e.status = :status', { status: filter.status });
  if (filter.within != null) qb.andWhere('e.regionCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
  if (filter.specialties?.length) qb.andWhere('e.specialties && CAST(:specialties AS service_category[])', { specialties: filter.specialties });
  if (filter.rosterStatus?.length) qb.andWhere('e.rosterStatus IN (:...rosterStatus)', { rosterStatus: filter.rosterStatus });
  if (filter.employerId != null) {
    const employerId = uuidOf(filter.employerId, 'Organization');
    if (employerId) qb.andWhere('e.employerId = :employerId', { employerId });
    else qb.andWhere('FALSE');
  }
  if (filter.nameContains) qb.andWhere('e.name ILIKE :name', { name: `%${escapeLike(filter.nameContains)}%` });
  if (filter.externalRef != null) qb.andWhere('e.externalRef = :externalRef', { externalRef: filter.externalRef.trim() });
}

/** Normalized expert row, ready for the bulk statement (`employerId` is resolved from the credit code). */
interface ExpertRowValues {
  externalRef: string;
  name: string;
  title: string | null;
  employerId: string | null;
  regionCode: string;
  specialties: ServiceCategory[];
  specialtyNote: string | null;
  serviceRegionCodes: string[];
  contactPhone: string;
  email: string | null;
}

/** Shape checks of one expert row: reports each problem through `fail`, returns the normalized values and the employer's credit code. */
function checkExpertRow(row: ExpertImportRow, fail: (field: string, message: string) => void): { values: ExpertRowValues; employerCreditCode: string | null } {
  const externalRef = String(row.externalRef ?? '').trim();
  if (!EXTERNAL_REF.test(externalRef)) fail('externalRef', 'externalRef must be 1–64 letters, digits or . _ : / -');
  const name = String(row.name ?? '').trim();
  if (name.length < 2 || name.length > 50) fail('name', 'name must be 2–50 characters');
  const title = row.title?.trim() || null;
  if (title && title.length > 100) fail('title', 'title is at most 100 characters');
  const employerCreditCode = row.employerCreditCode?.trim().toUpperCase() || null;
  if (employerCreditCode && !isValidCreditCode(employerCreditCode)) fail('employerCreditCode', 'employerCreditCode must be a unified social credit code with a valid check character');
  const regionCode = String(row.regionCode ?? '').trim();
  if (!REGION_CODE.test(regionCode)) fail('regionCode', 'regionCode must be a 6, 9 or 12 digit division code');
  const specialties = [...new Set(row.specialties ?? [])];
  if (!specialties.length || specialties.some((c) => !CATEGORIES.has(c))) fail('specialties', 'specialties needs at least one known category');
  const specialtyNote = row.specialtyNote?.trim() || null;
  if (specialtyNote && specialtyNote.length > 2000) fail('specialtyNote', 'specialtyNote is at most 2,000 characters');
  const serviceRegionCodes = [...new Set((row.serviceRegionCodes ?? []).map((c) => String(c).trim()).filter(Boolean))];
  if (serviceRegionCodes.length > MAX_SERVICE_REGIONS || serviceRegionCodes.some((c) => !REGION_CODE.test(c))) fail('serviceRegionCodes', `at most ${MAX_SERVICE_REGIONS} service regions, each a 6, 9 or 12 digit division code`);
  const contactPhone = String(row.contactPhone ?? '').trim();
  if (!PHONE_PATTERN.test(contactPhone)) fail('contactPhone', 'contactPhone must be a mainland mobile number (13812345678) or a landline with area code (0551-12345678)');
  const email = row.email?.trim() || null;
  if (email && (email.length > 200 || !EMAIL.test(email))) fail('email', 'email must be an e-mail address');
  return { values: { externalRef, name, title, employerId: null, regionCode, specialties, specialtyNote, serviceRegionCodes, contactPhone, email }, employerCreditCode };
}
