import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Organization } from '../organizations/organization.entity';
import { Expert } from '../experts/expert.entity';

/** The association level that runs a nomination round or awards a commendation (科协层级). */
export enum NominationLevel {
  NATIONAL = 'NATIONAL',
  PROVINCE = 'PROVINCE',
  CITY = 'CITY',
  COUNTY = 'COUNTY',
}
registerEnumType(NominationLevel, {
  name: 'NominationLevel',
  description: 'Association level of a nomination round or commendation (科协层级), derived from its region code',
  valuesConfig: {
    NATIONAL: { description: 'China Association for Science and Technology (中国科协), region code 000000' },
    PROVINCE: { description: 'Provincial association (省科协), e.g. 340000' },
    CITY: { description: 'City association (市科协), e.g. 341500' },
    COUNTY: { description: 'County/district association (区县科协), e.g. 341524' },
  },
});

/** Where a nomination round stands (推荐评选进度). */
export enum NominationRoundStatus {
  OPEN = 'OPEN',
  REVIEWED = 'REVIEWED',
  PUBLICIZING = 'PUBLICIZING',
  SUBMITTED = 'SUBMITTED',
}
registerEnumType(NominationRoundStatus, {
  name: 'NominationRoundStatus',
  description: 'State of a nomination round (推荐评选): OPEN → REVIEWED → PUBLICIZING (公示) → SUBMITTED (报送上级)',
  valuesConfig: {
    OPEN: { description: 'Candidates are nominated and the expert panel scores them (申报、专家评审); scores may still change' },
    REVIEWED: { description: 'The panel has closed (评审结束): scores are final; the coordinator selects within the quota' },
    PUBLICIZING: { description: 'The selected list is publicly announced (公示) from noticeStartedAt; objections may be lodged' },
    SUBMITTED: { description: 'Submitted to the level above (报送上级) after at least 7 full days of notice with no open objection; final' },
  },
});

/** What kind of candidate (申报对象). */
export enum NominationCandidateKind {
  ORGANIZATION = 'ORGANIZATION',
  EXPERT = 'EXPERT',
}
registerEnumType(NominationCandidateKind, {
  name: 'NominationCandidateKind',
  description: 'Kind of nomination candidate (申报对象)',
  valuesConfig: {
    ORGANIZATION: { description: 'An S&T organization (科技组织, 先进集体)' },
    EXPERT: { description: 'An expert (科技专家, 先进个人)' },
  },
});

/** Where a candidate stands in its round. */
export enum NominationCandidateStatus {
  NOMINATED = 'NOMINATED',
  SELECTED = 'SELECTED',
  NOT_SELECTED = 'NOT_SELECTED',
  REVOKED = 'REVOKED',
}
registerEnumType(NominationCandidateStatus, {
  name: 'NominationCandidateStatus',
  description: 'State of a candidate in its round',
  valuesConfig: {
    NOMINATED: { description: 'Nominated (已申报), under panel review' },
    SELECTED: { description: 'Selected within the quota (拟推荐); on the public notice once published' },
    NOT_SELECTED: { description: 'Reviewed but not selected (未入选)' },
    REVOKED: { description: 'Disqualified (撤销评选资格): fabricated material or an upheld objection; excluded from ranking and selection; final' },
  },
});

/** What happened to a candidate (history, 记录). */
export enum NominationCandidateEvent {
  NOMINATED = 'NOMINATED',
  FORWARDED = 'FORWARDED',
  SELECTED = 'SELECTED',
  DESELECTED = 'DESELECTED',
  OBJECTION_UPHELD = 'OBJECTION_UPHELD',
  REVOKED = 'REVOKED',
}
registerEnumType(NominationCandidateEvent, {
  name: 'NominationCandidateEvent',
  description: 'A step in the history of a candidate (申报记录)',
  valuesConfig: {
    NOMINATED: { description: 'Nominated in this round by its coordinator (申报)' },
    FORWARDED: { description: 'Forwarded from a lower round that was submitted upward (下级推荐)' },
    SELECTED: { description: 'Selected within the quota (入选)' },
    DESELECTED: { description: 'Left out of a (new) selection (未入选)' },
    OBJECTION_UPHELD: { description: 'An objection during the notice was upheld (异议成立); the candidate is removed' },
    REVOKED: { description: 'Disqualified for fabricated material (虚构事迹材料, 撤销评选资格)' },
  },
});

/** State of an objection (异议). */
export enum NominationObjectionStatus {
  OPEN = 'OPEN',
  UPHELD = 'UPHELD',
  DISMISSED = 'DISMISSED',
}
registerEnumType(NominationObjectionStatus, {
  name: 'NominationObjectionStatus',
  description: 'State of an objection lodged during the public notice (公示异议)',
  valuesConfig: {
    OPEN: { description: 'Lodged, not yet resolved; blocks submission of the round' },
    UPHELD: { description: 'Upheld by the round coordinator (异议成立): the candidate is revoked' },
    DISMISSED: { description: 'Dismissed by the round coordinator (异议不成立)' },
  },
});

