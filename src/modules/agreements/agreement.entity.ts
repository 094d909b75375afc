import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Organization } from '../organizations/organization.entity';
import { Expert } from '../experts/expert.entity';
import { Region, RegionLevel } from '../regions/region.entity';

/** Where an assistance agreement stands in its lifecycle (协议状态). */
export enum AgreementStatus {
  DRAFT = 'DRAFT',
  SIGNED = 'SIGNED',
  COUNTY_REVIEW = 'COUNTY_REVIEW',
  CITY_REVIEW = 'CITY_REVIEW',
  PROVINCE_REVIEW = 'PROVINCE_REVIEW',
  SUBMITTED = 'SUBMITTED',
  REGISTERED = 'REGISTERED',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  TERMINATED = 'TERMINATED',
  RETURNED = 'RETURNED',
}
registerEnumType(AgreementStatus, {
  name: 'AgreementStatus',
  description: 'Lifecycle state of an assistance agreement (帮扶协议书状态)',
  valuesConfig: {
    DRAFT: { description: 'Being drafted (草稿); editable' },
    SIGNED: { description: 'Signed by the parties (已签订), not yet filed' },
    COUNTY_REVIEW: { description: 'Filed (已报备案) with the county association and under its review (县级科协审核): where a village/township agreement lands when filed' },
    CITY_REVIEW: { description: 'Under review by the city association (市级科协审核): approved by the county, or filed by a county-level filer' },
    PROVINCE_REVIEW: { description: 'Under review by the provincial association (省科协审核), which aggregates and submits to the registry: approved by the city, or filed by a city/province-level filer' },
    SUBMITTED: { description: 'Submitted by the province to the national registry (省科协汇总报中国科协)' },
    REGISTERED: { description: 'Registered in the national registry (入库), with a registry number (入库编号)' },
    IN_PROGRESS: { description: 'Being carried out and tracked (项目化跟踪管理)' },
    COMPLETED: { description: 'Completed (已完成); final' },
    TERMINATED: { description: 'Terminated with a reason (已终止); final' },
    RETURNED: { description: 'Returned by a reviewer with a reason (退回); the filer amends it and files it again' },
  },
});

/** Statuses in which an agreement's content may be edited. */
export const EDITABLE_STATUSES: readonly AgreementStatus[] = [AgreementStatus.DRAFT, AgreementStatus.RETURNED];
/** Final statuses: nothing happens after these. */
export const FINAL_STATUSES: readonly AgreementStatus[] = [AgreementStatus.COMPLETED, AgreementStatus.TERMINATED];

/** The association level that acts in a filing step (备案层级). */
export enum FilingLevel {
  FILER = 'FILER',
  COUNTY = 'COUNTY',
  CITY = 'CITY',
  PROVINCE = 'PROVINCE',
  NATIONAL = 'NATIONAL',
}
registerEnumType(FilingLevel, {
  name: 'FilingLevel',
  description: 'Who acts in a filing step: the filing parties or the association of a level (科协层级)',
  valuesConfig: {
    FILER: { description: 'The parties of the agreement and whoever drafts, signs and files it (协议方/备案方)' },
    COUNTY: { description: 'County/district association (区县科协)' },
    CITY: { description: 'City association (市科协)' },
    PROVINCE: { description: 'Provincial association (省科协)' },
    NATIONAL: { description: 'China Association for Science and Technology (中国科协), the national registry' },
  },
});

