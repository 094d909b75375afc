import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per provider (an organization or an expert), the average grade points of the latest SUBMITTED or REVIEWED
 * evaluation of each agreement it took part in (EXCELLENT 10, GOOD 7, PASS 4, FAIL 0) and how many there are: the
 * evaluation component of matching, read by primary key instead of walking every candidate's agreements and their
 * evaluations per request. Maintained by statement-level triggers on `evaluation` (migration ProviderGrade) under a
 * per-provider lock, so concurrent reviews cannot leave a stale average; nothing else writes it. An agreement's
 * providers are fixed before it can be evaluated (they change only in DRAFT or RETURNED).
 */
@Entity('provider_grade')
export class ProviderGrade {
  /** ORGANIZATION or EXPERT. */
  @PrimaryColumn({ type: 'varchar', length: 12 })
  kind: string;

  /** The organization's or expert's id. */
  @PrimaryColumn({ type: 'uuid' })
  providerId: string;

  /** Average points, 0–10. */
  @Column({ type: 'numeric', precision: 4, scale: 2 })
  points: string;

  /** Evaluated agreements counted. */
  @Column({ type: 'integer' })
  evaluated: number;
}
