import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type Relation } from 'typeorm';
import { Node, toGlobalId } from '../../graphql/node';
import { Agreement } from '../agreements/agreement.entity';

/** numeric columns read back as numbers (PostgreSQL returns numeric as text). */
const NUMERIC = { to: (v: number | null) => v, from: (v: string | null) => (v == null ? null : Number(v)) };

/** The association level that evaluates (评估层级); the level above reviews. Declared low → high: SQL orders by it. */
export enum EvaluationLevel {
  COUNTY = 'COUNTY',
  CITY = 'CITY',
  PROVINCE = 'PROVINCE',
  NATIONAL = 'NATIONAL',
}
registerEnumType(EvaluationLevel, {
  name: 'EvaluationLevel',
  description: 'Level of the association that evaluates (分级考核): the level above reviews its evaluations',
  valuesConfig: {
    COUNTY: { description: 'County/district association (区县科协); reviewed by the city' },
    CITY: { description: 'City association (市科协); reviewed by the province' },
    PROVINCE: { description: 'Provincial association (省科协); reviewed by the national association' },
    NATIONAL: { description: 'China Association for Science and Technology (中国科协); nothing above: submitting makes it REVIEWED' },
  },
});

/** Grade from the total score (等级): EXCELLENT ≥ 90, GOOD ≥ 75, PASS ≥ 60, FAIL below. */
export enum EvaluationGrade {
  EXCELLENT = 'EXCELLENT',
  GOOD = 'GOOD',
  PASS = 'PASS',
  FAIL = 'FAIL',
}
registerEnumType(EvaluationGrade, {
  name: 'EvaluationGrade',
  description: 'Grade (评估等级) computed by the server from the total score out of 100',
  valuesConfig: {
    EXCELLENT: { description: 'Excellent (优秀): total ≥ 90' },
    GOOD: { description: 'Good (良好): 75 ≤ total < 90' },
    PASS: { description: 'Pass (合格): 60 ≤ total < 75' },
    FAIL: { description: 'Fail (不合格): total < 60' },
  },
});

/** Acceptance decision (验收结论). */
export enum AcceptanceDecision {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  ACCEPTED_WITH_CONDITIONS = 'ACCEPTED_WITH_CONDITIONS',
  REJECTED = 'REJECTED',
}
registerEnumType(AcceptanceDecision, {
  name: 'AcceptanceDecision',
  description: 'Acceptance decision of an evaluation (验收结论); completing an agreement needs ACCEPTED or ACCEPTED_WITH_CONDITIONS',
  valuesConfig: {
    PENDING: { description: 'Not decided yet (待验收)' },
    ACCEPTED: { description: 'Accepted (通过验收)' },
    ACCEPTED_WITH_CONDITIONS: { description: 'Accepted with conditions to fulfil (有条件通过), stated in acceptanceConditions' },
    REJECTED: { description: 'Not accepted (不予通过)' },
  },
});

/** Where an evaluation stands (评估状态). */
export enum EvaluationStatus {
  DRAFT = 'DRAFT',
  SUBMITTED = 'SUBMITTED',
  REVIEWED = 'REVIEWED',
  RETURNED = 'RETURNED',
}
registerEnumType(EvaluationStatus, {
  name: 'EvaluationStatus',
  description: 'State of an evaluation: DRAFT → SUBMITTED → REVIEWED, or SUBMITTED → RETURNED → (amended) → SUBMITTED',
  valuesConfig: {
    DRAFT: { description: 'Being scored by the evaluating association (草稿); editable' },
    SUBMITTED: { description: 'Submitted to the level above for review (已报送)' },
    REVIEWED: { description: 'Confirmed or adjusted by the level above (已审核); final' },
    RETURNED: { description: 'Returned by the level above with a reason (退回); the evaluator amends and submits again' },
  },
});

/** What the reviewing level decided (审核结论). */
export enum EvaluationReviewDecision {
  CONFIRMED = 'CONFIRMED',
  ADJUSTED = 'ADJUSTED',
  RETURNED = 'RETURNED',
}
registerEnumType(EvaluationReviewDecision, {
  name: 'EvaluationReviewDecision',
  description: "The reviewing level's decision on a submitted evaluation (审核结论)",
  valuesConfig: {
    CONFIRMED: { description: 'Scores confirmed as submitted (确认)' },
    ADJUSTED: { description: 'Scores adjusted by the reviewer (调整); the original scores are kept beside the reviewed ones' },
    RETURNED: { description: 'Returned to the evaluator with a reason (退回)' },
  },
});

