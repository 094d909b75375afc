import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { MutationInput } from '../../graphql/idempotency';
import { Payload } from '../../graphql/user-error';
import { OrderDirection } from '../regions/region.types';
import { AcceptanceDecision, Evaluation, EvaluationGrade, EvaluationLevel, EvaluationReviewDecision, EvaluationStatus, IndicatorSet } from './evaluation.entity';

/** Size caps (no unbounded lists). */
export const EVALUATION_LIMITS = { indicators: 30, evidence: 20, evidenceLength: 500 } as const;
/** Years an evaluation or indicator set may be for. */
export const YEAR_RANGE = { min: 1990, max: 2100 } as const;

export const IndicatorSetConnection = ConnectionType(IndicatorSet, 'IndicatorSet', 'indicator sets (考核指标体系)');
export const EvaluationConnection = ConnectionType(Evaluation, 'Evaluation', 'evaluations (评估)');

@InputType({ description: 'One indicator (考核指标) of a set' })
export class IndicatorInput {
  @Field({ description: 'Code, unique in the set (letters, digits, . _ -; at most 20)' })
  @Matches(/^[A-Za-z0-9._-]{1,20}$/, { message: 'code must be 1–20 letters, digits, dots, underscores or hyphens' })
  code: string;
  @Field({ description: 'Name (指标名称)' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;
  @Field(() => String, { nullable: true, description: 'How it is scored (评分标准)' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
  @Field(() => Float, { description: 'Weight in points of 100 (> 0, at most two decimals); the weights of a set sum to 100' })
  @IsNumber()
  @Min(0.01)
  @Max(100)
  weight: number;
  @Field(() => Float, { description: 'Maximum score (> 0, at most 1000, at most two decimals)' })
  @IsNumber()
  @Min(0.01)
  @Max(1000)
  maxScore: number;
}

@InputType({ description: 'A new indicator set (考核指标体系) for a year and evaluation level' })
export class CreateIndicatorSetInput extends MutationInput {
  @Field({ description: 'The defining association: 000000 (national admins; applies everywhere) or a province code such as 340000 (its provincial coordinators; applies inside it)' })
  @Matches(/^\d{6}$/, { message: 'regionCode must be a 6-digit code' })
  regionCode: string;
  @Field(() => Int, { description: `Year (${YEAR_RANGE.min}–${YEAR_RANGE.max})` })
  @IsInt()
  @Min(YEAR_RANGE.min)
  @Max(YEAR_RANGE.max)
  year: number;
  @Field(() => EvaluationLevel, { description: 'Evaluation level the set is for (NATIONAL only in a national set)' })
  @IsEnum(EvaluationLevel)
  level: EvaluationLevel;
  @Field({ description: 'Name' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;
  @Field(() => String, { nullable: true, description: 'Description or basis (依据)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
  @Field(() => [IndicatorInput], { description: `Indicators, 1 to ${EVALUATION_LIMITS.indicators}; weights sum to 100` })
  @ArrayMinSize(1)
  @ArrayMaxSize(EVALUATION_LIMITS.indicators)
  @ValidateNested({ each: true })
  indicators: IndicatorInput[];
}

@InputType({ description: 'Change an indicator set; the indicators can only be replaced while no evaluation uses the set' })
export class UpdateIndicatorSetInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the set' })
  @IsString()
  id: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => String, { nullable: true, description: 'New name' })
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name?: string | null;
  @Field(() => String, { nullable: true, description: 'New description' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
  @Field(() => [IndicatorInput], { nullable: true, description: 'New indicators (replace the list; weights sum to 100); refused with INVALID_STATE once an evaluation uses the set' })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVALUATION_LIMITS.indicators)
  @ValidateNested({ each: true })
  indicators?: IndicatorInput[] | null;
}

@InputType({ description: "One indicator's score" })
export class IndicatorScoreInput {
  @Field({ description: 'Indicator code in the set' })
  @IsString()
  @MaxLength(20)
  code: string;
  @Field(() => Float, { description: "Score, 0 to the indicator's maxScore, at most two decimals" })
  @IsNumber()
  score: number;
}

/** Content fields shared by create and update (abstract, not in the schema by itself). */
@InputType('EvaluationContentInput', { description: 'Content of an evaluation' })
abstract class EvaluationContentInput extends MutationInput {
  @Field(() => AcceptanceDecision, { nullable: true, description: 'Acceptance decision (验收结论); default PENDING' })
  @IsOptional()
  @IsEnum(AcceptanceDecision)
  acceptance?: AcceptanceDecision | null;
  @Field(() => String, { nullable: true, description: 'Conditions (required with ACCEPTED_WITH_CONDITIONS)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  acceptanceConditions?: string | null;
  @Field(() => [String], { nullable: true, description: `Evidence references (佐证材料), at most ${EVALUATION_LIMITS.evidence} of at most ${EVALUATION_LIMITS.evidenceLength} characters` })
  @IsOptional()
  @ArrayMaxSize(EVALUATION_LIMITS.evidence)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(EVALUATION_LIMITS.evidenceLength, { each: true })
  evidence?: string[] | null;
  @Field(() => String, { nullable: true, description: "Evaluator's summary (评估意见)" })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  summary?: string | null;
}

@InputType({ description: 'A new evaluation (DRAFT) of an agreement for a year at your level' })
export class CreateEvaluationInput extends EvaluationContentInput {
  @Field(() => ID, { description: 'Global ID of the agreement (REGISTERED, IN_PROGRESS or COMPLETED)' })
  @IsString()
  agreementId: string;
  @Field(() => Int, { description: "The year evaluated; inside the agreement's period" })
  @IsInt()
  @Min(YEAR_RANGE.min)
  @Max(YEAR_RANGE.max)
  year: number;
  @Field(() => EvaluationLevel, { description: 'Your association level (a county coordinator evaluates at COUNTY, …)' })
  @IsEnum(EvaluationLevel)
  level: EvaluationLevel;
  @Field(() => ID, { description: "Global ID of the indicator set: same year and level, applying to the agreement's region" })
  @IsString()
  indicatorSetId: string;
  @Field(() => [IndicatorScoreInput], { description: 'A score for every indicator of the set, each once' })
  @ArrayMaxSize(EVALUATION_LIMITS.indicators)
  @ValidateNested({ each: true })
  scores: IndicatorScoreInput[];
  @Field({ description: 'Name of the evaluator or panel (评估人/评估组)' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  evaluatorName: string;
}

@InputType({ description: 'Amend a DRAFT or RETURNED evaluation; omitted fields stay, given scores replace all scores' })
export class UpdateEvaluationInput extends EvaluationContentInput {
  @Field(() => ID, { description: 'Global ID of the evaluation' })
  @IsString()
  id: string;
  @Field(() => Int, { description: 'The version you read' })
  @IsInt()
  version: number;
  @Field(() => [IndicatorScoreInput], { nullable: true, description: 'A score for every indicator of the set, each once' })
  @IsOptional()
  @ArrayMaxSize(EVALUATION_LIMITS.indicators)
  @ValidateNested({ each: true })
  scores?: IndicatorScoreInput[] | null;
  @Field(() => String, { nullable: true, description: 'New evaluator name' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  evaluatorName?: string | null;
}

@InputType({ description: 'The evaluation to act on and the version you read' })
export class EvaluationTransitionInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the evaluation' })
  @IsString()
  id: string;
  @Field(() => Int, { description: 'The version you read' })
  @IsInt()
  version: number;
}

@InputType({ description: "The reviewing level's decision on a SUBMITTED evaluation" })
export class ReviewEvaluationInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the evaluation' })
  @IsString()
  id: string;
  @Field(() => Int, { description: 'The version you read' })
  @IsInt()
  version: number;
  @Field(() => EvaluationReviewDecision, { description: 'CONFIRMED, ADJUSTED (with scores) or RETURNED (with a comment as the reason)' })
  @IsEnum(EvaluationReviewDecision)
  decision: EvaluationReviewDecision;
  @Field(() => [IndicatorScoreInput], { nullable: true, description: 'ADJUSTED only: the reviewed scores of the indicators you change (the others keep the evaluator\'s score)' })
  @IsOptional()
  @ArrayMaxSize(EVALUATION_LIMITS.indicators)
  @ValidateNested({ each: true })
  scores?: IndicatorScoreInput[] | null;
  @Field(() => AcceptanceDecision, { nullable: true, description: 'CONFIRMED/ADJUSTED: replaces the acceptance decision' })
  @IsOptional()
  @IsEnum(AcceptanceDecision)
  acceptance?: AcceptanceDecision | null;
  @Field(() => String, { nullable: true, description: 'Conditions (required when the acceptance becomes ACCEPTED_WITH_CONDITIONS)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  acceptanceConditions?: string | null;
  @Field(() => String, { nullable: true, description: 'Review comment (审核意见); the reason (required) when RETURNED' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string | null;
  @Field(() => String, { nullable: true, description: 'Name of the reviewer as recorded (default: your token name or subject)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  reviewerName?: string | null;
}

@InputType({ description: 'Recommend a reviewed evaluation upward (择优推荐), or withdraw the recommendation' })
export class RecommendEvaluationInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the evaluation' })
  @IsString()
  id: string;
  @Field(() => Int, { description: 'The version you read' })
  @IsInt()
  version: number;
  @Field({ description: 'true to recommend, false to withdraw' })
  @IsBoolean()
  recommended: boolean;
  @Field(() => String, { nullable: true, description: 'Why (推荐理由); required when recommending' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string | null;
}

@InputType({ description: 'Filters for listing evaluations; all given conditions must hold' })
export class EvaluationFilter {
  @Field(() => ID, { nullable: true, description: 'Only evaluations of this agreement (global ID)' })
  agreementId?: string | null;
  @Field(() => String, { nullable: true, description: "Only evaluations of agreements inside this region (code prefix subtree)" })
  within?: string | null;
  @Field(() => Int, { nullable: true, description: 'Only this year' })
  year?: number | null;
  @Field(() => [EvaluationLevel], { nullable: true, description: 'Only these evaluation levels' })
  level?: EvaluationLevel[] | null;
  @Field(() => [EvaluationGrade], { nullable: true, description: 'Only these grades (in force)' })
  grade?: EvaluationGrade[] | null;
  @Field(() => [EvaluationStatus], { nullable: true, description: 'Only these states' })
  status?: EvaluationStatus[] | null;
  @Field(() => [AcceptanceDecision], { nullable: true, description: 'Only these acceptance decisions' })
  acceptance?: AcceptanceDecision[] | null;
  @Field(() => Boolean, { nullable: true, description: 'Only recommended (true) or not recommended (false) evaluations' })
  recommended?: boolean | null;
}

export enum EvaluationOrderField {
  UPDATED_AT = 'UPDATED_AT',
  CREATED_AT = 'CREATED_AT',
  TOTAL_SCORE = 'TOTAL_SCORE',
}
registerEnumType(EvaluationOrderField, {
  name: 'EvaluationOrderField',
  description: 'Orderings of evaluations',
  valuesConfig: {
    UPDATED_AT: { description: 'By last change' },
    CREATED_AT: { description: 'By creation' },
    TOTAL_SCORE: { description: 'By total score in force (ranking)' },
  },
});

@InputType({ description: 'Ordering of evaluations' })
export class EvaluationOrder {
  @Field(() => EvaluationOrderField, { description: 'Field to order by' })
  @IsIn(Object.values(EvaluationOrderField))
  field: EvaluationOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Direction' })
  direction: OrderDirection;
}

@InputType({ description: 'Filters for listing indicator sets' })
export class IndicatorSetFilter {
  @Field(() => Int, { nullable: true, description: 'Only this year' })
  year?: number | null;
  @Field(() => [EvaluationLevel], { nullable: true, description: 'Only these levels' })
  level?: EvaluationLevel[] | null;
  @Field(() => String, { nullable: true, description: 'Only sets that apply to this region (the national set and its province\'s), e.g. 341524' })
  appliesTo?: string | null;
}

@ObjectType({ description: 'Result of an indicator set mutation' })
export class IndicatorSetPayload extends Payload {
  @Field(() => IndicatorSet, { nullable: true, description: 'The set after the change' })
  indicatorSet?: IndicatorSet | null;
}

@ObjectType({ description: 'Result of an evaluation mutation' })
export class EvaluationPayload extends Payload {
  @Field(() => Evaluation, { nullable: true, description: 'The evaluation after the change' })
  evaluation?: Evaluation | null;
  @Field(() => EvaluationStatus, { nullable: true, description: 'The current state when the change was refused (INVALID_STATE, VERSION_CONFLICT)' })
  currentStatus?: EvaluationStatus | null;
}

@ObjectType({
  description:
    "A provider's evaluation record (往期评估): the latest SUBMITTED or REVIEWED evaluation of each agreement the organization or expert took part in, counted by grade — the same evaluations matching scores, read by nomination candidates",
})
export class ProviderEvaluationRecord {
  @Field(() => Int, { description: 'Agreements of the provider that have a submitted or reviewed evaluation' })
  evaluated: number;

  @Field(() => Int, { description: 'Of those, latest grade EXCELLENT (优秀)' })
  excellent: number;

  @Field(() => Int, { description: 'Of those, latest grade GOOD (良好)' })
  good: number;

  @Field(() => Int, { description: 'Of those, latest grade PASS (合格)' })
  pass: number;

  @Field(() => Int, { description: 'Of those, latest grade FAIL (不合格)' })
  fail: number;

  @Field(() => Int, { description: 'Of those, latest evaluations recommended upward (推荐上报)' })
  recommended: number;
}
