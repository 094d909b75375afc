import { In, type DataSource, type EntityManager } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { entityJsonSql } from '../../db/entity-json';
import { changed, snapshot } from '../../db/audit-port';
import { paginate, type Page, type PageArgs, type SortKey } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor, type Principal } from '../../graphql/principal';
import { regionPrefix, Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import { Agreement, AgreementStatus, FilingLevel } from '../agreements/agreement.entity';
import { associationCode, type AgreementService, type CompletionCheck } from '../agreements/agreement.service';
import { throwAll } from '../organizations/organization.service';
import { RegionLevel } from '../regions/region.entity';
import type { RegionService } from '../regions/region.service';
import {
  AcceptanceDecision,
  Evaluation,
  EvaluationGrade,
  EvaluationLevel,
  EvaluationReviewDecision,
  EvaluationScore,
  EvaluationStatus,
  EvaluationIndicator,
  IndicatorSet,
} from './evaluation.entity';
import {
  EvaluationOrderField,
  YEAR_RANGE,
  type CreateEvaluationInput,
  type CreateIndicatorSetInput,
  type EvaluationFilter,
  type EvaluationOrder,
  type EvaluationTransitionInput,
  type IndicatorInput,
  type IndicatorScoreInput,
  type IndicatorSetFilter,
  type ProviderEvaluationRecord,
  type RecommendEvaluationInput,
  type ReviewEvaluationInput,
  type UpdateEvaluationInput,
  type UpdateIndicatorSetInput,
} from './evaluation.types';

/** Which evaluation of an agreement is its latest: highest year, then highest level (enum order), then newest. */
const LATEST_ORDER = 'year DESC, level DESC, "createdAt" DESC, id DESC';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NONE = '00000000-0000-0000-0000-000000000000';
const NATIONAL_CODE = '000000';
const AUDITED: Array<keyof Evaluation> = [
  'agreementId', 'year', 'level', 'indicatorSetId', 'status', 'totalScore', 'grade', 'originalTotalScore', 'originalGrade', 'acceptance', 'acceptanceConditions',
  'evidence', 'summary', 'evaluatorName', 'reviewDecision', 'reviewerName', 'reviewComment', 'recommended', 'recommendationReason',
];

/** Grade thresholds on the total out of 100 (documented in docs/evaluations.md). */
export const GRADE_THRESHOLDS: ReadonlyArray<[EvaluationGrade, number]> = [
  [EvaluationGrade.EXCELLENT, 90],
  [EvaluationGrade.GOOD, 75],
  [EvaluationGrade.PASS, 60],
];

/** The grade of a total score: EXCELLENT ≥ 90, GOOD ≥ 75, PASS ≥ 60, FAIL below. */
export function gradeOf(total: number): EvaluationGrade {
  return GRADE_THRESHOLDS.find(([, min]) => total >= min)?.[0] ?? EvaluationGrade.FAIL;
}

/** Agreement states that can be evaluated (registered in the registry 入库 or later, not terminated). */
export const EVALUABLE: readonly AgreementStatus[] = [AgreementStatus.REGISTERED, AgreementStatus.IN_PROGRESS, AgreementStatus.COMPLETED];

/** The coordinator role of each evaluation level, and the level that reviews it. */
export const LEVEL_ROLE: Record<EvaluationLevel, Role> = {
  [EvaluationLevel.COUNTY]: Role.COUNTY_COORDINATOR,
  [EvaluationLevel.CITY]: Role.CITY_COORDINATOR,
  [EvaluationLevel.PROVINCE]: Role.PROVINCIAL_COORDINATOR,
  [EvaluationLevel.NATIONAL]: Role.NATIONAL_ADMIN,
};
export const LEVEL_ABOVE: Record<EvaluationLevel, EvaluationLevel | null> = {
  [EvaluationLevel.COUNTY]: EvaluationLevel.CITY,
  [EvaluationLevel.CITY]: EvaluationLevel.PROVINCE,
  [EvaluationLevel.PROVINCE]: EvaluationLevel.NATIONAL,
  [EvaluationLevel.NATIONAL]: null,
};

/** At most two decimals, checked arithmetically (a decimal-places validator trips over 0.1 + 0.2 style values). */
export function hasTwoDecimals(x: number): boolean {
  return Number.isFinite(x) && Number.isFinite(x * 100) && Math.abs(Math.round(x * 100) - x * 100) < 1e-6;
}

/** A value that passed `hasTwoDecimals`, snapped to its two decimals (drops binary noise such as 3.3000000000000003). */
export function toCents(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Rounds half up to 2 decimals. */
export function round2(x: number): number {
  return Math.round((x + Number.EPSILON) * 100) / 100;
}

/** Σ score / maxScore × weight over the indicators, rounded to 2 decimals: the total out of 100. */
export function totalOf(indicators: readonly EvaluationIndicator[], scoreOf: (i: EvaluationIndicator) => number): number {
  return round2(indicators.reduce((sum, i) => sum + (scoreOf(i) / i.maxScore) * i.weight, 0));
}

/** A refused evaluation change that carries the evaluation's current state. */
export class EvaluationStateError extends DomainError {
  constructor(code: UserErrorCode, message: string, readonly status: EvaluationStatus, field: string[] = ['input', 'id']) {
    super(code, message, field);
  }
}

/**
 * Evaluations (评估考核, 评估验收): indicator sets per year and level, evaluations of agreements with scores,
 * grade and acceptance, the tiered review by the level above, upward recommendation, and the completion gate
 * the agreements module asks through `CompletionCheck`.
 */
export class EvaluationService implements CompletionCheck {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly regions: RegionService,
    private readonly agreements: AgreementService,
  ) {}

  // ---------------------------------------------------------------- reads

  /** Indicator sets by id that apply to or lie inside the scope (null otherwise), order kept. */
  async setsByIds(scope: Scope, ids: readonly string[]): Promise<Array<IndicatorSet | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: IndicatorSet[] = [];
    if (valid.length) {
      const v = setVisibleSql(scope);
      rows = await this.ds.getRepository(IndicatorSet).createQueryBuilder('s').where('s.id IN (:...ids)', { ids: valid }).andWhere(v.where, v.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /** Indicator sets visible in the scope: those that apply to it (national, its province's) and those inside it. */
  async listSets(scope: Scope, filter: IndicatorSetFilter | null | undefined, page: PageArgs): Promise<Page<IndicatorSet>> {
    const qb = this.ds.getRepository(IndicatorSet).createQueryBuilder('s');
    const v = setVisibleSql(scope);
    qb.where(v.where, v.params);
    if (filter?.year != null) qb.andWhere(inYearRange(filter.year) ? 's.year = :year' : 'FALSE', { year: filter.year });
    if (filter?.level?.length) qb.andWhere('s.level IN (:...levels)', { levels: filter.level });
    if (filter?.appliesTo != null) qb.andWhere(`:applies LIKE s.regionPrefix || '%'`, { applies: filter.appliesTo });
    const sort: SortKey<IndicatorSet> = { column: 's.createdAt', value: (r) => r.createdAt, direction: 'DESC', idColumn: 's.id', idValue: (r) => r.id };
    return paginate(qb, page, sort);
  }

  /** Indicators of many sets, by position (one statement). */
  async indicatorsOf(setIds: readonly string[]): Promise<EvaluationIndicator[][]> {
    const rows = await this.ds.getRepository(EvaluationIndicator).find({ where: { indicatorSetId: In([...setIds]) }, order: { position: 'ASC' } });
    return setIds.map((id) => rows.filter((r) => r.indicatorSetId === id));
  }

  /** How many evaluations use each set (one statement). */
  async usageOf(setIds: readonly string[]): Promise<number[]> {
    const rows: Array<{ id: string; n: number }> = await this.ds.query(`SELECT "indicatorSetId" AS id, count(*)::int AS n FROM evaluation WHERE "indicatorSetId" = ANY($1::uuid[]) GROUP BY 1`, [[...setIds]]);
    const map = new Map(rows.map((r) => [r.id, r.n]));
    return setIds.map((id) => map.get(id) ?? 0);
  }

  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<Evaluation | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: Evaluation[] = [];
    if (valid.length) {
      const s = scope.sql('e.regionCode');
      rows = await this.ds.getRepository(Evaluation).createQueryBuilder('e').where('e.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  async list(scope: Scope, filter: EvaluationFilter | null | undefined, order: EvaluationOrder | null | undefined, page: PageArgs): Promise<Page<Evaluation>> {
    const qb = this.ds.getRepository(Evaluation).createQueryBuilder('e');
    const s = scope.sql('e.regionCode');
    qb.where(s.where, s.params);
    if (filter?.agreementId != null) qb.andWhere('e.agreementId = :agreement', { agreement: uuidOf(filter.agreementId, 'Agreement') ?? NONE });
    if (filter?.within != null) qb.andWhere('e.regionCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
    if (filter?.year != null) qb.andWhere(inYearRange(filter.year) ? 'e.year = :year' : 'FALSE', { year: filter.year });
    if (filter?.level?.length) qb.andWhere('e.level IN (:...levels)', { levels: filter.level });
    if (filter?.grade?.length) qb.andWhere('e.grade IN (:...grades)', { grades: filter.grade });
    if (filter?.status?.length) qb.andWhere('e.status IN (:...statuses)', { statuses: filter.status });
    if (filter?.acceptance?.length) qb.andWhere('e.acceptance IN (:...acceptance)', { acceptance: filter.acceptance });
    if (filter?.recommended != null) qb.andWhere('e.recommended = :recommended', { recommended: filter.recommended });
    const field = order?.field ?? EvaluationOrderField.UPDATED_AT;
    const prop = field === EvaluationOrderField.TOTAL_SCORE ? 'totalScore' : field === EvaluationOrderField.CREATED_AT ? 'createdAt' : 'updatedAt';
    const sort: SortKey<Evaluation> = { column: `e.${prop}`, value: (r) => r[prop], direction: order?.direction ?? 'DESC', idColumn: 'e.id', idValue: (r) => r.id };
    return paginate(qb, page, sort);
  }

  /** Scores of many evaluations with their indicators joined, in indicator order (one statement). */
  async scoresOf(evaluationIds: readonly string[]): Promise<EvaluationScore[][]> {
    const rows = await this.ds
      .getRepository(EvaluationScore)
      .createQueryBuilder('sc')
      .innerJoinAndSelect('sc.indicator', 'i')
      .where('sc.evaluationId IN (:...ids)', { ids: [...evaluationIds] })
      .orderBy('i.position', 'ASC')
      .getMany();
    return evaluationIds.map((id) => rows.filter((r) => r.evaluationId === id));
  }

  /**
   * SQL (a json value) of the latest evaluation of the agreement whose id is the SQL expression `agreementIdSql`, in
   * scope, null when none: what latestOf loads, for a statement that reads it with other rows (src/graphql/preload.ts).
   */
  latestJsonSql(scope: Scope, agreementIdSql: string, bind: (value: unknown) => string): string {
    return `(SELECT ${entityJsonSql(this.ds, Evaluation, 'ev')} FROM evaluation ev WHERE ev."agreementId" = ${agreementIdSql} AND ${scope.condition('ev."regionCode"', bind)}
              ORDER BY ${LATEST_ORDER} LIMIT 1)`;
  }

  /** The latest evaluation of each agreement (highest year, then highest level, then newest) in scope — one statement. */
  async latestOf(scope: Scope, agreementIds: readonly string[]): Promise<Array<Evaluation | null>> {
    const valid = agreementIds.filter((id) => UUID.test(id));
    if (!valid.length || scope.prefix === null) return agreementIds.map(() => null);
    const inScope = scope.sql('"regionCode"', 'prefix');
    const rows = await this.ds
      .getRepository(Evaluation)
      .createQueryBuilder('e')
      .where(
        `e.id IN (SELECT DISTINCT ON ("agreementId") id FROM evaluation WHERE "agreementId" = ANY(CAST(:agreements AS uuid[])) AND ${inScope.where}
                  ORDER BY "agreementId", ${LATEST_ORDER})`,
        { agreements: valid, ...inScope.params },
      )
      .getMany();
    const byAgreement = new Map(rows.map((r) => [r.agreementId, r]));
    return agreementIds.map((id) => byAgreement.get(id) ?? null);
  }

  /**
   * Evaluation records of providers (keys `ORGANIZATION:<uuid>` / `EXPERT:<uuid>`): per provider, the latest
   * SUBMITTED or REVIEWED evaluation of each agreement it took part in (as the organization, or as one of the
   * experts), counted by grade and recommendation — one statement. Counts only, across all regions, as matching
   * scores them; the evaluations themselves stay behind the region scope.
   */
  async providerRecords(keys: readonly string[]): Promise<ProviderEvaluationRecord[]> {
    const ids = (kind: string) => keys.filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1)).filter((id) => UUID.test(id));
    const rows: Array<{ kind: string; id: string } & ProviderEvaluationRecord> = await this.ds.query(
      `WITH prov AS (
         SELECT 'ORGANIZATION' AS kind, a."organizationId" AS id, a.id AS aid FROM agreement a WHERE a."organizationId" = ANY($1::uuid[])
         UNION
         SELECT 'EXPERT', ae."expertId", ae."agreementId" FROM agreement_expert ae WHERE ae."expertId" = ANY($2::uuid[])
       ), latest AS (
         SELECT DISTINCT ON (p.kind, p.id, p.aid) p.kind, p.id, ev.grade::text AS grade, ev.recommended
           FROM prov p JOIN evaluation ev ON ev."agreementId" = p.aid AND ev.status IN ('SUBMITTED', 'REVIEWED')
          ORDER BY p.kind, p.id, p.aid, ev.year DESC, ev.level DESC, ev."updatedAt" DESC, ev.id DESC
       )
       SELECT kind, id::text AS id, count(*)::int AS evaluated,
              count(*) FILTER (WHERE grade = 'EXCELLENT')::int AS excellent, count(*) FILTER (WHERE grade = 'GOOD')::int AS good,
              count(*) FILTER (WHERE grade = 'PASS')::int AS pass, count(*) FILTER (WHERE grade = 'FAIL')::int AS fail,
              count(*) FILTER (WHERE recommended)::int AS recommended
         FROM latest GROUP BY kind, id`,
      [ids('ORGANIZATION'), ids('EXPERT')],
    );
    const byKey = new Map(rows.map(({ kind, id, ...r }) => [`${kind}:${id}`, r]));
    return keys.map((k) => byKey.get(k) ?? { evaluated: 0, excellent: 0, good: 0, pass: 0, fail: 0, recommended: 0 });
  }

  /**
   * The completion gate (CompletionCheck): the agreement's latest REVIEWED evaluation (highest year, then level)
   * must have accepted it (ACCEPTED or ACCEPTED_WITH_CONDITIONS). Runs inside the completing transaction.
   */
  async completionBlocker(em: EntityManager, agreement: Agreement): Promise<string | null> {
    const [latest]: Array<{ year: number; level: string; acceptance: string }> = await em.query(
      `SELECT year, level::text AS level, acceptance::text AS acceptance FROM evaluation WHERE "agreementId" = $1 AND status = 'REVIEWED'
        ORDER BY year DESC, level DESC, "reviewedAt" DESC NULLS LAST, id DESC LIMIT 1`,
      [agreement.id],
    );
    const rule = 'completing an agreement needs an acceptance (验收): its latest REVIEWED evaluation must be ACCEPTED or ACCEPTED_WITH_CONDITIONS';
    if (!latest) return `The agreement has no reviewed evaluation; ${rule}`;
    if (latest.acceptance !== AcceptanceDecision.ACCEPTED && latest.acceptance !== AcceptanceDecision.ACCEPTED_WITH_CONDITIONS) {
      return `The latest reviewed evaluation (${latest.year}, ${latest.level}) has acceptance ${latest.acceptance}; ${rule}`;
    }
    return null;
  }

  // ---------------------------------------------------------------- indicator sets

  async createSet(actor: Actor, scope: Scope, input: CreateIndicatorSetInput): Promise<{ set: IndicatorSet; indicators: EvaluationIndicator[] }> {
    const prefix = await this.setRegion(actor.principal, scope, input.regionCode);
    if (input.level === EvaluationLevel.NATIONAL && prefix !== '') throw new DomainError(UserErrorCode.VALIDATION, 'Only a national set (regionCode 000000) may define NATIONAL-level indicators', ['input', 'level']);
    checkIndicators(input.indicators);
    try {
      return await this.ds.transaction(async (em) => {
        const set = await em.save(
          em.create(IndicatorSet, { regionCode: input.regionCode, regionPrefix: prefix, year: input.year, level: input.level, name: input.name.trim(), description: input.description?.trim() || null, createdBy: actor.principal.subject }),
        );
        const indicators = await this.insertIndicators(em, set.id, input.indicators);
        await this.audit.record(em, actor, { operation: 'createIndicatorSet', entityType: 'IndicatorSet', entityId: set.id, regionCode: input.regionCode === NATIONAL_CODE ? null : input.regionCode, after: { ...setSnapshot(set), indicators: indicatorSnapshot(indicators) } });
        return { set, indicators };
      });
    } catch (err) {
      if (constraintOf(err) === 'indicator_set_unique') {
        throw new DomainError(UserErrorCode.DUPLICATE, `${input.regionCode} already has an indicator set for ${input.year} ${input.level}; change that one (or, if evaluations use it, wait for the next year)`, ['input', 'level']);
      }
      throw err;
    }
  }

  async updateSet(actor: Actor, scope: Scope, input: UpdateIndicatorSetInput): Promise<IndicatorSet> {
    const id = uuidOf(input.id, 'IndicatorSet');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No indicator set with this ID', ['input', 'id']);
    if (input.indicators) checkIndicators(input.indicators);
    return this.ds.transaction(async (em) => {
      const set = await em.findOne(IndicatorSet, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!set) throw new DomainError(UserErrorCode.NOT_FOUND, 'No indicator set with this ID', ['input', 'id']);
      if (!mayDefineSets(actor.principal, scope, set.regionCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only the association that defined the set (national admins for 000000, the provincial coordinators of its province) changes it', ['input', 'id']);
      if (set.version !== input.version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Indicator set is at version ${set.version}, you sent ${input.version}`, ['input', 'version']);
      const before = setSnapshot(set);
      let indicators: EvaluationIndicator[] | null = null;
      if (input.indicators) {
        // Replacing indicators would orphan the scores of existing evaluations (and change their totals).
        const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM evaluation WHERE "indicatorSetId" = $1`, [set.id]);
        if (n > 0) throw new DomainError(UserErrorCode.INVALID_STATE, `The set is in use by ${n} evaluation(s); its indicators can no longer change (name and description still can). Define the next year's set instead`, ['input', 'indicators']);
        await em.delete(EvaluationIndicator, { indicatorSetId: set.id });
        indicators = await this.insertIndicators(em, set.id, input.indicators);
      }
      if (input.name != null) set.name = input.name.trim();
      if (input.description !== undefined) set.description = input.description?.trim() || null;
      set.updatedAt = new Date();
      const saved = await em.save(set);
      const diff = changed(before, setSnapshot(saved));
      await this.audit.record(em, actor, {
        operation: 'updateIndicatorSet',
        entityType: 'IndicatorSet',
        entityId: set.id,
        regionCode: set.regionCode === NATIONAL_CODE ? null : set.regionCode,
        before: diff.before,
        after: { ...diff.after, ...(indicators ? { indicators: indicatorSnapshot(indicators) } : {}) },
      });
      return saved;
    });
  }

  // ---------------------------------------------------------------- evaluations

  async create(actor: Actor, scope: Scope, input: CreateEvaluationInput): Promise<Evaluation> {
    const agreementId = uuidOf(input.agreementId, 'Agreement');
    const [agreement] = agreementId ? await this.agreements.byIds(Scope.everything, [agreementId]) : [null];
    if (!agreement) throw new DomainError(UserErrorCode.NOT_FOUND, 'No agreement with this ID', ['input', 'agreementId']);
    this.assertEvaluator(actor.principal, scope, agreement.regionCode, input.level, ['input', 'level']);
    if (!EVALUABLE.includes(agreement.status)) {
      throw new DomainError(UserErrorCode.NOT_ELIGIBLE, `Only REGISTERED, IN_PROGRESS or COMPLETED agreements are evaluated (they must be registered in the registry, 入库, first); this one is ${agreement.status}`, ['input', 'agreementId']);
    }
    const from = Number(agreement.periodStart?.slice(0, 4));
    const to = Number(agreement.periodEnd?.slice(0, 4));
    if (!(input.year >= from && input.year <= to)) throw new DomainError(UserErrorCode.VALIDATION, `The year must lie inside the agreement's period (${from}–${to})`, ['input', 'year']);
    const setId = uuidOf(input.indicatorSetId, 'IndicatorSet');
    const [set] = setId ? await this.setsByIds(Scope.everything, [setId]) : [null];
    if (!set) throw new DomainError(UserErrorCode.NOT_FOUND, 'No indicator set with this ID', ['input', 'indicatorSetId']);
    if (set.year !== input.year || set.level !== input.level) {
      throw new DomainError(UserErrorCode.VALIDATION, `The indicator set is for ${set.year} ${set.level}; this evaluation is ${input.year} ${input.level}`, ['input', 'indicatorSetId']);
    }
    if (!agreement.regionCode.startsWith(set.regionPrefix)) throw new DomainError(UserErrorCode.NOT_ELIGIBLE, `The indicator set of ${set.regionCode} does not apply to the agreement's region ${agreement.regionCode}`, ['input', 'indicatorSetId']);
    const [indicators] = await this.indicatorsOf([set.id]);
    const scores = checkScores(indicators, input.scores, true);
    const acceptance = checkAcceptance(input.acceptance ?? AcceptanceDecision.PENDING, input.acceptanceConditions);
    const total = totalOf(indicators, (i) => scores.get(i.id) as number);
    try {
      return await this.ds.transaction(async (em) => {
        // The set's indicators cannot be replaced while this runs; the agreement cannot leave its state.
        await em.query(`SELECT id FROM indicator_set WHERE id = $1 FOR SHARE`, [set.id]);
        const [{ status }] = await em.query(`SELECT status::text AS status FROM agreement WHERE id = $1 FOR SHARE`, [agreement.id]);
        if (!EVALUABLE.includes(status)) throw new DomainError(UserErrorCode.NOT_ELIGIBLE, `The agreement is now ${status}`, ['input', 'agreementId']);
        const e = await em.save(
          em.create(Evaluation, {
            agreementId: agreement.id,
            regionCode: agreement.regionCode,
            year: input.year,
            level: input.level,
            evaluatorRegionCode: associationCode(agreement.regionCode, FilingLevel[input.level]),
            indicatorSetId: set.id,
            status: EvaluationStatus.DRAFT,
            totalScore: total,
            grade: gradeOf(total),
            originalTotalScore: total,
            originalGrade: gradeOf(total),
            ...acceptance,
            evidence: input.evidence ?? [],
            summary: input.summary?.trim() || null,
            evaluatorSubject: actor.principal.subject,
            evaluatorName: input.evaluatorName.trim(),
            submittedAt: null,
            reviewDecision: null,
            reviewerSubject: null,
            reviewerName: null,
            reviewedAt: null,
            reviewComment: null,
            recommended: false,
            recommendationReason: null,
            recommendedBy: null,
            recommendedAt: null,
          }),
        );
        await em.insert(EvaluationScore, indicators.map((i) => ({ evaluationId: e.id, indicatorId: i.id, score: scores.get(i.id) as number, reviewedScore: null })));
        await this.audit.record(em, actor, { operation: 'createEvaluation', entityType: 'Evaluation', entityId: e.id, regionCode: e.regionCode, after: { ...snapshot(e, AUDITED), scores: scoreSnapshot(indicators, scores) } });
        return e;
      });
    } catch (err) {
      if (constraintOf(err) === 'evaluation_unique') {
        throw new DomainError(UserErrorCode.DUPLICATE, `This agreement already has a ${input.level} evaluation for ${input.year} (one per agreement, year and level); amend that one`, ['input', 'level']);
      }
      throw err;
    }
  }

  async update(actor: Actor, scope: Scope, input: UpdateEvaluationInput): Promise<Evaluation> {
    return this.change(input.id, async (em, e) => {
      this.assertEditable(actor.principal, scope, e, input.version, 'updateEvaluation');
      const before = snapshot(e, AUDITED);
      let scoreAudit: Record<string, unknown> = {};
      if (input.scores) {
        const indicators = await em.find(EvaluationIndicator, { where: { indicatorSetId: e.indicatorSetId }, order: { position: 'ASC' } });
        const scores = checkScores(indicators, input.scores, true);
        const total = totalOf(indicators, (i) => scores.get(i.id) as number);
        await em.delete(EvaluationScore, { evaluationId: e.id });
        await em.insert(EvaluationScore, indicators.map((i) => ({ evaluationId: e.id, indicatorId: i.id, score: scores.get(i.id) as number, reviewedScore: null })));
        e.totalScore = e.originalTotalScore = total;
        e.grade = e.originalGrade = gradeOf(total);
        scoreAudit = { scores: scoreSnapshot(indicators, scores) };
      }
      if (input.acceptance != null || input.acceptanceConditions !== undefined) {
        Object.assign(e, checkAcceptance(input.acceptance ?? e.acceptance, input.acceptanceConditions !== undefined ? input.acceptanceConditions : e.acceptanceConditions));
      }
      if (input.evidence != null) e.evidence = input.evidence;
      if (input.summary !== undefined) e.summary = input.summary?.trim() || null;
      if (input.evaluatorName != null) e.evaluatorName = input.evaluatorName.trim();
      e.updatedAt = new Date();
      const saved = await em.save(e);
      const diff = changed(before, snapshot(saved, AUDITED));
      await this.audit.record(em, actor, { operation: 'updateEvaluation', entityType: 'Evaluation', entityId: e.id, regionCode: e.regionCode, before: diff.before, after: { ...diff.after, ...scoreAudit } });
      return saved;
    });
  }

  /** DRAFT/RETURNED → SUBMITTED to the level above; a NATIONAL evaluation has nothing above and becomes REVIEWED. */
  async submit(actor: Actor, scope: Scope, input: EvaluationTransitionInput): Promise<Evaluation> {
    return this.change(input.id, async (em, e) => {
      this.assertEditable(actor.principal, scope, e, input.version, 'submitEvaluation');
      const before = snapshot(e, AUDITED);
      const now = new Date();
      e.submittedAt = now;
      if (LEVEL_ABOVE[e.level] === null) {
        e.status = EvaluationStatus.REVIEWED;
        e.reviewedAt = now;
      } else {
        e.status = EvaluationStatus.SUBMITTED;
      }
      const saved = await em.save(e);
      await this.audit.record(em, actor, { operation: 'submitEvaluation', entityType: 'Evaluation', entityId: e.id, regionCode: e.regionCode, ...changed(before, snapshot(saved, AUDITED)) });
      return saved;
    });
  }

  /** The level above confirms, adjusts (original scores kept beside the reviewed ones) or returns a SUBMITTED evaluation. */
  async review(actor: Actor, scope: Scope, input: ReviewEvaluationInput): Promise<Evaluation> {
    const comment = input.comment?.trim() || null;
    if (input.decision === EvaluationReviewDecision.RETURNED && (!comment || comment.length < 2)) throw new DomainError(UserErrorCode.VALIDATION, 'Returning an evaluation needs a reason (comment, at least 2 characters)', ['input', 'comment']);
    if (input.decision === EvaluationReviewDecision.ADJUSTED && !input.scores?.length) throw new DomainError(UserErrorCode.VALIDATION, 'Adjusting needs the reviewed scores of at least one indicator', ['input', 'scores']);
    if (input.decision !== EvaluationReviewDecision.ADJUSTED && input.scores?.length) throw new DomainError(UserErrorCode.VALIDATION, `Scores are only given with ADJUSTED (this is ${input.decision})`, ['input', 'scores']);
    if (input.decision === EvaluationReviewDecision.RETURNED && (input.acceptance != null || input.acceptanceConditions != null)) throw new DomainError(UserErrorCode.VALIDATION, 'A returned evaluation keeps its acceptance decision; the evaluator amends it', ['input', 'acceptance']);
    return this.change(input.id, async (em, e) => {
      const above = LEVEL_ABOVE[e.level];
      const p = actor.principal;
      if (!scope.covers(e.regionCode) || !hasRole(p, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only a coordinator of the level above whose scope covers the agreement reviews its evaluation', ['input', 'id']);
      if (!above || !hasRole(p, LEVEL_ROLE[above])) throw new DomainError(UserErrorCode.FORBIDDEN, above ? `A ${e.level} evaluation is reviewed by the ${above} level (${LEVEL_ROLE[above]})` : 'NATIONAL evaluations have no level above to review them', ['input', 'id']);
      assertVersion(e, input.version);
      assertState(e, [EvaluationStatus.SUBMITTED], 'reviewEvaluation');
      const before = snapshot(e, AUDITED);
      let scoreAudit: Record<string, unknown> = {};
      if (input.decision === EvaluationReviewDecision.ADJUSTED) {
        const indicators = await em.find(EvaluationIndicator, { where: { indicatorSetId: e.indicatorSetId }, order: { position: 'ASC' } });
        const adjusted = checkScores(indicators, input.scores ?? [], false);
        const original = new Map((await em.find(EvaluationScore, { where: { evaluationId: e.id } })).map((s) => [s.indicatorId, s.score]));
        const reviewed = new Map(indicators.map((i) => [i.id, adjusted.get(i.id) ?? (original.get(i.id) as number)]));
        for (const i of indicators) await em.update(EvaluationScore, { evaluationId: e.id, indicatorId: i.id }, { reviewedScore: reviewed.get(i.id) as number });
        e.totalScore = totalOf(indicators, (i) => reviewed.get(i.id) as number);
        e.grade = gradeOf(e.totalScore);
        scoreAudit = { reviewedScores: scoreSnapshot(indicators, reviewed) };
      }
      if (input.acceptance != null || input.acceptanceConditions != null) {
        Object.assign(e, checkAcceptance(input.acceptance ?? e.acceptance, input.acceptanceConditions ?? e.acceptanceConditions));
      }
      e.status = input.decision === EvaluationReviewDecision.RETURNED ? EvaluationStatus.RETURNED : EvaluationStatus.REVIEWED;
      e.reviewDecision = input.decision;
      e.reviewerSubject = p.subject;
      e.reviewerName = (input.reviewerName?.trim() || p.name || p.subject).slice(0, 100);
      e.reviewedAt = new Date();
      e.reviewComment = comment;
      const saved = await em.save(e);
      const diff = changed(before, snapshot(saved, AUDITED));
      await this.audit.record(em, actor, { operation: 'reviewEvaluation', entityType: 'Evaluation', entityId: e.id, regionCode: e.regionCode, before: diff.before, after: { ...diff.after, ...scoreAudit } });
      return saved;
    });
  }

  /** Recommends a REVIEWED evaluation graded GOOD or better upward (择优逐级报送), or withdraws the recommendation. */
  async recommend(actor: Actor, scope: Scope, input: RecommendEvaluationInput): Promise<Evaluation> {
    const reason = input.reason?.trim() || null;
    return this.change(input.id, async (em, e) => {
      if (!hasRole(actor.principal, ...COORDINATORS) || !scope.covers(e.regionCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only a coordinator whose scope covers the agreement recommends its evaluation', ['input', 'id']);
      assertVersion(e, input.version);
      assertState(e, [EvaluationStatus.REVIEWED], 'recommendEvaluation');
      if (input.recommended) {
        if (e.grade !== EvaluationGrade.EXCELLENT && e.grade !== EvaluationGrade.GOOD) throw new DomainError(UserErrorCode.NOT_ELIGIBLE, `Only evaluations graded EXCELLENT or GOOD are recommended upward; this one is ${e.grade} (${e.totalScore})`, ['input', 'recommended']);
        if (!reason || reason.length < 2) throw new DomainError(UserErrorCode.VALIDATION, 'A recommendation needs a reason (推荐理由)', ['input', 'reason']);
      }
      const before = snapshot(e, AUDITED);
      e.recommended = input.recommended;
      e.recommendationReason = input.recommended ? reason : null;
      e.recommendedBy = input.recommended ? actor.principal.subject : null;
      e.recommendedAt = input.recommended ? new Date() : null;
      e.updatedAt = new Date();
      const saved = await em.save(e);
      await this.audit.record(em, actor, { operation: 'recommendEvaluation', entityType: 'Evaluation', entityId: e.id, regionCode: e.regionCode, ...changed(before, snapshot(saved, AUDITED)) });
      return saved;
    });
  }

  // ---------------------------------------------------------------- machinery

  /** Locks the evaluation and runs a change on it in one transaction. */
  private change(globalId: string, work: (em: EntityManager, e: Evaluation) => Promise<Evaluation>): Promise<Evaluation> {
    const id = uuidOf(globalId, 'Evaluation');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No evaluation with this ID', ['input', 'id']);
    return this.ds.transaction(async (em) => {
      const e = await em.findOne(Evaluation, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!e) throw new DomainError(UserErrorCode.NOT_FOUND, 'No evaluation with this ID', ['input', 'id']);
      return work(em, e);
    });
  }

  /** The evaluating level acting on its own DRAFT or RETURNED evaluation, at the version it read. */
  private assertEditable(p: Principal, scope: Scope, e: Evaluation, version: number, operation: string): void {
    this.assertEvaluator(p, scope, e.regionCode, e.level);
    assertVersion(e, version);
    assertState(e, [EvaluationStatus.DRAFT, EvaluationStatus.RETURNED], operation);
  }

  /** The evaluating level's coordinator whose scope covers the agreement. */
  private assertEvaluator(p: Principal, scope: Scope, regionCode: string, level: EvaluationLevel, field = ['input', 'id']): void {
    if (!scope.covers(regionCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The agreement is outside your region scope', field);
    if (!hasRole(p, LEVEL_ROLE[level])) throw new DomainError(UserErrorCode.FORBIDDEN, `${level} evaluations are made by a ${LEVEL_ROLE[level]} whose scope covers the agreement`, field);
  }

  /** Checks who may define a set for a region code; returns the prefix the set applies to. */
  private async setRegion(p: Principal, scope: Scope, code: string): Promise<string> {
    if (code !== NATIONAL_CODE) {
      const [region] = await this.regions.byCodes([code]);
      if (!region || region.level !== RegionLevel.PROVINCE) throw new DomainError(UserErrorCode.VALIDATION, 'regionCode must be 000000 (national) or a province code such as 340000', ['input', 'regionCode']);
    }
    if (!mayDefineSets(p, scope, code)) throw new DomainError(UserErrorCode.FORBIDDEN, 'National sets are defined by national admins, a province’s sets by its provincial coordinators', ['input', 'regionCode']);
    return code === NATIONAL_CODE ? '' : regionPrefix(code);
  }

  private async insertIndicators(em: EntityManager, setId: string, input: IndicatorInput[]): Promise<EvaluationIndicator[]> {
    const rows = input.map((i, n) => em.create(EvaluationIndicator, { indicatorSetId: setId, position: n + 1, code: i.code, name: i.name.trim(), description: i.description?.trim() || null, weight: toCents(i.weight), maxScore: toCents(i.maxScore) }));
    return em.save(rows);
  }
}

/** National admins define national sets; a province's coordinators (or national admins) define its sets. */
function mayDefineSets(p: Principal, scope: Scope, code: string): boolean {
  if (hasRole(p, Role.NATIONAL_ADMIN) && scope.prefix === '') return true;
  return code !== NATIONAL_CODE && hasRole(p, Role.PROVINCIAL_COORDINATOR) && scope.covers(code);
}

/** Sets visible in a scope: those applying to it (its prefix starts with theirs) and those defined inside it. */
function setVisibleSql(scope: Scope): { where: string; params: Record<string, string> } {
  if (scope.prefix === null) return { where: 'FALSE', params: {} };
  if (scope.prefix === '') return { where: 'TRUE', params: {} };
  return { where: `(:setScope LIKE s.regionPrefix || '%' OR s.regionPrefix LIKE :setScopeLike)`, params: { setScope: scope.prefix, setScopeLike: `${scope.prefix}%` } };
}

function inYearRange(year: number): boolean {
  return Number.isInteger(year) && year >= YEAR_RANGE.min && year <= YEAR_RANGE.max;
}

/** Codes unique, weights and maximum scores with at most two decimals, weights summing to exactly 100. */
function checkIndicators(indicators: IndicatorInput[]): void {
  const errors: DomainError[] = [];
  const seen = new Set<string>();
  indicators.forEach((i, n) => {
    const field = (f: string) => ['input', 'indicators', String(n), f];
    if (seen.has(i.code)) errors.push(new DomainError(UserErrorCode.VALIDATION, `Indicator code ${i.code} appears twice`, field('code')));
    seen.add(i.code);
    if (!hasTwoDecimals(i.weight)) errors.push(new DomainError(UserErrorCode.VALIDATION, 'weight has at most two decimals', field('weight')));
    if (!hasTwoDecimals(i.maxScore)) errors.push(new DomainError(UserErrorCode.VALIDATION, 'maxScore has at most two decimals', field('maxScore')));
  });
  const cents = indicators.reduce((s, i) => s + Math.round(i.weight * 100), 0);
  if (!errors.length && cents !== 10000) errors.push(new DomainError(UserErrorCode.VALIDATION, `The weights must sum to 100; they sum to ${cents / 100}`, ['input', 'indicators']));
  throwAll(errors);
}

/**
 * Scores by indicator id: each code of the set at most once, 0 ≤ score ≤ maxScore, at most two decimals;
 * `complete`: every indicator must be scored.
 */
function checkScores(indicators: readonly EvaluationIndicator[], input: readonly IndicatorScoreInput[], complete: boolean): Map<string, number> {
  const byCode = new Map(indicators.map((i) => [i.code, i]));
  const out = new Map<string, number>();
  const errors: DomainError[] = [];
  input.forEach((s, n) => {
    const field = (f: string) => ['input', 'scores', String(n), f];
    const indicator = byCode.get(s.code);
    if (!indicator) errors.push(new DomainError(UserErrorCode.VALIDATION, `The indicator set has no indicator ${s.code}`, field('code')));
    else if (out.has(indicator.id)) errors.push(new DomainError(UserErrorCode.VALIDATION, `Indicator ${s.code} is scored twice`, field('code')));
    else if (!(s.score >= 0 && s.score <= indicator.maxScore)) errors.push(new DomainError(UserErrorCode.VALIDATION, `The score of ${s.code} must be between 0 and ${indicator.maxScore}`, field('score')));
    else if (!hasTwoDecimals(s.score)) errors.push(new DomainError(UserErrorCode.VALIDATION, `The score of ${s.code} has at most two decimals`, field('score')));
    else out.set(indicator.id, toCents(s.score));
  });
  if (complete && !errors.length) {
    const missing = indicators.filter((i) => !out.has(i.id)).map((i) => i.code);
    if (missing.length) errors.push(new DomainError(UserErrorCode.VALIDATION, `Every indicator needs a score; missing: ${missing.join(', ')}`, ['input', 'scores']));
  }
  throwAll(errors);
  return out;
}

/** ACCEPTED_WITH_CONDITIONS needs the conditions; other decisions carry none. */
function checkAcceptance(acceptance: AcceptanceDecision, conditions: string | null | undefined): Pick<Evaluation, 'acceptance' | 'acceptanceConditions'> {
  const text = conditions?.trim() || null;
  if (acceptance === AcceptanceDecision.ACCEPTED_WITH_CONDITIONS) {
    if (!text || text.length < 2) throw new DomainError(UserErrorCode.VALIDATION, 'ACCEPTED_WITH_CONDITIONS needs the conditions (整改要求)', ['input', 'acceptanceConditions']);
    return { acceptance, acceptanceConditions: text };
  }
  return { acceptance, acceptanceConditions: null };
}

function assertVersion(e: Evaluation, version: number): void {
  if (e.version !== version) throw new EvaluationStateError(UserErrorCode.VERSION_CONFLICT, `Evaluation is at version ${e.version}, you sent ${version}`, e.status, ['input', 'version']);
}

function assertState(e: Evaluation, allowed: EvaluationStatus[], operation: string): void {
  if (!allowed.includes(e.status)) throw new EvaluationStateError(UserErrorCode.INVALID_STATE, `${operation} needs ${allowed.join(' or ')}; current state: ${e.status}`, e.status);
}

function constraintOf(err: unknown): string | undefined {
  const d = (err as { driverError?: { code?: string; constraint?: string } }).driverError;
  return d?.code === '23505' ? d.constraint : undefined;
}

function setSnapshot(s: IndicatorSet): Record<string, unknown> {
  return snapshot(s, ['regionCode', 'year', 'level', 'name', 'description']);
}

function indicatorSnapshot(indicators: EvaluationIndicator[]): Array<Record<string, unknown>> {
  return indicators.map((i) => ({ code: i.code, name: i.name, weight: i.weight, maxScore: i.maxScore }));
}

function scoreSnapshot(indicators: readonly EvaluationIndicator[], scores: Map<string, number>): Record<string, number> {
  return Object.fromEntries(indicators.map((i) => [i.code, scores.get(i.id) as number]));
}