/** A configurable set of weighted indicators (考核指标体系) for one year and evaluation level, defined by an association. */
@ObjectType({ implements: Node, description: 'Indicator set (考核指标体系) for one year and evaluation level, defined by the national or a provincial association; weights sum to 100' })
@Entity('indicator_set')
@Index('indicator_set_unique', ['regionCode', 'year', 'level'], { unique: true })
@Index('indicator_set_year_idx', ['year', 'level'])
export class IndicatorSet {
  get nodeType(): string {
    return 'IndicatorSet';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('IndicatorSet', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Code of the defining association: 000000 (national, applies everywhere) or a province (340000, applies inside it)' })
  @Column({ type: 'varchar', length: 6, collation: 'C' })
  regionCode: string;

  /** Code prefix the set applies to ('' = national); evaluations inside it may use the set. */
  @Column({ type: 'varchar', length: 6, collation: 'C' })
  regionPrefix: string;

  @Field(() => Int, { description: 'Year the set applies to (考核年度)' })
  @Column({ type: 'smallint' })
  year: number;

  @Field(() => EvaluationLevel, { description: 'Evaluation level the set is for' })
  @Column({ type: 'enum', enum: EvaluationLevel, enumName: 'evaluation_level' })
  level: EvaluationLevel;

  @Field({ description: 'Name (指标体系名称)' })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field(() => String, { nullable: true, description: 'Description or basis (依据), e.g. the document that issued it' })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  description: string | null;

  @Field({ description: 'Subject of who created it' })
  @Column({ type: 'varchar', length: 200 })
  createdBy: string;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when changing the set' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When it was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When it last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** One weighted indicator of a set (考核指标). */
@ObjectType({ description: 'One indicator (考核指标) of an indicator set: code, name, weight (share of 100) and maximum score' })
@Entity('evaluation_indicator')
@Index('evaluation_indicator_code_unique', ['indicatorSetId', 'code'], { unique: true })
export class EvaluationIndicator {
  @Field(() => ID, { description: 'Indicator id' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  indicatorSetId: string;

  @ManyToOne(() => IndicatorSet, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'indicatorSetId' })
  indicatorSet?: Relation<IndicatorSet>;

  @Field(() => Int, { description: 'Position in the set, from 1' })
  @Column({ type: 'smallint' })
  position: number;

  @Field({ description: 'Code, unique in the set (e.g. A1); scores refer to it' })
  @Column({ type: 'varchar', length: 20 })
  code: string;

  @Field({ description: 'Name (指标名称), e.g. 培训完成情况' })
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Field(() => String, { nullable: true, description: 'How it is scored (评分标准)' })
  @Column({ type: 'varchar', length: 1000, nullable: true })
  description: string | null;

  @Field(() => Float, { description: 'Weight (权重) in points of the 100-point total; the weights of a set sum to 100' })
  @Column({ type: 'numeric', precision: 5, scale: 2, transformer: NUMERIC })
  weight: number;

  @Field(() => Float, { description: 'Maximum score (满分) of the indicator; scores range from 0 to it' })
  @Column({ type: 'numeric', precision: 6, scale: 2, transformer: NUMERIC })
  maxScore: number;
}

/** An evaluation (评估考核/评估验收) of one agreement for one year by the association of one level. */
@ObjectType({ implements: Node, description: 'Evaluation (评估考核, 评估验收) of an agreement for a year by the association of one level: indicator scores, total, grade, acceptance, evidence, evaluator, tiered review' })
@Entity('evaluation')
@Index('evaluation_unique', ['agreementId', 'year', 'level'], { unique: true })
@Index('evaluation_region_idx', ['regionCode', 'id'])
@Index('evaluation_updated_idx', ['updatedAt', 'id'])
@Index('evaluation_set_idx', ['indicatorSetId'])
export class Evaluation {
  get nodeType(): string {
    return 'Evaluation';
  }

  @Field(() => ID, { name: 'id', description: 'Opaque global ID' })
  get globalId(): string {
    return toGlobalId('Evaluation', this.id);
  }

  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'agreementId' })
  agreement?: Relation<Agreement>;

  @Field({ description: "The agreement's region code (copied; the region scope applies to it)" })
  @Column({ type: 'varchar', length: 12, collation: 'C' })
  regionCode: string;

  @Field(() => Int, { description: 'The period evaluated (考核年度)' })
  @Column({ type: 'smallint' })
  year: number;

  @Field(() => EvaluationLevel, { description: 'Level of the evaluating association' })
  @Column({ type: 'enum', enum: EvaluationLevel, enumName: 'evaluation_level' })
  level: EvaluationLevel;

  @Field({ description: 'Code of the evaluating association (e.g. 341524 for 金寨县科协, 341500 for 六安市科协)' })
  @Column({ type: 'varchar', length: 6, collation: 'C' })
  evaluatorRegionCode: string;

  @Column({ type: 'uuid' })
  indicatorSetId: string;

  @ManyToOne(() => IndicatorSet, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'indicatorSetId' })
  indicatorSet?: Relation<IndicatorSet>;

  @Field(() => EvaluationStatus, { description: 'State (评估状态)' })
  @Column({ type: 'enum', enum: EvaluationStatus, enumName: 'evaluation_status', default: EvaluationStatus.DRAFT })
  status: EvaluationStatus;

  @Field(() => Float, { description: 'Total score out of 100 in force (总分): the reviewed total once adjusted, else the evaluator\'s; Σ score / maxScore × weight, 2 decimals' })
  @Column({ type: 'numeric', precision: 5, scale: 2, transformer: NUMERIC })
  totalScore: number;

  @Field(() => EvaluationGrade, { description: 'Grade in force (等级), from totalScore' })
  @Column({ type: 'enum', enum: EvaluationGrade, enumName: 'evaluation_grade' })
  grade: EvaluationGrade;

  @Field(() => Float, { description: "The evaluator's own total (原始总分), kept when a reviewer adjusts the scores" })
  @Column({ type: 'numeric', precision: 5, scale: 2, transformer: NUMERIC })
  originalTotalScore: number;

  @Field(() => EvaluationGrade, { description: "The evaluator's own grade (原始等级)" })
  @Column({ type: 'enum', enum: EvaluationGrade, enumName: 'evaluation_grade' })
  originalGrade: EvaluationGrade;

  @Field(() => AcceptanceDecision, { description: 'Acceptance decision (验收结论); PENDING until decided' })
  @Column({ type: 'enum', enum: AcceptanceDecision, enumName: 'acceptance_decision', default: AcceptanceDecision.PENDING })
  acceptance: AcceptanceDecision;

  @Field(() => String, { nullable: true, description: 'Conditions of an ACCEPTED_WITH_CONDITIONS decision (整改要求)' })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  acceptanceConditions: string | null;

  @Field(() => [String], { description: 'Evidence references (佐证材料): document numbers, file URLs, photo ids; at most 20' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  evidence: string[];

  @Field(() => String, { nullable: true, description: "The evaluator's summary (评估意见)" })
  @Column({ type: 'varchar', length: 4000, nullable: true })
  summary: string | null;

  @Field({ description: 'Subject of the evaluator (评估人)' })
  @Column({ type: 'varchar', length: 200 })
  evaluatorSubject: string;

  @Field({ description: 'Name of the evaluator or panel (评估人/评估组) as recorded' })
  @Column({ type: 'varchar', length: 100 })
  evaluatorName: string;

  @Field(() => Date, { nullable: true, description: 'When it was (last) submitted (UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  submittedAt: Date | null;

  @Field(() => EvaluationReviewDecision, { nullable: true, description: "The reviewing level's latest decision" })
  @Column({ type: 'enum', enum: EvaluationReviewDecision, enumName: 'evaluation_review_decision', nullable: true })
  reviewDecision: EvaluationReviewDecision | null;

  @Field(() => String, { nullable: true, description: 'Subject of the reviewer (审核人)' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  reviewerSubject: string | null;

  @Field(() => String, { nullable: true, description: 'Name of the reviewer as recorded' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  reviewerName: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was reviewed or returned (UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  reviewedAt: Date | null;

  @Field(() => String, { nullable: true, description: "The reviewer's comment (审核意见), or the reason it was returned (退回原因)" })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  reviewComment: string | null;

  @Field({ description: 'Recommended upward (择优推荐) to the next level, e.g. as a candidate for nominations' })
  @Column({ type: 'boolean', default: false })
  recommended: boolean;

  @Field(() => String, { nullable: true, description: 'Why it is recommended (推荐理由)' })
  @Column({ type: 'varchar', length: 2000, nullable: true })
  recommendationReason: string | null;

  @Field(() => String, { nullable: true, description: 'Subject of who recommended it' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  recommendedBy: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was recommended (UTC)' })
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  recommendedAt: Date | null;

  @Field(() => Int, { description: 'Optimistic-lock version; pass it back when changing the evaluation' })
  @VersionColumn({ default: 1 })
  version: number;

  @Field({ description: 'When it was created (UTC)' })
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Field({ description: 'When it last changed (UTC)' })
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** One indicator's score in an evaluation: the evaluator's and, once adjusted, the reviewer's. */
@ObjectType({ description: "One indicator's score (指标得分): the evaluator's score and, when a reviewer adjusted it, the reviewed score" })
@Entity('evaluation_score')
@Index('evaluation_score_indicator_idx', ['indicatorId'])
export class EvaluationScore {
  @PrimaryColumn({ type: 'uuid' })
  evaluationId: string;

  @PrimaryColumn({ type: 'uuid' })
  indicatorId: string;

  @ManyToOne(() => Evaluation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'evaluationId' })
  evaluation?: Relation<Evaluation>;

  @ManyToOne(() => EvaluationIndicator, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'indicatorId' })
  indicator?: Relation<EvaluationIndicator>;

  @Field(() => Float, { description: "The evaluator's score (评估得分), 0 to the indicator's maxScore" })
  @Column({ type: 'numeric', precision: 6, scale: 2, transformer: NUMERIC })
  score: number;

  @Field(() => Float, { nullable: true, description: "The reviewer's score (审核得分) after an adjustment; null unless ADJUSTED" })
  @Column({ type: 'numeric', precision: 6, scale: 2, nullable: true, transformer: NUMERIC })
  reviewedScore: number | null;
}
