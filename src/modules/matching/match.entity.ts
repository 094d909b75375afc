import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Need } from '../needs/need.entity';
import { ServiceOffering } from '../offerings/offering.entity';

/** Lifecycle of a proposed match (对接状态). */
export enum MatchStatus {
  PROPOSED = 'PROPOSED',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(MatchStatus, {
  name: 'MatchStatus',
  description: 'Status of a match between a need and a service offering (对接状态)',
  valuesConfig: {
    PROPOSED: { description: 'Proposed by a coordinator, waiting for the provider (待确认)' },
    ACCEPTED: { description: 'Accepted: the need is MATCHED; the starting point of an assistance agreement (已接受)' },
    DECLINED: { description: 'Declined by the provider, with a reason (已拒绝)' },
    WITHDRAWN: { description: 'Withdrawn because another match of the need was accepted (已撤回)' },
  },
});

/** Kind of a ranking reason. */
export enum MatchReasonKind {
  CATEGORY = 'CATEGORY',
  SERVICE_MODE = 'SERVICE_MODE',
  REGION = 'REGION',
  CAPACITY = 'CAPACITY',
  EVALUATION = 'EVALUATION',
}
registerEnumType(MatchReasonKind, {
  name: 'MatchReasonKind',
  description: 'Component of a match score (匹配理由)',
  valuesConfig: {
    CATEGORY: { description: 'Category fit (类别相符): 30 points; only offerings of the need\'s category are candidates' },
    SERVICE_MODE: { description: 'A preferred service mode is offered (服务方式相符): 10 points' },
    REGION: { description: "Provider's distance in the region tree: same county 40, paired county 30, same city 20, same province 10, elsewhere 0" },
    CAPACITY: { description: 'Spare capacity (剩余服务能力): 10 × spare / capacity points' },
    EVALUATION: { description: "Past evaluation grades (往期评估): the average over the provider's evaluated agreements of their latest submitted or reviewed grade (EXCELLENT 10, GOOD 7, PASS 4, FAIL 0); 0 without any" },
  },
});

/** One explained component of a match score. */
@ObjectType({ description: 'One component of a match score: what it is, how many points, and why in words' })
export class MatchReason {
  @Field(() => MatchReasonKind, { description: 'Which component' })
  kind: MatchReasonKind;
  @Field(() => Float, { description: 'Points this component adds to the score' })
  points: number;
  @Field({ description: 'Explanation for people' })
  text: string;
}

/** A match (对接) between a need and a service offering: proposed by a coordinator, accepted or declined by the provider. */
@ObjectType({ implements: Node, description: 'A match (精准对接) of a need with a service offering: proposed by a coordinator, accepted or declined by the provider, with the score and reasons at proposal time' })
@Entity('service_match')
@Index('service_match_need_idx', ['needId', 'createdAt'])
@Index('service_match_offering_idx', ['offeringId', 'status'])
@Index('service_match_region_idx', ['regionCode', 'createdAt'])
// Partial unique index: one live (PROPOSED or ACCEPTED) match per need and offering; created by hand in the migration.
@Index('service_match_live_unique', { synchronize: false })
export class ServiceMatch {
  get nodeType(): string {
    return 'ServiceMatch';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('ServiceMatch', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  needId: string;

  @ManyToOne(() => Need, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'needId' })
  need?: Relation<Need>;

  @Column({ type: 'uuid' })
  offeringId: string;

  @ManyToOne(() => ServiceOffering, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'offeringId' })
  offering?: Relation<ServiceOffering>;

  @Field({ description: "The need's village code (the region scope applies to it)" })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  /** The offering's provider, copied so a provider finds what was proposed to them without a join. */
  @Column({ type: 'uuid', nullable: true })
  organizationId: string | null;

  @Column({ type: 'uuid', nullable: true })
  expertId: string | null;

  @Field(() => MatchStatus, { description: 'Status (对接状态)' })
  @Column({ type: 'enum', enum: MatchStatus, enumName: 'match_status', default: MatchStatus.PROPOSED })
  status: MatchStatus;

  @Field(() => Float, { description: 'Match score (0–100) when proposed' })
  @Column({ type: 'numeric', precision: 6, scale: 2, transformer: { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  score: number;

  @Field(() => [MatchReason], { description: 'The reasons behind the score when proposed' })
  @Column({ type: 'jsonb' })
  reasons: MatchReason[];

  @Field({ description: 'Subject of the coordinator who proposed it' })
  @Column({ type: 'varchar', length: 200 })
  proposedBy: string;

  @Field(() => String, { nullable: true, description: 'Subject of who accepted or declined it' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  decidedBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was accepted, declined or withdrawn (UTC)' })
  @Column({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was declined (拒绝原因)' })
  @Column({ type: 'varchar', length: 500, nullable: true })
  declineReason: string | null;

  @Field(() => Int, { description: 'Optimistic-lock version' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When it was proposed (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When it last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
