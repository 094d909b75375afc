import { Field, ID, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { MaskPersonalData } from '../../graphql/masking';
import { Region, RegionLevel } from '../regions/region.entity';
import { ServiceCategory } from './service-category';

/** Kind of S&T organization (科技组织类型), as the programme documents list them. */
export enum OrganizationType {
  SOCIETY = 'SOCIETY',
  RURAL_TECH_ASSOCIATION = 'RURAL_TECH_ASSOCIATION',
  TOWNSHIP_TECH_FEDERATION = 'TOWNSHIP_TECH_FEDERATION',
  SCIENCE_DEMONSTRATION_BASE = 'SCIENCE_DEMONSTRATION_BASE',
  FARMER_COOPERATIVE = 'FARMER_COOPERATIVE',
  AGRICULTURAL_EXTENSION_STATION = 'AGRICULTURAL_EXTENSION_STATION',
  EXPERT_SERVICE_STATION = 'EXPERT_SERVICE_STATION',
  UNIVERSITY = 'UNIVERSITY',
  RESEARCH_INSTITUTE = 'RESEARCH_INSTITUTE',
  TECH_ENTERPRISE = 'TECH_ENTERPRISE',
  LEADING_ENTERPRISE = 'LEADING_ENTERPRISE',
  FAMILY_FARM = 'FAMILY_FARM',
  LARGE_GROWER = 'LARGE_GROWER',
}
registerEnumType(OrganizationType, {
  name: 'OrganizationType',
  description: 'Kind of S&T organization (科技组织类型)',
  valuesConfig: {
    SOCIETY: { description: 'Learned society, association or research society (学会/协会/研究会); has a discipline' },
    RURAL_TECH_ASSOCIATION: { description: 'Rural professional technical association (农村专业技术协会, 农技协)' },
    TOWNSHIP_TECH_FEDERATION: { description: 'Township federation of rural technical associations (乡镇农技协联合会/联合体)' },
    SCIENCE_DEMONSTRATION_BASE: { description: 'Rural science popularization demonstration base (农村科普示范基地)' },
    FARMER_COOPERATIVE: { description: 'Farmer specialized cooperative (农民专业合作社)' },
    AGRICULTURAL_EXTENSION_STATION: { description: 'Agricultural technology extension station (农技推广站)' },
    EXPERT_SERVICE_STATION: { description: 'Agricultural expert service station (农技专家服务站)' },
    UNIVERSITY: { description: 'University or college (高等院校)' },
    RESEARCH_INSTITUTE: { description: 'Research institute (科研院所)' },
    TECH_ENTERPRISE: { description: 'Technology enterprise (科技型企业)' },
    LEADING_ENTERPRISE: { description: 'Leading agricultural enterprise (农业产业化龙头企业), a new agricultural business entity' },
    FAMILY_FARM: { description: 'Family farm (家庭农场), a new agricultural business entity' },
    LARGE_GROWER: { description: 'Large-scale grower or breeder (种养大户), a new agricultural business entity' },
  },
});

/** Discipline of a society (学会学科). */
export enum SocietyDiscipline {
  AGRICULTURE = 'AGRICULTURE',
  MEDICAL = 'MEDICAL',
  ENGINEERING = 'ENGINEERING',
  SCIENCE = 'SCIENCE',
  OTHER = 'OTHER',
}
registerEnumType(SocietyDiscipline, {
  name: 'SocietyDiscipline',
  description: 'Discipline of a society (学会学科); the documents single out agricultural, medical and engineering societies',
  valuesConfig: {
    AGRICULTURE: { description: 'Agricultural (农业类)' },
    MEDICAL: { description: 'Medical and health (医学类)' },
    ENGINEERING: { description: 'Engineering and technology (工程技术类)' },
    SCIENCE: { description: 'Natural sciences (理科类)' },
    OTHER: { description: 'Other disciplines (其他)' },
  },
});

/** Whether a registry record is in use or archived (records are never hard-deleted). */
export enum RegistryStatus {
  ACTIVE = 'ACTIVE',
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(RegistryStatus, {
  name: 'RegistryStatus',
  description: 'Status of an organization or expert record (状态); records are archived, never deleted',
  valuesConfig: {
    ACTIVE: { description: 'In use (有效)' },
    ARCHIVED: { description: 'Archived with a reason (已归档); kept for history, not changed any more' },
  },
});

/** An S&T organization (科技组织) that provides help: society, 农技协, base, cooperative, university, enterprise, … */
@ObjectType({ implements: Node, description: 'An S&T organization (科技组织) that provides help: society, rural technical association, base, cooperative, university, enterprise, …' })
@Entity('organization')
@Index('organization_credit_code_unique', ['creditCode'], { unique: true })
@Index('organization_region_idx', ['regionCode', 'id'])
@Index('organization_type_idx', ['type', 'regionCode'])
// GIN pg_trgm index on name for `nameContains` (ILIKE); created by hand in the migration, which TypeORM cannot express.
@Index('organization_name_trgm_idx', { synchronize: false })
export class Organization {
  get nodeType(): string {
    return 'Organization';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Organization', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Registered name (名称)' })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field(() => OrganizationType, { description: 'Kind of organization (类型)' })
  @Column({ type: 'enum', enum: OrganizationType, enumName: 'organization_type' })
  type: OrganizationType;

  @Field(() => SocietyDiscipline, { nullable: true, description: 'Discipline of a society (学会学科); null for other kinds' })
  @Column({ type: 'enum', enum: SocietyDiscipline, enumName: 'society_discipline', nullable: true })
  societyDiscipline: SocietyDiscipline | null;

  @Field({ description: 'Code of the region (行政区划) where the organization is registered' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'regionCode' })
  region?: Relation<Region>;

  @Field(() => RegionLevel, { description: 'Level of its region (级别): province, city, county, township or village' })
  @Column({ type: 'enum', enum: RegionLevel, enumName: 'region_level' })
  level: RegionLevel;

  @Field({ description: 'Unified social credit code (统一社会信用代码), 18 characters, GB 32100-2015' })
  @Column({ type: 'varchar', length: 18 })
  creditCode: string;

  @Field({ description: 'Contact person (联系人); personal data, masked unless you may see it' })
  @UseMiddleware(MaskPersonalData<Organization>('name', (o) => ({ regionCode: o.regionCode, organizationId: o.id })))
  @Column({ type: 'varchar', length: 50 })
  contactName: string;

  @Field({ description: 'Contact phone (联系电话): mobile or landline with area code; personal data, masked unless you may see it' })
  @UseMiddleware(MaskPersonalData<Organization>('phone', (o) => ({ regionCode: o.regionCode, organizationId: o.id })))
  @Column({ type: 'varchar', length: 20 })
  contactPhone: string;

  @Field(() => [ServiceCategory], { description: 'Service categories the organization offers (服务类别)' })
  @Column({ type: 'enum', enum: ServiceCategory, enumName: 'service_category', array: true })
  serviceCategories: ServiceCategory[];

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
