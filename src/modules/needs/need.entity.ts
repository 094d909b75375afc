import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Household } from '../beneficiaries/household.entity';
import { ServiceCategory } from '../organizations/service-category';
import { ServiceMode } from '../organizations/service-mode';
import { Region } from '../regions/region.entity';

/** Lifecycle of a need (需求状态). */
export enum NeedStatus {
  OPEN = 'OPEN',
  MATCHED = 'MATCHED',
  IN_SERVICE = 'IN_SERVICE',
  FULFILLED = 'FULFILLED',
  CLOSED = 'CLOSED',
}
registerEnumType(NeedStatus, {
  name: 'NeedStatus',
  description: 'Status of a need (需求状态): OPEN → MATCHED → IN_SERVICE → FULFILLED, or CLOSED with a reason',
  valuesConfig: {
    OPEN: { description: 'Surveyed, waiting for a provider (待对接)' },
    MATCHED: { description: 'A provider accepted a match (已对接)' },
    IN_SERVICE: { description: 'The service is being delivered (服务中)' },
    FULFILLED: { description: 'The need was met (已满足)' },
    CLOSED: { description: 'Closed without being met, with a reason (已关闭)' },
  },
});

/** How urgent a need is (紧迫程度). */
export enum NeedUrgency {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}
registerEnumType(NeedUrgency, {
  name: 'NeedUrgency',
  description: 'Urgency of a need (紧迫程度)',
  valuesConfig: {
    LOW: { description: 'Low (一般)' },
    MEDIUM: { description: 'Medium (较急)' },
    HIGH: { description: 'High (紧急)' },
    CRITICAL: { description: 'Critical (特急)' },
  },
});

/** Whom a need was raised for. */
export enum NeedTarget {
  VILLAGE = 'VILLAGE',
  HOUSEHOLD = 'HOUSEHOLD',
}
registerEnumType(NeedTarget, {
  name: 'NeedTarget',
  description: 'Whom a need was raised for',
  valuesConfig: { VILLAGE: { description: 'A registered poor village (贫困村)' }, HOUSEHOLD: { description: 'A registered poor household (贫困户)' } },
});

/** A need (需求) of a poor village or household for S&T services, surveyed (调研) by an expert or coordinator. */
@ObjectType({ implements: Node, description: 'A need (需求) of a registered poor village or household for S&T services, surveyed (调研) by an expert or coordinator' })
@Entity('need')
@Index('need_village_idx', ['villageCode', 'createdAt'])
@Index('need_status_idx', ['status', 'category', 'villageCode'])
@Index('need_household_idx', ['householdId', 'createdAt'])
export class Need {
  get nodeType(): string {
    return 'Need';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Need', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => NeedTarget, { description: 'Raised for a village or for a household' })
  @Column({ type: 'enum', enum: NeedTarget, enumName: 'need_target' })
  target: NeedTarget;

  @Field({ description: '12-digit code of the village (the household\'s village for household needs); the region scope applies to it' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  villageCode: string;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'villageCode' })
  village?: Relation<Region>;

  @Column({ type: 'uuid', nullable: true })
  householdId: string | null;

  @ManyToOne(() => Household, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'householdId' })
  household?: Relation<Household> | null;

  @Field(() => ServiceCategory, { description: 'Category (需求类别)' })
  @Column({ type: 'enum', enum: ServiceCategory, enumName: 'service_category' })
  category: ServiceCategory;

  @Field({ description: 'What is needed (需求描述)' })
  @Column({ type: 'text' })
  description: string;

  @Field(() => NeedUrgency, { description: 'Urgency (紧迫程度)' })
  @Column({ type: 'enum', enum: NeedUrgency, enumName: 'need_urgency' })
  urgency: NeedUrgency;

  @Field(() => [ServiceMode], { description: 'Preferred service modes (期望服务方式)' })
  @Column({ type: 'enum', enum: ServiceMode, enumName: 'service_mode', array: true })
  preferredModes: ServiceMode[];

  @Field(() => NeedStatus, { description: 'Status (需求状态)' })
  @Column({ type: 'enum', enum: NeedStatus, enumName: 'need_status', default: NeedStatus.OPEN })
  status: NeedStatus;

  @Field(() => String, { nullable: true, description: 'Why it was closed (关闭原因), when CLOSED' })
  @Column({ type: 'varchar', length: 500, nullable: true })
  closeReason: string | null;

  @Field({ description: 'Subject of the principal who surveyed the need (调研人)' })
  @Column({ type: 'varchar', length: 200 })
  surveyedBy: string;

  @Field({ description: 'When it was surveyed (调研时间, UTC)' })
  @Column({ type: 'timestamptz' })
  surveyedAt: Date;

  @Field({ description: 'When the status last changed (UTC)' })
  @Column({ type: 'timestamptz', default: () => 'now()' })
  statusChangedAt: Date;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when changing the need' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
