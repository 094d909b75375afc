import { GraphQLError } from 'graphql';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditPort } from '../../db/audit-port';
import { changed, snapshot } from '../../db/audit-port';
import { encodeCursor, Page, paginate, pageWindow, type PageArgs } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role, type Actor } from '../../graphql/principal';
import { regionPrefix, type Scope } from '../../graphql/scope';
import { DomainError, UserErrorCode } from '../../graphql/user-error';
import type { BeneficiaryService } from '../beneficiaries/beneficiary.service';
import { Need, NeedStatus, NeedTarget } from './need.entity';
import { NeedOrderField, type CreateNeedInput, type NeedCount, type NeedCountFilter, type NeedFilter, type NeedOrder, type TransitionNeedInput } from './need.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUDITED: Array<keyof Need> = ['target', 'villageCode', 'householdId', 'category', 'description', 'urgency', 'preferredModes', 'status', 'closeReason', 'surveyedBy', 'surveyedAt'];

/**
 * The need state machine (需求状态): which status may follow which through `transitionNeed`. OPEN → MATCHED is
 * not here on purpose: only accepting a match (matching module, same transaction) makes a need MATCHED.
 */
export const NEED_TRANSITIONS: Readonly<Record<NeedStatus, readonly NeedStatus[]>> = {
  [NeedStatus.OPEN]: [NeedStatus.CLOSED],
  [NeedStatus.MATCHED]: [NeedStatus.IN_SERVICE, NeedStatus.CLOSED],
  [NeedStatus.IN_SERVICE]: [NeedStatus.FULFILLED, NeedStatus.CLOSED],
  [NeedStatus.FULFILLED]: [],
  [NeedStatus.CLOSED]: [],
};

