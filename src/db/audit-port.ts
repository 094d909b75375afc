import type { EntityManager } from 'typeorm';
import type { Actor } from '../graphql/principal';

/** One change to record in the audit trail (审计). */
export interface AuditRecord {
  /** Mutation or operation name, e.g. `updateOrganization`. */
  operation: string;
  entityType: string;
  entityId: string;
  /** Region the entity belongs to (for scoped reading of the trail). */
  regionCode?: string | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** How services write audit events: inside the caller's transaction, through this interface only. */
export interface AuditPort {
  record(em: EntityManager, actor: Actor, record: AuditRecord): Promise<void>;
}

/** Plain object of the listed fields, for before/after snapshots. */
export function snapshot<T extends object>(entity: T, fields: Array<keyof T>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = entity[f];
    out[f as string] = v instanceof Date ? v.toISOString() : (v ?? null);
  }
  return out;
}

/** Only the fields whose value differs between two snapshots (both sides). */
export function changed(before: Record<string, unknown>, after: Record<string, unknown>): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) {
      b[k] = before[k] ?? null;
      a[k] = after[k] ?? null;
    }
  }
  return { before: b, after: a };
}