/** Who was commended (表彰对象). */
export enum CommendationRecipientKind {
  ORGANIZATION = 'ORGANIZATION',
  TEAM = 'TEAM',
  INDIVIDUAL = 'INDIVIDUAL',
}
registerEnumType(CommendationRecipientKind, {
  name: 'CommendationRecipientKind',
  description: 'Kind of commended recipient (表彰对象)',
  valuesConfig: {
    ORGANIZATION: { description: 'An S&T organization in the registry (先进集体)' },
    TEAM: { description: 'A team named in the decision (先进团队), e.g. an expert service team; no registry record' },
    INDIVIDUAL: { description: 'An expert in the registry (先进个人)' },
  },
});

/** Numeric columns read back as numbers. */
const numeric = { to: (v: number) => v, from: (v: string | null) => (v == null ? v : Number(v)) };

/** A nomination round (推荐评选) of one association for one year, with the quota received from the level above. */
@ObjectType({ implements: Node, description: 'A nomination round (组织申报/推荐评选) of one association for one year: quota (推荐指标) from the level above, candidates, expert panel review, public notice (公示) and submission upward' })
@Entity('nomination_round')
@Index('nomination_round_unique', ['year', 'title', 'regionCode'], { unique: true })
@Index('nomination_round_region_idx', ['regionCode', 'id'])
@Index('nomination_round_parent_idx', ['parentRoundId'])
@Index('nomination_round_created_idx', ['createdAt', 'id'])
export class NominationRound {
  get nodeType(): string {
    return 'NominationRound';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('NominationRound', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Title of the programme (评选名称), e.g. 科技助力精准扶贫先进集体和先进个人; child rounds inherit it' })
  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Field(() => Int, { description: 'Year of the round (年度)' })
  @Column({ type: 'smallint' })
  year: number;

  @Field(() => NominationLevel, { description: 'Level of the association running the round (层级)' })
  @Column({ type: 'enum', enum: NominationLevel, enumName: 'nomination_level' })
  level: NominationLevel;

  @Field({ description: "Region code of the association running the round (000000 = national); the round's region scope" })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  /** The round of the level above that allotted this round's quota; null for a national round. */
  @Column({ type: 'uuid', nullable: true })
  parentRoundId: string | null;

  @ManyToOne(() => NominationRound, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parentRoundId' })
  parentRound?: Relation<NominationRound> | null;

  @Field(() => Int, { description: 'Recommendation quota (推荐指标): how many candidates this round may select and send up' })
  @Column({ type: 'int' })
  quota: number;

  @Field(() => NominationRoundStatus, { description: 'State (状态)' })
  @Column({ type: 'enum', enum: NominationRoundStatus, enumName: 'nomination_round_status', default: NominationRoundStatus.OPEN })
  status: NominationRoundStatus;

  @Field(() => Date, { nullable: true, description: 'When the panel closed (评审结束, server time, UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  panelClosedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'Start of the public notice (公示开始, server time, UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  noticeStartedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Subject of who published the notice' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  noticeStartedBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was submitted to the level above (报送时间, server time, UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  submittedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Subject of who submitted it' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  submittedBy: string | null;

  @Field({ description: 'Subject of who created the round (allotted the quota)' })
  @Column({ type: 'varchar', length: 200 })
  createdBy: string;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when acting on the round' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When the record was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When the record last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** A candidate (申报对象) of a round: an organization or an expert found eligible when nominated. */
@ObjectType({ implements: Node, description: 'A candidate (申报对象) in a nomination round: an organization or expert of the registry with registered agreements, its panel scores, rank and status' })
@Entity('nomination_candidate')
@Index('nomination_candidate_org_unique', ['roundId', 'organizationId'], { unique: true })
@Index('nomination_candidate_expert_unique', ['roundId', 'expertId'], { unique: true })
@Index('nomination_candidate_region_idx', ['regionCode', 'id'])
export class NominationCandidate {
  get nodeType(): string {
    return 'NominationCandidate';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('NominationCandidate', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  roundId: string;

  @ManyToOne(() => NominationRound, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'roundId' })
  round?: Relation<NominationRound>;

  /** The round's region code (copied so scope is applied in SQL without a join). */
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @Field(() => NominationCandidateKind, { description: 'Organization or expert' })
  @Column({ type: 'enum', enum: NominationCandidateKind, enumName: 'nomination_candidate_kind' })
  kind: NominationCandidateKind;

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

  @Field({ description: 'Name of the organization or expert when nominated (申报名称)' })
  @Column({ type: 'varchar', length: 200 })
  displayName: string;

  @Field(() => NominationCandidateStatus, { description: 'State in the round' })
  @Column({ type: 'enum', enum: NominationCandidateStatus, enumName: 'nomination_candidate_status', default: NominationCandidateStatus.NOMINATED })
  status: NominationCandidateStatus;

  @Field(() => String, { nullable: true, description: 'Summary of the deeds (事迹材料摘要)' })
  @Column({ type: 'varchar', length: 5000, nullable: true })
  citation: string | null;

  @Field(() => [String], { description: 'Evidence references (佐证材料): document numbers, file URLs; at most 10' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  evidence: string[];

  @Field(() => Int, { description: "Registered agreements (入库协议) it provided in the round's region when nominated: the eligibility basis" })
  @Column({ type: 'int' })
  registeredAgreements: number;

  /** The lower round it was forwarded from (下级推荐), if any. */
  @Column({ type: 'uuid', nullable: true })
  sourceRoundId: string | null;

  @Field({ description: 'Subject of who nominated (or forwarded) it' })
  @Column({ type: 'varchar', length: 200 })
  nominatedBy: string;

  @Field(() => String, { nullable: true, description: 'Why it was disqualified (撤销原因)' })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  revocationReason: string | null;

  @Field(() => String, { nullable: true, description: 'Subject of who disqualified it' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  revokedBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was disqualified (UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  revokedAt: Date | null;

  @Field(() => Int, { description: 'Optimistic-lock version' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When it was nominated (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When it last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;

  /** Standing computed in SQL (rank over the average score), set by the ranked list; read through a loader otherwise. */
  standing?: CandidateStanding;
}

/** A candidate's standing in its round, computed in SQL. */
export interface CandidateStanding {
  rank: number | null;
  averageScore: number | null;
  scoreCount: number;
}

/** One step of a candidate's history (申报记录); never deleted. */
@ObjectType({ description: 'One step of a candidate’s history (申报记录): what happened, the states, who, why and when' })
@Entity('nomination_candidate_step')
@Index('nomination_candidate_step_candidate_idx', ['candidateId', 'id'])
export class NominationCandidateStep {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Field(() => ID, { name: 'id', description: 'Step id' })
  get stepId(): string {
    return String(this.id);
  }

  @Column({ type: 'uuid' })
  candidateId: string;

  @ManyToOne(() => NominationCandidate, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'candidateId' })
  candidate?: Relation<NominationCandidate>;

  @Field(() => NominationCandidateEvent, { description: 'What happened' })
  @Column({ type: 'enum', enum: NominationCandidateEvent, enumName: 'nomination_candidate_event' })
  event: NominationCandidateEvent;

  @Field(() => NominationCandidateStatus, { nullable: true, description: 'State before' })
  @Column({ type: 'enum', enum: NominationCandidateStatus, enumName: 'nomination_candidate_status', nullable: true })
  fromStatus: NominationCandidateStatus | null;

  @Field(() => NominationCandidateStatus, { description: 'State after' })
  @Column({ type: 'enum', enum: NominationCandidateStatus, enumName: 'nomination_candidate_status' })
  toStatus: NominationCandidateStatus;

  @Field({ description: 'Subject of who acted' })
  @Column({ type: 'varchar', length: 200 })
  actorSubject: string;

  @Field(() => String, { nullable: true, description: 'Reason or note' })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  reason: string | null;

  @Field({ description: 'When (server time, UTC)' })
  @Column({ type: 'timestamptz', precision: 3 })
  at: Date;
}

/** A member of a round's expert review panel (评审专家组成员). */
@ObjectType({ description: 'A member of a round’s expert review panel (评审专家): the principal who scores' })
@Entity('nomination_reviewer')
export class NominationReviewer {
  @PrimaryColumn({ type: 'uuid' })
  roundId: string;

  @ManyToOne(() => NominationRound, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'roundId' })
  round?: Relation<NominationRound>;

  @Field({ description: 'Subject of the principal (token `sub` or apikey:<id>) who may score' })
  @PrimaryColumn({ type: 'varchar', length: 200 })
  subject: string;

  @Field({ description: 'Display name (姓名)' })
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Field({ description: 'Subject of the coordinator who assigned them' })
  @Column({ type: 'varchar', length: 200 })
  assignedBy: string;

  @Field({ description: 'When they were assigned (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  assignedAt: Date;
}

/** One reviewer's score of one candidate (评分), changeable while the panel is open. */
@ObjectType({ description: 'One reviewer’s score of a candidate (专家评分), 0–100; changeable until the panel closes' })
@Entity('nomination_score')
@Index('nomination_score_round_idx', ['roundId'])
export class NominationScore {
  @PrimaryColumn({ type: 'uuid' })
  candidateId: string;

  @ManyToOne(() => NominationCandidate, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'candidateId' })
  candidate?: Relation<NominationCandidate>;

  @Field({ description: 'Subject of the reviewer' })
  @PrimaryColumn({ type: 'varchar', length: 200 })
  reviewerSubject: string;

  @Column({ type: 'uuid' })
  roundId: string;

  @Field(() => Float, { description: 'Score from 0 to 100 (two decimals)' })
  @Column({ type: 'numeric', precision: 5, scale: 2, transformer: numeric })
  score: number;

  @Field(() => String, { nullable: true, description: 'Comment (评语)' })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  comment: string | null;

  @Field({ description: 'When the score was last set (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** An objection lodged during the public notice (公示异议). */
@ObjectType({ implements: Node, description: 'An objection (异议) to a selected candidate lodged during the public notice (公示), and its resolution by the round coordinator' })
@Entity('nomination_objection')
@Index('nomination_objection_round_idx', ['roundId', 'status'])
@Index('nomination_objection_candidate_idx', ['candidateId'])
export class NominationObjection {
  get nodeType(): string {
    return 'NominationObjection';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('NominationObjection', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  roundId: string;

  @ManyToOne(() => NominationRound, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'roundId' })
  round?: Relation<NominationRound>;

  @Column({ type: 'uuid' })
  candidateId: string;

  @ManyToOne(() => NominationCandidate, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'candidateId' })
  candidate?: Relation<NominationCandidate>;

  /** The round's region code (scope in SQL). */
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @Field({ description: 'The objection (异议内容)' })
  @Column({ type: 'varchar', length: 2000 })
  reason: string;

  @Field({ description: 'Subject of who lodged it' })
  @Column({ type: 'varchar', length: 200 })
  lodgedBy: string;

  @Field({ description: 'When it was lodged (server time, UTC)' })
  @Column({ type: 'timestamptz', precision: 3 })
  lodgedAt: Date;

  @Field(() => NominationObjectionStatus, { description: 'State' })
  @Column({ type: 'enum', enum: NominationObjectionStatus, enumName: 'nomination_objection_status', default: NominationObjectionStatus.OPEN })
  status: NominationObjectionStatus;

  @Field(() => String, { nullable: true, description: 'The coordinator’s finding (处理意见)' })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  resolution: string | null;

  @Field(() => String, { nullable: true, description: 'Subject of who resolved it' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  resolvedBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was resolved (server time, UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  resolvedAt: Date | null;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when resolving' })
  @VersionColumn({ default: 1 })
  version: number;
}

/** A commendation (表彰): who was commended, by which level, in which year, with which title. */
@ObjectType({ implements: Node, description: 'A commendation (表彰): an organization, team or individual commended by an association level in a year with a title' })
@Entity('commendation')
@Index('commendation_recipient_region_idx', ['recipientRegionCode', 'id'])
@Index('commendation_year_idx', ['year', 'level'])
@Index('commendation_organization_idx', ['organizationId'])
@Index('commendation_expert_idx', ['expertId'])
export class Commendation {
  get nodeType(): string {
    return 'Commendation';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Commendation', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => Int, { description: 'Year of the commendation (年度)' })
  @Column({ type: 'smallint' })
  year: number;

  @Field(() => NominationLevel, { description: 'Level of the commending association (表彰层级)' })
  @Column({ type: 'enum', enum: NominationLevel, enumName: 'nomination_level' })
  level: NominationLevel;

  @Field({ description: 'Region code of the commending association (000000 = national)' })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @Field({ description: 'Title awarded (称号), e.g. 科技助力精准扶贫先进集体' })
  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Field(() => CommendationRecipientKind, { description: 'Organization, team or individual' })
  @Column({ type: 'enum', enum: CommendationRecipientKind, enumName: 'commendation_recipient_kind' })
  recipientKind: CommendationRecipientKind;

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

  @Field({ description: 'Name of the recipient as commended (表彰对象名称); for a team the team name' })
  @Column({ type: 'varchar', length: 200 })
  recipientName: string;

  @Field({ description: "Region code of the recipient (the organization's or expert's region, or the team's); the scope of reading" })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  recipientRegionCode: string;

  /** The candidate it came from, if recorded from a round. */
  @Column({ type: 'uuid', nullable: true })
  candidateId: string | null;

  @Field(() => String, { nullable: true, description: 'Document number of the decision (表彰文号), e.g. 科协发组字〔2019〕12号' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  documentNumber: string | null;

  @Field(() => String, { nullable: true, description: 'Date of the decision (YYYY-MM-DD)' })
  @Column({ type: 'date', nullable: true })
  commendedOn: string | null;

  @Field({ description: 'Subject of who recorded it' })
  @Column({ type: 'varchar', length: 200 })
  recordedBy: string;

  @Field({ description: 'When it was recorded (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
