import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { MutationInput } from '../../graphql/idempotency';
import { ArrayMaxSize, IsDate, IsEnum, IsInt, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { Payload } from '../../graphql/user-error';
import { ServiceCategory } from '../organizations/service-category';
import { ServiceMode } from '../organizations/service-mode';
import { OrderDirection } from '../regions/region.types';
import { Need, NeedStatus, NeedUrgency } from './need.entity';

export const NeedConnection = ConnectionType(Need, 'Need', 'needs (需求)');

/** Filters of `needs`. */
@InputType({ description: 'Filters for listing needs; all given conditions must hold' })
export class NeedFilter {
  @Field(() => String, { nullable: true, description: 'Only needs inside this region (code prefix subtree of the village), e.g. 341524 for 金寨县' })
  within?: string | null;
  @Field(() => [ServiceCategory], { nullable: true, description: 'Only these categories (需求类别)' })
  categories?: ServiceCategory[] | null;
  @Field(() => [NeedStatus], { nullable: true, description: 'Only these statuses' })
  status?: NeedStatus[] | null;
  @Field(() => [NeedUrgency], { nullable: true, description: 'Only these urgencies' })
  urgency?: NeedUrgency[] | null;
  @Field(() => Date, { nullable: true, description: 'Only needs created before this instant (age filter)' })
  createdBefore?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Only needs created at or after this instant (age filter)' })
  createdAfter?: Date | null;
  @Field(() => ID, { nullable: true, description: 'Only needs of this household (global ID)' })
  householdId?: string | null;
}

export enum NeedOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(NeedOrderField, {
  name: 'NeedOrderField',
  description: 'Orderings of needs',
  valuesConfig: { CREATED_AT: { description: 'By creation time' }, UPDATED_AT: { description: 'By time of the last change' } },
});

@InputType({ description: 'Ordering of needs' })
export class NeedOrder {
  @Field(() => NeedOrderField, { description: 'Field to order by' })
  field: NeedOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.DESC, description: 'Direction' })
  direction: OrderDirection;
}

@InputType({ description: 'A new need (需求), raised for a registered poor village or for a household (exactly one of villageCode, householdId)' })
export class CreateNeedInput extends MutationInput {
  @Field(() => String, { nullable: true, description: 'The registered poor village (12-digit code) the need is raised for' })
  @IsOptional()
  @Matches(/^\d{12}$/, { message: 'villageCode must be a 12-digit village code' })
  villageCode?: string | null;
  @Field(() => ID, { nullable: true, description: 'The household (global ID) the need is raised for' })
  @IsOptional()
  @IsString()
  householdId?: string | null;
  @Field(() => ServiceCategory, { description: 'Category (需求类别)' })
  @IsEnum(ServiceCategory)
  category: ServiceCategory;
  @Field({ description: 'What is needed (需求描述)' })
  @IsString()
  @MinLength(2)
  @MaxLength(2000)
  description: string;
  @Field(() => NeedUrgency, { description: 'Urgency (紧迫程度)' })
  @IsEnum(NeedUrgency)
  urgency: NeedUrgency;
  @Field(() => [ServiceMode], { defaultValue: [], description: 'Preferred service modes (期望服务方式)' })
  @IsEnum(ServiceMode, { each: true })
  @ArrayMaxSize(8)
  preferredModes: ServiceMode[];
  @Field(() => Date, { nullable: true, description: 'When it was surveyed (调研时间); default now' })
  @IsOptional()
  @IsDate()
  surveyedAt?: Date | null;
}

@InputType({ description: 'Move a need to another status. Allowed: MATCHED → IN_SERVICE, IN_SERVICE → FULFILLED, OPEN/MATCHED/IN_SERVICE → CLOSED (with a reason). OPEN → MATCHED happens only by accepting a match.' })
export class TransitionNeedInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the need' })
  @IsString()
  id: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => NeedStatus, { description: 'The status to move to' })
  @IsEnum(NeedStatus)
  to: NeedStatus;
  @Field(() => String, { nullable: true, description: 'Reason (关闭原因); required when closing' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string | null;
}

@ObjectType({ description: 'Result of createNeed' })
export class CreateNeedPayload extends Payload {
  @Field(() => Need, { nullable: true, description: 'The need, when created' })
  need?: Need | null;
}

@ObjectType({ description: 'Result of transitionNeed' })
export class TransitionNeedPayload extends Payload {
  @Field(() => Need, { nullable: true, description: 'The need after the change' })
  need?: Need | null;
}

/** Needs of one category in one county, counted by status (aggregated in SQL by code prefix). */
@ObjectType({ description: 'Needs of one category in one county (区县), counted by status' })
export class NeedCount {
  @Field({ description: '6-digit code of the county' })
  countyCode: string;
  @Field(() => ServiceCategory, { description: 'Category (需求类别)' })
  category: ServiceCategory;
  @Field(() => Int, { description: 'All needs' })
  total: number;
  @Field(() => Int, { description: 'OPEN needs' })
  open: number;
  @Field(() => Int, { description: 'MATCHED needs' })
  matched: number;
  @Field(() => Int, { description: 'IN_SERVICE needs' })
  inService: number;
  @Field(() => Int, { description: 'FULFILLED needs' })
  fulfilled: number;
  @Field(() => Int, { description: 'CLOSED needs' })
  closed: number;
}
export const NeedCountConnection = ConnectionType(NeedCount, 'NeedCount', 'need counts per county and category');

@InputType({ description: 'Filters of needCounts' })
export class NeedCountFilter {
  @Field(() => String, { nullable: true, description: 'Only counties inside this region (code prefix), e.g. 341500 for 六安市' })
  within?: string | null;
  @Field(() => [ServiceCategory], { nullable: true, description: 'Only these categories' })
  categories?: ServiceCategory[] | null;
  @Field(() => Date, { nullable: true, description: 'Only needs created at or after this instant' })
  createdAfter?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Only needs created before this instant' })
  createdBefore?: Date | null;
}
