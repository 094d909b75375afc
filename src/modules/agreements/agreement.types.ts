import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ArrayMaxSize, IsDateString, IsIn, IsInt, IsNumber, IsOptional, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { MutationInput } from '../../graphql/idempotency';
import { ConnectionType } from '../../graphql/connection';
import { Payload } from '../../graphql/user-error';
import { OrderDirection } from '../regions/region.types';
import { RegionLevel } from '../regions/region.entity';
import { Agreement, AgreementFilingStep, AgreementProgressReport, AgreementStatus, AgreementTaskKind } from './agreement.entity';

/** Size caps of an agreement's lists (no unbounded lists). */
export const LIMITS = { experts: 20, villages: 50, households: 100, needs: 20, matches: 20, tasks: 30, signatories: 10, evidence: 10, progressItems: 30, batch: 100 } as const;

export const AgreementConnection = ConnectionType(Agreement, 'Agreement', 'assistance agreements');
export const AgreementFilingStepConnection = ConnectionType(AgreementFilingStep, 'AgreementFilingStep', 'filing steps');
export const AgreementProgressReportConnection = ConnectionType(AgreementProgressReport, 'AgreementProgressReport', 'progress reports');

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CODE = /^\d{6}(\d{3}){0,2}$/;

/** A planned task in an agreement's input. */
@InputType({ description: 'A planned task (帮扶任务) with its planned quantity' })
export class AgreementTaskInput {
  @Field(() => AgreementTaskKind, { description: 'Kind of task' })
  @IsIn(Object.values(AgreementTaskKind))
  kind: AgreementTaskKind;
  @Field({ description: 'What is to be done' })
  @MinLength(2)
  @MaxLength(500)
  description: string;
  @Field(() => Float, { description: 'Planned quantity (> 0)' })
  @IsNumber()
  @Min(0.01)
  @Max(1e9)
  plannedQuantity: number;
  @Field({ description: 'Unit, e.g. 期, 户, 项, 人次' })
  @MinLength(1)
  @MaxLength(20)
  unit: string;
}

/** A signatory in signAgreement's input. */
@InputType({ description: 'A signatory (签署人)' })
export class SignatoryInput {
  @Field({ description: 'The party signing' })
  @MinLength(2)
  @MaxLength(200)
  party: string;
  @Field({ description: 'Name of the person signing' })
  @MinLength(1)
  @MaxLength(50)
  name: string;
  @Field(() => String, { nullable: true, description: 'Their role or title' })
  @IsOptional()
  @MaxLength(50)
  role?: string | null;
}

/** Content fields shared by create and update (an abstract base: not referenced, so not in the schema). */
@InputType('AgreementContentInput', { description: 'Content fields of an agreement' })
abstract class AgreementContentInput extends MutationInput {
  @Field(() => ID, { nullable: true, description: 'Global ID of the providing organization (帮扶组织)' })
  @IsOptional()
  organizationId?: string | null;
  @Field(() => [ID], { nullable: true, description: `Global IDs of the participating experts (参与专家), at most ${LIMITS.experts}` })
  @IsOptional()
  @ArrayMaxSize(LIMITS.experts)
  expertIds?: string[] | null;
  @Field(() => [String], { nullable: true, description: `Codes of the beneficiary registered poor villages (受援贫困村, 12 digits), inside regionCode, at most ${LIMITS.villages}` })
  @IsOptional()
  @ArrayMaxSize(LIMITS.villages)
  @Matches(/^\d{12}$/, { each: true, message: 'villageCodes must be 12-digit village codes' })
  villageCodes?: string[] | null;
  @Field(() => [ID], { nullable: true, description: `Global IDs of beneficiary registered poor households (受援建档立卡贫困户) in the agreement's region, at most ${LIMITS.households}` })
  @IsOptional()
  @ArrayMaxSize(LIMITS.households)
  householdIds?: string[] | null;
  @Field(() => [ID], { nullable: true, description: `Global IDs of the needs (需求) in the agreement's region it answers, at most ${LIMITS.needs}` })
  @IsOptional()
  @ArrayMaxSize(LIMITS.needs)
  needIds?: string[] | null;
  @Field(() => [ID], { nullable: true, description: `Global IDs of ACCEPTED matches (已接受的对接) it starts from, at most ${LIMITS.matches}` })
  @IsOptional()
  @ArrayMaxSize(LIMITS.matches)
  matchIds?: string[] | null;
  @Field(() => String, { nullable: true, description: 'First day of the period (YYYY-MM-DD)' })
  @IsOptional()
  @Matches(DATE, { message: 'periodStart must be YYYY-MM-DD' })
  @IsDateString({ strict: true })
  periodStart?: string | null;
  @Field(() => String, { nullable: true, description: 'Last day of the period (YYYY-MM-DD)' })
  @IsOptional()
  @Matches(DATE, { message: 'periodEnd must be YYYY-MM-DD' })
  @IsDateString({ strict: true })
  periodEnd?: string | null;
  @Field(() => String, { nullable: true, description: 'Goals (帮扶目标)' })
  @IsOptional()
  @MaxLength(5000)
  goals?: string | null;
  @Field(() => [AgreementTaskInput], { nullable: true, description: `Planned tasks (帮扶任务), at most ${LIMITS.tasks}; replaces the list` })
  @IsOptional()
  @ArrayMaxSize(LIMITS.tasks)
  @ValidateNested({ each: true })
  tasks?: AgreementTaskInput[] | null;
  @Field(() => String, { nullable: true, description: 'Measures (帮扶措施)' })
  @IsOptional()
  @MaxLength(5000)
  measures?: string | null;
  @Field(() => String, { nullable: true, description: 'Working mechanism (工作机制)' })
  @IsOptional()
  @MaxLength(5000)
  mechanism?: string | null;
}

