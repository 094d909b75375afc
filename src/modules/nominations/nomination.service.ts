import { GraphQLError } from 'graphql';
import { In, type DataSource, type EntityManager } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import type { Clock } from '../../db/clock';
import { encodeCursor, Page, paginate, pageWindow, type PageArgs, type SortKey } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor } from '../../graphql/principal';
import { regionPrefix, Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import type { AgreementService } from '../agreements/agreement.service';
import { ExpertRosterStatus } from '../experts/expert.entity';
import type { ExpertService } from '../experts/expert.service';
import { RegistryStatus } from '../organizations/organization.entity';
import { throwAll, type OrganizationService } from '../organizations/organization.service';
import { RegionLevel } from '../regions/region.entity';
import { escapeLike, type RegionService } from '../regions/region.service';
import {
  Commendation,
  CommendationRecipientKind,
  NominationCandidate,
  NominationCandidateEvent,
  NominationCandidateKind,
  NominationCandidateStatus,
  NominationCandidateStep,
  NominationLevel,
  NominationObjection,
  NominationObjectionStatus,
  NominationReviewer,
  NominationRound,
  NominationRoundStatus,
  NominationScore,
  type CandidateStanding,
} from './nomination.entity';
import {
  NOMINATION_LIMITS,
  NominationOrderField,
  NOTICE_MS,
  ObjectionDecision,
  type AddNominationCandidateInput,
  type AssignNominationReviewersInput,
  type CommendationFilter,
  type CreateNominationRoundInput,
  type LodgeNominationObjectionInput,
  type NominationCandidateFilter,
  type NominationOrder,
  type NominationRoundFilter,
  type NominationRoundTransitionInput,
  type RecordCommendationInput,
  type ResolveNominationObjectionInput,
  type RevokeNominationCandidateInput,
  type ScoreNominationCandidateInput,
  type SelectNominationCandidatesInput,
} from './nomination.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_UUID = '00000000-0000-0000-0000-000000000000';
/** Code of the national association. */
export const NATIONAL_CODE = '000000';
const DEPTH: Record<NominationLevel, number> = { NATIONAL: 0, PROVINCE: 1, CITY: 2, COUNTY: 3 };
const LEVEL_OF_REGION: Partial<Record<RegionLevel, NominationLevel>> = { PROVINCE: NominationLevel.PROVINCE, CITY: NominationLevel.CITY, COUNTY: NominationLevel.COUNTY };
/** Sort key of unranked (revoked or unscored) candidates: after every ranked one. */
const UNRANKED = 1_000_000_000;

/** Code prefix of an association's region ('' for the national association). */
export function associationPrefix(code: string): string {
  return code === NATIONAL_CODE ? '' : regionPrefix(code);
}

/** A refused round transition: carries the round's current state (and, for a short notice, the time left). */
export class RoundStateError extends DomainError {
  constructor(
    code: UserErrorCode,
    message: string,
    readonly status: NominationRoundStatus,
    field: string[] = ['input', 'id'],
    more: DomainError[] = [],
    readonly remainingSeconds: number | null = null,
  ) {
    super(code, message, field, more);
  }
}

/** A page request for a round's ranked candidates (the loader key). */
export interface CandidatePageKey {
  parent: string;
  first?: number | null;
  after?: string | null;
  filter?: NominationCandidateFilter | null;
}

/** Per-round figures computed in SQL. */
export interface RoundFigures {
  allocatedQuota: number;
  selectedCount: number;
  openObjectionCount: number;
}

/** "6 d 23 h 59 min" for a duration in milliseconds (rounded up to the minute). */
function duration(ms: number): string {
  const minutes = Math.ceil(ms / 60000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  return `${d} d ${h} h ${minutes % 60} min`;
}

/**
 * Nominations (组织申报/推荐评选): rounds with quotas allotted level by level, eligible candidates (registry +
 * registered agreements, asked of the agreements service), expert panel scores ranked in SQL, selection within
 * the quota, the public notice (公示) with objections, submission upward after 7 full days (server time from the
 * injected clock), revocation (撤销评选资格) with history and audit, and commendations (表彰).
 */
export class NominationService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly clock: Clock,
    private readonly regions: RegionService,
    private readonly organizations: OrganizationService,
    private readonly experts: ExpertService,
    private readonly agreements: AgreementService,
  ) {}

  // ---------------------------------------------------------------- reads

  /** Rounds by database id within scope (null for unknown or out-of-scope ones), order kept. */
  roundsByIds(scope: Scope, ids: readonly string[]): Promise<Array<NominationRound | null>> {
    return this.scopedByIds(NominationRound, 'regionCode', scope, ids);
  }

  candidatesByIds(scope: Scope, ids: readonly string[]): Promise<Array<NominationCandidate | null>> {
    return this.scopedByIds(NominationCandidate, 'regionCode', scope, ids);
  }

  objectionsByIds(scope: Scope, ids: readonly string[]): Promise<Array<NominationObjection | null>> {
    return this.scopedByIds(NominationObjection, 'regionCode', scope, ids);
  }

  commendationsByIds(scope: Scope, ids: readonly string[]): Promise<Array<Commendation | null>> {
    return this.scopedByIds(Commendation, 'recipientRegionCode', scope, ids);
  }

  async listRounds(scope: Scope, filter: NominationRoundFilter | null | undefined, order: NominationOrder | null | undefined, page: PageArgs): Promise<Page<NominationRound>> {
    const qb = this.ds.getRepository(NominationRound).createQueryBuilder('r');
    const s = scope.sql('r.regionCode');
    qb.where(s.where, s.params);
    if (filter?.year != null) qb.andWhere('r.year = :year', { year: filter.year });
    if (filter?.level?.length) qb.andWhere('r.level IN (:...level)', { level: filter.level });
    if (filter?.status?.length) qb.andWhere('r.status IN (:...status)', { status: filter.status });
    if (filter?.within != null) qb.andWhere('r.regionCode LIKE :within', { within: `${escapeLike(associationPrefix(filter.within))}%` });
    if (filter?.parentRoundId != null) qb.andWhere('r.parentRoundId = :parent', { parent: uuidOf(filter.parentRoundId, 'NominationRound') ?? NO_UUID });
    if (filter?.titleContains) qb.andWhere('r.title ILIKE :title', { title: `%${escapeLike(filter.titleContains)}%` });
    return paginate(qb, page, sortOf('r', order));
  }

  async listCommendations(scope: Scope, filter: CommendationFilter | null | undefined, order: NominationOrder | null | undefined, page: PageArgs): Promise<Page<Commendation>> {
    const qb = this.ds.getRepository(Commendation).createQueryBuilder('c');
    const s = scope.sql('c.recipientRegionCode');
    qb.where(s.where, s.params);
    if (filter?.year != null) qb.andWhere('c.year = :year', { year: filter.year });
    if (filter?.level?.length) qb.andWhere('c.level IN (:...level)', { level: filter.level });
    if (filter?.recipientKind?.length) qb.andWhere('c.recipientKind IN (:...kind)', { kind: filter.recipientKind });
    if (filter?.within != null) qb.andWhere('c.recipientRegionCode LIKE :within', { within: `${escapeLike(associationPrefix(filter.within))}%` });
    if (filter?.organizationId != null) qb.andWhere('c.organizationId = :org', { org: uuidOf(filter.organizationId, 'Organization') ?? NO_UUID });
    if (filter?.expertId != null) qb.andWhere('c.expertId = :expert', { expert: uuidOf(filter.expertId, 'Expert') ?? NO_UUID });
    if (filter?.titleContains) qb.andWhere('c.title ILIKE :title', { title: `%${escapeLike(filter.titleContains)}%` });
    return paginate(qb, page, sortOf('c', order));
  }

  /**
   * Ranked candidates of many rounds (round.candidates): the ranking is RANK() over the average panel score in
   * SQL, among candidates that are not revoked and have at least one score; the others follow unranked. Pages of
   * every round asking for the same window and filter come from one statement (plus one to load the rows).
   */
  async candidatePages(keys: readonly CandidatePageKey[]): Promise<Array<Page<NominationCandidate>>> {
    const groups = new Map<string, CandidatePageKey[]>();
    for (const k of keys) {
      const w = JSON.stringify([k.first ?? null, k.after ?? null, k.filter?.status ?? null, k.filter?.kind ?? null]);
      groups.set(w, [...(groups.get(w) ?? []), k]);
    }
    const result = new Map<CandidatePageKey, Page<NominationCandidate>>();
    for (const group of groups.values()) {
      const { first, after: afterCursor, filter } = group[0];
      const { limit, after } = pageWindow({ first, after: afterCursor });
      const parents = [...new Set(group.map((k) => k.parent).filter((p) => UUID.test(p)))];
      if (after && (!Number.isInteger(after[0]) || !UUID.test(after[1]))) {
        throw new GraphQLError('after is not a valid cursor', { extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
      }
      const afterKey = after ? [after[0] as number, after[1]] : null;
      const params = [parents, filter?.status?.length ? filter.status : null, filter?.kind ?? null];
      const ranked: Array<{ id: string; roundId: string; avg: string | null; n: number; rank: number | null; k: number }> =
        limit === 0 || !parents.length
          ? []
          : await this.ds.query(
              `${RANKING_CTE}, f AS (
                 SELECT r.*, COALESCE(r.rank, ${UNRANKED}) AS k FROM r
                  WHERE ($2::text[] IS NULL OR r.status::text = ANY($2::text[])) AND ($3::text IS NULL OR r.kind::text = $3::text)
               ), w AS (
                 SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f."roundId" ORDER BY f.k, f.id) AS rn FROM f
                  WHERE $4::int IS NULL OR f.k > $4::int OR (f.k = $4::int AND f.id > $5::uuid)
               )
               SELECT id, "roundId", ROUND(avg, 2)::text AS avg, n, rank, k FROM w WHERE rn <= $6 ORDER BY "roundId", rn`,
              [...params, afterKey?.[0] ?? null, afterKey?.[1] ?? null, limit + 1],
            );
      const rows = ranked.length ? await this.ds.getRepository(NominationCandidate).findBy({ id: In(ranked.map((r) => r.id)) }) : [];
      const byId = new Map(rows.map((r) => [r.id, r]));
      const perRound = new Map<string, Array<{ c: NominationCandidate; k: number }>>();
      for (const r of ranked) {
        const c = byId.get(r.id);
        if (!c) continue;
        c.standing = { rank: r.rank == null ? null : Number(r.rank), averageScore: r.avg == null ? null : Number(r.avg), scoreCount: Number(r.n) };
        perRound.set(r.roundId, [...(perRound.get(r.roundId) ?? []), { c, k: Number(r.k) }]);
      }
      for (const k of group) {
        const list = perRound.get(k.parent) ?? [];
        const items = list.slice(0, limit);
        result.set(
          k,
          new Page(
            items.map((x) => x.c),
            items.map((x) => encodeCursor(x.k, x.c.id)),
            list.length > limit,
            after !== null,
            () => this.countCandidates(k.parent, filter),
          ),
        );
      }
    }
    return keys.map((k) => result.get(k) as Page<NominationCandidate>);
  }

  /** Rank, average score and number of scores of candidates (for candidates not read through the ranked list). */
  async standings(candidateIds: readonly string[]): Promise<CandidateStanding[]> {
    const valid = candidateIds.filter((id) => UUID.test(id));
    const rows: Array<{ id: string; avg: string | null; n: number; rank: number | null }> = valid.length
      ? await this.ds.query(
          `${RANKING_CTE.replace('c."roundId" = ANY($1::uuid[])', 'c."roundId" IN (SELECT x."roundId" FROM nomination_candidate x WHERE x.id = ANY($1::uuid[]))')}
           SELECT id, ROUND(avg, 2)::text AS avg, n, rank FROM r WHERE id = ANY($1::uuid[])`,
          [valid],
        )
      : [];
    const map = new Map(rows.map((r) => [r.id, { rank: r.rank == null ? null : Number(r.rank), averageScore: r.avg == null ? null : Number(r.avg), scoreCount: Number(r.n) }]));
    return candidateIds.map((id) => map.get(id) ?? { rank: null, averageScore: null, scoreCount: 0 });
  }

  /** Panel members of many rounds (at most 30 each), by name. */
  async reviewersOf(roundIds: readonly string[]): Promise<NominationReviewer[][]> {
    const rows = await this.ds.getRepository(NominationReviewer).find({ where: { roundId: In([...roundIds]) }, order: { name: 'ASC', subject: 'ASC' } });
    return roundIds.map((id) => rows.filter((r) => r.roundId === id));
  }

  /** Scores of many candidates (at most one per panel member). */
  async scoresOf(candidateIds: readonly string[]): Promise<NominationScore[][]> {
    const rows = await this.ds.getRepository(NominationScore).find({ where: { candidateId: In([...candidateIds]) }, order: { reviewerSubject: 'ASC' } });
    return candidateIds.map((id) => rows.filter((r) => r.candidateId === id));
  }

  /** Allotted quota, selected candidates and open objections of many rounds (one statement). */
  async figuresOf(roundIds: readonly string[]): Promise<RoundFigures[]> {
    const rows: Array<{ id: string; allocated: number; selected: number; open: number }> = await this.ds.query(
      `SELECT r.id,
              (SELECT COALESCE(SUM(ch.quota), 0) FROM nomination_round ch WHERE ch."parentRoundId" = r.id)::int AS allocated,
              (SELECT COUNT(*) FROM nomination_candidate c WHERE c."roundId" = r.id AND c.status = 'SELECTED')::int AS selected,
              (SELECT COUNT(*) FROM nomination_objection o WHERE o."roundId" = r.id AND o.status = 'OPEN')::int AS open
         FROM nomination_round r WHERE r.id = ANY($1::uuid[])`,
      [roundIds.filter((id) => UUID.test(id))],
    );
    const map = new Map(rows.map((r) => [r.id, { allocatedQuota: Number(r.allocated), selectedCount: Number(r.selected), openObjectionCount: Number(r.open) }]));
    return roundIds.map((id) => map.get(id) ?? { allocatedQuota: 0, selectedCount: 0, openObjectionCount: 0 });
  }

  // ---------------------------------------------------------------- rounds

  /** A national round sets its own quota; any other is allotted one by a round of a level above, within what it has left. */
  async createRound(actor: Actor, scope: Scope, input: CreateNominationRoundInput): Promise<NominationRound> {
    const level = await this.levelOf(input.regionCode, ['input', 'regionCode']);
    const p = actor.principal;
    if (level === NominationLevel.NATIONAL) {
      if (input.parentRoundId != null) throw new DomainError(UserErrorCode.VALIDATION, 'A national round has no parent round: it sets its own quota', ['input', 'parentRoundId']);
      if (!hasRole(p, Role.NATIONAL_ADMIN) || !scope.covers(NATIONAL_CODE)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only the national association (中国科协) creates a national round', ['input', 'regionCode']);
      const errors: DomainError[] = [];
      if (!input.title?.trim()) errors.push(new DomainError(UserErrorCode.VALIDATION, 'A national round needs a title', ['input', 'title']));
      if (input.year == null) errors.push(new DomainError(UserErrorCode.VALIDATION, 'A national round needs a year', ['input', 'year']));
      throwAll(errors);
      return this.ds.transaction(async (em) => {
        await this.assertUniqueRound(em, input.year as number, (input.title as string).trim(), NATIONAL_CODE);
        return this.insertRound(em, actor, { title: (input.title as string).trim(), year: input.year as number, level, regionCode: NATIONAL_CODE, parentRoundId: null, quota: input.quota });
      });
    }
    if (input.parentRoundId == null) {
      throw new DomainError(UserErrorCode.VALIDATION, 'A province, city or county round receives its quota (推荐指标) from a round of a level above: give parentRoundId', ['input', 'parentRoundId']);
    }
    const parentId = uuidOf(input.parentRoundId, 'NominationRound');
    if (!parentId) throw new DomainError(UserErrorCode.NOT_FOUND, 'No nomination round with this ID', ['input', 'parentRoundId']);
    return this.ds.transaction(async (em) => {
      // Locked: two allotments from the same parent cannot both take its last places.
      const parent = await em.findOne(NominationRound, { where: { id: parentId }, lock: { mode: 'pessimistic_write' } });
      if (!parent) throw new DomainError(UserErrorCode.NOT_FOUND, 'No nomination round with this ID', ['input', 'parentRoundId']);
      if (!hasRole(p, ...COORDINATORS) || !scope.covers(parent.regionCode)) {
        throw new DomainError(UserErrorCode.FORBIDDEN, `Only the association of the parent round (${parent.regionCode}) or one above it allots its quota`, ['input', 'parentRoundId']);
      }
      const errors: DomainError[] = [];
      if (!input.regionCode.startsWith(associationPrefix(parent.regionCode)) || DEPTH[level] <= DEPTH[parent.level]) {
        errors.push(new DomainError(UserErrorCode.VALIDATION, `A ${level} round at ${input.regionCode} is not below the ${parent.level} round at ${parent.regionCode}`, ['input', 'regionCode']));
      }
      if (input.title != null && input.title.trim() !== parent.title) errors.push(new DomainError(UserErrorCode.VALIDATION, `A child round keeps the parent's title (${parent.title}); leave title out`, ['input', 'title']));
      if (input.year != null && input.year !== parent.year) errors.push(new DomainError(UserErrorCode.VALIDATION, `A child round keeps the parent's year (${parent.year}); leave year out`, ['input', 'year']));
      throwAll(errors);
      if (parent.status !== NominationRoundStatus.OPEN) {
        throw new RoundStateError(UserErrorCode.INVALID_STATE, `The parent round is ${parent.status}: quotas are allotted while it is OPEN`, parent.status, ['input', 'parentRoundId']);
      }
      const [{ allocated }] = await em.query(`SELECT COALESCE(SUM(quota), 0)::int AS allocated FROM nomination_round WHERE "parentRoundId" = $1`, [parent.id]);
      const remaining = parent.quota - Number(allocated);
      if (input.quota > remaining) {
        throw new DomainError(
          UserErrorCode.LIMIT_EXCEEDED,
          `A quota of ${input.quota} exceeds what the parent round has left to allot: ${remaining} of its ${parent.quota} (already allotted: ${allocated})`,
          ['input', 'quota'],
        );
      }
      await this.assertUniqueRound(em, parent.year, parent.title, input.regionCode);
      return this.insertRound(em, actor, { title: parent.title, year: parent.year, level, regionCode: input.regionCode, parentRoundId: parent.id, quota: input.quota });
    });
  }

  /** OPEN → REVIEWED: the panel closes; every remaining candidate needs at least one score. Scores are final afterwards. */
  async closePanel(actor: Actor, scope: Scope, input: NominationRoundTransitionInput): Promise<NominationRound> {
    return this.roundTransition(actor, scope, 'closeNominationPanel', input, [NominationRoundStatus.OPEN], async (round, em) => {
      const [{ total, unscored }] = await em.query(
        `SELECT COUNT(*)::int AS total, COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM nomination_score s WHERE s."candidateId" = c.id))::int AS unscored
           FROM nomination_candidate c WHERE c."roundId" = $1 AND c.status <> 'REVOKED'`,
        [round.id],
      );
      if (Number(total) === 0) throw new RoundStateError(UserErrorCode.INVALID_STATE, 'The round has no candidate to review', round.status);
      if (Number(unscored) > 0) throw new RoundStateError(UserErrorCode.INVALID_STATE, `${unscored} candidate(s) have no score yet; the panel closes when every candidate is scored`, round.status);
      round.status = NominationRoundStatus.REVIEWED;
      round.panelClosedAt = this.clock.now();
    });
  }

  /** REVIEWED: selects candidates within the quota (拟推荐), the others become NOT_SELECTED; may be redone until published. */
  async select(actor: Actor, scope: Scope, input: SelectNominationCandidatesInput): Promise<{ round: NominationRound; selected: NominationCandidate[] }> {
    const ids = input.candidateIds.map((g, i) => {
      const id = uuidOf(g, 'NominationCandidate');
      if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID', ['input', 'candidateIds', String(i)]);
      return id;
    });
    if (!ids.length) throw new DomainError(UserErrorCode.VALIDATION, 'Select at least one candidate', ['input', 'candidateIds']);
    if (new Set(ids).size !== ids.length) throw new DomainError(UserErrorCode.VALIDATION, 'A candidate is listed twice', ['input', 'candidateIds']);
    let selected: NominationCandidate[] = [];
    const round = await this.roundTransition(actor, scope, 'selectNominationCandidates', { id: input.roundId, version: input.version }, [NominationRoundStatus.REVIEWED], async (r, em) => {
      if (ids.length > r.quota) {
        throw new DomainError(UserErrorCode.LIMIT_EXCEEDED, `Selecting ${ids.length} candidates exceeds the round's quota (推荐指标) of ${r.quota}`, ['input', 'candidateIds']);
      }
      const all = await em.find(NominationCandidate, { where: { roundId: r.id }, lock: { mode: 'pessimistic_write' } });
      const byId = new Map(all.map((c) => [c.id, c]));
      const errors: DomainError[] = [];
      ids.forEach((id, i) => {
        const c = byId.get(id);
        if (!c) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID in this round', ['input', 'candidateIds', String(i)]));
        else if (c.status === NominationCandidateStatus.REVOKED) errors.push(new DomainError(UserErrorCode.INVALID_STATE, `${c.displayName} is REVOKED and cannot be selected`, ['input', 'candidateIds', String(i)]));
      });
      throwAll(errors);
      const chosen = new Set(ids);
      for (const c of all) {
        if (c.status === NominationCandidateStatus.REVOKED) continue;
        const to = chosen.has(c.id) ? NominationCandidateStatus.SELECTED : NominationCandidateStatus.NOT_SELECTED;
        if (c.status !== to) await this.changeCandidate(em, actor, c, to, to === NominationCandidateStatus.SELECTED ? NominationCandidateEvent.SELECTED : NominationCandidateEvent.DESELECTED, null);
      }
      selected = ids.map((id) => byId.get(id) as NominationCandidate);
      r.updatedAt = new Date();
      return { selected: ids };
    });
    return { round, selected };
  }

  /** REVIEWED → PUBLICIZING: the selected list is published; the notice starts now (server time). */
  async publish(actor: Actor, scope: Scope, input: NominationRoundTransitionInput): Promise<NominationRound> {
    return this.roundTransition(actor, scope, 'publishNominationNotice', input, [NominationRoundStatus.REVIEWED], async (round, em) => {
      const [{ n }] = await em.query(`SELECT COUNT(*)::int AS n FROM nomination_candidate WHERE "roundId" = $1 AND status = 'SELECTED'`, [round.id]);
      if (Number(n) === 0) throw new RoundStateError(UserErrorCode.INVALID_STATE, 'Select candidates (selectNominationCandidates) before publishing the notice', round.status);
      round.status = NominationRoundStatus.PUBLICIZING;
      round.noticeStartedAt = this.clock.now();
      round.noticeStartedBy = actor.principal.subject;
    });
  }

  /**
   * PUBLICIZING → SUBMITTED (报送上级): only after at least 7 full days (7×24 h) of notice and with no open objection.
   * The selected candidates are forwarded to the parent round (which must still be OPEN) as its candidates.
   */
  async submit(actor: Actor, scope: Scope, input: NominationRoundTransitionInput): Promise<NominationRound> {
    return this.roundTransition(actor, scope, 'submitNominationRound', input, [NominationRoundStatus.PUBLICIZING], async (round, em) => {
      const now = this.clock.now();
      const started = round.noticeStartedAt as Date;
      const left = started.getTime() + NOTICE_MS - now.getTime();
      const errors: DomainError[] = [];
      let remainingSeconds: number | null = null;
      if (left > 0) {
        remainingSeconds = Math.ceil(left / 1000);
        errors.push(
          new DomainError(
            UserErrorCode.NOT_ELIGIBLE,
            `The public notice (公示) must run at least 7 full days (7×24 h) before submission: it started ${started.toISOString()}, ${duration(left)} remain (submittable from ${new Date(started.getTime() + NOTICE_MS).toISOString()})`,
            ['input', 'id'],
          ),
        );
      }
      const [{ open, selected }] = await em.query(
        `SELECT (SELECT COUNT(*) FROM nomination_objection WHERE "roundId" = $1 AND status = 'OPEN')::int AS open,
                (SELECT COUNT(*) FROM nomination_candidate WHERE "roundId" = $1 AND status = 'SELECTED')::int AS selected`,
        [round.id],
      );
      if (Number(open) > 0) errors.push(new DomainError(UserErrorCode.INVALID_STATE, `${open} objection(s) (异议) are still open; resolve them before submitting`, ['input', 'id']));
      if (Number(selected) === 0) errors.push(new DomainError(UserErrorCode.INVALID_STATE, 'No selected candidate remains to submit', ['input', 'id']));
      if (errors.length) throw new RoundStateError(errors[0].code, errors[0].message, round.status, ['input', 'id'], errors.slice(1), remainingSeconds);
      let forwarded = 0;
      if (round.parentRoundId) forwarded = await this.forward(em, actor, round);
      round.status = NominationRoundStatus.SUBMITTED;
      round.submittedAt = now;
      round.submittedBy = actor.principal.subject;
      return { noticeStartedAt: started.toISOString(), submittedAt: now.toISOString(), forwarded };
    });
  }

  // ---------------------------------------------------------------- candidates and panel

  /** Nominates an eligible organization or expert in an OPEN round; ineligible ones are refused with every reason. */
  async addCandidate(actor: Actor, scope: Scope, input: AddNominationCandidateInput): Promise<NominationCandidate> {
    const roundId = uuidOf(input.roundId, 'NominationRound');
    if (!roundId) throw new DomainError(UserErrorCode.NOT_FOUND, 'No nomination round with this ID', ['input', 'roundId']);
    if ((input.organizationId == null) === (input.expertId == null)) {
      throw new DomainError(UserErrorCode.VALIDATION, 'Give exactly one of organizationId and expertId', ['input', input.organizationId == null ? 'organizationId' : 'expertId']);
    }
    const [round] = await this.roundsByIds(Scope.everything, [roundId]);
    if (!round) throw new DomainError(UserErrorCode.NOT_FOUND, 'No nomination round with this ID', ['input', 'roundId']);
    this.assertCoordinator(actor, scope, round.regionCode, ['input', 'roundId']);
    if (round.status !== NominationRoundStatus.OPEN) throw new RoundStateError(UserErrorCode.INVALID_STATE, `Candidates are nominated while the round is OPEN; it is ${round.status}`, round.status, ['input', 'roundId']);
    // Eligibility is read before the transaction (PGlite: one connection; never wait on another inside one).
    const candidate = await this.eligible(round, input);
    return this.ds.transaction(async (em) => {
      const locked = await this.lockedRound(em, round.id, ['input', 'roundId']);
      if (locked.status !== NominationRoundStatus.OPEN) throw new RoundStateError(UserErrorCode.INVALID_STATE, `Candidates are nominated while the round is OPEN; it is ${locked.status}`, locked.status, ['input', 'roundId']);
      const field = ['input', candidate.kind === NominationCandidateKind.ORGANIZATION ? 'organizationId' : 'expertId'];
      const dup = await em.findOne(NominationCandidate, { where: candidate.kind === NominationCandidateKind.ORGANIZATION ? { roundId: round.id, organizationId: candidate.organizationId as string } : { roundId: round.id, expertId: candidate.expertId as string } });
      if (dup) throw new DomainError(UserErrorCode.DUPLICATE, `${dup.displayName} is already a candidate of this round (${dup.status})`, field);
      const c = await em.save(
        em.create(NominationCandidate, {
          ...candidate,
          roundId: round.id,
          regionCode: round.regionCode,
          status: NominationCandidateStatus.NOMINATED,
          citation: input.citation?.trim() || null,
          evidence: input.evidence ?? [],
          sourceRoundId: null,
          nominatedBy: actor.principal.subject,
          revocationReason: null,
          revokedBy: null,
          revokedAt: null,
        }),
      );
      await this.step(em, actor, c, null, NominationCandidateEvent.NOMINATED, null);
      await this.audit.record(em, actor, {
        operation: 'addNominationCandidate',
        entityType: 'NominationCandidate',
        entityId: c.id,
        regionCode: c.regionCode,
        after: { roundId: round.id, kind: c.kind, organizationId: c.organizationId, expertId: c.expertId, displayName: c.displayName, registeredAgreements: c.registeredAgreements, status: c.status },
      });
      return c;
    });
  }

  /** Adds members to the expert review panel of an OPEN round (at most 30 members). */
  async assignReviewers(actor: Actor, scope: Scope, input: AssignNominationReviewersInput): Promise<{ round: NominationRound; reviewers: NominationReviewer[] }> {
    const roundId = uuidOf(input.roundId, 'NominationRound');
    if (!roundId) throw new DomainError(UserErrorCode.NOT_FOUND, 'No nomination round with this ID', ['input', 'roundId']);
    return this.ds.transaction(async (em) => {
      const round = await this.lockedRound(em, roundId, ['input', 'roundId']);
      this.assertCoordinator(actor, scope, round.regionCode, ['input', 'roundId']);
      if (round.status !== NominationRoundStatus.OPEN) throw new RoundStateError(UserErrorCode.INVALID_STATE, `The panel is set up while the round is OPEN; it is ${round.status}`, round.status, ['input', 'roundId']);
      const existing = new Set((await em.find(NominationReviewer, { where: { roundId } })).map((r) => r.subject));
      const fresh = new Map<string, string>();
      for (const r of input.reviewers) if (!existing.has(r.subject.trim())) fresh.set(r.subject.trim(), r.name.trim());
      if (existing.size + fresh.size > NOMINATION_LIMITS.reviewers) {
        throw new DomainError(UserErrorCode.LIMIT_EXCEEDED, `A panel has at most ${NOMINATION_LIMITS.reviewers} members; it has ${existing.size}, you add ${fresh.size}`, ['input', 'reviewers']);
      }
      if (fresh.size) {
        await em.insert(NominationReviewer, [...fresh].map(([subject, name]) => ({ roundId, subject, name, assignedBy: actor.principal.subject })));
        await this.audit.record(em, actor, { operation: 'assignNominationReviewers', entityType: 'NominationRound', entityId: round.id, regionCode: round.regionCode, after: { added: [...fresh].map(([subject, name]) => ({ subject, name })) } });
      }
      const reviewers = await em.find(NominationReviewer, { where: { roundId }, order: { name: 'ASC', subject: 'ASC' } });
      return { round, reviewers };
    });
  }

  /** A panel member scores a candidate (0–100) while the panel is open; scoring again replaces the score. */
  async score(actor: Actor, _scope: Scope, input: ScoreNominationCandidateInput): Promise<{ score: NominationScore; candidate: NominationCandidate }> {
    const id = uuidOf(input.candidateId, 'NominationCandidate');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID', ['input', 'candidateId']);
    const subject = actor.principal.subject;
    return this.ds.transaction(async (em) => {
      const c = await em.findOne(NominationCandidate, { where: { id } });
      if (!c) throw new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID', ['input', 'candidateId']);
      // Shared lock: closing the panel (which takes the row exclusively) waits for scores being written.
      const round = await em.findOne(NominationRound, { where: { id: c.roundId }, lock: { mode: 'pessimistic_read' } });
      const member = await em.findOne(NominationReviewer, { where: { roundId: c.roundId, subject } });
      if (!round || !member) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only members of the round’s review panel (评审专家) score its candidates', ['input', 'candidateId']);
      if (round.status !== NominationRoundStatus.OPEN) throw new DomainError(UserErrorCode.INVALID_STATE, `The panel has closed (the round is ${round.status}); scores can no longer change`, ['input', 'candidateId']);
      if (c.status === NominationCandidateStatus.REVOKED) throw new DomainError(UserErrorCode.INVALID_STATE, `${c.displayName} is REVOKED and is not scored`, ['input', 'candidateId']);
      if (actor.principal.expertId && actor.principal.expertId === c.expertId) throw new DomainError(UserErrorCode.FORBIDDEN, 'A reviewer does not score themself (回避)', ['input', 'candidateId']);
      const before = await em.findOne(NominationScore, { where: { candidateId: c.id, reviewerSubject: subject } });
      await em.query(
        `INSERT INTO nomination_score ("candidateId", "reviewerSubject", "roundId", score, comment, "updatedAt") VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT ("candidateId", "reviewerSubject") DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment, "updatedAt" = now()`,
        [c.id, subject, c.roundId, input.score, input.comment?.trim() || null],
      );
      const score = (await em.findOne(NominationScore, { where: { candidateId: c.id, reviewerSubject: subject } })) as NominationScore;
      await this.audit.record(em, actor, {
        operation: 'scoreNominationCandidate',
        entityType: 'NominationCandidate',
        entityId: c.id,
        regionCode: c.regionCode,
        before: before ? { score: before.score, comment: before.comment } : null,
        after: { reviewer: subject, score: score.score, comment: score.comment },
      });
      return { score, candidate: c };
    });
  }

  /** Disqualifies a candidate (撤销评选资格) with a reason; kept with its history, excluded from ranking and selection. */
  async revoke(actor: Actor, scope: Scope, input: RevokeNominationCandidateInput): Promise<NominationCandidate> {
    const id = uuidOf(input.id, 'NominationCandidate');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID', ['input', 'id']);
    return this.ds.transaction(async (em) => {
      const c = await em.findOne(NominationCandidate, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!c) throw new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID', ['input', 'id']);
      this.assertCoordinator(actor, scope, c.regionCode, ['input', 'id']);
      if (c.version !== input.version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `The candidate is at version ${c.version}, you sent ${input.version}`, ['input', 'version']);
      if (c.status === NominationCandidateStatus.REVOKED) throw new DomainError(UserErrorCode.INVALID_STATE, 'The candidate is already REVOKED', ['input', 'id']);
      return this.revokeIn(em, actor, c, input.reason.trim(), NominationCandidateEvent.REVOKED, 'revokeNominationCandidate');
    });
  }

  // ---------------------------------------------------------------- public notice

  /** Anyone authenticated who can see the round lodges an objection to a selected candidate during the notice. */
  async lodgeObjection(actor: Actor, scope: Scope, input: LodgeNominationObjectionInput): Promise<NominationObjection> {
    const id = uuidOf(input.candidateId, 'NominationCandidate');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID', ['input', 'candidateId']);
    return this.ds.transaction(async (em) => {
      const c = await em.findOne(NominationCandidate, { where: { id } });
      if (!c) throw new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID', ['input', 'candidateId']);
      if (!scope.covers(c.regionCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The notice is published within its region; this round is outside your region scope', ['input', 'candidateId']);
      const round = (await em.findOne(NominationRound, { where: { id: c.roundId }, lock: { mode: 'pessimistic_read' } })) as NominationRound;
      if (round.status !== NominationRoundStatus.PUBLICIZING) throw new DomainError(UserErrorCode.INVALID_STATE, `Objections are lodged during the public notice (公示); the round is ${round.status}`, ['input', 'candidateId']);
      if (c.status !== NominationCandidateStatus.SELECTED) throw new DomainError(UserErrorCode.INVALID_STATE, `Only candidates on the notice (SELECTED) are objected to; this one is ${c.status}`, ['input', 'candidateId']);
      const o = await em.save(
        em.create(NominationObjection, {
          roundId: round.id,
          candidateId: c.id,
          regionCode: c.regionCode,
          reason: input.reason.trim(),
          lodgedBy: actor.principal.subject,
          lodgedAt: this.clock.now(),
          status: NominationObjectionStatus.OPEN,
          resolution: null,
          resolvedBy: null,
          resolvedAt: null,
        }),
      );
      await this.audit.record(em, actor, { operation: 'lodgeNominationObjection', entityType: 'NominationObjection', entityId: o.id, regionCode: o.regionCode, after: { candidateId: c.id, reason: o.reason, lodgedAt: o.lodgedAt.toISOString() } });
      return o;
    });
  }

  /** The round's coordinator upholds (the candidate is revoked) or dismisses an open objection, with the finding. */
  async resolveObjection(actor: Actor, scope: Scope, input: ResolveNominationObjectionInput): Promise<NominationObjection> {
    const id = uuidOf(input.id, 'NominationObjection');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No objection with this ID', ['input', 'id']);
    return this.ds.transaction(async (em) => {
      const o = await em.findOne(NominationObjection, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!o) throw new DomainError(UserErrorCode.NOT_FOUND, 'No objection with this ID', ['input', 'id']);
      this.assertCoordinator(actor, scope, o.regionCode, ['input', 'id']);
      if (o.version !== input.version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `The objection is at version ${o.version}, you sent ${input.version}`, ['input', 'version']);
      if (o.status !== NominationObjectionStatus.OPEN) throw new DomainError(UserErrorCode.INVALID_STATE, `The objection is already ${o.status}`, ['input', 'id']);
      const resolution = input.resolution.trim();
      const upheld = input.decision === ObjectionDecision.UPHOLD;
      if (upheld) {
        const c = (await em.findOne(NominationCandidate, { where: { id: o.candidateId }, lock: { mode: 'pessimistic_write' } })) as NominationCandidate;
        if (c.status !== NominationCandidateStatus.REVOKED) await this.revokeIn(em, actor, c, `异议成立 (objection upheld): ${resolution}`.slice(0, 1000), NominationCandidateEvent.OBJECTION_UPHELD, 'resolveNominationObjection');
      }
      o.status = upheld ? NominationObjectionStatus.UPHELD : NominationObjectionStatus.DISMISSED;
      o.resolution = resolution;
      o.resolvedBy = actor.principal.subject;
      o.resolvedAt = this.clock.now();
      const saved = await em.save(o);
      await this.audit.record(em, actor, { operation: 'resolveNominationObjection', entityType: 'NominationObjection', entityId: o.id, regionCode: o.regionCode, before: { status: NominationObjectionStatus.OPEN }, after: { status: o.status, resolution } });
      return saved;
    });
  }

  // ---------------------------------------------------------------- commendations

  /** Records a commendation (表彰) by an association of the caller's scope, of a recipient inside its region. */
  async recordCommendation(actor: Actor, scope: Scope, input: RecordCommendationInput): Promise<Commendation> {
    const level = await this.levelOf(input.regionCode, ['input', 'regionCode']);
    if (!hasRole(actor.principal, ...COORDINATORS) || !scope.covers(input.regionCode)) {
      throw new DomainError(UserErrorCode.FORBIDDEN, 'Only the commending association (or one above it) records its commendations', ['input', 'regionCode']);
    }
    const recipient = await this.recipientOf(input);
    const errors: DomainError[] = [];
    if (!recipient.regionCode.startsWith(associationPrefix(input.regionCode))) {
      errors.push(new DomainError(UserErrorCode.VALIDATION, `The recipient (${recipient.regionCode}) is outside the commending association's region ${input.regionCode}`, ['input', recipient.field]));
    }
    let candidateId: string | null = null;
    if (input.candidateId != null) {
      const key = uuidOf(input.candidateId, 'NominationCandidate');
      const [c] = await this.candidatesByIds(Scope.everything, [key ?? NO_UUID]);
      if (!c) errors.push(new DomainError(UserErrorCode.NOT_FOUND, 'No candidate with this ID', ['input', 'candidateId']));
      else if (c.organizationId !== recipient.organizationId || c.expertId !== recipient.expertId) errors.push(new DomainError(UserErrorCode.VALIDATION, 'The candidate is not this recipient', ['input', 'candidateId']));
      else if (c.status === NominationCandidateStatus.REVOKED) errors.push(new DomainError(UserErrorCode.NOT_ELIGIBLE, 'The candidate was disqualified (REVOKED)', ['input', 'candidateId']));
      else candidateId = c.id;
    }
    throwAll(errors);
    return this.ds.transaction(async (em) => {
      const c = await em.save(
        em.create(Commendation, {
          year: input.year,
          level,
          regionCode: input.regionCode,
          title: input.title.trim(),
          recipientKind: input.recipientKind,
          organizationId: recipient.organizationId,
          expertId: recipient.expertId,
          recipientName: recipient.name,
          recipientRegionCode: recipient.regionCode,
          candidateId,
          documentNumber: input.documentNumber?.trim() || null,
          commendedOn: input.commendedOn ?? null,
          recordedBy: actor.principal.subject,
        }),
      );
      await this.audit.record(em, actor, {
        operation: 'recordCommendation',
        entityType: 'Commendation',
        entityId: c.id,
        regionCode: c.recipientRegionCode,
        after: { year: c.year, level: c.level, regionCode: c.regionCode, title: c.title, recipientKind: c.recipientKind, recipientName: c.recipientName, organizationId: c.organizationId, expertId: c.expertId, documentNumber: c.documentNumber },
      });
      return c;
    });
  }

  // ---------------------------------------------------------------- machinery

  private async scopedByIds<T extends { id: string }>(entity: new () => T, column: string, scope: Scope, ids: readonly string[]): Promise<Array<T | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: T[] = [];
    if (valid.length) {
      const s = scope.sql(`x.${column}`);
      rows = await this.ds.getRepository(entity).createQueryBuilder('x').where('x.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  private async countCandidates(roundId: string, filter: NominationCandidateFilter | null | undefined): Promise<number> {
    const qb = this.ds.getRepository(NominationCandidate).createQueryBuilder('c').where('c.roundId = :roundId', { roundId: UUID.test(roundId) ? roundId : NO_UUID });
    if (filter?.status?.length) qb.andWhere('c.status IN (:...status)', { status: filter.status });
    if (filter?.kind) qb.andWhere('c.kind = :kind', { kind: filter.kind });
    return qb.getCount();
  }

  /** The association level of a region code: 000000 is national; otherwise a province, city or county in the region table. */
  private async levelOf(code: string, field: string[]): Promise<NominationLevel> {
    if (code === NATIONAL_CODE) return NominationLevel.NATIONAL;
    const [region] = await this.regions.byCodes([code]);
    const level = region ? LEVEL_OF_REGION[region.level] : undefined;
    if (!level) throw new DomainError(UserErrorCode.NOT_FOUND, `No province, city or county with code ${code} (000000 = national)`, field);
    return level;
  }

  private async assertUniqueRound(em: EntityManager, year: number, title: string, regionCode: string): Promise<void> {
    if (await em.exists(NominationRound, { where: { year, title, regionCode } })) {
      throw new DomainError(UserErrorCode.DUPLICATE, `${regionCode} already has a ${year} round “${title}”`, ['input', 'regionCode']);
    }
  }

  private async insertRound(em: EntityManager, actor: Actor, values: Pick<NominationRound, 'title' | 'year' | 'level' | 'regionCode' | 'parentRoundId' | 'quota'>): Promise<NominationRound> {
    const round = await em.save(
      em.create(NominationRound, { ...values, status: NominationRoundStatus.OPEN, panelClosedAt: null, noticeStartedAt: null, noticeStartedBy: null, submittedAt: null, submittedBy: null, createdBy: actor.principal.subject }),
    );
    await this.audit.record(em, actor, { operation: 'createNominationRound', entityType: 'NominationRound', entityId: round.id, regionCode: round.regionCode, after: { ...values, status: round.status } });
    return round;
  }

  private async lockedRound(em: EntityManager, id: string, field = ['input', 'id']): Promise<NominationRound> {
    const round = await em.findOne(NominationRound, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!round) throw new DomainError(UserErrorCode.NOT_FOUND, 'No nomination round with this ID', field);
    return round;
  }

  /** Coordinators whose region scope covers the round's association region act on it. */
  private assertCoordinator(actor: Actor, scope: Scope, regionCode: string, field: string[]): void {
    if (!hasRole(actor.principal, ...COORDINATORS) || !scope.covers(regionCode)) {
      throw new DomainError(UserErrorCode.FORBIDDEN, `Only a coordinator whose region scope covers the round’s association (${regionCode}) may do this`, field);
    }
  }

  /** Locks the round, checks coordinator, version and state, lets `apply` change it, saves it and audits the change. */
  private async roundTransition(
    actor: Actor,
    scope: Scope,
    operation: string,
    input: { id: string; version: number; note?: string | null },
    allowed: NominationRoundStatus[],
    apply: (round: NominationRound, em: EntityManager) => Promise<Record<string, unknown> | void>,
  ): Promise<NominationRound> {
    const id = uuidOf(input.id, 'NominationRound');
    const field = operation === 'selectNominationCandidates' ? ['input', 'roundId'] : ['input', 'id'];
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No nomination round with this ID', field);
    return this.ds.transaction(async (em) => {
      const round = await this.lockedRound(em, id, field);
      this.assertCoordinator(actor, scope, round.regionCode, field);
      if (round.version !== input.version) throw new RoundStateError(UserErrorCode.VERSION_CONFLICT, `The round is at version ${round.version}, you sent ${input.version}`, round.status, ['input', 'version']);
      if (!allowed.includes(round.status)) throw new RoundStateError(UserErrorCode.INVALID_STATE, `${operation} needs a round that is ${allowed.join(' or ')}; it is ${round.status}`, round.status, field);
      const before = { status: round.status };
      const extra = (await apply(round, em)) ?? {};
      const saved = await em.save(round);
      await this.audit.record(em, actor, { operation, entityType: 'NominationRound', entityId: round.id, regionCode: round.regionCode, before, after: { status: saved.status, ...extra, ...(input.note ? { note: input.note } : {}) } });
      return saved;
    });
  }

  /** Checks the registry rules for a nomination; returns the candidate's values or throws every reason it is not eligible. */
  private async eligible(round: NominationRound, input: AddNominationCandidateInput): Promise<Pick<NominationCandidate, 'kind' | 'organizationId' | 'expertId' | 'displayName' | 'registeredAgreements'>> {
    const within = associationPrefix(round.regionCode);
    const where = round.regionCode === NATIONAL_CODE ? 'anywhere' : `in ${round.regionCode}`;
    const reasons: DomainError[] = [];
    const notEligible = (field: string, message: string) => reasons.push(new DomainError(UserErrorCode.NOT_ELIGIBLE, message, ['input', field]));
    if (input.organizationId != null) {
      const key = uuidOf(input.organizationId, 'Organization');
      const org = key ? await this.organizations.findAnywhere(key) : null;
      if (!org) throw new DomainError(UserErrorCode.NOT_FOUND, 'No organization with this ID', ['input', 'organizationId']);
      const [count] = await this.agreements.registeredAgreementCounts('ORGANIZATION', [org.id], within);
      if (org.status !== RegistryStatus.ACTIVE) notEligible('organizationId', `Not eligible: ${org.name} is ${org.status}, not an active record of the registry (未入库备案)`);
      if (count === 0) notEligible('organizationId', `Not eligible: ${org.name} provides no registered agreement (已入库的帮扶协议: REGISTERED, IN_PROGRESS or COMPLETED) ${where}; only organizations and experts that contributed and are filed in the registry may be nominated`);
      throwAll(reasons);
      return { kind: NominationCandidateKind.ORGANIZATION, organizationId: org.id, expertId: null, displayName: org.name, registeredAgreements: count };
    }
    const key = uuidOf(input.expertId as string, 'Expert');
    const [expert] = key ? await this.experts.byIds(Scope.everything, [key]) : [null];
    if (!expert) throw new DomainError(UserErrorCode.NOT_FOUND, 'No expert with this ID', ['input', 'expertId']);
    const [count] = await this.agreements.registeredAgreementCounts('EXPERT', [expert.id], within);
    if (expert.status !== RegistryStatus.ACTIVE) notEligible('expertId', `Not eligible: ${expert.name} is ${expert.status}, not an active record of the registry`);
    if (expert.rosterStatus !== ExpertRosterStatus.REGISTERED) notEligible('expertId', `Not eligible: ${expert.name}'s roster status (名册) is ${expert.rosterStatus}, not REGISTERED (未入库备案)`);
    if (count === 0) notEligible('expertId', `Not eligible: ${expert.name} takes part in no registered agreement (已入库的帮扶协议: REGISTERED, IN_PROGRESS or COMPLETED) ${where}`);
    throwAll(reasons);
    return { kind: NominationCandidateKind.EXPERT, organizationId: null, expertId: expert.id, displayName: expert.name, registeredAgreements: count };
  }

  /** Whom a commendation names: a registry organization or expert, or a team with its region. */
  private async recipientOf(input: RecordCommendationInput): Promise<{ organizationId: string | null; expertId: string | null; name: string; regionCode: string; field: string }> {
    const errors: DomainError[] = [];
    const unexpected = (field: keyof RecordCommendationInput) => {
      if (input[field] != null) errors.push(new DomainError(UserErrorCode.VALIDATION, `${field} does not apply to a ${input.recipientKind} recipient`, ['input', field]));
    };
    if (input.recipientKind === CommendationRecipientKind.ORGANIZATION) {
      unexpected('expertId');
      unexpected('teamName');
      unexpected('teamRegionCode');
      throwAll(errors);
      const key = input.organizationId != null ? uuidOf(input.organizationId, 'Organization') : null;
      const org = key ? await this.organizations.findAnywhere(key) : null;
      if (!org) throw new DomainError(input.organizationId == null ? UserErrorCode.VALIDATION : UserErrorCode.NOT_FOUND, input.organizationId == null ? 'organizationId is required for an ORGANIZATION recipient' : 'No organization with this ID', ['input', 'organizationId']);
      return { organizationId: org.id, expertId: null, name: org.name, regionCode: org.regionCode, field: 'organizationId' };
    }
    if (input.recipientKind === CommendationRecipientKind.INDIVIDUAL) {
      unexpected('organizationId');
      unexpected('teamName');
      unexpected('teamRegionCode');
      throwAll(errors);
      const key = input.expertId != null ? uuidOf(input.expertId, 'Expert') : null;
      const [expert] = key ? await this.experts.byIds(Scope.everything, [key]) : [null];
      if (!expert) throw new DomainError(input.expertId == null ? UserErrorCode.VALIDATION : UserErrorCode.NOT_FOUND, input.expertId == null ? 'expertId is required for an INDIVIDUAL recipient' : 'No expert with this ID', ['input', 'expertId']);
      return { organizationId: null, expertId: expert.id, name: expert.name, regionCode: expert.regionCode, field: 'expertId' };
    }
    unexpected('organizationId');
    unexpected('expertId');
    if (!input.teamName?.trim()) errors.push(new DomainError(UserErrorCode.VALIDATION, 'teamName is required for a TEAM recipient', ['input', 'teamName']));
    if (input.teamRegionCode == null) errors.push(new DomainError(UserErrorCode.VALIDATION, 'teamRegionCode is required for a TEAM recipient', ['input', 'teamRegionCode']));
    throwAll(errors);
    const [region] = await this.regions.byCodes([input.teamRegionCode as string]);
    if (!region) throw new DomainError(UserErrorCode.NOT_FOUND, `No region with code ${input.teamRegionCode}`, ['input', 'teamRegionCode']);
    return { organizationId: null, expertId: null, name: (input.teamName as string).trim(), regionCode: region.code, field: 'teamRegionCode' };
  }

  /** Forwards the selected candidates of a submitted round into its parent round (which must be OPEN). */
  private async forward(em: EntityManager, actor: Actor, round: NominationRound): Promise<number> {
    const parent = await this.lockedRound(em, round.parentRoundId as string);
    if (parent.status !== NominationRoundStatus.OPEN) {
      throw new RoundStateError(UserErrorCode.INVALID_STATE, `The parent round (${parent.regionCode}) is ${parent.status} and no longer receives candidates`, round.status);
    }
    const selected = await em.find(NominationCandidate, { where: { roundId: round.id, status: NominationCandidateStatus.SELECTED }, order: { createdAt: 'ASC' } });
    let forwarded = 0;
    for (const s of selected) {
      const exists = await em.exists(NominationCandidate, { where: s.organizationId ? { roundId: parent.id, organizationId: s.organizationId } : { roundId: parent.id, expertId: s.expertId as string } });
      if (exists) continue;
      const c = await em.save(
        em.create(NominationCandidate, {
          roundId: parent.id,
          regionCode: parent.regionCode,
          kind: s.kind,
          organizationId: s.organizationId,
          expertId: s.expertId,
          displayName: s.displayName,
          status: NominationCandidateStatus.NOMINATED,
          citation: s.citation,
          evidence: s.evidence,
          registeredAgreements: s.registeredAgreements,
          sourceRoundId: round.id,
          nominatedBy: actor.principal.subject,
          revocationReason: null,
          revokedBy: null,
          revokedAt: null,
        }),
      );
      await this.step(em, actor, c, null, NominationCandidateEvent.FORWARDED, `From the ${round.level} round at ${round.regionCode}`);
      forwarded++;
    }
    return forwarded;
  }

  private async revokeIn(em: EntityManager, actor: Actor, c: NominationCandidate, reason: string, event: NominationCandidateEvent, operation: string): Promise<NominationCandidate> {
    const before = { status: c.status };
    c.revocationReason = reason;
    c.revokedBy = actor.principal.subject;
    c.revokedAt = this.clock.now();
    const saved = await this.changeCandidate(em, actor, c, NominationCandidateStatus.REVOKED, event, reason);
    await this.audit.record(em, actor, {
      operation,
      entityType: 'NominationCandidate',
      entityId: c.id,
      regionCode: c.regionCode,
      before,
      after: { status: saved.status, revocationReason: reason, revokedBy: saved.revokedBy, revokedAt: saved.revokedAt?.toISOString() ?? null },
    });
    return saved;
  }

  private async changeCandidate(em: EntityManager, actor: Actor, c: NominationCandidate, to: NominationCandidateStatus, event: NominationCandidateEvent, reason: string | null): Promise<NominationCandidate> {
    const from = c.status;
    c.status = to;
    const saved = await em.save(c);
    await this.step(em, actor, saved, from, event, reason);
    return saved;
  }

  private async step(em: EntityManager, actor: Actor, c: NominationCandidate, from: NominationCandidateStatus | null, event: NominationCandidateEvent, reason: string | null): Promise<void> {
    await em.insert(NominationCandidateStep, { candidateId: c.id, event, fromStatus: from, toStatus: c.status, actorSubject: actor.principal.subject, reason, at: this.clock.now() });
  }
}

/**
 * Average score and RANK() per round (`r`), over candidates that are not revoked and have a score; the others get
 * a null rank. `$1` holds the round ids.
 */
const RANKING_CTE = `WITH s AS (
    SELECT c.id, c."roundId", c.status, c.kind, AVG(sc.score) AS avg, COUNT(sc.score)::int AS n
      FROM nomination_candidate c LEFT JOIN nomination_score sc ON sc."candidateId" = c.id
     WHERE c."roundId" = ANY($1::uuid[])
     GROUP BY c.id
  ), r AS (
    SELECT s.*, (CASE WHEN s.status <> 'REVOKED' AND s.n > 0
                      THEN RANK() OVER (PARTITION BY s."roundId", (s.status <> 'REVOKED' AND s.n > 0) ORDER BY s.avg DESC) END)::int AS rank
      FROM s
  )`;

function sortOf<T extends { id: string; createdAt: Date; year: number }>(alias: string, order: NominationOrder | null | undefined): SortKey<T> {
  const byYear = order?.field === NominationOrderField.YEAR;
  return {
    column: `${alias}.${byYear ? 'year' : 'createdAt'}`,
    value: (r) => (byYear ? r.year : r.createdAt),
    direction: order?.direction ?? 'DESC',
    idColumn: `${alias}.id`,
    idValue: (r) => r.id,
  };
}