/** What a filing step decided (备案环节). */
export enum FilingDecision {
  CREATED = 'CREATED',
  AMENDED = 'AMENDED',
  SIGNED = 'SIGNED',
  FILED = 'FILED',
  APPROVED = 'APPROVED',
  RETURNED = 'RETURNED',
  SUBMITTED = 'SUBMITTED',
  REGISTERED = 'REGISTERED',
  STARTED = 'STARTED',
  COMPLETED = 'COMPLETED',
  TERMINATED = 'TERMINATED',
}
registerEnumType(FilingDecision, {
  name: 'FilingDecision',
  description: 'What happened in a filing step (备案/审核环节)',
  valuesConfig: {
    CREATED: { description: 'Drafted (起草)' },
    AMENDED: { description: 'Content changed while DRAFT or RETURNED (修改)' },
    SIGNED: { description: 'Signed by the parties (签订)' },
    FILED: { description: 'Filed with the next-higher association (报备案); the agreement enters the review of that level' },
    APPROVED: { description: 'Approved at a review level and forwarded upward (审核通过)' },
    RETURNED: { description: 'Returned to the filer with a reason (退回)' },
    SUBMITTED: { description: 'Submitted by the province to the national registry (汇总报送)' },
    REGISTERED: { description: 'Registered with a registry number (入库)' },
    STARTED: { description: 'Implementation started (实施)' },
    COMPLETED: { description: 'Completed (完成)' },
    TERMINATED: { description: 'Terminated (终止)' },
  },
});

/** Kind of a planned task (任务类型), so tasks can be counted and reported on. */
export enum AgreementTaskKind {
  TRAINING = 'TRAINING',
  HOUSEHOLDS_REACHED = 'HOUSEHOLDS_REACHED',
  TECHNIQUES_PROMOTED = 'TECHNIQUES_PROMOTED',
  ONSITE_GUIDANCE = 'ONSITE_GUIDANCE',
  DEMONSTRATION_BASE = 'DEMONSTRATION_BASE',
  VARIETIES_INTRODUCED = 'VARIETIES_INTRODUCED',
  SCIENCE_POPULARIZATION = 'SCIENCE_POPULARIZATION',
  MARKET_LINKAGE = 'MARKET_LINKAGE',
  OTHER = 'OTHER',
}
registerEnumType(AgreementTaskKind, {
  name: 'AgreementTaskKind',
  description: 'Kind of a planned task of an agreement (帮扶任务类型)',
  valuesConfig: {
    TRAINING: { description: 'Training sessions held (技术培训, 期/场)' },
    HOUSEHOLDS_REACHED: { description: 'Poor households reached (帮扶贫困户, 户)' },
    TECHNIQUES_PROMOTED: { description: 'Practical techniques promoted (推广实用技术, 项)' },
    ONSITE_GUIDANCE: { description: 'On-site guidance visits (现场指导, 次)' },
    DEMONSTRATION_BASE: { description: 'Demonstration bases or plots built (示范基地, 个/亩)' },
    VARIETIES_INTRODUCED: { description: 'New varieties introduced (引进新品种, 个)' },
    SCIENCE_POPULARIZATION: { description: 'Science popularization activities (科普活动, 次)' },
    MARKET_LINKAGE: { description: 'Market or sales linkages established (产销对接, 项)' },
    OTHER: { description: 'Other quantified task (其他)' },
  },
});

/** One signatory of an agreement (签署人), stored with the agreement. */
@ObjectType({ description: 'A signatory of an agreement (签署人): the party, the person who signed and their role' })
export class Signatory {
  @Field({ description: 'The party signing (签署方), e.g. 金寨县科协, 金寨县茶叶专业技术协会, 某村村委会' })
  party: string;
  @Field({ description: "Name of the person signing (签署人姓名); personal data, masked unless you may see it" })
  name: string;
  @Field(() => String, { nullable: true, description: 'Their role or title (职务), e.g. 会长, 村支书' })
  role?: string | null;
}

