import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per-village aggregate of the household table (户数、人数、掌握技术、参与增收项目), maintained by statement-level
 * triggers on `household` (migration TargetsActivitiesStatistics) so statistics never count a million households
 * per request. Declared as an entity so `migration:generate` knows the table; nothing writes it but the triggers.
 */
@Entity('household_village_stats')
export class HouseholdVillageStats {
  @PrimaryColumn({ type: 'varchar', length: 12, collation: 'C' })
  villageCode: string;

  /** Registered households of the village. */
  @Column({ type: 'integer', default: 0 })
  households: number;

  /** Their members (sum of size). */
  @Column({ type: 'integer', default: 0 })
  people: number;

  /** Households with at least one member able to work. */
  @Column({ type: 'integer', default: 0 })
  withLabour: number;

  /** Households with labour that master at least one practical technique. */
  @Column({ type: 'integer', default: 0 })
  withLabourAndTechnique: number;

  /** Households that joined at least one income project. */
  @Column({ type: 'integer', default: 0 })
  withIncomeProject: number;

  /** Households that master a technique or joined an income project (helped). */
  @Column({ type: 'integer', default: 0 })
  helpedHouseholds: number;

  /** Members of the helped households. */
  @Column({ type: 'integer', default: 0 })
  helpedPeople: number;
}
