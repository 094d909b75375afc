import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Expert } from '../experts/expert.entity';
import { Organization, RegistryStatus } from '../organizations/organization.entity';
import { ServiceCategory } from '../organizations/service-category';
import { ServiceMode } from '../organizations/service-mode';

/** A service offering (科技服务): what an organization or an expert can provide, where, and how many at once. */
@ObjectType({ implements: Node, description: 'A service offering (科技服务) of an S&T organization or an expert: categories, modes, regions served, capacity, active period' })
@Entity('service_offering')
@Check('service_offering_one_provider', `("organizationId" IS NULL) <> ("expertId" IS NULL)`)
@Index('service_offering_org_idx', ['organizationId'])
@Index('service_offering_expert_idx', ['expertId'])
@Index('service_offering_provider_region_idx', ['providerRegionCode', 'id'])
// GIN indexes on categories and servedPrefixes (matching: `categories @> ARRAY[category] AND servedPrefixes && ARRAY[prefixes]`); created by hand in the migration.
@Index('service_offering_categories_gin', { synchronize: false })
@Index('service_offering_served_gin', { synchronize: false })
// GIN index on matchKeys: one probe returns exactly the candidates of a need (created by hand in the migration).
@Index('service_offering_match_keys_gin', { synchronize: false })
export class ServiceOffering {
  get nodeType(): string {
    return 'ServiceOffering';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('ServiceOffering', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', nullable: true })
  organizationId: string | null;

  @ManyToOne(() => Organization, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Relation<Organization> | null;

  @Column({ type: 'uuid', nullable: true })
  expertId: string | null;

  @ManyToOne(() => Expert, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'expertId' })
  expert?: Relation<Expert> | null;

  @Field({ description: "Region code of the provider (the organization's or expert's region); coordinators whose scope covers it manage the offering" })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  providerRegionCode: string;

  @Field({ description: 'Short title (服务名称), e.g. 茶叶病虫害绿色防控现场指导' })
  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Field(() => String, { nullable: true, description: 'Details (服务内容)' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => [ServiceCategory], { description: 'Service categories offered (服务类别)' })
  @Column({ type: 'enum', enum: ServiceCategory, enumName: 'service_category', array: true })
  categories: ServiceCategory[];

  @Field(() => [ServiceMode], { description: 'Service modes offered (服务方式)' })
  @Column({ type: 'enum', enum: ServiceMode, enumName: 'service_mode', array: true })
  modes: ServiceMode[];

  @Field(() => [String], { description: 'Codes of the regions served (服务地区); the offering serves their whole subtrees' })
  @Column({ type: 'text', array: true })
  regionCodes: string[];

  /** Code prefixes of regionCodes (340000 → 34), kept beside them so matching and scope compare prefixes in SQL. */
  @Column({ type: 'text', array: true })
  servedPrefixes: string[];

  /**
   * Every `CATEGORY:prefix` pair of categories × servedPrefixes (e.g. `PLANTING:3415`), kept by the service. A need
   * of category C in village V is served exactly by the offerings whose matchKeys overlap C:prefix for the five
   * prefixes of V, which one GIN probe answers.
   */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  matchKeys: string[];

  @Field(() => Int, { description: 'Capacity (服务能力): how many accepted engagements it can serve at the same time' })
  @Column({ type: 'int' })
  capacity: number;

  @Field({ description: 'First day it is offered (YYYY-MM-DD)' })
  @Column({ type: 'date' })
  activeFrom: string;

  @Field(() => String, { nullable: true, description: 'Last day it is offered (YYYY-MM-DD); null = open-ended' })
  @Column({ type: 'date', nullable: true })
  activeTo: string | null;

  @Field(() => RegistryStatus, { description: 'Active or archived (状态)' })
  @Column({ type: 'enum', enum: RegistryStatus, enumName: 'registry_status', default: RegistryStatus.ACTIVE })
  status: RegistryStatus;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when updating' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
