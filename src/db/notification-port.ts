import type { EntityManager } from 'typeorm';
import type { Actor } from '../graphql/principal';

/** One durable event for subscribers and offline coordinators (a notification row, the outbox). */
export interface NotificationRecord {
  /** Event type, e.g. FILED, REVIEW_APPROVED, RETURNED, SUBMITTED, REGISTERED. */
  type: string;
  agreementId: string;
  /** Region of the agreement (its beneficiaries' county-or-lower code). */
  regionCode: string;
  /** The level whose coordinators must act next (COUNTY, CITY, PROVINCE, NATIONAL, FILER). */
  targetLevel: string;
  /** Region code of that level's association (000000 = national). */
  targetRegionCode: string;
  /** Agreement state after the event. */
  status: string;
  reason?: string | null;
}

/**
 * How services emit notifications: `record` inside the caller's transaction (so a rolled-back change is never
 * announced), `afterCommit` once it has committed (assigns commit-ordered cursors and wakes subscribers).
 */
export interface NotificationPort {
  record(em: EntityManager, actor: Actor, record: NotificationRecord): Promise<void>;
  afterCommit(): Promise<void>;
}
