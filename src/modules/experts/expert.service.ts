import type { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { changed, snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor } from '../../graphql/principal';
import { regionPrefix, type Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import { RegistryStatus } from '../organizations/organization.entity';
import { registrySort, throwAll, type OrganizationService } from '../organizations/organization.service';
import { ancestorCodes, escapeLike, type RegionService } from '../regions/region.service';
import { Expert, ExpertRosterStatus } from './expert.entity';
import type { ArchiveExpertInput, CreateExpertInput, ExpertFilter, ExpertOrder, ExpertRosterInput, UpdateExpertInput } from './expert.types';

const AUDITED: Array<keyof Expert> = [
  'name', 'title', 'employerId', 'regionCode', 'specialties', 'specialtyNote', 'serviceRegionCodes', 'contactPhone', 'email',
  'rosterStatus', 'rosterFiledBy', 'rosterFiledAt', 'rosterFiledWithCode', 'rosterRegisteredBy', 'rosterRegisteredAt', 'status', 'archivedAt', 'archiveReason',
];
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
}
