import type { DataSource, EntityManager } from 'typeorm';
import type { AuditPort, AuditRecord } from '../../db/audit-port';
import { paginate, type Page, type PageArgs } from '../../graphql/connection';
import { fromGlobalId } from '../../graphql/node';
import type { Actor } from '../../graphql/principal';
import type { Scope } from '../../graphql/scope';
import { AuditEvent } from './audit-event.entity';
import type { AuditEventFilter } from './audit.types';

/**
 * Writes audit events inside the caller's transaction (implements AuditPort for every other module) and reads
 * the trail within a region scope. Events are append-only: the database refuses UPDATE, DELETE and TRUNCATE.
 */
export class AuditService implements AuditPort {
  constructor(private readonly ds: DataSource) {}

  async record(em: EntityManager, actor: Actor, r: AuditRecord): Promise<void> {
    await em.insert(AuditEvent, {
      operation: r.operation,
      entityType: r.entityType,
      entityId: r.entityId,
      regionCode: r.regionCode ?? null,
      actorSubject: actor.principal.subject,
      apiKeyId: actor.principal.apiKeyId ?? null,
      requestId: actor.requestId,
      before: (r.before ?? null) as never,
      after: (r.after ?? null) as never,
    });
  }

  get dataSource(): DataSource {
    return this.ds;
  }

  /** Events in the scope (events without a region only for national scope), filtered, by sequence. */
  async list(scope: Scope, filter: AuditEventFilter | null | undefined, direction: 'ASC' | 'DESC', page: PageArgs): Promise<Page<AuditEvent>> {
    const qb = this.scoped(scope);
    if (filter?.entityType) qb.andWhere('e.entityType = :entityType', { entityType: filter.entityType });
    if (filter?.entityId) {
      const g = fromGlobalId(filter.entityId);
      // A global ID names type and key; anything else is taken as the raw key.
      if (g && /^[A-Z][A-Za-z]+$/.test(g.type)) qb.andWhere('e.entityType = :gType AND e.entityId = :gKey', { gType: g.type, gKey: g.key });
      else qb.andWhere('e.entityId = :entityId', { entityId: filter.entityId });
    }
    if (filter?.actor) qb.andWhere('e.actorSubject = :actor', { actor: filter.actor });
    if (filter?.operation) qb.andWhere('e.operation = :operation', { operation: filter.operation });
    if (filter?.from) qb.andWhere('e.at >= :from', { from: filter.from });
    if (filter?.to) qb.andWhere('e.at < :to', { to: filter.to });
    return paginate(qb, page, { column: 'e.seq', value: (e) => e.seq, direction, idColumn: 'e.seq', idValue: (e) => e.seq });
  }

  /** Events by sequence number, null where unknown or outside the scope (for `node`). */
  async bySeqs(scope: Scope, seqs: readonly string[]): Promise<Array<AuditEvent | null>> {
    const valid = seqs.filter((s) => /^\d{1,18}$/.test(s));
    if (!valid.length) return seqs.map(() => null);
    const rows = await this.scoped(scope).andWhere('e.seq IN (:...seqs)', { seqs: valid }).getMany();
    const map = new Map(rows.map((r) => [String(r.seq), r]));
    return seqs.map((s) => map.get(s) ?? null);
  }

  private scoped(scope: Scope) {
    const qb = this.ds.getRepository(AuditEvent).createQueryBuilder('e');
    const s = scope.sql('e.regionCode');
    return qb.where(s.where, s.params);
  }
}