/** Input of `createAgreement`. */
@InputType({ description: 'A new assistance agreement (帮扶协议书), created as DRAFT; content may be completed later' })
export class CreateAgreementInput extends AgreementContentInput {
  @Field({ description: 'Title (协议名称)' })
  @MinLength(2)
  @MaxLength(200)
  title: string;
  @Field({ description: "Region of the beneficiaries: a county, township or village code; it decides the filing chain" })
  @Matches(CODE, { message: 'regionCode must be a 6, 9 or 12 digit division code' })
  regionCode: string;
  @Field(() => RegionLevel, { nullable: true, description: 'Level of the filing party (default VILLAGE: a village agreement filed with the county association; COUNTY files with the city, CITY/PROVINCE with the province)' })
  @IsOptional()
  @IsIn(Object.values(RegionLevel))
  filerLevel?: RegionLevel | null;
}

/** Input of `updateAgreement`. */
@InputType({ description: 'Amend a DRAFT or RETURNED agreement; omitted fields stay, given lists replace the old ones' })
export class UpdateAgreementInput extends AgreementContentInput {
  @Field(() => ID, { description: 'Global ID of the agreement' })
  id: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => String, { nullable: true, description: 'New title' })
  @IsOptional()
  @MinLength(2)
  @MaxLength(200)
  title?: string | null;
  @Field(() => RegionLevel, { nullable: true, description: 'New filer level' })
  @IsOptional()
  @IsIn(Object.values(RegionLevel))
  filerLevel?: RegionLevel | null;
}

/** Input of `signAgreement`. */
@InputType({ description: 'Record the signing (签订) of a complete DRAFT agreement' })
export class SignAgreementInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the agreement' })
  id: string;
  @Field(() => Int, { description: 'The version you read' })
  @IsInt()
  version: number;
  @Field({ description: 'Date on the signed document (YYYY-MM-DD)' })
  @Matches(DATE, { message: 'signingDate must be YYYY-MM-DD' })
  @IsDateString({ strict: true })
  signingDate: string;
  @Field(() => [SignatoryInput], { description: `Signatories, 1 to ${LIMITS.signatories}` })
  @ArrayMaxSize(LIMITS.signatories)
  @ValidateNested({ each: true })
  signatories: SignatoryInput[];
}

/** Input of a plain transition (file, approve, register, start). */
@InputType({ description: 'The agreement to act on, the version you read, and an optional note' })
export class AgreementTransitionInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the agreement' })
  id: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => String, { nullable: true, description: 'Note recorded in the filing history' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
}

/** Input of a transition that needs a reason (return, terminate, complete). */
@InputType({ description: 'The agreement to act on, the version you read, and the reason or note (required)' })
export class AgreementReasonInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the agreement' })
  id: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field({ description: 'Reason (退回/终止原因) or completion note (完成说明), 2 to 1000 characters' })
  @MinLength(2)
  @MaxLength(1000)
  reason: string;
}

