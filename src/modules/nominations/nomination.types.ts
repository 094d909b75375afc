import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ArrayMaxSize, ArrayMinSize, IsDateString, IsIn, IsInt, IsNumber, IsOptional, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { MutationInput } from '../../graphql/idempotency';
import { Payload } from '../../graphql/user-error';
import { OrderDirection } from '../regions/region.types';
import {
  Commendation,
  CommendationRecipientKind,
  NominationCandidate,
  NominationCandidateKind,
  NominationCandidateStatus,
  NominationCandidateStep,
  NominationLevel,
  NominationObjection,
  NominationObjectionStatus,
  NominationReviewer,
  NominationRound,
  NominationRoundStatus,
  NominationScore,
} from './nomination.entity';

/** Size caps (no unbounded lists). */
export const NOMINATION_LIMITS = { reviewers: 30, evidence: 10, selection: 100, quota: 1000 } as const;
/** The public notice lasts at least this long before a round may be submitted (7 full days, 7×24 h). */
export const NOTICE_MS = 7 * 24 * 3600 * 1000;

export const NominationRoundConnection = ConnectionType(NominationRound, 'NominationRound', 'nomination rounds');
export const NominationCandidateConnection = ConnectionType(NominationCandidate, 'NominationCandidate', 'nomination candidates');
export const NominationCandidateStepConnection = ConnectionType(NominationCandidateStep, 'NominationCandidateStep', 'candidate history steps');
export const NominationObjectionConnection = ConnectionType(NominationObjection, 'NominationObjection', 'objections');
export const CommendationConnection = ConnectionType(Commendation, 'Commendation', 'commendations');

const CODE = /^(\d{6})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

@InputType({ description: 'A new nomination round (推荐评选). A national round (regionCode 000000) sets its own quota; any other round is allotted its quota by the round of the level above (parentRoundId), within what that round has left' })
export class CreateNominationRoundInput extends MutationInput {
  @Field(() => String, { nullable: true, description: 'Title of the programme; required for a national round, inherited from the parent otherwise' })
  @IsOptional()
  @MinLength(2)
  @MaxLength(200)
  title?: string | null;
  @Field(() => Int, { nullable: true, description: 'Year; required for a national round, inherited from the parent otherwise' })
  @IsOptional()
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number | null;
  @Field({ description: 'Region code of the association running the round: 000000 (national), a province (340000), city (341500) or county (341524)' })
  @Matches(CODE, { message: 'regionCode must be a 6-digit division code (000000 for national)' })
  regionCode: string;
  @Field(() => ID, { nullable: true, description: 'The round of a level above that allots the quota (required unless national); the region must lie inside its region' })
  @IsOptional()
  parentRoundId?: string | null;
  @Field(() => Int, { description: `Recommendation quota (推荐指标), 1 to ${NOMINATION_LIMITS.quota}; at most what the parent round has not yet allotted` })
  @IsInt()
  @Min(1)
  @Max(NOMINATION_LIMITS.quota)
  quota: number;
}

@InputType({ description: 'Nominate an organization or an expert (exactly one) as a candidate of an OPEN round; refused with NOT_ELIGIBLE unless it is in the registry and provides a registered agreement in the round’s region' })
export class AddNominationCandidateInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the round' })
  roundId: string;
  @Field(() => ID, { nullable: true, description: 'Global ID of the organization (科技组织)' })
  @IsOptional()
  organizationId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Global ID of the expert (科技专家)' })
  @IsOptional()
  expertId?: string | null;
  @Field(() => String, { nullable: true, description: 'Summary of the deeds (事迹材料摘要)' })
  @IsOptional()
  @MaxLength(5000)
  citation?: string | null;
  @Field(() => [String], { nullable: true, description: `Evidence references (佐证材料), at most ${NOMINATION_LIMITS.evidence}` })
  @IsOptional()
  @ArrayMaxSize(NOMINATION_LIMITS.evidence)
  @MaxLength(500, { each: true })
  evidence?: string[] | null;
}

