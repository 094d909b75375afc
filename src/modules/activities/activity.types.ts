import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ArrayMaxSize, IsDateString, IsEnum, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { MutationInput } from '../../graphql/idempotency';
import { Payload } from '../../graphql/user-error';
import { REGION_CODE } from '../organizations/organization.types';
import { Activity, ActivityKind, Facility, FacilityKind, MAX_ATTENDING_HOUSEHOLDS, MAX_TECHNIQUES_TAUGHT } from './activity.entity';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const REGION_CODE_MESSAGE = 'regionCode must be a 6, 9 or 12 digit division code';

export const FacilityConnection = ConnectionType(Facility, 'Facility', 'facilities (设施/站点)');
export const ActivityConnection = ConnectionType(Activity, 'Activity', 'trainings and science-popularization activities (培训/科普活动)');

/** Filters of `facilities`. */
@InputType({ description: 'Filters for listing facilities; all given conditions must hold' })
export class FacilityFilter {
  @Field(() => String, { nullable: true, description: 'Only facilities inside this region (code prefix subtree), e.g. 341524' })
  within?: string | null;
  @Field(() => [FacilityKind], { nullable: true, description: 'Only these kinds' })
  kinds?: FacilityKind[] | null;
  @Field(() => Int, { nullable: true, description: 'Only facilities operating at some time during this year (start ≤ 31 Dec and no end before 1 Jan) — what the statistics count' })
  operatingIn?: number | null;
  @Field(() => ID, { nullable: true, description: 'Only facilities operated by this organization (global ID)' })
  operatorOrganizationId?: string | null;
}

/** Filters of `activities`. */
@InputType({ description: 'Filters for listing activities; all given conditions must hold' })
export class ActivityFilter {
  @Field(() => String, { nullable: true, description: 'Only activities held inside this region (code prefix subtree)' })
  within?: string | null;
  @Field(() => [ActivityKind], { nullable: true, description: 'Only these kinds' })
  kinds?: ActivityKind[] | null;
  @Field(() => Int, { nullable: true, description: 'Only activities held in this year' })
  year?: number | null;
  @Field(() => String, { nullable: true, description: 'Only activities held on or after this date (YYYY-MM-DD)' })
  from?: string | null;
  @Field(() => String, { nullable: true, description: 'Only activities held on or before this date (YYYY-MM-DD)' })
  to?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only activities organized by this organization (global ID)' })
  organizerOrganizationId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only activities this household attended (global ID)' })
  householdId?: string | null;
  @Field(() => String, { nullable: true, description: 'Only activities that taught this technique (exact)' })
  technique?: string | null;
}

@InputType({ description: 'A facility to record (设施/站点)' })
export class RecordFacilityInput extends MutationInput {

  @Field(() => FacilityKind, { description: 'Kind' })
  @IsEnum(FacilityKind)
  kind: FacilityKind;

  @Field({ description: 'Where it is: a county, township or village code inside your scope' })
  @Matches(REGION_CODE, { message: REGION_CODE_MESSAGE })
  regionCode: string;

  @Field({ description: 'Name (名称)' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  @Field({ description: 'In service from (启用日期) / first day of the visit (YYYY-MM-DD)' })
  @Matches(DATE, { message: 'startDate must be YYYY-MM-DD' })
  @IsDateString({ strict: true })
  startDate: string;

  @Field(() => String, { nullable: true, description: 'Out of service on / last day of the visit (YYYY-MM-DD), not before startDate' })
  @IsOptional()
  @Matches(DATE, { message: 'endDate must be YYYY-MM-DD' })
  @IsDateString({ strict: true })
  endDate?: string | null;

  @Field(() => ID, { nullable: true, description: 'The organization that operates it (global ID)' })
  @IsOptional()
  @IsString()
  operatorOrganizationId?: string | null;

  @Field(() => String, { nullable: true, description: 'Note (备注)' })
  @IsOptional()
  @MaxLength(1000)
  note?: string | null;
}

@InputType({ description: 'A training or science-popularization activity to record; the techniques taught are added to the attending households\' techniques mastered' })
export class RecordActivityInput extends MutationInput {

  @Field(() => ActivityKind, { description: 'Kind' })
  @IsEnum(ActivityKind)
  kind: ActivityKind;

  @Field({ description: 'Date held (YYYY-MM-DD)' })
  @Matches(DATE, { message: 'date must be YYYY-MM-DD' })
  @IsDateString({ strict: true })
  date: string;

  @Field({ description: 'Where: a county, township or village code inside your scope' })
  @Matches(REGION_CODE, { message: REGION_CODE_MESSAGE })
  regionCode: string;

  @Field(() => ID, { nullable: true, description: 'Organizing organization (global ID), if it is registered' })
  @IsOptional()
  @IsString()
  organizerOrganizationId?: string | null;

  @Field({ description: 'Organizer as written on the record (主办单位)' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  organizerName: string;

  @Field({ description: 'Topic (主题)' })
  @IsString()
  @MinLength(2)
  @MaxLength(500)
  topic: string;

  @Field(() => Int, { description: 'Number of attendees (参加人数), at least the number of attending households listed' })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  attendees: number;

  @Field(() => [String], { defaultValue: [], description: `Practical techniques taught (传授实用技术), at most ${MAX_TECHNIQUES_TAUGHT}` })
  @ArrayMaxSize(MAX_TECHNIQUES_TAUGHT)
  @IsString({ each: true })
  @MinLength(2, { each: true })
  @MaxLength(100, { each: true })
  techniquesTaught: string[];

  @Field(() => [ID], { defaultValue: [], description: `Registered poor households that attended (global IDs, at most ${MAX_ATTENDING_HOUSEHOLDS}), in the activity's region; each masters the techniques taught (up to 10 techniques per household)` })
  @ArrayMaxSize(MAX_ATTENDING_HOUSEHOLDS)
  @IsString({ each: true })
  attendingHouseholdIds: string[];
}

@ObjectType({ description: 'Result of recordFacility' })
export class RecordFacilityPayload extends Payload {
  @Field(() => Facility, { nullable: true, description: 'The facility, when recorded' })
  facility?: Facility | null;
}

@ObjectType({ description: 'Result of recordActivity' })
export class RecordActivityPayload extends Payload {
  @Field(() => Activity, { nullable: true, description: 'The activity, when recorded' })
  activity?: Activity | null;
  @Field(() => Int, { nullable: true, description: 'How many attending households gained at least one technique' })
  householdsUpdated?: number | null;
  @Field(() => [ID], { nullable: true, description: 'Attending households (global IDs) that already had 10 techniques and could not take every technique taught' })
  householdsAtTechniqueLimit?: string[] | null;
}