/** Needs (需求) of poor villages and households: surveyed, listed within scope, moved through their states. */
export class NeedService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditPort,
    private readonly beneficiaries: BeneficiaryService,
  ) {}

  async byIds(scope: Scope, ids: readonly string[]): Promise<Array<Need | null>> {
    const valid = ids.filter((id) => UUID.test(id));
    let rows: Need[] = [];
    if (valid.length) {
      const s = scope.sql('n.villageCode');
      rows = await this.ds.getRepository(Need).createQueryBuilder('n').where('n.id IN (:...ids)', { ids: valid }).andWhere(s.where, s.params).getMany();
    }
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  }

  async list(scope: Scope, filter: NeedFilter | null | undefined, order: NeedOrder | null | undefined, page: PageArgs): Promise<Page<Need>> {
    const qb = this.ds.getRepository(Need).createQueryBuilder('n');
    const s = scope.sql('n.villageCode');
    qb.where(s.where, s.params);
    if (filter?.within) qb.andWhere('n.villageCode LIKE :within', { within: `${regionPrefix(filter.within)}%` });
    if (filter?.categories?.length) qb.andWhere('n.category IN (:...cats)', { cats: filter.categories });
    if (filter?.status?.length) qb.andWhere('n.status IN (:...statuses)', { statuses: filter.status });
    if (filter?.urgency?.length) qb.andWhere('n.urgency IN (:...urgencies)', { urgencies: filter.urgency });
    if (filter?.createdBefore) qb.andWhere('n.createdAt < :cb', { cb: filter.createdBefore });
    if (filter?.createdAfter) qb.andWhere('n.createdAt >= :ca', { ca: filter.createdAfter });
    if (filter?.householdId) qb.andWhere('n.householdId = :hid', { hid: uuidOf(filter.householdId, 'Household') ?? '00000000-0000-0000-0000-000000000000' });
    const prop = order?.field === NeedOrderField.UPDATED_AT ? 'updatedAt' : 'createdAt';
    return paginate(qb, page, { column: `n.${prop}`, value: (n) => n[prop], direction: order?.direction ?? 'DESC', idColumn: 'n.id', idValue: (n) => n.id });
  }

  async create(actor: Actor, scope: Scope, input: CreateNeedInput): Promise<Need> {
    const p = actor.principal;
    if (!hasRole(p, ...COORDINATORS, Role.EXPERT)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Needs are surveyed by coordinators and experts');
    if (!!input.villageCode === !!input.householdId) throw new DomainError(UserErrorCode.VALIDATION, 'Give exactly one of villageCode and householdId', ['input', input.villageCode ? 'householdId' : 'villageCode']);
    let villageCode: string;
    let householdId: string | null = null;
    if (input.householdId) {
      const key = uuidOf(input.householdId, 'Household');
      const h = key ? await this.beneficiaries.householdAnywhere(key) : null;
      if (!h) throw new DomainError(UserErrorCode.NOT_FOUND, 'No household with this ID', ['input', 'householdId']);
      if (!scope.covers(h.villageCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The household is outside your region scope', ['input', 'householdId']);
      villageCode = h.villageCode;
      householdId = h.id;
    } else {
      const code = input.villageCode as string;
      if (!scope.covers(code)) throw new DomainError(UserErrorCode.FORBIDDEN, `Village ${code} is outside your region scope`, ['input', 'villageCode']);
      const v = await this.beneficiaries.villageAnywhere(code);
      if (!v) throw new DomainError(UserErrorCode.NOT_ELIGIBLE, `Village ${code} is not a registered poor village (建档立卡贫困村)`, ['input', 'villageCode']);
      villageCode = code;
    }
    return this.ds.transaction(async (em) => {
      const saved = await em.save(
        em.create(Need, {
          target: householdId ? NeedTarget.HOUSEHOLD : NeedTarget.VILLAGE,
          villageCode,
          householdId,
          category: input.category,
          description: input.description.trim(),
          urgency: input.urgency,
          preferredModes: [...new Set(input.preferredModes ?? [])],
          status: NeedStatus.OPEN,
          closeReason: null,
          surveyedBy: p.subject,
          surveyedAt: input.surveyedAt ?? new Date(),
          statusChangedAt: new Date(),
        }),
      );
      await this.audit.record(em, actor, { operation: 'createNeed', entityType: 'Need', entityId: saved.id, regionCode: villageCode, after: snapshot(saved, AUDITED) });
      return saved;
    });
  }

  async transition(actor: Actor, scope: Scope, input: TransitionNeedInput): Promise<Need> {
    if (!hasRole(actor.principal, ...COORDINATORS)) throw new DomainError(UserErrorCode.FORBIDDEN, 'Only association coordinators move needs through their states');
    const id = uuidOf(input.id, 'Need');
    if (!id) throw new DomainError(UserErrorCode.NOT_FOUND, 'No need with this ID', ['input', 'id']);
    return this.ds.transaction(async (em) => {
      const need = await this.lockInScope(em, scope, id);
      if (need.version !== input.version) throw new DomainError(UserErrorCode.VERSION_CONFLICT, `Need is at version ${need.version}, you sent ${input.version}`, ['input', 'version']);
      if (!NEED_TRANSITIONS[need.status].includes(input.to)) {
        const allowed = NEED_TRANSITIONS[need.status];
        const hint = input.to === NeedStatus.MATCHED && need.status === NeedStatus.OPEN ? '; a need becomes MATCHED when a provider accepts a match' : '';
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          `The need is ${need.status}; it cannot move to ${input.to} (allowed: ${allowed.length ? allowed.join(', ') : 'none, it is final'})${hint}`,
          ['input', 'to'],
        );
      }
      if (input.to === NeedStatus.CLOSED && !input.reason?.trim()) throw new DomainError(UserErrorCode.VALIDATION, 'Closing a need requires a reason (关闭原因)', ['input', 'reason']);
      return this.apply(em, actor, need, input.to, input.to === NeedStatus.CLOSED ? (input.reason as string).trim() : null, 'transitionNeed');
    });
  }

  /** OPEN → MATCHED inside the caller's transaction (accepting a match); INVALID_STATE when the need is not OPEN. */
  async markMatched(em: EntityManager, actor: Actor, needId: string): Promise<Need> {
    const need = await em.findOne(Need, { where: { id: needId }, lock: { mode: 'pessimistic_write' } });
    if (!need) throw new DomainError(UserErrorCode.NOT_FOUND, 'The need no longer exists');
    if (need.status !== NeedStatus.OPEN) throw new DomainError(UserErrorCode.INVALID_STATE, `The need is ${need.status}; only an OPEN need can be matched`, ['input', 'id']);
    return this.apply(em, actor, need, NeedStatus.MATCHED, null, 'acceptMatch');
  }

  /** Need counts per county (code prefix of 6) and category, in scope, keyset-paged by (county, category). */
  async counts(scope: Scope, filter: NeedCountFilter | null | undefined, page: PageArgs): Promise<Page<NeedCount>> {
    const { limit, after } = pageWindow(page);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (scope.prefix === null) where.push('FALSE');
    else if (scope.prefix) add(`n."villageCode" LIKE ?`, `${scope.prefix}%`);
    if (filter?.within) add(`n."villageCode" LIKE ?`, `${regionPrefix(filter.within)}%`);
    if (filter?.categories?.length) add(`n.category::text = ANY(?)`, filter.categories);
    if (filter?.createdAfter) add(`n."createdAt" >= ?`, filter.createdAfter);
    if (filter?.createdBefore) add(`n."createdAt" < ?`, filter.createdBefore);
    const base = `FROM need n ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY left(n."villageCode", 6), n.category`;
    const countParams = [...params];
    let having = '';
    if (after) {
      const [county, category] = String(after[0]).split(':');
      if (!/^\d{6}$/.test(county ?? '') || !/^[A-Z_]{1,40}$/.test(category ?? '')) {
        throw new GraphQLError('after is not a valid cursor of this list', { extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
      }
      params.push(county, category);
      having = `HAVING (left(n."villageCode", 6), n.category::text) > ($${params.length - 1}, $${params.length})`;
    }
    params.push(limit + 1);
    const rows: NeedCount[] = limit === 0 ? [] : await this.ds.query(
      `SELECT left(n."villageCode", 6) AS "countyCode", n.category::text AS category, count(*)::int AS total,
              count(*) FILTER (WHERE n.status = 'OPEN')::int AS open, count(*) FILTER (WHERE n.status = 'MATCHED')::int AS matched,
              count(*) FILTER (WHERE n.status = 'IN_SERVICE')::int AS "inService", count(*) FILTER (WHERE n.status = 'FULFILLED')::int AS fulfilled,
              count(*) FILTER (WHERE n.status = 'CLOSED')::int AS closed
       ${base} ${having} ORDER BY 1, 2 LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit);
    const key = (r: NeedCount) => `${r.countyCode}:${r.category}`;
    return new Page(items, items.map((r) => encodeCursor(key(r), key(r))), rows.length > limit, after !== null, async () => {
      const [{ n }] = await this.ds.query(`SELECT count(*)::int AS n FROM (SELECT 1 ${base}) g`, countParams);
      return n;
    });
  }

  private async lockInScope(em: EntityManager, scope: Scope, id: string): Promise<Need> {
    const need = await em.findOne(Need, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!need) throw new DomainError(UserErrorCode.NOT_FOUND, 'No need with this ID', ['input', 'id']);
    if (!scope.covers(need.villageCode)) throw new DomainError(UserErrorCode.FORBIDDEN, 'The need is outside your region scope', ['input', 'id']);
    return need;
  }

  private async apply(em: EntityManager, actor: Actor, need: Need, to: NeedStatus, reason: string | null, operation: string): Promise<Need> {
    const before = snapshot(need, AUDITED);
    need.status = to;
    need.closeReason = reason;
    need.statusChangedAt = new Date();
    const saved = await em.save(need);
    await this.audit.record(em, actor, { operation, entityType: 'Need', entityId: need.id, regionCode: need.villageCode, ...changed(before, snapshot(saved, AUDITED)) });
    return saved;
  }
}