@InputType({ description: 'A panel member to assign' })
export class NominationReviewerInput {
  @Field({ description: 'Subject of the principal (the token `sub`, or apikey:<id>)' })
  @MinLength(1)
  @MaxLength(200)
  subject: string;
  @Field({ description: 'Display name (姓名)' })
  @MinLength(1)
  @MaxLength(100)
  name: string;
}

@InputType({ description: 'Add members to the expert review panel (评审专家组) of an OPEN round; members already on it are kept' })
export class AssignNominationReviewersInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the round' })
  roundId: string;
  @Field(() => [NominationReviewerInput], { description: `Members to add, 1 to ${NOMINATION_LIMITS.reviewers} (the panel holds at most ${NOMINATION_LIMITS.reviewers})` })
  @ArrayMinSize(1)
  @ArrayMaxSize(NOMINATION_LIMITS.reviewers)
  @ValidateNested({ each: true })
  reviewers: NominationReviewerInput[];
}

@InputType({ description: 'A panel member scores a candidate (评分) while the panel is open; scoring again replaces the score' })
export class ScoreNominationCandidateInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the candidate' })
  candidateId: string;
  // No maxDecimalPlaces: class-validator's check throws on exponent notation (1e-7); numeric(5,2) rounds.
  @Field(() => Float, { description: 'Score from 0 to 100, rounded to two decimals' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  score: number;
  @Field(() => String, { nullable: true, description: 'Comment (评语)' })
  @IsOptional()
  @MaxLength(1000)
  comment?: string | null;
}

@InputType({ description: 'The round to act on, the version you read, and an optional note' })
export class NominationRoundTransitionInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the round' })
  id: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => String, { nullable: true, description: 'Note recorded in the audit trail' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
}

@InputType({ description: 'Select candidates of a REVIEWED round within its quota (拟推荐名单); replaces an earlier selection' })
export class SelectNominationCandidatesInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the round' })
  roundId: string;
  @Field(() => Int, { description: 'The version of the round you read' })
  @IsInt()
  version: number;
  @Field(() => [ID], { description: 'Global IDs of the candidates to select, at most the quota' })
  @ArrayMaxSize(NOMINATION_LIMITS.selection)
  candidateIds: string[];
}

@InputType({ description: 'Lodge an objection (异议) to a candidate on a public notice (公示), with the reason' })
export class LodgeNominationObjectionInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the selected candidate' })
  candidateId: string;
  @Field({ description: 'The objection, 5 to 2000 characters' })
  @MinLength(5)
  @MaxLength(2000)
  reason: string;
}

export enum ObjectionDecision {
  UPHOLD = 'UPHOLD',
  DISMISS = 'DISMISS',
}
registerEnumType(ObjectionDecision, {
  name: 'ObjectionDecision',
  description: 'How the round coordinator resolves an objection',
  valuesConfig: {
    UPHOLD: { description: 'The objection is founded (异议成立): the candidate is revoked and leaves the selection' },
    DISMISS: { description: 'The objection is unfounded (异议不成立)' },
  },
});

@InputType({ description: 'Resolve an OPEN objection (异议处理): uphold (the candidate is revoked) or dismiss, with the finding' })
export class ResolveNominationObjectionInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the objection' })
  id: string;
  @Field(() => Int, { description: 'The version of the objection you read' })
  @IsInt()
  version: number;
  @Field(() => ObjectionDecision, { description: 'Uphold or dismiss' })
  @IsIn(Object.values(ObjectionDecision))
  decision: ObjectionDecision;
  @Field({ description: 'The finding (处理意见), 2 to 2000 characters' })
  @MinLength(2)
  @MaxLength(2000)
  resolution: string;
}

