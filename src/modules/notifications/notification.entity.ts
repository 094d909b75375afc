import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';

/** What happened to an agreement (the event a notification announces). */
export enum NotificationType {
  FILED = 'FILED',
  REVIEW_APPROVED = 'REVIEW_APPROVED',
  RETURNED = 'RETURNED',
  SUBMITTED = 'SUBMITTED',
  REGISTERED = 'REGISTERED',
  STARTED = 'STARTED',
  COMPLETED = 'COMPLETED',
  TERMINATED = 'TERMINATED',
}
registerEnumType(NotificationType, {
  name: 'NotificationType',
  description: 'Type of a filing event (备案事件类型)',
  valuesConfig: {
    FILED: { description: 'An agreement was filed (报备案): the first reviewing association must act' },
    REVIEW_APPROVED: { description: 'A level approved and forwarded it (审核通过): the next level must act' },
    RETURNED: { description: 'A reviewer returned it with a reason (退回): the filer must amend and refile' },
    SUBMITTED: { description: 'The province submitted it to the national registry (报送入库): the national association must act' },
    REGISTERED: { description: 'It was registered with a registry number (入库)' },
    STARTED: { description: 'Implementation started (开始实施)' },
    COMPLETED: { description: 'It was completed (完成)' },
    TERMINATED: { description: 'It was terminated (终止)' },
  },
});

/** Level whose coordinators must act on a notification (mirrors FilingLevel by value, kept as text here). */
export enum NotificationTarget {
  FILER = 'FILER',
  COUNTY = 'COUNTY',
  CITY = 'CITY',
  PROVINCE = 'PROVINCE',
  NATIONAL = 'NATIONAL',
}
registerEnumType(NotificationTarget, {
  name: 'NotificationTarget',
  description: 'Who must act next on a filing event (待办层级)',
  valuesConfig: {
    FILER: { description: 'The filing parties (and the coordinators of the agreement’s region)' },
    COUNTY: { description: 'County association coordinators (区县科协)' },
    CITY: { description: 'City association coordinators (市科协)' },
    PROVINCE: { description: 'Provincial association coordinators (省科协)' },
    NATIONAL: { description: 'National association (中国科协) administrators' },
  },
});

/**
 * A durable filing event (备案通知), written in the same transaction as the state change. `cursor` is null until
 * the publisher stamps it after commit, in commit order (see docs/notifications.md).
 */
@ObjectType({ implements: Node, description: 'A filing event (备案通知) for coordinators: what happened to which agreement, who must act next, and its delivery cursor' })
@Entity('notification')
@Index('notification_cursor_unique', ['cursor'], { unique: true })
@Index('notification_unpublished_idx', ['id'], { where: '"cursor" IS NULL' })
@Index('notification_region_idx', ['regionCode', 'cursor'])
@Index('notification_agreement_idx', ['agreementId'])
@Index('notification_at_idx', ['at'])
export class Notification {
  get nodeType(): string {
    return 'Notification';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Notification', String(this.id));
  }

  /** Insertion order (NOT delivery order: a transaction may commit after a later one). */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  /** Commit-ordered delivery cursor, assigned by the publisher after commit; null = not yet published. */
  @Field(() => String, { description: 'Delivery cursor (commit order, increasing): pass the last one you received as `after` to resume' })
  @Column({ type: 'bigint', nullable: true })
  cursor: string | null;

  @Field(() => NotificationType, { description: 'What happened (事件)' })
  @Column({ type: 'enum', enum: NotificationType, enumName: 'notification_type' })
  type: NotificationType;

  /** The agreement (plain key; resolved through the agreements module). */
  @Column({ type: 'uuid' })
  agreementId: string;

  @Field({ description: "Region code of the agreement (its beneficiaries' county-or-lower region)" })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @Field(() => NotificationTarget, { description: 'The level whose coordinators must act next (待办层级)' })
  @Column({ type: 'enum', enum: NotificationTarget, enumName: 'notification_target' })
  targetLevel: NotificationTarget;

  @Field({ description: "Region code of that level's association (000000 = 中国科协)" })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  targetRegionCode: string;

  @Field({ description: 'Agreement state after the event (AgreementStatus value)' })
  @Column({ type: 'varchar', length: 32 })
  status: string;

  @Field(() => String, { nullable: true, description: "Reviewer's reason (returns, terminations) or note" })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  reason: string | null;

  @Field({ description: 'Subject of the principal who acted (经办人)' })
  @Column({ type: 'varchar', length: 200 })
  actorSubject: string;

  @Field(() => String, { nullable: true, description: 'Display name of who acted, if known' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  actorName: string | null;

  @Field({ description: 'When the event happened (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  at: Date;

  @Field(() => Date, { nullable: true, description: 'When it was published (given its cursor) after commit (UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  publishedAt: Date | null;

  /** Set by the hub on live events: the agreement row loaded once for all subscribers. */
  preloadedAgreement?: unknown;
}

/** A principal's acknowledgement (已读) of a notification. */
@Entity('notification_ack')
@Index('notification_ack_notification_idx', ['notificationId'])
export class NotificationAck {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  subject: string;

  @PrimaryColumn({ type: 'bigint' })
  notificationId: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  at: Date;
}