/** An assistance agreement (帮扶协议书) between providers and poor villages, filed level by level (备案). */
@ObjectType({ implements: Node, description: 'Assistance agreement (帮扶协议书): providers, beneficiaries, period, goals, tasks, measures, mechanism, and its level-by-level filing (备案)' })
@Entity('agreement')
@Index('agreement_region_idx', ['regionCode', 'id'])
@Index('agreement_status_idx', ['status', 'regionCode'])
@Index('agreement_updated_idx', ['updatedAt', 'id'])
@Index('agreement_status_updated_idx', ['status', 'updatedAt', 'id'])
@Index('agreement_organization_idx', ['organizationId'])
@Index('agreement_registry_number_unique', ['registryNumber'], { unique: true })
export class Agreement {
  get nodeType(): string {
    return 'Agreement';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Agreement', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Title (协议名称)' })
  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Field(() => AgreementStatus, { description: 'Lifecycle state (状态)' })
  @Column({ type: 'enum', enum: AgreementStatus, enumName: 'agreement_status', default: AgreementStatus.DRAFT })
  status: AgreementStatus;

  @Field({ description: "Code of the beneficiaries' region (county, township or village) that determines the filing chain" })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'regionCode' })
  region?: Relation<Region>;

  @Field(() => RegionLevel, { description: 'Level of the filing party (备案方层级): a VILLAGE/TOWNSHIP (or COUNTY-region) agreement is filed with the county association, a COUNTY-level filer files with the city, a CITY-level one with the province' })
  @Column({ type: 'enum', enum: RegionLevel, enumName: 'region_level' })
  filerLevel: RegionLevel;

  /** The providing organization (帮扶组织), if any; plain key beside the relation. */
  @Column({ type: 'uuid', nullable: true })
  organizationId: string | null;

  @ManyToOne(() => Organization, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organizationId' })
  organization?: Relation<Organization> | null;

  @Field(() => String, { nullable: true, description: 'First day of the assistance period (帮扶期限起, YYYY-MM-DD)' })
  @Column({ type: 'date', nullable: true })
  periodStart: string | null;

  @Field(() => String, { nullable: true, description: 'Last day of the assistance period (帮扶期限止, YYYY-MM-DD)' })
  @Column({ type: 'date', nullable: true })
  periodEnd: string | null;

  @Field(() => String, { nullable: true, description: 'Goals (帮扶目标)' })
  @Column({ type: 'text', nullable: true })
  goals: string | null;

  @Field(() => String, { nullable: true, description: 'Measures (帮扶措施)' })
  @Column({ type: 'text', nullable: true })
  measures: string | null;

  @Field(() => String, { nullable: true, description: 'Working mechanism (工作机制): who meets, reports and follows up, how often' })
  @Column({ type: 'text', nullable: true })
  mechanism: string | null;

  @Field(() => String, { nullable: true, description: 'Date on the signed document (签订日期, YYYY-MM-DD)' })
  @Column({ type: 'date', nullable: true })
  signingDate: string | null;

  /** Signatories (签署人), at most 10; exposed through a masking field resolver. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  signatories: Signatory[];

  @Field(() => FilingLevel, { nullable: true, description: 'The level that must act next on a filed agreement (待审核层级); null outside review' })
  @Column({ type: 'enum', enum: FilingLevel, enumName: 'filing_level', nullable: true })
  reviewLevel: FilingLevel | null;

  @Field(() => String, { nullable: true, description: 'Registry number (入库编号), unique, given when registered' })
  @Column({ type: 'varchar', length: 32, nullable: true })
  registryNumber: string | null;

  @Field(() => String, { nullable: true, description: "The latest reviewer's reason for returning it (退回原因), while RETURNED" })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  returnReason: string | null;

  @Field(() => String, { nullable: true, description: 'Why it was terminated (终止原因)' })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  terminationReason: string | null;

  @Field(() => String, { nullable: true, description: "The coordinator's completion note (完成说明); completion itself needs an accepted evaluation (验收)" })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  completionNote: string | null;

  @Field(() => String, { nullable: true, description: 'Subject of the principal who created it (起草人)' })
  @Column({ type: 'varchar', length: 200 })
  createdBy: string;

  @Field(() => Date, { nullable: true, description: 'When it was signed in the system (签订登记时间, UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  signedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was (last) filed (报备案时间, UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  filedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Subject of the principal who (last) filed it (备案人)' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  filedBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was registered (入库时间, UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  registeredAt: Date | null;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when changing the agreement' })
  @VersionColumn({ default: 1 })
  version: number;

  // Millisecond precision so keyset cursors (ISO strings) compare exactly.
  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC); use with `updatedAfter` for incremental sync' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** A planned task of an agreement (帮扶任务) with its planned quantity. */
@ObjectType({ description: 'A planned task of an agreement (帮扶任务): kind, description and planned quantity with its unit' })
@Entity('agreement_task')
@Index('agreement_task_agreement_idx', ['agreementId', 'position'])
export class AgreementTask {
  @Field(() => ID, { description: 'Task id (stable while the agreement is not amended); use it in progress reports' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreementId' })
  agreement?: Relation<Agreement>;

  @Field(() => Int, { description: 'Position in the list (序号), from 1' })
  @Column({ type: 'smallint' })
  position: number;

  @Field(() => AgreementTaskKind, { description: 'Kind of task (任务类型)' })
  @Column({ type: 'enum', enum: AgreementTaskKind, enumName: 'agreement_task_kind' })
  kind: AgreementTaskKind;

  @Field({ description: 'What is to be done (任务内容)' })
  @Column({ type: 'varchar', length: 500 })
  description: string;

  @Field(() => Float, { description: 'Planned quantity (计划数量), > 0' })
  @Column({ type: 'numeric', precision: 12, scale: 2, transformer: { to: (v: number) => v, from: (v: string | null) => (v == null ? v : Number(v)) } })
  plannedQuantity: number;

  @Field({ description: 'Unit of the quantity (单位), e.g. 期, 户, 项, 人次' })
  @Column({ type: 'varchar', length: 20 })
  unit: string;
}

/** An expert who is a providing party of an agreement (参与专家). */
@Entity('agreement_expert')
@Index('agreement_expert_expert_idx', ['expertId'])
export class AgreementExpert {
  @PrimaryColumn({ type: 'uuid' })
  agreementId: string;

  @PrimaryColumn({ type: 'uuid' })
  expertId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreementId' })
  agreement?: Relation<Agreement>;

  @ManyToOne(() => Expert, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'expertId' })
  expert?: Relation<Expert>;
}

/** A registered poor village that benefits from an agreement (受援贫困村). */
@Entity('agreement_village')
@Index('agreement_village_village_idx', ['villageCode'])
export class AgreementVillage {
  @PrimaryColumn({ type: 'uuid' })
  agreementId: string;

  @PrimaryColumn({ type: 'varchar', length: 12, collation: 'C' })
  villageCode: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreementId' })
  agreement?: Relation<Agreement>;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'villageCode' })
  village?: Relation<Region>;
}