@InputType({ description: 'Disqualify a candidate (撤销评选资格), e.g. for fabricated material (虚构事迹材料), with the reason' })
export class RevokeNominationCandidateInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the candidate' })
  id: string;
  @Field(() => Int, { description: 'The version of the candidate you read' })
  @IsInt()
  version: number;
  @Field({ description: 'Reason, 2 to 1000 characters; kept in the candidate’s history and the audit trail' })
  @MinLength(2)
  @MaxLength(1000)
  reason: string;
}

@InputType({ description: 'Record a commendation (表彰): an organization or expert of the registry, or a named team, commended by an association' })
export class RecordCommendationInput extends MutationInput {
  @Field(() => Int, { description: 'Year' })
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;
  @Field({ description: 'Region code of the commending association (000000 = national); the recipient must be inside its region' })
  @Matches(CODE, { message: 'regionCode must be a 6-digit division code (000000 for national)' })
  regionCode: string;
  @Field({ description: 'Title awarded (称号)' })
  @MinLength(2)
  @MaxLength(200)
  title: string;
  @Field(() => CommendationRecipientKind, { description: 'Organization, team or individual' })
  @IsIn(Object.values(CommendationRecipientKind))
  recipientKind: CommendationRecipientKind;
  @Field(() => ID, { nullable: true, description: 'Global ID of the organization (ORGANIZATION)' })
  @IsOptional()
  organizationId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Global ID of the expert (INDIVIDUAL)' })
  @IsOptional()
  expertId?: string | null;
  @Field(() => String, { nullable: true, description: 'Name of the team (TEAM)' })
  @IsOptional()
  @MinLength(2)
  @MaxLength(200)
  teamName?: string | null;
  @Field(() => String, { nullable: true, description: 'Region code of the team (TEAM), inside the commending region' })
  @IsOptional()
  @Matches(/^\d{6}(\d{3}){0,2}$/, { message: 'teamRegionCode must be a 6, 9 or 12 digit division code' })
  teamRegionCode?: string | null;
  @Field(() => ID, { nullable: true, description: 'Global ID of the nomination candidate it results from, if any' })
  @IsOptional()
  candidateId?: string | null;
  @Field(() => String, { nullable: true, description: 'Document number of the decision (表彰文号)' })
  @IsOptional()
  @MaxLength(100)
  documentNumber?: string | null;
  @Field(() => String, { nullable: true, description: 'Date of the decision (YYYY-MM-DD)' })
  @IsOptional()
  @Matches(DATE, { message: 'commendedOn must be YYYY-MM-DD' })
  @IsDateString({ strict: true })
  commendedOn?: string | null;
}

@InputType({ description: 'Filters for listing nomination rounds; all given conditions must hold' })
export class NominationRoundFilter {
  @Field(() => Int, { nullable: true, description: 'Only this year' })
  year?: number | null;
  @Field(() => [NominationLevel], { nullable: true, description: 'Only these levels' })
  level?: NominationLevel[] | null;
  @Field(() => String, { nullable: true, description: 'Only rounds of associations inside this region (code prefix subtree)' })
  within?: string | null;
  @Field(() => [NominationRoundStatus], { nullable: true, description: 'Only these states' })
  status?: NominationRoundStatus[] | null;
  @Field(() => ID, { nullable: true, description: 'Only rounds allotted by this round (global ID)' })
  parentRoundId?: string | null;
  @Field(() => String, { nullable: true, description: 'Title contains this text' })
  titleContains?: string | null;
}

@InputType({ description: 'Filters of a round’s candidates' })
export class NominationCandidateFilter {
  @Field(() => [NominationCandidateStatus], { nullable: true, description: 'Only these states' })
  status?: NominationCandidateStatus[] | null;
  @Field(() => NominationCandidateKind, { nullable: true, description: 'Only organizations or only experts' })
  kind?: NominationCandidateKind | null;
}

@InputType({ description: 'Filters of a round’s objections' })
export class NominationObjectionFilter {
  @Field(() => [NominationObjectionStatus], { nullable: true, description: 'Only these states' })
  status?: NominationObjectionStatus[] | null;
}

