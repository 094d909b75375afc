import type { DataSource, EntityManager } from 'typeorm';
import type { AuditPort, AuditRecord } from '../../db/audit-port';
import type { Actor } from '../../graphql/principal';
import { AuditEvent } from './audit-event.entity';

/** Writes audit events inside the caller's transaction (implements AuditPort for every other module). */
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
}
