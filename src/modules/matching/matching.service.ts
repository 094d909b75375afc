import { GraphQLError } from 'graphql';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { snapshot } from '../../db/audit-port';
import { encodeCursor, Page, paginate, pageWindow, type PageArgs } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor, type Principal } from '../../graphql/principal';
import { regionPrefix, Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import { Need, NeedStatus } from '../needs/need.entity';
import type { NeedService } from '../needs/need.service';
import type { OfferingService } from '../offerings/offering.service';
import { MatchReasonKind, MatchStatus, ServiceMatch, type MatchReason } from './match.entity';
import { RegionFit, type AcceptMatchInput, type CoverageFilter, type DeclineMatchInput, type MatchCandidate, type ProposeMatchInput, type ServiceMatchFilter } from './matching.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUDITED: Array<keyof ServiceMatch> = ['needId', 'offeringId', 'regionCode', 'status', 'score', 'reasons', 'proposedBy', 'decidedBy', 'decidedAt', 'declineReason'];

/** The weights of the match score (documented in the README and the MatchReasonKind descriptions); the maximum is 100. */
export const MATCH_WEIGHTS = {
  category: 30,
  mode: 10,
  region: { SAME_COUNTY: 40, PAIRED_COUNTY: 30, SAME_CITY: 20, SAME_PROVINCE: 10, ELSEWHERE: 0 } as Record<RegionFit, number>,
  capacity: 10,
  /** Past evaluation grades (评估考核): the average of GRADE_POINTS over the provider's evaluated agreements. */
  evaluation: 10,
} as const;

/** Points of a grade in the evaluation component (EXCELLENT 10, GOOD 7, PASS 4, FAIL 0). */
export const GRADE_POINTS: Record<string, number> = { EXCELLENT: 10, GOOD: 7, PASS: 4, FAIL: 0 };

/**
 * Conditions every candidate offering meets (alias `o`, need category / village expressions): it offers the
 * category and serves a region containing the village — `matchKeys` overlaps category:prefix for the village's
 * five code prefixes (34, 3415, 341524, 341524100, 341524100201), one GIN probe — and it is active today.
 */
function candidateSql(category: string, village: string): string {
  const keys = ['2', '4', '6', '9'].map((n) => `${category}::text || ':' || left(${village}, ${n})`).concat(`${category}::text || ':' || ${village}`);
  return `o."matchKeys" && ARRAY[${keys.join(', ')}] AND ${ACTIVE_SQL}`;
}

/** An offering is offered today. */
const ACTIVE_SQL = `o.status = 'ACTIVE' AND o."activeFrom" <= CURRENT_DATE AND (o."activeTo" IS NULL OR o."activeTo" >= CURRENT_DATE)`;

/** The matchKeys a need's candidates carry: its category with each of the five prefixes of its village code. */
export function needMatchKeys(category: string, village: string): string[] {
  return [2, 4, 6, 9, 12].map((n) => `${category}:${village.slice(0, n)}`);
}

/**
 * The ranking statement (one query, CTEs). Parameters: $1 category, $2 preferred modes (text of a service_mode[]),
 * $3 village code, $4 the need's match keys (text[]), [$5 offering id when `onlyOffering`], then [score, id of the
 * cursor when `seek`], then the row limit. The keys arrive as a parameter, not from a CTE over `need`, so the
 * planner sees them and probes the GIN index on matchKeys (with CTE-derived keys it scanned all offerings).
 */
export function rankingSql(onlyOffering: boolean, seek: boolean): string {
  let n = 4;
  const only = onlyOffering ? `AND o.id = $${++n}` : '';
  const seekSql = seek ? `WHERE (r.score < $${n + 1}::numeric OR (r.score = $${n + 1}::numeric AND r.id > $${n + 2}::uuid))` : '';
  if (seek) n += 2;
  const limit = `$${n + 1}`;
  return `WITH nd AS (
         SELECT $1::service_category AS category, $2::service_mode[] AS modes, $3::text AS village, left($3::text, 6) AS county
       ), paired AS (
         SELECT cp."helperCode" AS code FROM county_pairing cp JOIN nd ON cp."helpedCode" = nd.county WHERE cp."endDate" IS NULL OR cp."endDate" >= CURRENT_DATE
         UNION
         SELECT cp."helpedCode" FROM county_pairing cp JOIN nd ON cp."helperCode" = nd.county WHERE cp."endDate" IS NULL OR cp."endDate" >= CURRENT_DATE
       ), cand AS (
         SELECT o.id, o.capacity, o."organizationId" AS org, o."expertId" AS expert, o."providerRegionCode" AS provider_region, o."regionCodes" AS served, o."servedPrefixes" AS served_prefixes,
                (cardinality(nd.modes) = 0 OR o.modes && nd.modes) AS mode_fit,
                CASE WHEN left(o."providerRegionCode", 6) = nd.county THEN 'SAME_COUNTY'
                     WHEN left(o."providerRegionCode", 6) IN (SELECT code FROM paired) THEN 'PAIRED_COUNTY'
                     WHEN left(o."providerRegionCode", 4) = left(nd.county, 4) THEN 'SAME_CITY'
                     WHEN left(o."providerRegionCode", 2) = left(nd.county, 2) THEN 'SAME_PROVINCE'
                     ELSE 'ELSEWHERE' END AS fit
           FROM service_offering o CROSS JOIN nd
          WHERE o."matchKeys" && $4::text[] AND ${ACTIVE_SQL} ${only}
       ), busy AS (
         SELECT m."offeringId" AS id, count(*)::int AS active
           FROM service_match m JOIN need n2 ON n2.id = m."needId"
          WHERE m.status = 'ACCEPTED' AND n2.status IN ('MATCHED', 'IN_SERVICE') AND m."offeringId" IN (SELECT id FROM cand)
          GROUP BY m."offeringId"
       ), scored AS (
         SELECT c.*, greatest(c.capacity - coalesce(b.active, 0), 0) AS spare, coalesce(g.points, 0) AS eval_points, coalesce(g.evaluated, 0) AS evaluated,
                (${MATCH_WEIGHTS.category}
                 + CASE WHEN c.mode_fit THEN ${MATCH_WEIGHTS.mode} ELSE 0 END
                 + CASE c.fit WHEN 'SAME_COUNTY' THEN 40 WHEN 'PAIRED_COUNTY' THEN 30 WHEN 'SAME_CITY' THEN 20 WHEN 'SAME_PROVINCE' THEN 10 ELSE 0 END
                 + round(${MATCH_WEIGHTS.capacity}.0 * greatest(c.capacity - coalesce(b.active, 0), 0) / c.capacity, 2)
                 + coalesce(g.points, 0))::numeric(6, 2) AS score
           FROM cand c LEFT JOIN busy b ON b.id = c.id
           -- The provider's past grades (provider_grade, kept by triggers on evaluation): one key probe per candidate.
           LEFT JOIN provider_grade g ON (g.kind, g."providerId") = (CASE WHEN c.org IS NOT NULL THEN 'ORGANIZATION' ELSE 'EXPERT' END, coalesce(c.org, c.expert))
       ), ranked AS (
         SELECT s.*, count(*) OVER () AS total FROM scored s
       )
       SELECT r.id, r.fit, r.mode_fit, r.capacity, r.spare, r.eval_points::text AS eval_points, r.evaluated, r.score::text AS score, r.total, r.provider_region, r.served, r.served_prefixes,
              nd.category::text AS category, nd.modes::text AS need_modes, nd.county, nd.village
         FROM ranked r CROSS JOIN nd ${seekSql}
        ORDER BY r.score DESC, r.id ASC
        LIMIT ${limit}`;
}

interface RankedRow {
  id: string;
  fit: RegionFit;
  mode_fit: boolean;
  capacity: number;
  spare: number;
  eval_points: string;
  evaluated: number;
  score: string;
  total: string;
  provider_region: string;
  served: string[];
  served_prefixes: string[];
  category: string;
  need_modes: string;
  county: string;
  village: string;
}

/** Matching (精准对接): ranks offerings for a need in one SQL query, and runs propose → accept/decline. */
export class MatchingService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly needs: NeedService,
    private readonly offerings: OfferingService,
  ) {}

  /**
   * Ranks the candidate offerings of a need (in the scope): a primary-key read of the need, then ONE ranking
   * statement. Candidates are the active offerings of the need's category serving a region that contains the
   * need's village (one GIN probe on matchKeys); each gets category 30 + mode 10 + region 0–40 + capacity 0–10 +
   * evaluation 0–10 (past grades). Keyset-paged by (score desc, id).
   */
  async candidates(scope: Scope, needId: string, page: PageArgs, onlyOffering?: string): Promise<Page<MatchCandidate>> {
    const { limit, after } = pageWindow(page);
    if (after && !(/^\d{1,4}(\.\d{1,2})?$/.test(String(after[0])) && UUID.test(after[1]))) {
      throw new GraphQLError('after is not a valid cursor of this list', { extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    }
    if (!UUID.test(needId) || scope.prefix === null) return Page.empty();
    // The need first (primary key, scope applied), so that its match keys reach the ranking as a parameter.
    const [need]: Array<{ category: string; modes: string; village: string }> = await this.ds.query(
      `SELECT n.category::text AS category, n."preferredModes"::text AS modes, n."villageCode" AS village FROM need n WHERE n.id = $1 AND n."villageCode" LIKE $2`,
      [needId, `${scope.prefix}%`],
    );
    if (!need) return Page.empty();
    const params: unknown[] = [need.category, need.modes, need.village, needMatchKeys(need.category, need.village)];
    if (onlyOffering) params.push(onlyOffering);
    if (after) params.push(String(after[0]), after[1]);
    params.push(limit + 1);
    const rows: RankedRow[] = await this.ds.query(rankingSql(!!onlyOffering, !!after), params);
    const items = rows.slice(0, limit).map((r) => toCandidate(r));
    const total = rows.length ? Number(rows[0].total) : 0;
    return new Page(items, items.map((c) => encodeCursor(c.score.toFixed(2), c.offeringId)), rows.length > limit, after !== null, async () => {
      if (rows.length || !after) return total;
      return (await this.candidates(scope, needId, { first: 1 }, onlyOffering)).totalCount;
    });
  }

  /** Coverage: OPEN needs in scope without any candidate offering (no active offering of the category serves the village). */
  async openNeedsWithoutCandidates(scope: Scope, filter: CoverageFilter | null | undefined, page: PageArgs): Promise<Page<Need>> {
    const qb = this.ds.getRepository(Need).createQueryBuilder('n');
    const s = scope.sql('n.villageCode');
    qb.where(s.where, s.params).andWhere(`n.status = 'OPEN'`);
    if (filter?.within) qb.andWhere('n.villageCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
    if (filter?.categories?.length) qb.andWhere('n.category IN (:...cats)', { cats: filter.categories });
    qb.andWhere(`NOT EXISTS (SELECT 1 FROM service_offering o WHERE ${candidateSql('n.category', 'n."villageCode"')})`);
    return paginate(qb, page, { column: 'n.createdAt', value: (n) => n.createdAt, direction: 'DESC', idColumn: 'n.id', idValue: (n) => n.id });
  }

  async byIds(principal: Principal, scope: Scope, ids: readonly string[]): Promise<Array<ServiceMatch | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: ServiceMatch[] = [];
    if (valid.length) {
      const v = visibleSql(principal, scope);
      rows = await this.ds.getRepository(ServiceMatch).createQueryBuilder('m').where('m.id IN (:...ids)', { ids: valid }).andWhere(v.where, v.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  /** Matches the caller may see: the need in scope, or proposed to the caller as provider; newest first. */
  async list(principal: Principal, scope: Scope, filter: ServiceMatchFilter | null | undefined, page: PageArgs): Promise<Page<ServiceMatch>> {
    const qb = this.ds.getRepository(ServiceMatch).createQueryBuilder('m');
    const v = visibleSql(principal, scope);
    qb.where(v.where, v.params);
    const none = '00000000-0000-0000-0000-000000000000';
    if (filter?.needId) qb.andWhere('m.needId = :fneed', { fneed: uuidOf(filter.needId, 'Need') ?? none });
    if (filter?.offeringId) qb.andWhere('m.offeringId = :foff', { foff: uuidOf(filter.offeringId, 'ServiceOffering') ?? none });
    if (filter?.status?.length) qb.andWhere('m.status IN (:...fstatus)', { fstatus: filter.status });
    if (filter?.mine) qb.andWhere('(m.organizationId = :mineOrg OR m.expertId = :mineExp)', { mineOrg: principal.organizationId ?? none, mineExp: principal.expertId ?? none });
    return paginate(qb, page, { column: 'm.createdAt', value: (m) => m.createdAt, direction: 'DESC', idColumn: 'm.id', idValue: (m) => m.id });
  }

  async propose(actor: Actor, scope: Scope, input: ProposeMatchInput): Promise<ServiceMatch> {
    if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators propose matches');
    const needId = uuidOf(input.needId, 'Need');
    const offeringId = uuidOf(input.offeringId, 'ServiceOffering');
    const [need] = needId ? await this.needs.byIds(Scope.everything, [needId]) : [null];
    if (!need) throw new DomainError(UserErrorCode.NOT_FOUND, 'No need with this ID', ['input', 'needId']);
    if (!scope.covers(need.villageCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The need is outside your region scope', ['input', 'needId']);
    if (need.status !== NeedStatus.OPEN) throw new DomainError(UserErrorCode.INVALID_STATE, `The need is ${need.status}; only OPEN needs are matched`, ['input', 'needId']);
    const offering = offeringId ? await this.offerings.findAnywhere(offeringId) : null;
    if (!offering) throw new DomainError(UserErrorCode.NOT_FOUND, 'No service offering with this ID', ['input', 'offeringId']);
    const ranked = await this.candidates(scope, need.id, { first: 1 }, offering.id);
    const candidate = ranked.items[0];
    if (!candidate) throw new DomainError(UserErrorCode.NOT_ELIGIBLE, "The offering is not a candidate for this need (category, regions served, status or active period)", ['input', 'offeringId']);
    try {
      return await this.ds.transaction(async (em) => {
        const saved = await em.save(
          em.create(ServiceMatch, {
            needId: need.id,
            offeringId: offering.id,
            regionCode: need.villageCode,
            organizationId: offering.organizationId,
            expertId: offering.expertId,
            status: MatchStatus.PROPOSED,
            score: candidate.score,
            reasons: candidate.reasons,
            proposedBy: actor.principal.subject,
            decidedBy: null,
            decidedAt: null,
            declineReason: null,
          }),
        );
        await this.audit.record(em, actor, { operation: 'proposeMatch', entityType: 'ServiceMatch', entityId: saved.id, regionCode: saved.regionCode, after: snapshot(saved, AUDITED) });
        return saved;
      });
    } catch (err) {
      const d = (err as { driverError?: { code?: string; constraint?: string } }).driverError;
      if (d?.code === '23505' && d.constraint === 'service_match_live_unique') throw new DomainError(UserErrorCode.DUPLICATE, 'This offering is already proposed for (or matched with) this need', ['input', 'offeringId']);
      throw err;
    }
  }

  /** PROPOSED → ACCEPTED; the need OPEN → MATCHED and the need's other proposals WITHDRAWN, in one transaction. */
  async accept(actor: Actor, scope: Scope, input: AcceptMatchInput): Promise<ServiceMatch> {
    return this.ds.transaction(async (em) => {
      const m = await this.lockDecidable(em, actor, scope, input.id, input.version);
      // Serialize acceptances of one offering so capacity cannot be overrun.
      const [offering] = await em.query(`SELECT capacity FROM service_offering WHERE id = $1 FOR UPDATE`, [m.offeringId]);
      const [{ active }] = await em.query(
        `SELECT count(*)::int AS active FROM service_match m JOIN need n ON n.id = m."needId" WHERE m."offeringId" = $1 AND m.status = 'ACCEPTED' AND n.status IN ('MATCHED', 'IN_SERVICE')`,
        [m.offeringId],
      );
      if (active >= offering.capacity) throw new DomainError(UserErrorCode.LIMIT_EXCEEDED, `The offering has no spare capacity (${active} of ${offering.capacity} engagements in progress)`, ['input', 'id']);
      await this.needs.markMatched(em, actor, m.needId);
      const before = snapshot(m, AUDITED);
      m.status = MatchStatus.ACCEPTED;
      m.decidedBy = actor.principal.subject;
      m.decidedAt = new Date();
      const saved = await em.save(m);
      await this.audit.record(em, actor, { operation: 'acceptMatch', entityType: 'ServiceMatch', entityId: m.id, regionCode: m.regionCode, before: { status: before.status }, after: { status: saved.status, decidedBy: saved.decidedBy } });
      // TypeORM answers an UPDATE … RETURNING with [rows, rowCount].
      const [withdrawn]: [Array<{ id: string }>, number] = await em.query(
        `UPDATE service_match SET status = 'WITHDRAWN', "decidedBy" = $3, "decidedAt" = now(), version = version + 1, "updatedAt" = now()
          WHERE "needId" = $1 AND id <> $2 AND status = 'PROPOSED' RETURNING id`,
        [m.needId, m.id, actor.principal.subject],
      );
      for (const w of withdrawn) {
        await this.audit.record(em, actor, { operation: 'acceptMatch', entityType: 'ServiceMatch', entityId: w.id, regionCode: m.regionCode, before: { status: MatchStatus.PROPOSED }, after: { status: MatchStatus.WITHDRAWN } });
      }
      return saved;
    });
  }

  /** PROPOSED → DECLINED with a reason (the need stays OPEN). */
  async decline(actor: Actor, scope: Scope, input: DeclineMatchInput): Promise<ServiceMatch> {
    return this.ds.transaction(async (em) => {
      const m = await this.lockDecidable(em, actor, scope, input.id, input.version);
      m.status = MatchStatus.DECLINED;
      m.decidedBy = actor.principal.subject;
      m.decidedAt = new Date();
      m.declineReason = input.reason.trim();
      const saved = await em.save(m);
      await this.audit.record(em, actor, { operation: 'declineMatch', entityType: 'ServiceMatch', entityId: m.id, regionCode: m.regionCode, before: { status: MatchStatus.PROPOSED }, after: { status: saved.status, declineReason: saved.declineReason } });
      return saved;
    });
  }

  /** Locks a match the actor may decide on: the provider it was proposed to, or a coordinator covering the need; must be PROPOSED. */
  private async lockDecidable(em: EntityManager, actor: Actor, scope: Scope, globalId: string, version: number | null | undefined): Promise<ServiceMatch> {
    const id = uuidOf(globalId, 'ServiceMatch');
    const m = id ? await em.findOne(ServiceMatch, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!m) throw new DomainError(UserErrorCode.NOT_FOUND, 'No match with this ID', ['input', 'id']);
    const p = actor.principal;
    const provider = (m.organizationId && hasRole(p, Role.ORGANIZATION_MANAGER) && p.organizationId === m.organizationId) || (m.expertId && hasRole(p, Role.EXPERT) && p.expertId === m.expertId);
    const coordinator = hasRole(p, ...COORDINATORS) && scope.covers(m.regionCode);
    if (!provider && !coordinator) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only the provider it was proposed to, or a coordinator whose scope covers the need, decides on a match', ['input', 'id']);
    if (m.status !== MatchStatus.PROPOSED) throw new DomainError(UserErrorCode.INVALID_STATE, `The match is ${m.status}; only PROPOSED matches can be accepted or declined`, ['input', 'id']);
    if (version != null && m.version !== version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Match is at version ${m.version}, you sent ${version}`, ['input', 'version']);
    return m;
  }
}


/** Matches visible to a principal: need in scope, or proposed to its organization / expert self. */
function visibleSql(principal: Principal, scope: Scope): { where: string; params: Record<string, string> } {
  const s = scope.sql('m.regionCode', 'matchScope');
  const none = '00000000-0000-0000-0000-000000000000';
  return {
    where: `(${s.where} OR m.organizationId = :visOrg OR m.expertId = :visExp)`,
    params: { ...s.params, visOrg: principal.organizationId && UUID.test(principal.organizationId) ? principal.organizationId : none, visExp: principal.expertId && UUID.test(principal.expertId) ? principal.expertId : none },
  };
}

const FIT_TEXT: Record<RegionFit, (provider: string, county: string) => string> = {
  SAME_COUNTY: (p, c) => `Provider (${p}) is in the need's county ${c} (同县)`,
  PAIRED_COUNTY: (p, c) => `Provider's county ${p.slice(0, 6)} is paired with the need's county ${c} (县域结对帮扶)`,
  SAME_CITY: (p, c) => `Provider (${p}) is in the same city ${c.slice(0, 4)}00 as the need (同市)`,
  SAME_PROVINCE: (p, c) => `Provider (${p}) is in the same province ${c.slice(0, 2)}0000 as the need (同省)`,
  ELSEWHERE: (p) => `Provider (${p}) is in another province (外省)`,
};

function parseArray(text: string): string[] {
  return text.replace(/[{}]/g, '').split(',').filter(Boolean);
}

function toCandidate(r: RankedRow): MatchCandidate {
  const needModes = parseArray(r.need_modes);
  const servedIdx = r.served_prefixes.findIndex((p) => r.village.startsWith(p));
  const servedVia = servedIdx >= 0 ? r.served[servedIdx] : r.served[0];
  const capPoints = Math.round((MATCH_WEIGHTS.capacity * r.spare * 100) / r.capacity) / 100;
  const reasons: MatchReason[] = [
    { kind: MatchReasonKind.CATEGORY, points: MATCH_WEIGHTS.category, text: `Offers the need's category ${r.category} and serves its village through region ${servedVia} (类别相符)` },
    {
      kind: MatchReasonKind.SERVICE_MODE,
      points: r.mode_fit ? MATCH_WEIGHTS.mode : 0,
      text: !needModes.length ? 'No preferred service mode stated; any mode fits' : r.mode_fit ? `Offers a preferred service mode (${needModes.join(', ')})` : `Offers none of the preferred service modes (${needModes.join(', ')})`,
    },
    { kind: MatchReasonKind.REGION, points: MATCH_WEIGHTS.region[r.fit], text: FIT_TEXT[r.fit](r.provider_region, r.county) },
    { kind: MatchReasonKind.CAPACITY, points: capPoints, text: `Spare capacity ${r.spare} of ${r.capacity} (剩余服务能力)` },
    {
      kind: MatchReasonKind.EVALUATION,
      points: Number(r.eval_points),
      text: r.evaluated
        ? `Average latest grade of ${r.evaluated} evaluated agreement(s) of the provider: ${Number(r.eval_points)} of ${MATCH_WEIGHTS.evaluation} (EXCELLENT 10, GOOD 7, PASS 4, FAIL 0; 往期评估)`
        : 'No submitted or reviewed evaluation of the provider’s agreements yet (暂无评估); 0 points',
    },
  ];
  return { offeringId: r.id, offering: undefined as never, score: Number(r.score), regionFit: r.fit, spareCapacity: r.spare, reasons };
}
