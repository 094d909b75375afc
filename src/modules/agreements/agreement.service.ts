import { In, type DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { changed, snapshot } from '../../db/audit-port';
import type { NotificationPort } from '../../db/notification-port';
import { paginate, type Page, type PageArgs, type SortKey } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor, type Principal } from '../../graphql/principal';
import { regionPrefix, Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import type { BeneficiaryService } from '../beneficiaries/beneficiary.service';
import type { ExpertService } from '../experts/expert.service';
import { MatchStatus } from '../matching/match.entity';
import type { MatchingService } from '../matching/matching.service';
import type { NeedService } from '../needs/need.service';
import { RegistryStatus } from '../organizations/organization.entity';
import { throwAll, type OrganizationService } from '../organizations/organization.service';
import { PovertyDesignation, RegionLevel } from '../regions/region.entity';
import { escapeLike, type RegionService } from '../regions/region.service';
import {
  Agreement,
  AgreementExpert,
  AgreementFilingStep,
  AgreementLink,
  AgreementLinkKind,
  AgreementProgressItem,
  AgreementProgressReport,
  AgreementStatus,
  AgreementTask,
  AgreementVillage,
  EDITABLE_STATUSES,
  FilingDecision,
  FilingLevel,
  FINAL_STATUSES,
} from './agreement.entity';
import {
  AgreementOrderField,
  type AgreementFilter,
  type AgreementOrder,
  type AgreementReasonInput,
  type AgreementTaskInput,
  type AgreementTransitionInput,
  type CreateAgreementInput,
  type ReportAgreementProgressInput,
  type SignAgreementInput,
  type SubmitAgreementsInput,
  type UpdateAgreementInput,
} from './agreement.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUDITED: Array<keyof Agreement> = [
  'title', 'status', 'regionCode', 'filerLevel', 'organizationId', 'periodStart', 'periodEnd', 'goals', 'measures', 'mechanism',
  'signingDate', 'signatories', 'reviewLevel', 'registryNumber', 'returnReason', 'terminationReason', 'completionNote',
];

/** A refused transition: INVALID_STATE (or VERSION_CONFLICT) carrying the agreement's current state. */
export class StateError extends DomainError {
  constructor(
    code: UserErrorCode,
    message: string,
    readonly status: AgreementStatus,
    field: string[] = ['input', 'id'],
  ) {
    super(code, message, field);
  }
}

/** States in which an agreement counts as registered in the national registry (已入库): registered and after, not terminated. */
export const REGISTERED_AGREEMENT_STATUSES: readonly AgreementStatus[] = [AgreementStatus.REGISTERED, AgreementStatus.IN_PROGRESS, AgreementStatus.COMPLETED];

/** The review state an agreement enters when filed, from the filer's level (报上一级科协备案). */
export function firstReview(filerLevel: RegionLevel): AgreementStatus {
  if (filerLevel === RegionLevel.VILLAGE || filerLevel === RegionLevel.TOWNSHIP) return AgreementStatus.COUNTY_REVIEW;
  if (filerLevel === RegionLevel.COUNTY) return AgreementStatus.CITY_REVIEW;
  return AgreementStatus.PROVINCE_REVIEW;
}

/** Review state → the level that reviews, the role that acts, and where an approval leads. */
export const REVIEW: Partial<Record<AgreementStatus, { level: FilingLevel; role: Role; next: AgreementStatus; nextLevel: FilingLevel }>> = {
  [AgreementStatus.COUNTY_REVIEW]: { level: FilingLevel.COUNTY, role: Role.COUNTY_COORDINATOR, next: AgreementStatus.CITY_REVIEW, nextLevel: FilingLevel.CITY },
  [AgreementStatus.CITY_REVIEW]: { level: FilingLevel.CITY, role: Role.CITY_COORDINATOR, next: AgreementStatus.PROVINCE_REVIEW, nextLevel: FilingLevel.PROVINCE },
  [AgreementStatus.PROVINCE_REVIEW]: { level: FilingLevel.PROVINCE, role: Role.PROVINCIAL_COORDINATOR, next: AgreementStatus.SUBMITTED, nextLevel: FilingLevel.NATIONAL },
};

/** Region code of the association of `level` above a region code (000000 = national; FILER = the region itself). */
export function associationCode(regionCode: string, level: FilingLevel): string {
  switch (level) {
    case FilingLevel.COUNTY:
      return regionCode.slice(0, 6);
    case FilingLevel.CITY:
      return `${regionCode.slice(0, 4)}00`;
    case FilingLevel.PROVINCE:
      return `${regionCode.slice(0, 2)}0000`;
    case FilingLevel.NATIONAL:
      return '000000';
    default:
      return regionCode;
  }
}

/**
 * Whether an agreement may be completed (完成). The evaluations module provides it (acceptance, 验收) and
 * `createServices` plugs it in, so agreements never import evaluations (dependencies point one way).
 */
export interface CompletionCheck {
  /** Null when the agreement may be completed, else why not (NOT_ELIGIBLE); runs inside the completing transaction. */
  completionBlocker(em: EntityManager, agreement: Agreement): Promise<string | null>;
}

/** What a transition does once its checks passed. */
interface Change {
  to: AgreementStatus;
  decision: FilingDecision;
  level: FilingLevel;
  reason?: string | null;
  /** Notification to write in the same transaction: type and the level that must act next. */
  notify?: { type: string; target: FilingLevel };
  apply?: (a: Agreement) => void | Promise<void>;
}

/** What tests plug into the agreements service; a request's copy (`createServices`) is given the process's object. */
export interface AgreementHooks {
  /**
   * Test-only failpoint: tests running the server in-process may set it (`server.services.agreements.hooks`) to
   * throw (or to wait, holding the transaction open) at a named stage inside a transaction, after the state change
   * and its notification row were written. Nothing — no configuration, environment variable or API — sets it in
   * production.
   */
  failpoint?: (stage: string, agreementId: string) => void | Promise<void>;
}

/**
 * Assistance agreements (帮扶协议书): content, the lifecycle state machine, level-by-level filing (备案) with a
 * history row, an audit event and a notification per step — all in the transaction of the state change.
 */
