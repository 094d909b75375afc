import { In, type DataSource, type SelectQueryBuilder } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { toGlobalId, uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, type Actor } from '../../graphql/principal';
import { regionPrefix, Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import type { BeneficiaryService } from '../beneficiaries/beneficiary.service';
import { throwAll, type OrganizationService } from '../organizations/organization.service';
import type { RegionService } from '../regions/region.service';
import { Activity, ActivityHousehold, Facility } from './activity.entity';
import type { ActivityFilter, FacilityFilter, RecordActivityInput, RecordFacilityInput } from './activity.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FACILITY_AUDITED: Array<keyof Facility> = ['kind', 'regionCode', 'name', 'startDate', 'endDate', 'operatorOrganizationId', 'note'];
const ACTIVITY_AUDITED: Array<keyof Activity> = ['kind', 'date', 'regionCode', 'organizerOrganizationId', 'organizerName', 'topic', 'attendees', 'techniquesTaught'];

/** A calendar date (YYYY-MM-DD that round-trips through Date). */
function isCalendarDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * Facilities (expert service stations, science caravans, mobile museum tour visits, middle-school science museums,
 * rural e-stations) and activities (trainings, science popularization) that the indicators count. Recording an
 * activity with attending households adds the techniques taught to their techniques mastered (beneficiaries).
 */
export class ActivityService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly regions: RegionService,
    private readonly organizations: OrganizationService,
    private readonly beneficiaries: BeneficiaryService,
  ) {}

  async facilitiesByIds(scope: Scope, ids: readonly string[]): Promise<Array<Facility | null>> {
    return this.byIds(Facility, 'f', scope, ids);
  }

  async activitiesByIds(scope: Scope, ids: readonly string[]): Promise<Array<Activity | null>> {
    return this.byIds(Activity, 'a', scope, ids);
  }

  /** Household ids that attended each activity (one statement). */
  async householdIdsOf(activityIds: readonly string[]): Promise<string[][]> {
    const rows = await this.ds.getRepository(ActivityHousehold).find({ where: { activityId: In([...activityIds]) }, order: { householdId: 'ASC' } });
    return activityIds.map((id) => rows.filter((r) => r.activityId === id).map((r) => r.householdId));
  }

  async listFacilities(scope: Scope, filter: FacilityFilter | null | undefined, page: PageArgs): Promise<Page<Facility>> {
    const qb = this.ds.getRepository(Facility).createQueryBuilder('f');
    const s = scope.sql('f.regionCode');
    qb.where(s.where, s.params);
    if (filter?.within) qb.andWhere('f.regionCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
    if (filter?.kinds?.length) qb.andWhere('f.kind IN (:...kinds)', { kinds: filter.kinds });
    if (filter?.operatingIn != null) {
      qb.andWhere('f.startDate <= :yearEnd AND (f.endDate IS NULL OR f.endDate >= :yearStart)', { yearStart: `${filter.operatingIn}-01-01`, yearEnd: `${filter.operatingIn}-12-31` });
    }
    if (filter?.operatorOrganizationId) qb.andWhere('f.operatorOrganizationId = :op', { op: uuidOf(filter.operatorOrganizationId, 'Organization') ?? '00000000-0000-0000-0000-000000000000' });
    return paginate(qb, page, { column: 'f.startDate', value: (f) => f.startDate, direction: 'DESC', idColumn: 'f.id', idValue: (f) => f.id });
  }

  async listActivities(scope: Scope, filter: ActivityFilter | null | undefined, page: PageArgs): Promise<Page<Activity>> {
    const qb = this.ds.getRepository(Activity).createQueryBuilder('a');
    const s = scope.sql('a.regionCode');
    qb.where(s.where, s.params);
    applyActivityFilter(qb, filter);
    return paginate(qb, page, { column: 'a.date', value: (a) => a.date, direction: 'DESC', idColumn: 'a.id', idValue: (a) => a.id });
  }

  async recordFacility(actor: Actor, scope: Scope, input: RecordFacilityInput): Promise<Facility> {
    requireCoordinator(actor);
    await this.placeInScope(scope, input.regionCode);
    const errors: DomainError[] = [];
    if (!isCalendarDate(input.startDate)) errors.push(new DomainError(UserErrorCode.VALIDATION, 'startDate is not a calendar date', ['input', 'startDate']));
    if (input.endDate && !isCalendarDate(input.endDate)) errors.push(new DomainError(UserErrorCode.VALIDATION, 'endDate is not a calendar date', ['input', 'endDate']));
    else if (input.endDate && input.endDate < input.startDate) errors.push(new DomainError(UserErrorCode.VALIDATION, 'endDate is before startDate', ['input', 'endDate']));
    const operatorId = await this.organization(input.operatorOrganizationId, ['input', 'operatorOrganizationId'], errors);
    throwAll(errors);
    return this.ds.transaction(async (em) => {
      const saved = await em.save(
        em.create(Facility, {
          kind: input.kind,
          regionCode: input.regionCode,
          name: input.name.trim(),
          startDate: input.startDate,
          endDate: input.endDate ?? null,
          operatorOrganizationId: operatorId,
          note: input.note?.trim() || null,
          recordedBy: actor.principal.subject,
        }),
      );
      await this.audit.record(em, actor, { operation: 'recordFacility', entityType: 'Facility', entityId: saved.id, regionCode: saved.regionCode, after: snapshot(saved, FACILITY_AUDITED) });
      return saved;
    });
  }

  async recordActivity(actor: Actor, scope: Scope, input: RecordActivityInput): Promise<{ activity: Activity; householdsUpdated: number; householdsAtTechniqueLimit: string[] }> {
    requireCoordinator(actor);
    await this.placeInScope(scope, input.regionCode);
    const errors: DomainError[] = [];
    if (!isCalendarDate(input.date)) errors.push(new DomainError(UserErrorCode.VALIDATION, 'date is not a calendar date', ['input', 'date']));
    const organizerId = await this.organization(input.organizerOrganizationId, ['input', 'organizerOrganizationId'], errors);
    const techniques = [...new Set(input.techniquesTaught.map((t) => t.trim()).filter(Boolean))];
    // Attending households: registered, in your scope, in the activity's region, each once.
    const prefix = regionPrefix(input.regionCode);
    const keys = input.attendingHouseholdIds.map((id) => uuidOf(id, 'Household'));
    const found = await this.beneficiaries.householdsByIds(scope, keys.filter((k): k is string => !!k));
    const byId = new Map(found.filter((h) => h !== null).map((h) => [h!.id, h!]));
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      const at = ['input', 'attendingHouseholdIds', String(i)];
      const h = k ? byId.get(k) : undefined;
      if (!h) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No registered household with this ID in your scope', at));
      else if (!h.villageCode.startsWith(prefix)) errors.push(new DomainError(UserErrorCode.VALIDATION, `Household's village ${h.villageCode} is not inside the activity's region ${input.regionCode}`, at));
      else if (seen.has(h.id)) errors.push(new DomainError(UserErrorCode.VALIDATION, 'Household listed twice', at));
      if (h) seen.add(h.id);
    });
    if (seen.size > input.attendees) errors.push(new DomainError(UserErrorCode.VALIDATION, `attendees (${input.attendees}) is less than the ${seen.size} attending households listed`, ['input', 'attendees']));
    throwAll(errors);
    const householdIds = [...seen];
    return this.ds.transaction(async (em) => {
      const activity = await em.save(
        em.create(Activity, {
          kind: input.kind,
          date: input.date,
          regionCode: input.regionCode,
          organizerOrganizationId: organizerId,
          organizerName: input.organizerName.trim(),
          topic: input.topic.trim(),
          attendees: input.attendees,
          techniquesTaught: techniques,
          recordedBy: actor.principal.subject,
        }),
      );
      if (householdIds.length) await em.insert(ActivityHousehold, householdIds.map((householdId) => ({ activityId: activity.id, householdId })));
      await this.audit.record(em, actor, {
        operation: 'recordActivity',
        entityType: 'Activity',
        entityId: activity.id,
        regionCode: activity.regionCode,
        after: { ...snapshot(activity, ACTIVITY_AUDITED), attendingHouseholdIds: householdIds },
      });
      const learned = await this.beneficiaries.learnTechniques(em, actor, householdIds, techniques, { operation: 'learnTechniques', entityType: 'Activity', entityId: activity.id, regionCode: activity.regionCode });
      return { activity, householdsUpdated: learned.updated.length, householdsAtTechniqueLimit: learned.atLimit.map((id) => toGlobalId('Household', id)) };
    });
  }

  private async byIds<T extends { id: string; regionCode: string }>(entity: new () => T, alias: string, scope: Scope, ids: readonly string[]): Promise<Array<T | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: T[] = [];
    if (valid.length) {
      const s = scope.sql(`${alias}.regionCode`);
      rows = await this.ds.getRepository(entity).createQueryBuilder(alias).where(`${alias}.id IN (:...ids)`, { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /** The region must exist and be a county, township or village inside the scope. */
  private async placeInScope(scope: Scope, code: string): Promise<void> {
    const [region] = await this.regions.byCodes([code]);
    if (!region) throw new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${code}`, ['input', 'regionCode']);
    if (!scope.covers(code)) throw new DomainError(UserErrorCode.FORBIDDEN, `${region.name} (${code}) is outside your region scope`, ['input', 'regionCode']);
    if (region.level === 'PROVINCE' || region.level === 'CITY') throw new DomainError(UserErrorCode.VALIDATION, 'Facilities and activities are recorded in a county, township or village', ['input', 'regionCode']);
  }

  /** An optional organization reference: its database id, or a NOT_FOUND error pushed to `errors`. */
  private async organization(globalId: string | null | undefined, field: string[], errors: DomainError[]): Promise<string | null> {
    if (!globalId) return null;
    const key = uuidOf(globalId, 'Organization');
    const [org] = key ? await this.organizations.byIds(Scope.everything, [key]) : [null];
    if (!org) {
      errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', field));
      return null;
    }
    return org.id;
  }
}

function requireCoordinator(actor: Actor): void {
  if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators record facilities and activities');
}

function applyActivityFilter(qb: SelectQueryBuilder<Activity>, f: ActivityFilter | null | undefined): void {
  if (!f) return;
  if (f.within) qb.andWhere('a.regionCode LIKE :within', { within: `${regionPrefix(f.within)}%` });
  if (f.kinds?.length) qb.andWhere('a.kind IN (:...kinds)', { kinds: f.kinds });
  if (f.year != null) qb.andWhere('a.date BETWEEN :ys AND :ye', { ys: `${f.year}-01-01`, ye: `${f.year}-12-31` });
  if (f.from) qb.andWhere('a.date >= :from', { from: isCalendarDate(f.from) ? f.from : '9999-12-31' });
  if (f.to) qb.andWhere('a.date <= :to', { to: isCalendarDate(f.to) ? f.to : '0001-01-01' });
  if (f.organizerOrganizationId) qb.andWhere('a.organizerOrganizationId = :org', { org: uuidOf(f.organizerOrganizationId, 'Organization') ?? '00000000-0000-0000-0000-000000000000' });
  if (f.householdId) {
    qb.andWhere('a.id IN (SELECT ah."activityId" FROM activity_household ah WHERE ah."householdId" = :hid)', { hid: uuidOf(f.householdId, 'Household') ?? '00000000-0000-0000-0000-000000000000' });
  }
  if (f.technique) qb.andWhere(':technique = ANY(a.techniquesTaught)', { technique: f.technique });
}