/** Input of `submitAgreementsToRegistry`. */
@InputType({ description: 'Agreements under provincial review that the province submits to the national registry together (汇总报送)' })
export class SubmitAgreementsInput extends MutationInput {
  @Field(() => [ID], { description: `Global IDs, 1 to ${LIMITS.batch}, all in PROVINCE_REVIEW and in your province` })
  @ArrayMaxSize(LIMITS.batch)
  ids: string[];
  @Field(() => String, { nullable: true, description: 'Note recorded in each filing history' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
}

/** One delivered quantity in a progress report. */
@InputType({ description: 'Quantity delivered for one task' })
export class ProgressItemInput {
  @Field(() => ID, { description: 'Task id (AgreementTask.id)' })
  taskId: string;
  @Field(() => Float, { description: 'Quantity delivered (≥ 0) in the unit of the task' })
  @IsNumber()
  @Min(0)
  @Max(1e9)
  deliveredQuantity: number;
}

/** Input of `reportAgreementProgress`. */
@InputType({ description: 'A progress report (进展报告) on an IN_PROGRESS agreement' })
export class ReportAgreementProgressInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the agreement' })
  agreementId: string;
  @Field({ description: 'Day the report covers (YYYY-MM-DD)' })
  @Matches(DATE, { message: 'reportedOn must be YYYY-MM-DD' })
  @IsDateString({ strict: true })
  reportedOn: string;
  @Field(() => [ProgressItemInput], { description: `Delivered quantities, 1 to ${LIMITS.progressItems}` })
  @ArrayMaxSize(LIMITS.progressItems)
  @ValidateNested({ each: true })
  items: ProgressItemInput[];
  @Field(() => [String], { nullable: true, description: `Evidence references (佐证材料), at most ${LIMITS.evidence}` })
  @IsOptional()
  @ArrayMaxSize(LIMITS.evidence)
  @MaxLength(500, { each: true })
  evidence?: string[] | null;
  @Field(() => String, { nullable: true, description: 'Narrative' })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
}

/** Filters of `agreements`. */
@InputType({ description: 'Filters for listing agreements; all given conditions must hold' })
export class AgreementFilter {
  @Field(() => [AgreementStatus], { nullable: true, description: 'Only these states' })
  status?: AgreementStatus[] | null;
  @Field(() => String, { nullable: true, description: 'Only agreements inside this region (code prefix subtree)' })
  within?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only agreements of this providing organization (global ID)' })
  providerOrganizationId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only agreements this expert takes part in (global ID)' })
  providerExpertId?: string | null;
  @Field(() => Int, { nullable: true, description: 'Only agreements whose period covers (part of) this year' })
  year?: number | null;
  @Field(() => Date, { nullable: true, description: 'Only agreements changed after this instant (incremental sync: order by UPDATED_AT ASC)' })
  updatedAfter?: Date | null;
  @Field(() => String, { nullable: true, description: 'Title or goals contain this text' })
  text?: string | null;
}

export enum AgreementOrderField {
  UPDATED_AT = 'UPDATED_AT',
  CREATED_AT = 'CREATED_AT',
  SIGNED_AT = 'SIGNED_AT',
}
registerEnumType(AgreementOrderField, {
  name: 'AgreementOrderField',
  description: 'Orderings of agreements',
  valuesConfig: {
    UPDATED_AT: { description: 'By last change (incremental sync)' },
    CREATED_AT: { description: 'By creation' },
    SIGNED_AT: { description: 'By signing time; unsigned agreements are left out of this ordering' },
  },
});

@InputType({ description: 'Ordering of agreements' })
export class AgreementOrder {
  @Field(() => AgreementOrderField, { description: 'Field to order by' })
  field: AgreementOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Direction' })
  direction: OrderDirection;
}

@ObjectType({ description: 'Result of an agreement mutation' })
export class AgreementPayload extends Payload {
  @Field(() => Agreement, { nullable: true, description: 'The agreement after the change' })
  agreement?: Agreement | null;
  @Field(() => AgreementStatus, { nullable: true, description: 'The current state when the change was refused (INVALID_STATE, VERSION_CONFLICT)' })
  currentStatus?: AgreementStatus | null;
}

@ObjectType({ description: 'Result of submitAgreementsToRegistry' })
export class SubmitAgreementsPayload extends Payload {
  @Field(() => [Agreement], { nullable: true, description: 'The submitted agreements (all or none)' })
  agreements?: Agreement[] | null;
}

@ObjectType({ description: 'Result of reportAgreementProgress' })
export class ReportAgreementProgressPayload extends Payload {
  @Field(() => AgreementProgressReport, { nullable: true, description: 'The recorded report' })
  report?: AgreementProgressReport | null;
  @Field(() => Agreement, { nullable: true, description: 'The agreement (with its new progress figure)' })
  agreement?: Agreement | null;
}