export class AgreementService {
  /** The completion gate (the evaluations module's acceptance rule); without one, completion needs only the state. */
  completionCheck?: CompletionCheck;

  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly notifications: NotificationPort,
    private readonly regions: RegionService,
    private readonly organizations: OrganizationService,
    private readonly experts: ExpertService,
    private readonly beneficiaries: BeneficiaryService,
    private readonly needs: NeedService,
    private readonly matching: MatchingService,
    readonly hooks: AgreementHooks = {},
  ) {}

  // ---------------------------------------------------------------- reads

  /** Agreements by database id within scope (null for unknown or out-of-scope ones), order kept. */
  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<Agreement | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: Agreement[] = [];
    if (valid.length) {
      const s = scope.sql('a.regionCode');
      rows = await this.ds.getRepository(Agreement).createQueryBuilder('a').where('a.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  async list(scope: Scope, filter: AgreementFilter | null | undefined, order: AgreementOrder | null | undefined, page: PageArgs): Promise<Page<Agreement>> {
    const qb = this.ds.getRepository(Agreement).createQueryBuilder('a');
    const s = scope.sql('a.regionCode');
    qb.where(s.where, s.params);
    applyFilter(qb, filter);
    const field = order?.field ?? AgreementOrderField.UPDATED_AT;
    const prop = field === AgreementOrderField.CREATED_AT ? 'createdAt' : field === AgreementOrderField.SIGNED_AT ? 'signedAt' : 'updatedAt';
    if (prop === 'signedAt') qb.andWhere('a.signedAt IS NOT NULL');
    const sort: SortKey<Agreement> = { column: `a.${prop}`, value: (r) => r[prop] as Date, direction: order?.direction ?? 'DESC', idColumn: 'a.id', idValue: (r) => r.id };
    // A status set under the default order is merged from one (status, updatedAt, id) index scan per status.
    return paginate(qb, page, sort, prop === 'updatedAt' && filter?.status?.length ? { column: 'a.status', values: filter.status } : undefined);
  }

  /** Tasks of many agreements, by position (one statement). */
  async tasksOf(agreementIds: readonly string[]): Promise<AgreementTask[][]> {
    const rows = await this.ds.getRepository(AgreementTask).find({ where: { agreementId: In([...agreementIds]) }, order: { position: 'ASC' } });
    return agreementIds.map((id) => rows.filter((r) => r.agreementId === id));
  }

  /** Linked households, needs and matches of many agreements (one statement). */
  async linksOf(agreementIds: readonly string[]): Promise<AgreementLink[][]> {
    const rows = await this.ds.getRepository(AgreementLink).find({ where: { agreementId: In([...agreementIds]) }, order: { targetId: 'ASC' } });
    return agreementIds.map((id) => rows.filter((r) => r.agreementId === id));
  }

  /** Expert ids of many agreements (one statement). */
  async expertIdsOf(agreementIds: readonly string[]): Promise<string[][]> {
    const rows = await this.ds.getRepository(AgreementExpert).find({ where: { agreementId: In([...agreementIds]) }, order: { expertId: 'ASC' } });
    return agreementIds.map((id) => rows.filter((r) => r.agreementId === id).map((r) => r.expertId));
  }

  /**
   * Progress figures (完成进度) computed in SQL: for each task delivered/planned capped at 1, averaged over the
   * tasks; 0 without reports, null without tasks.
   */
  async progressOf(agreementIds: readonly string[]): Promise<Array<number | null>> {
    const rows: Array<{ id: string; p: string }> = await this.ds.query(
      `SELECT t."agreementId" AS id, ROUND(AVG(LEAST(1, COALESCE(d.delivered, 0) / t."plannedQuantity")), 4)::text AS p
         FROM agreement_task t
         LEFT JOIN (SELECT i."taskId", SUM(i."deliveredQuantity") AS delivered FROM agreement_progress_item i
                     JOIN agreement_task t2 ON t2.id = i."taskId" WHERE t2."agreementId" = ANY($1::uuid[]) GROUP BY i."taskId") d ON d."taskId" = t.id
        WHERE t."agreementId" = ANY($1::uuid[])
        GROUP BY t."agreementId"`,
      [[...agreementIds]],
    );
    const map = new Map(rows.map((r) => [r.id, Number(r.p)]));
    return agreementIds.map((id) => map.get(id) ?? null);
  }

  /** Delivered quantity per task (sum of progress items), one statement. */
  async deliveredOf(taskIds: readonly string[]): Promise<number[]> {
    const rows: Array<{ id: string; q: string }> = await this.ds.query(
      `SELECT "taskId" AS id, SUM("deliveredQuantity")::text AS q FROM agreement_progress_item WHERE "taskId" = ANY($1::uuid[]) GROUP BY "taskId"`,
      [[...taskIds]],
    );
    const map = new Map(rows.map((r) => [r.id, Number(r.q)]));
    return taskIds.map((id) => map.get(id) ?? 0);
  }

  /** Items of many progress reports (one statement). */
  async itemsOf(reportIds: readonly string[]): Promise<AgreementProgressItem[][]> {
    const rows = await this.ds.getRepository(AgreementProgressItem).find({ where: { reportId: In([...reportIds]) } });
    return reportIds.map((id) => rows.filter((r) => r.reportId === id));
  }

  /**
   * How many registered agreements (已入库: REGISTERED, IN_PROGRESS or COMPLETED) each provider — organizations
   * or experts — takes part in, counting only agreements inside a region code prefix ('' = anywhere). One
   * statement. Nominations use it for eligibility (只有已入库备案的组织和专家可申报).
   */
  async registeredAgreementCounts(provider: 'ORGANIZATION' | 'EXPERT', ids: readonly string[], withinPrefix = ''): Promise<number[]> {
    const valid = ids.filter((id) => UUID.test(id));
    if (!valid.length) return ids.map(() => 0);
    const sql =
      provider === 'ORGANIZATION'
        ? `SELECT a."organizationId" AS id, COUNT(*)::int AS n FROM agreement a
            WHERE a."organizationId" = ANY($1::uuid[]) AND a.status::text = ANY($2::text[]) AND a."regionCode" LIKE $3 GROUP BY a."organizationId"`
        : `SELECT ae."expertId" AS id, COUNT(*)::int AS n FROM agreement_expert ae JOIN agreement a ON a.id = ae."agreementId"
            WHERE ae."expertId" = ANY($1::uuid[]) AND a.status::text = ANY($2::text[]) AND a."regionCode" LIKE $3 GROUP BY ae."expertId"`;
    const rows: Array<{ id: string; n: number }> = await this.ds.query(sql, [valid, REGISTERED_AGREEMENT_STATUSES, `${withinPrefix}%`]);
    const map = new Map(rows.map((r) => [r.id, Number(r.n)]));
    return ids.map((id) => map.get(id) ?? 0);
  }

  // ---------------------------------------------------------------- drafting

  async create(actor: Actor, scope: Scope, input: CreateAgreementInput): Promise<Agreement> {
    const p = actor.principal;
    const [region] = await this.regions.byCodes([input.regionCode]);
    if (!region) throw new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${input.regionCode}`, ['input', 'regionCode']);
    if (![RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE].includes(region.level)) {
      throw new DomainError(UserErrorCode.VALIDATION, 'An agreement belongs to a county, township or village (its beneficiaries’ region)', ['input', 'regionCode']);
    }
    const refs = await this.checkRefs(p, region.code, input);
    const organizationId = refs.organizationId ?? null;
    const expertIds = refs.expertIds ?? [];
    if (!this.mayDraft(p, scope, region.code, organizationId, expertIds)) {
      throw new DomainError(UserErrorCode.FORBIDDEN, 'Coordinators draft agreements inside their region scope; organization managers and experts only agreements they are a party to', ['input', 'regionCode']);
    }
    const dates = checkPeriod(input.periodStart ?? null, input.periodEnd ?? null);
    return this.inTransaction(async (em) => {
      const a = await em.save(
        em.create(Agreement, {
          title: input.title.trim(),
          status: AgreementStatus.DRAFT,
          regionCode: region.code,
          // Default: a village agreement, filed with the county association (the programme's usual case).
          filerLevel: input.filerLevel ?? RegionLevel.VILLAGE,
          organizationId,
          periodStart: dates.start,
          periodEnd: dates.end,
          goals: input.goals?.trim() || null,
          measures: input.measures?.trim() || null,
          mechanism: input.mechanism?.trim() || null,
          signingDate: null,
          signatories: [],
          reviewLevel: null,
          registryNumber: null,
          returnReason: null,
          terminationReason: null,
          completionNote: null,
          createdBy: p.subject,
          signedAt: null,
          filedAt: null,
          filedBy: null,
          registeredAt: null,
        }),
      );
      await this.replaceLists(em, a.id, { expertIds, villageCodes: refs.villageCodes ?? [], tasks: input.tasks ?? [], links: refs.links });
      await this.step(em, actor, a, null, { to: AgreementStatus.DRAFT, decision: FilingDecision.CREATED, level: FilingLevel.FILER });
      await this.audit.record(em, actor, { operation: 'createAgreement', entityType: 'Agreement', entityId: a.id, regionCode: a.regionCode, after: { ...snapshot(a, AUDITED), expertIds, villageCodes: refs.villageCodes ?? [], tasks: input.tasks?.length ?? 0 } });
      return a;
    });
  }

  async update(actor: Actor, scope: Scope, input: UpdateAgreementInput): Promise<Agreement> {
    const id = this.idOf(input.id);
    // References are checked before the transaction (PGlite: one connection; never wait on another inside one).
    const current = (await this.byIds(Scope.everything, [id]))[0];
    if (!current) throw new DomainError(UserErrorCode.NOT_FOUND, 'No agreement with this ID', ['input', 'id']);
    const refs = await this.checkRefs(actor.principal, current.regionCode, input);
    const dates = { start: input.periodStart, end: input.periodEnd };
    return this.inTransaction(async (em) => {
      const a = await this.locked(em, id);
      const experts = await this.expertIdsIn(em, a.id);
      if (!this.mayDraft(actor.principal, scope, a.regionCode, a.organizationId, experts)) throw this.forbidden();
      this.assertVersion(a, input.version);
      if (!EDITABLE_STATUSES.includes(a.status)) throw new StateError(UserErrorCode.INVALID_STATE, `Only DRAFT or RETURNED agreements can be amended; current state: ${a.status}`, a.status);
      // A provider may not hand the agreement to another organization or drop themself.
      const newOrg = refs.organizationId !== undefined ? refs.organizationId : a.organizationId;
      const newExperts = refs.expertIds ?? experts;
      if (!this.mayDraft(actor.principal, scope, a.regionCode, newOrg, newExperts)) {
        throw new DomainError(UserErrorCode.FORBIDDEN, 'After this change you would no longer be a party to the agreement', ['input', 'organizationId']);
      }
      const before = { ...snapshot(a, AUDITED), expertIds: experts };
      if (input.title != null) a.title = input.title.trim();
      if (input.filerLevel != null) a.filerLevel = input.filerLevel;
      if (refs.organizationId !== undefined) a.organizationId = refs.organizationId;
      if (dates.start !== undefined) a.periodStart = dates.start;
      if (dates.end !== undefined) a.periodEnd = dates.end;
      checkPeriod(a.periodStart, a.periodEnd);
      if (input.goals !== undefined) a.goals = input.goals?.trim() || null;
      if (input.measures !== undefined) a.measures = input.measures?.trim() || null;
      if (input.mechanism !== undefined) a.mechanism = input.mechanism?.trim() || null;
      await this.replaceLists(em, a.id, { expertIds: refs.expertIds ?? undefined, villageCodes: refs.villageCodes ?? undefined, tasks: input.tasks ?? undefined, links: refs.links });
      a.updatedAt = new Date();
      const saved = await em.save(a);
      await this.step(em, actor, saved, a.status, { to: a.status, decision: FilingDecision.AMENDED, level: FilingLevel.FILER });
      const diff = changed(before, { ...snapshot(saved, AUDITED), expertIds: newExperts });
      await this.audit.record(em, actor, { operation: 'updateAgreement', entityType: 'Agreement', entityId: a.id, regionCode: a.regionCode, ...diff, after: { ...diff.after, ...(input.villageCodes ? { villageCodes: refs.villageCodes } : {}), ...(input.tasks ? { tasks: input.tasks.length } : {}) } });
      return saved;
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** DRAFT → SIGNED: records the signing date and signatories of a complete agreement. */
  async sign(actor: Actor, scope: Scope, input: SignAgreementInput): Promise<Agreement> {
    if (!input.signatories.length) throw new DomainError(UserErrorCode.VALIDATION, 'At least one signatory is required', ['input', 'signatories']);
    return this.transition(actor, 'signAgreement', input.id, input.version, async (a, em) => {
      await this.assertParty(em, actor, scope, a);
      this.assertVersion(a, input.version);
      this.assertState(a, [AgreementStatus.DRAFT], 'signAgreement');
      if (a.periodStart && input.signingDate > (a.periodEnd ?? '9999')) throw new DomainError(UserErrorCode.VALIDATION, 'signingDate is after the end of the period', ['input', 'signingDate']);
      await this.assertComplete(em, a, false);
      return {
        to: AgreementStatus.SIGNED,
        decision: FilingDecision.SIGNED,
        level: FilingLevel.FILER,
        apply: (x) => {
          x.signingDate = input.signingDate;
          x.signatories = input.signatories.map((s) => ({ party: s.party.trim(), name: s.name.trim(), role: s.role?.trim() || null }));
          x.signedAt = new Date();
        },
      };
    });
  }

  /** SIGNED or RETURNED → the review of the association above the filer (county for a village/township agreement). */
  async file(actor: Actor, scope: Scope, input: AgreementTransitionInput): Promise<Agreement> {
    return this.transition(actor, 'fileAgreement', input.id, input.version, async (a, em) => {
      await this.assertParty(em, actor, scope, a);
      this.assertVersion(a, input.version);
      this.assertState(a, [AgreementStatus.SIGNED, AgreementStatus.RETURNED], 'fileAgreement');
      await this.assertComplete(em, a, true);
      const to = firstReview(a.filerLevel);
      const level = (REVIEW[to] as { level: FilingLevel }).level;
      return {
        to,
        decision: FilingDecision.FILED,
        level: FilingLevel.FILER,
        reason: input.note ?? null,
        notify: { type: 'FILED', target: level },
        apply: (x) => {
          x.reviewLevel = level;
          x.returnReason = null;
          x.filedAt = new Date();
          x.filedBy = actor.principal.subject;
        },
      };
    });
  }

  /** The reviewing level approves: county → city → province; a provincial approval is a submission of one. */
  async approve(actor: Actor, scope: Scope, input: AgreementTransitionInput): Promise<Agreement> {
    return this.transition(actor, 'approveAgreementReview', input.id, input.version, (a) => {
      const review = this.assertReviewer(actor, scope, a, 'approveAgreementReview', input.version);
      const submitted = review.next === AgreementStatus.SUBMITTED;
      return {
        to: review.next,
        decision: submitted ? FilingDecision.SUBMITTED : FilingDecision.APPROVED,
        level: review.level,
        reason: input.note ?? null,
        notify: { type: submitted ? 'SUBMITTED' : 'REVIEW_APPROVED', target: review.nextLevel },
        apply: (x) => {
          x.reviewLevel = review.nextLevel;
        },
      };
    });
  }

  /** The reviewing level returns it to the filer with a reason (RETURNED); the filer amends and files again. */
  async returnToFiler(actor: Actor, scope: Scope, input: AgreementReasonInput): Promise<Agreement> {
    return this.transition(actor, 'returnAgreement', input.id, input.version, (a) => {
      const review = this.assertReviewer(actor, scope, a, 'returnAgreement', input.version);
      return {
        to: AgreementStatus.RETURNED,
        decision: FilingDecision.RETURNED,
        level: review.level,
        reason: input.reason.trim(),
        notify: { type: 'RETURNED', target: FilingLevel.FILER },
        apply: (x) => {
          x.reviewLevel = null;
          x.returnReason = input.reason.trim();
        },
      };
    });
  }

  /** The province submits reviewed agreements to the national registry together (汇总报送): all or none. */
  async submit(actor: Actor, scope: Scope, input: SubmitAgreementsInput): Promise<Agreement[]> {
    if (!input.ids.length) throw new DomainError(UserErrorCode.VALIDATION, 'Give at least one agreement', ['input', 'ids']);
    const ids = input.ids.map((g, i) => {
      const id = uuidOf(g, 'Agreement');
      if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No agreement with this ID', ['input', 'ids', String(i)]);
      return id;
    });
    if (new Set(ids).size !== ids.length) throw new DomainError(UserErrorCode.VALIDATION, 'An agreement is listed twice', ['input', 'ids']);
    return this.inTransaction(async (em) => {
      const rows = await em.getRepository(Agreement).find({ where: { id: In(ids) }, order: { id: 'ASC' }, lock: { mode: 'pessimistic_write' } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      const errors: DomainError[] = [];
      ids.forEach((id, i) => {
        const a = byId.get(id);
        const field = ['input', 'ids', String(i)];
        if (!a) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No agreement with this ID', field));
        else if (!hasRole(actor.principal, Role.PROVINCIAL_COORDINATOR) || !scope.covers(a.regionCode)) errors.push(new DomainError(UserErrorCode.FORBIDDEN, 'Only the provincial association of the agreement submits it', field));
        else if (a.status !== AgreementStatus.PROVINCE_REVIEW) errors.push(new StateError(UserErrorCode.INVALID_STATE, `Only agreements in PROVINCE_REVIEW are submitted; current state: ${a.status}`, a.status, field));
      });
      throwAll(errors);
      const out: Agreement[] = [];
      for (const id of ids) {
        const a = byId.get(id) as Agreement;
        out.push(
          await this.applyChange(em, actor, 'submitAgreementsToRegistry', a, {
            to: AgreementStatus.SUBMITTED,
            decision: FilingDecision.SUBMITTED,
            level: FilingLevel.PROVINCE,
            reason: input.note ?? null,
            notify: { type: 'SUBMITTED', target: FilingLevel.NATIONAL },
            apply: (x) => {
              x.reviewLevel = FilingLevel.NATIONAL;
            },
          }),
        );
      }
      return out;
    });
  }

  /** SUBMITTED → REGISTERED (入库) by the national association, with a unique registry number (入库编号). */
  async register(actor: Actor, scope: Scope, input: AgreementTransitionInput): Promise<Agreement> {
    return this.transition(actor, 'registerAgreement', input.id, input.version, async (a, em) => {
      if (!hasRole(actor.principal, Role.NATIONAL_ADMIN) || !scope.covers(a.regionCode)) throw this.forbidden('Only the national association registers agreements');
      this.assertVersion(a, input.version);
      this.assertState(a, [AgreementStatus.SUBMITTED], 'registerAgreement');
      const [{ n }] = await em.query(`SELECT nextval('agreement_registry_seq')::text AS n`);
      const year = new Date().getUTCFullYear();
      return {
        to: AgreementStatus.REGISTERED,
        decision: FilingDecision.REGISTERED,
        level: FilingLevel.NATIONAL,
        reason: input.note ?? null,
        notify: { type: 'REGISTERED', target: FilingLevel.FILER },
        apply: (x) => {
          x.reviewLevel = null;
          x.registryNumber = registryNumber(year, x.regionCode, n);
          x.registeredAt = new Date();
        },
      };
    });
  }

  /** REGISTERED → IN_PROGRESS: the parties (or a coordinator in scope) start implementation. */
  async start(actor: Actor, scope: Scope, input: AgreementTransitionInput): Promise<Agreement> {
    return this.transition(actor, 'startAgreement', input.id, input.version, async (a, em) => {
      await this.assertParty(em, actor, scope, a);
      this.assertVersion(a, input.version);
      this.assertState(a, [AgreementStatus.REGISTERED], 'startAgreement');
      return { to: AgreementStatus.IN_PROGRESS, decision: FilingDecision.STARTED, level: FilingLevel.FILER, reason: input.note ?? null, notify: { type: 'STARTED', target: FilingLevel.COUNTY } };
    });
  }

  /**
   * IN_PROGRESS → COMPLETED by a coordinator in scope, with a note, once the completion check passes (an accepted
   * evaluation, 验收); otherwise NOT_ELIGIBLE with the reason.
   */
  async complete(actor: Actor, scope: Scope, input: AgreementReasonInput): Promise<Agreement> {
    return this.transition(actor, 'completeAgreement', input.id, input.version, async (a, em) => {
      this.assertCoordinator(actor, scope, a);
      this.assertVersion(a, input.version);
      this.assertState(a, [AgreementStatus.IN_PROGRESS], 'completeAgreement');
      const blocker = await this.completionCheck?.completionBlocker(em, a);
      if (blocker) throw new StateError(UserErrorCode.NOT_ELIGIBLE, blocker, a.status);
      return {
        to: AgreementStatus.COMPLETED,
        decision: FilingDecision.COMPLETED,
        level: levelOf(actor.principal),
        reason: input.reason.trim(),
        notify: { type: 'COMPLETED', target: FilingLevel.COUNTY },
        apply: (x) => {
          x.completionNote = input.reason.trim();
          x.reviewLevel = null;
        },
      };
    });
  }

  /** Any non-final state → TERMINATED with a reason, by a coordinator whose scope covers the agreement. */
  async terminate(actor: Actor, scope: Scope, input: AgreementReasonInput): Promise<Agreement> {
    return this.transition(actor, 'terminateAgreement', input.id, input.version, (a) => {
      this.assertCoordinator(actor, scope, a);
      this.assertVersion(a, input.version);
      if (FINAL_STATUSES.includes(a.status)) throw new StateError(UserErrorCode.INVALID_STATE, `The agreement is already ${a.status}; current state: ${a.status}`, a.status);
      return {
        to: AgreementStatus.TERMINATED,
        decision: FilingDecision.TERMINATED,
        level: levelOf(actor.principal),
        reason: input.reason.trim(),
        notify: { type: 'TERMINATED', target: FilingLevel.COUNTY },
        apply: (x) => {
          x.terminationReason = input.reason.trim();
          x.reviewLevel = null;
        },
      };
    });
  }

  /** Records delivered quantities against the planned tasks of an IN_PROGRESS agreement (项目化跟踪管理). */
  async reportProgress(actor: Actor, scope: Scope, input: ReportAgreementProgressInput): Promise<{ report: AgreementProgressReport; agreement: Agreement }> {
    const id = uuidOf(input.agreementId, 'Agreement');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No agreement with this ID', ['input', 'agreementId']);
    if (!input.items.length) throw new DomainError(UserErrorCode.VALIDATION, 'Report at least one delivered quantity', ['input', 'items']);
    return this.inTransaction(async (em) => {
      const a = await em.findOne(Agreement, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!a) throw new DomainError(UserErrorCode.NOT_FOUND, 'No agreement with this ID', ['input', 'agreementId']);
      await this.assertParty(em, actor, scope, a, ['input', 'agreementId']);
      this.assertState(a, [AgreementStatus.IN_PROGRESS], 'reportAgreementProgress', ['input', 'agreementId']);
      const tasks = new Set((await em.find(AgreementTask, { where: { agreementId: a.id } })).map((t) => t.id));
      const errors: DomainError[] = [];
      input.items.forEach((item, i) => {
        if (!tasks.has(item.taskId)) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No such task in this agreement', ['input', 'items', String(i), 'taskId']));
      });
      if (new Set(input.items.map((i) => i.taskId)).size !== input.items.length) errors.push(new DomainError(UserErrorCode.VALIDATION, 'A task is listed twice', ['input', 'items']));
      throwAll(errors);
      const report = await em.save(
        em.create(AgreementProgressReport, { agreementId: a.id, reportedOn: input.reportedOn, note: input.note?.trim() || null, evidence: input.evidence ?? [], reportedBy: actor.principal.subject }),
      );
      await em.insert(AgreementProgressItem, input.items.map((item) => ({ reportId: report.id, taskId: item.taskId, deliveredQuantity: item.deliveredQuantity })));
      a.updatedAt = new Date();
      const saved = await em.save(a);
      await this.audit.record(em, actor, {
        operation: 'reportAgreementProgress',
        entityType: 'Agreement',
        entityId: a.id,
        regionCode: a.regionCode,
        after: { reportId: report.id, reportedOn: input.reportedOn, items: input.items.map((i) => ({ taskId: i.taskId, deliveredQuantity: i.deliveredQuantity })), evidence: input.evidence ?? [] },
      });
      return { report, agreement: saved };
    });
  }

  // ---------------------------------------------------------------- machinery

  /** Runs a state change in one transaction, then publishes its notifications after commit. */
  private async inTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.ds.transaction(work);
    await this.notifications.afterCommit();
    return result;
  }

  /** Locks the agreement, lets `decide` check the rules and describe the change, applies it with its records. */
  private transition(actor: Actor, operation: string, globalId: string, _version: number, decide: (a: Agreement, em: EntityManager) => Change | Promise<Change>): Promise<Agreement> {
    const id = this.idOf(globalId);
    return this.inTransaction(async (em) => {
      const a = await this.locked(em, id);
      const change = await decide(a, em);
      return this.applyChange(em, actor, operation, a, change);
    });
  }

  /** Applies a decided change: new state, filing step, notification, audit event — same transaction. */
  private async applyChange(em: EntityManager, actor: Actor, operation: string, a: Agreement, change: Change): Promise<Agreement> {
    const before = snapshot(a, AUDITED);
    const from = a.status;
    a.status = change.to;
    await change.apply?.(a);
    const saved = await em.save(a);
    await this.step(em, actor, saved, from, change);
    if (change.notify) {
      await this.notifications.record(em, actor, {
        type: change.notify.type,
        agreementId: a.id,
        regionCode: a.regionCode,
        targetLevel: change.notify.target,
        targetRegionCode: associationCode(a.regionCode, change.notify.target),
        status: a.status,
        reason: change.reason ?? null,
      });
    }
    if (this.hooks.failpoint) await this.hooks.failpoint(`${operation}:afterNotification`, a.id);
    await this.audit.record(em, actor, { operation, entityType: 'Agreement', entityId: a.id, regionCode: a.regionCode, ...changed(before, snapshot(saved, AUDITED)) });
    return saved;
  }

  private async step(em: EntityManager, actor: Actor, a: Agreement, from: AgreementStatus | null, change: Pick<Change, 'to' | 'decision' | 'level' | 'reason'>): Promise<void> {
    await em.insert(AgreementFilingStep, {
      agreementId: a.id,
      decision: change.decision,
      level: change.level,
      fromStatus: from,
      toStatus: change.to,
      actorSubject: actor.principal.subject,
      actorName: actor.principal.name?.slice(0, 100) ?? null,
      reason: change.reason ?? null,
    });
  }

  private async locked(em: EntityManager, id: string): Promise<Agreement> {
    const a = await em.findOne(Agreement, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!a) throw new DomainError(UserErrorCode.NOT_FOUND, 'No agreement with this ID', ['input', 'id']);
    return a;
  }

  private async expertIdsIn(em: EntityManager, agreementId: string): Promise<string[]> {
    return (await em.find(AgreementExpert, { where: { agreementId } })).map((r) => r.expertId);
  }

  private idOf(globalId: string): string {
    const id = uuidOf(globalId, 'Agreement');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No agreement with this ID', ['input', 'id']);
    return id;
  }

  private forbidden(message = 'You may not act on this agreement (outside your region scope, or not a party to it)'): DomainError {
    return new DomainError(UserErrorCode.FORBIDDEN, message, ['input', 'id']);
  }

  /** Coordinators whose scope covers the region, or a provider party (its organization's manager, one of its experts). */
  private mayDraft(p: Principal, scope: Scope, regionCode: string, organizationId: string | null, expertIds: string[]): boolean {
    if (hasRole(p, ...COORDINATORS) && scope.covers(regionCode)) return true;
    if (hasRole(p, Role.ORGANIZATION_MANAGER) && p.organizationId && p.organizationId === organizationId) return true;
    return hasRole(p, Role.EXPERT) && !!p.expertId && expertIds.includes(p.expertId);
  }

  private async assertParty(em: EntityManager, actor: Actor, scope: Scope, a: Agreement, field = ['input', 'id']): Promise<void> {
    const experts = hasRole(actor.principal, Role.EXPERT) ? await this.expertIdsIn(em, a.id) : [];
    if (!this.mayDraft(actor.principal, scope, a.regionCode, a.organizationId, experts)) throw new DomainError(UserErrorCode.FORBIDDEN, 'You may not act on this agreement (outside your region scope, or not a party to it)', field);
  }

  private assertCoordinator(actor: Actor, scope: Scope, a: Agreement): void {
    if (!hasRole(actor.principal, ...COORDINATORS) || !scope.covers(a.regionCode)) throw this.forbidden('Only a coordinator whose scope covers the agreement may do this');
  }

  /** The reviewing level's coordinator whose scope covers the agreement; stale version → VERSION_CONFLICT; wrong state → INVALID_STATE. */
  private assertReviewer(actor: Actor, scope: Scope, a: Agreement, operation: string, version: number): NonNullable<(typeof REVIEW)[AgreementStatus]> {
    if (!hasRole(actor.principal, ...COORDINATORS) || !scope.covers(a.regionCode)) throw this.forbidden('Only a coordinator whose scope covers the agreement reviews it');
    this.assertVersion(a, version);
    const review = REVIEW[a.status];
    if (!review) throw new StateError(UserErrorCode.INVALID_STATE, `${operation} needs an agreement under review (COUNTY_REVIEW, CITY_REVIEW or PROVINCE_REVIEW); current state: ${a.status}`, a.status);
    if (!hasRole(actor.principal, review.role)) {
      throw this.forbidden(`The agreement is in ${a.status}: only a ${review.role} whose scope covers it acts now`);
    }
    return review;
  }

  private assertState(a: Agreement, allowed: AgreementStatus[], operation: string, field = ['input', 'id']): void {
    if (!allowed.includes(a.status)) throw new StateError(UserErrorCode.INVALID_STATE, `${operation} needs ${allowed.join(' or ')}; current state: ${a.status}`, a.status, field);
  }

  private assertVersion(a: Agreement, version: number): void {
    if (a.version !== version) throw new StateError(UserErrorCode.VERSION_CONFLICT, `Agreement is at version ${a.version}, you sent ${version}`, a.status, ['input', 'version']);
  }

  /** Required content (时间、目标、任务、措施、机制; signing date and signatories when filing); reports every gap. */
  private async assertComplete(em: EntityManager, a: Agreement, signed: boolean): Promise<void> {
    const errors: DomainError[] = [];
    const need = (ok: boolean, field: string, message: string) => {
      if (!ok) errors.push(new DomainError(UserErrorCode.VALIDATION, message, ['agreement', field]));
    };
    need(!!a.periodStart && !!a.periodEnd, 'periodStart', 'The period (帮扶时间: periodStart and periodEnd) is required');
    need(!!a.goals && a.goals.length >= 2, 'goals', 'Goals (目标) are required');
    need(!!a.measures && a.measures.length >= 2, 'measures', 'Measures (措施) are required');
    need(!!a.mechanism && a.mechanism.length >= 2, 'mechanism', 'The mechanism (机制) is required');
    const [counts] = await em.query(
      `SELECT (SELECT COUNT(*) FROM agreement_task WHERE "agreementId" = $1)::int AS tasks,
              (SELECT COUNT(*) FROM agreement_expert WHERE "agreementId" = $1)::int AS experts,
              (SELECT COUNT(*) FROM agreement_village WHERE "agreementId" = $1)::int AS villages,
              (SELECT COUNT(*) FROM agreement_link WHERE "agreementId" = $1 AND kind = 'HOUSEHOLD')::int AS households`,
      [a.id],
    );
    need(counts.tasks > 0, 'tasks', 'At least one task (任务) with a planned quantity is required');
    need(!!a.organizationId || counts.experts > 0, 'organizationId', 'A provider (an organization and/or experts) is required');
    need(counts.villages > 0 || counts.households > 0, 'villageCodes', 'At least one beneficiary (a poor village or a poor household) is required');
    if (signed) {
      need(!!a.signingDate, 'signingDate', 'The signing date (签订日期) is required');
      need(a.signatories.length > 0, 'signatories', 'Signatories (签署人) are required');
    }
    throwAll(errors);
  }

  /** Checks the organization, experts and villages an input refers to; returns their keys (undefined = not given). */
  private async checkRefs(
    principal: Principal,
    regionCode: string,
    input: { organizationId?: string | null; expertIds?: string[] | null; villageCodes?: string[] | null; householdIds?: string[] | null; needIds?: string[] | null; matchIds?: string[] | null },
  ): Promise<{ organizationId?: string | null; expertIds?: string[]; villageCodes?: string[]; links: Partial<Record<AgreementLinkKind, string[]>> }> {
    const errors: DomainError[] = [];
    const out: { organizationId?: string | null; expertIds?: string[]; villageCodes?: string[]; links: Partial<Record<AgreementLinkKind, string[]>> } = { links: {} };
    if (input.organizationId !== undefined) {
      if (input.organizationId === null) out.organizationId = null;
      else {
        const key = uuidOf(input.organizationId, 'Organization');
        const org = key ? await this.organizations.findAnywhere(key) : null;
        if (!org) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', ['input', 'organizationId']));
        else if (org.status === RegistryStatus.ARCHIVED) errors.push(new DomainError(UserErrorCode.INVALID_STATE, 'The organization is ARCHIVED', ['input', 'organizationId']));
        else out.organizationId = org.id;
      }
    }
    if (input.expertIds != null) {
      const keys = input.expertIds.map((g) => uuidOf(g, 'Expert'));
      // Experts may come from outside the drafter's scope (a provincial university's expert helping a county).
      const found = await this.experts.byIds(Scope.everything, keys.map((k) => k ?? ''));
      keys.forEach((k, i) => {
        const e = found[i];
        if (!k || !e) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No expert with this ID', ['input', 'expertIds', String(i)]));
        else if (e.status === RegistryStatus.ARCHIVED) errors.push(new DomainError(UserErrorCode.INVALID_STATE, 'The expert is ARCHIVED', ['input', 'expertIds', String(i)]));
      });
      out.expertIds = [...new Set(keys.filter((k): k is string => !!k))];
    }
    if (input.villageCodes != null) {
      const prefix = regionCode;
      const found = await this.regions.byCodes(input.villageCodes);
      input.villageCodes.forEach((code, i) => {
        const v = found[i];
        const field = ['input', 'villageCodes', String(i)];
        if (!v || v.level !== RegionLevel.VILLAGE) errors.push(new DomainError(UserErrorCode.NOT_FOUND, `No village with code ${code}`, field));
        else if (!v.code.startsWith(prefix)) errors.push(new DomainError(UserErrorCode.VALIDATION, `Village ${code} is outside the agreement's region ${regionCode}`, field));
        else if (v.povertyDesignation !== PovertyDesignation.POOR_VILLAGE) errors.push(new DomainError(UserErrorCode.NOT_ELIGIBLE, `Village ${code} is not a registered poor village (建档立卡贫困村)`, field));
      });
      out.villageCodes = [...new Set(input.villageCodes)];
    }
    // Issue 4's registry, through its services: households and needs inside the region, accepted matches.
    const keysOf = (ids: string[], type: string) => ids.map((g) => uuidOf(g, type));
    if (input.householdIds != null) {
      const keys = keysOf(input.householdIds, 'Household');
      const found = await this.beneficiaries.householdsByIds(Scope.everything, keys.map((k) => k ?? ''));
      keys.forEach((k, i) => {
        const h = found[i];
        const field = ['input', 'householdIds', String(i)];
        if (!k || !h) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No household with this ID', field));
        else if (!h.villageCode.startsWith(regionCode)) errors.push(new DomainError(UserErrorCode.VALIDATION, `The household is outside the agreement's region ${regionCode}`, field));
      });
      out.links.HOUSEHOLD = [...new Set(keys.filter((k): k is string => !!k))];
    }
    if (input.needIds != null) {
      const keys = keysOf(input.needIds, 'Need');
      const found = await this.needs.byIds(Scope.everything, keys.map((k) => k ?? ''));
      keys.forEach((k, i) => {
        const n = found[i];
        const field = ['input', 'needIds', String(i)];
        if (!k || !n) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No need with this ID', field));
        else if (!n.villageCode.startsWith(regionCode)) errors.push(new DomainError(UserErrorCode.VALIDATION, `The need is outside the agreement's region ${regionCode}`, field));
      });
      out.links.NEED = [...new Set(keys.filter((k): k is string => !!k))];
    }
    if (input.matchIds != null) {
      const keys = keysOf(input.matchIds, 'ServiceMatch');
      const found = await this.matching.byIds(principal, Scope.everything, keys.map((k) => k ?? ''));
      const needs = await this.needs.byIds(Scope.everything, found.map((m) => m?.needId ?? ''));
      keys.forEach((k, i) => {
        const m = found[i];
        const field = ['input', 'matchIds', String(i)];
        if (!k || !m) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No match with this ID', field));
        else if (m.status !== MatchStatus.ACCEPTED) errors.push(new DomainError(UserErrorCode.INVALID_STATE, `Only ACCEPTED matches start an agreement; this one is ${m.status}`, field));
        else if (!needs[i]?.villageCode.startsWith(regionCode)) errors.push(new DomainError(UserErrorCode.VALIDATION, `The match's need is outside the agreement's region ${regionCode}`, field));
      });
      out.links.MATCH = [...new Set(keys.filter((k): k is string => !!k))];
    }
    throwAll(errors);
    return out;
  }

  private async replaceLists(em: EntityManager, agreementId: string, lists: { expertIds?: string[]; villageCodes?: string[]; tasks?: AgreementTaskInput[]; links?: Partial<Record<AgreementLinkKind, string[]>> }): Promise<void> {
    for (const [kind, ids] of Object.entries(lists.links ?? {}) as Array<[AgreementLinkKind, string[]]>) {
      await em.delete(AgreementLink, { agreementId, kind });
      if (ids.length) await em.insert(AgreementLink, ids.map((targetId) => ({ agreementId, kind, targetId })));
    }
    if (lists.expertIds) {
      await em.delete(AgreementExpert, { agreementId });
      if (lists.expertIds.length) await em.insert(AgreementExpert, lists.expertIds.map((expertId) => ({ agreementId, expertId })));
    }
    if (lists.villageCodes) {
      await em.delete(AgreementVillage, { agreementId });
      if (lists.villageCodes.length) await em.insert(AgreementVillage, lists.villageCodes.map((villageCode) => ({ agreementId, villageCode })));
    }
    if (lists.tasks) {
      await em.delete(AgreementTask, { agreementId });
      if (lists.tasks.length) {
        await em.insert(
          AgreementTask,
          lists.tasks.map((t, i) => ({ agreementId, position: i + 1, kind: t.kind, description: t.description.trim(), plannedQuantity: t.plannedQuantity, unit: t.unit.trim() })),
        );
      }
    }
  }
}