@InputType({ description: 'Filters for listing commendations; all given conditions must hold' })
export class CommendationFilter {
  @Field(() => Int, { nullable: true, description: 'Only this year' })
  year?: number | null;
  @Field(() => [NominationLevel], { nullable: true, description: 'Only commendations by these levels' })
  level?: NominationLevel[] | null;
  @Field(() => String, { nullable: true, description: 'Only recipients inside this region (code prefix subtree)' })
  within?: string | null;
  @Field(() => [CommendationRecipientKind], { nullable: true, description: 'Only these kinds of recipient' })
  recipientKind?: CommendationRecipientKind[] | null;
  @Field(() => ID, { nullable: true, description: 'Only this organization (global ID)' })
  organizationId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only this expert (global ID)' })
  expertId?: string | null;
  @Field(() => String, { nullable: true, description: 'Title contains this text' })
  titleContains?: string | null;
}

export enum NominationOrderField {
  CREATED_AT = 'CREATED_AT',
  YEAR = 'YEAR',
}
registerEnumType(NominationOrderField, {
  name: 'NominationOrderField',
  description: 'Orderings of nomination rounds and commendations',
  valuesConfig: { CREATED_AT: { description: 'By creation' }, YEAR: { description: 'By year' } },
});

@InputType({ description: 'Ordering of nomination rounds or commendations' })
export class NominationOrder {
  @Field(() => NominationOrderField, { description: 'Field to order by' })
  field: NominationOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Direction' })
  direction: OrderDirection;
}

@ObjectType({ description: 'Result of a nomination round mutation' })
export class NominationRoundPayload extends Payload {
  @Field(() => NominationRound, { nullable: true, description: 'The round after the change' })
  round?: NominationRound | null;
  @Field(() => NominationRoundStatus, { nullable: true, description: 'The current state when the change was refused' })
  currentStatus?: NominationRoundStatus | null;
  @Field(() => Int, { nullable: true, description: 'When a submission is refused because the notice is too short: seconds of notice still to run' })
  noticeRemainingSeconds?: number | null;
}

@ObjectType({ description: 'Result of a candidate mutation' })
export class NominationCandidatePayload extends Payload {
  @Field(() => NominationCandidate, { nullable: true, description: 'The candidate after the change' })
  candidate?: NominationCandidate | null;
}

@ObjectType({ description: 'Result of assignNominationReviewers' })
export class AssignNominationReviewersPayload extends Payload {
  @Field(() => NominationRound, { nullable: true, description: 'The round' })
  round?: NominationRound | null;
  @Field(() => [NominationReviewer], { nullable: true, description: 'The whole panel after the change' })
  reviewers?: NominationReviewer[] | null;
}

@ObjectType({ description: 'Result of scoreNominationCandidate' })
export class ScoreNominationCandidatePayload extends Payload {
  @Field(() => NominationScore, { nullable: true, description: 'Your score' })
  score?: NominationScore | null;
  @Field(() => NominationCandidate, { nullable: true, description: 'The candidate (with its new average and rank)' })
  candidate?: NominationCandidate | null;
}

@ObjectType({ description: 'Result of selectNominationCandidates' })
export class SelectNominationCandidatesPayload extends Payload {
  @Field(() => NominationRound, { nullable: true, description: 'The round' })
  round?: NominationRound | null;
  @Field(() => [NominationCandidate], { nullable: true, description: 'The selected candidates' })
  selected?: NominationCandidate[] | null;
}

@ObjectType({ description: 'Result of an objection mutation' })
export class NominationObjectionPayload extends Payload {
  @Field(() => NominationObjection, { nullable: true, description: 'The objection after the change' })
  objection?: NominationObjection | null;
}

@ObjectType({ description: 'Result of recordCommendation' })
export class CommendationPayload extends Payload {
  @Field(() => Commendation, { nullable: true, description: 'The recorded commendation' })
  commendation?: Commendation | null;
}
