import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Region } from '../regions/region.entity';
import { Organization, RegistryStatus } from '../organizations/organization.entity';
import { ServiceCategory } from '../organizations/service-category';

/** Where an expert stands on the roster (专家名册). */
export enum ExpertRosterStatus {
  DRAFT = 'DRAFT',
  FILED = 'FILED',
  REGISTERED = 'REGISTERED',
}
registerEnumType(ExpertRosterStatus, {
  name: 'ExpertRosterStatus',
  description: 'Roster status of an expert (专家名册状态): entered, filed with the next-higher association (报上一级科协备案), registered',
  valuesConfig: {
    DRAFT: { description: 'Entered by the association, not yet filed (未备案)' },
    FILED: { description: 'Filed with the next-higher association (已报备案), awaiting its registration' },
    REGISTERED: { description: 'Registered by the next-higher association (已备案入册)' },
  },
});

/** An S&T expert (科技专家) who takes part in the programme, with their roster (名册) filing. */
@ObjectType({ implements: Node, description: 'An S&T expert (科技专家) taking part in the programme, with their roster (名册) filing' })
@Entity('expert')
@Index('expert_region_idx', ['regionCode', 'id'])
@Index('expert_employer_idx', ['employerId', 'name'])
@Index('expert_roster_idx', ['rosterStatus', 'regionCode'])
@Index('expert_external_ref_unique', ['externalRef'], { unique: true })
// GIN pg_trgm index on name for `nameContains` (ILIKE); created by hand in the migration, which TypeORM cannot express.
@Index('expert_name_trgm_idx', { synchronize: false })
export class Expert {
  get nodeType(): string {
    return 'Expert';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Expert', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => String, { nullable: true, description: 'Reference of the expert in the system that imports them (外部编号), unique; the key of importExperts' })
  @Column({ type: 'varchar', length: 64, nullable: true })
  externalRef: string | null;

  @Field({ description: 'Full name (姓名)' })
  @Column({ type: 'varchar', length: 50 })
  name: string;

  @Field(() => String, { nullable: true, description: 'Professional title (职称), e.g. 研究员, 高级农艺师' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  title: string | null;

  /** Plain key beside the relation so loaders need no join. */
  @Column({ type: 'uuid', nullable: true })
  employerId: string | null;

  @ManyToOne(() => Organization, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'employerId' })
  employer?: Relation<Organization> | null;

  @Field({ description: 'Code of the home region (所在地区) whose association enters the expert on its roster' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'regionCode' })
  region?: Relation<Region>;

  @Field(() => [ServiceCategory], { description: 'Specialties (专业领域), as service categories' })
  @Column({ type: 'enum', enum: ServiceCategory, enumName: 'service_category', array: true })
  specialties: ServiceCategory[];

  @Field(() => String, { nullable: true, description: 'Free-text note on the specialty (专业特长), e.g. 茶叶栽培与加工' })
  @Column({ type: 'text', nullable: true })
  specialtyNote: string | null;

  @Field(() => [String], { description: 'Codes of the regions the expert serves (服务地区), at most 50' })
  @Column({ type: 'text', array: true })
  serviceRegionCodes: string[];

  // Personal data: exposed only through the field resolvers in expert.resolver.ts (masking hook).
  @Column({ type: 'varchar', length: 20 })
  contactPhone: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  email: string | null;

  @Field(() => ExpertRosterStatus, { description: 'Roster status (名册状态)' })
  @Column({ type: 'enum', enum: ExpertRosterStatus, enumName: 'expert_roster_status', default: ExpertRosterStatus.DRAFT })
  rosterStatus: ExpertRosterStatus;

  @Field(() => String, { nullable: true, description: 'Subject of the principal who filed the roster entry (备案人)' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  rosterFiledBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When the roster entry was filed (备案时间, UTC)' })
  @Column({ type: 'timestamptz', nullable: true })
  rosterFiledAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Region code of the next-higher association it was filed with (备案科协); 000000 = 中国科协' })
  @Column({ type: 'varchar', length: 12, collation: 'C', nullable: true })
  rosterFiledWithCode: string | null;

  @Field(() => String, { nullable: true, description: 'Subject of the principal who registered the entry (登记人)' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  rosterRegisteredBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When the next-higher association registered the entry (登记时间, UTC)' })
  @Column({ type: 'timestamptz', nullable: true })
  rosterRegisteredAt: Date | null;

  @Field(() => RegistryStatus, { description: 'Active or archived (状态)' })
  @Column({ type: 'enum', enum: RegistryStatus, enumName: 'registry_status', default: RegistryStatus.ACTIVE })
  status: RegistryStatus;

  @Field(() => Date, { nullable: true, description: 'When it was archived (归档时间, UTC)' })
  @Column({ type: 'timestamptz', nullable: true })
  archivedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was archived (归档原因)' })
  @Column({ type: 'varchar', length: 500, nullable: true })
  archiveReason: string | null;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when updating' })
  @VersionColumn({ default: 1 })
  version: number;

  // Millisecond precision so keyset cursors (ISO strings) compare exactly.
  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