/** 入库编号: RK + year + province code (2 digits) + 6-digit national sequence, e.g. RK2026340000123 → RK-2026-34-000123. */
export function registryNumber(year: number, regionCode: string, seq: string): string {
  return `RK-${year}-${regionCode.slice(0, 2)}-${seq.padStart(6, '0')}`;
}

/** The filing level a coordinator acts at (for terminations and completions in the history). */
function levelOf(p: Principal): FilingLevel {
  if (hasRole(p, Role.NATIONAL_ADMIN)) return FilingLevel.NATIONAL;
  if (hasRole(p, Role.PROVINCIAL_COORDINATOR)) return FilingLevel.PROVINCE;
  if (hasRole(p, Role.CITY_COORDINATOR)) return FilingLevel.CITY;
  if (hasRole(p, Role.COUNTY_COORDINATOR)) return FilingLevel.COUNTY;
  return FilingLevel.FILER;
}

function checkPeriod(start: string | null, end: string | null): { start: string | null; end: string | null } {
  if (start && end && end < start) throw new DomainError(UserErrorCode.VALIDATION, 'periodEnd is before periodStart', ['input', 'periodEnd']);
  return { start, end };
}

function applyFilter(qb: SelectQueryBuilder<Agreement>, filter: AgreementFilter | null | undefined): void {
  if (!filter) return;
  if (filter.status?.length) qb.andWhere('a.status IN (:...status)', { status: filter.status });
  if (filter.within != null) qb.andWhere('a.regionCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
  if (filter.providerOrganizationId != null) qb.andWhere('a.organizationId = :org', { org: uuidOf(filter.providerOrganizationId, 'Organization') ?? '00000000-0000-0000-0000-000000000000' });
  if (filter.providerExpertId != null) {
    qb.andWhere('EXISTS (SELECT 1 FROM agreement_expert ae WHERE ae."agreementId" = a.id AND ae."expertId" = :expert)', { expert: uuidOf(filter.providerExpertId, 'Expert') ?? '00000000-0000-0000-0000-000000000000' });
  }
  if (filter.year != null) qb.andWhere('a.periodStart <= :yearEnd AND a.periodEnd >= :yearStart', { yearStart: `${filter.year}-01-01`, yearEnd: `${filter.year}-12-31` });
  if (filter.updatedAfter != null) qb.andWhere('a.updatedAt > :updatedAfter', { updatedAfter: filter.updatedAfter });
  if (filter.text) qb.andWhere('(a.title ILIKE :text OR a.goals ILIKE :text)', { text: `%${escapeLike(filter.text)}%` });
}