/** One step of an agreement's filing history (备案记录): who, at which level, what, why, when. */
@ObjectType({ description: 'One step of the filing history (备案/审核记录): who acted, at which level, the decision, the reason and when' })
@Entity('agreement_filing_step')
@Index('agreement_filing_step_agreement_idx', ['agreementId', 'id'])
export class AgreementFilingStep {
  /** Monotonic key: orders the history. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Field(() => ID, { name: 'id', description: 'Step id' })
  get stepId(): string {
    return String(this.id);
  }

  @Column({ type: 'uuid' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreementId' })
  agreement?: Relation<Agreement>;

  @Field(() => FilingDecision, { description: 'What was decided (环节)' })
  @Column({ type: 'enum', enum: FilingDecision, enumName: 'filing_decision' })
  decision: FilingDecision;

  @Field(() => FilingLevel, { description: 'The level that acted (层级)' })
  @Column({ type: 'enum', enum: FilingLevel, enumName: 'filing_level' })
  level: FilingLevel;

  @Field(() => AgreementStatus, { nullable: true, description: 'State before the step' })
  @Column({ type: 'enum', enum: AgreementStatus, enumName: 'agreement_status', nullable: true })
  fromStatus: AgreementStatus | null;

  @Field(() => AgreementStatus, { description: 'State after the step' })
  @Column({ type: 'enum', enum: AgreementStatus, enumName: 'agreement_status' })
  toStatus: AgreementStatus;

  @Field({ description: 'Subject of the principal who acted (经办人/审核人)' })
  @Column({ type: 'varchar', length: 200 })
  actorSubject: string;

  @Field(() => String, { nullable: true, description: 'Display name of who acted, if known' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  actorName: string | null;

  @Field(() => String, { nullable: true, description: 'Reason or note (理由/说明), required when returning or terminating' })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  reason: string | null;

  @Field({ description: 'When (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  at: Date;
}

/** A progress report against the planned tasks (进展报告). */
@ObjectType({ description: 'A progress report (进展报告): what was delivered against the planned tasks, when, with evidence references' })
@Entity('agreement_progress_report')
@Index('agreement_progress_report_agreement_idx', ['agreementId', 'reportedOn'])
export class AgreementProgressReport {
  @Field(() => ID, { description: 'Report id' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreementId' })
  agreement?: Relation<Agreement>;

  @Field({ description: 'Day the reported work was delivered or the report covers (报告日期, YYYY-MM-DD)' })
  @Column({ type: 'date' })
  reportedOn: string;

  @Field(() => String, { nullable: true, description: 'Narrative (情况说明)' })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  note: string | null;

  @Field(() => [String], { description: 'Evidence references (佐证材料): document numbers, file URLs, photo ids; at most 10' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  evidence: string[];

  @Field({ description: 'Subject of who reported it' })
  @Column({ type: 'varchar', length: 200 })
  reportedBy: string;

  @Field({ description: 'When it was recorded (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;
}

/** Quantity delivered for one task in one progress report. */
@ObjectType({ description: 'Quantity delivered for one planned task in a progress report (完成数量)' })
@Entity('agreement_progress_item')
@Index('agreement_progress_item_task_idx', ['taskId'])
@Index('agreement_progress_item_report_idx', ['reportId'])
export class AgreementProgressItem {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  reportId: string;

  @ManyToOne(() => AgreementProgressReport, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'reportId' })
  report?: Relation<AgreementProgressReport>;

  @Field(() => ID, { description: 'The task (任务) this quantity counts towards' })
  @Column({ type: 'uuid' })
  taskId: string;

  @ManyToOne(() => AgreementTask, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'taskId' })
  task?: Relation<AgreementTask>;

  @Field(() => Float, { description: 'Quantity delivered (完成数量), in the unit of the task' })
  @Column({ type: 'numeric', precision: 12, scale: 2, transformer: { to: (v: number) => v, from: (v: string | null) => (v == null ? v : Number(v)) } })
  deliveredQuantity: number;
}

/**
 * Further beneficiaries and sources of an agreement (issue 4's registry): a registered poor household (建档立卡
 * 贫困户), a need (需求) it answers, or an accepted match (对接) it starts from. One join table, one row per
 * link; the linked ids are validated through the beneficiaries, needs and matching services.
 */
export enum AgreementLinkKind {
  HOUSEHOLD = 'HOUSEHOLD',
  NEED = 'NEED',
  MATCH = 'MATCH',
}

@Entity('agreement_link')
@Index('agreement_link_target_idx', ['kind', 'targetId'])
export class AgreementLink {
  @PrimaryColumn({ type: 'uuid' })
  agreementId: string;

  @PrimaryColumn({ type: 'enum', enum: AgreementLinkKind, enumName: 'agreement_link_kind' })
  kind: AgreementLinkKind;

  /** Household, need or service-match id (uuid). */
  @PrimaryColumn({ type: 'uuid' })
  targetId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreementId' })
  agreement?: Relation<Agreement>;
}
