import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { MutationInput } from '../../graphql/idempotency';
import { ArrayMaxSize, ArrayMinSize, IsEnum, IsInt, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { Payload } from '../../graphql/user-error';
import { Indicator } from './indicator';
import { Target } from './target.entity';

/** Years a target or a statistic may be asked for. */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;
/** Most children one splitTarget call may set. */
export const MAX_SPLIT_PARTS = 100;
const SIX_DIGITS = /^\d{6}$/;

export const TargetConnection = ConnectionType(Target, 'Target', 'targets (目标任务)');

/** Filters of `targets`. */
@InputType({ description: 'Filters for listing targets; all given conditions must hold' })
export class TargetFilter {
  @Field(() => String, { nullable: true, description: 'Only targets of regions inside this region (code prefix subtree), e.g. 341500 for 六安市 and its counties' })
  within?: string | null;
  @Field(() => String, { nullable: true, description: 'Only the targets of the direct children of this region (the split-down targets), e.g. 341500 → its counties' })
  parentCode?: string | null;
  @Field(() => Int, { nullable: true, description: 'Only this year' })
  year?: number | null;
  @Field(() => [Indicator], { nullable: true, description: 'Only these indicators' })
  indicators?: Indicator[] | null;
}

/** The year and indicator a target is for (shared by setTarget and splitTarget). */
@InputType({ description: "The year and indicator a target is for" })
abstract class TargetKeyInput extends MutationInput {
  @Field(() => Int, { description: `Year (${MIN_YEAR}–${MAX_YEAR})` })
  @IsInt()
  @Min(MIN_YEAR)
  @Max(MAX_YEAR)
  year: number;

  @Field(() => Indicator, { description: 'Indicator' })
  @IsEnum(Indicator)
  indicator: Indicator;
}

@InputType({ description: 'Set (create or change) the target of a region for a year and an indicator; idempotent by nature (the same value again changes nothing)' })
export class SetTargetInput extends TargetKeyInput {
  @Field({ description: 'Province, city or county code (6 digits) inside your scope' })
  @Matches(SIX_DIGITS, { message: 'regionCode must be a 6-digit province, city or county code' })
  regionCode: string;


  @Field(() => Int, { description: 'Target value (0 – 100,000,000)' })
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  value: number;

  @Field(() => Int, { nullable: true, description: 'The version you read, when changing an existing target (VERSION_CONFLICT if it changed since); omit to overwrite' })
  @IsOptional()
  @IsInt()
  version?: number | null;
}

@InputType({ description: "One child region's share of a split target" })
export class TargetPartInput {
  @Field({ description: 'Code of a direct child region of the parent (a city of the province, a county of the city)' })
  @Matches(SIX_DIGITS, { message: 'regionCode must be a 6-digit city or county code' })
  regionCode: string;

  @Field(() => Int, { description: 'Its target value' })
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  value: number;
}

@InputType({ description: "Split a parent region's target down to its children (分解下达): all parts are written or none" })
export class SplitTargetInput extends TargetKeyInput {
  @Field({ description: 'The parent region (province or city, 6 digits) whose target is split; it must have a target for the year and indicator' })
  @Matches(SIX_DIGITS, { message: 'regionCode must be a 6-digit province or city code' })
  regionCode: string;


  @Field(() => [TargetPartInput], { description: `The children's targets (1–${MAX_SPLIT_PARTS}, each child once); children not listed keep theirs. Refused (LIMIT_EXCEEDED) when the children's targets would add up to more than the parent's` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SPLIT_PARTS)
  @ValidateNested({ each: true })
  parts: TargetPartInput[];
}

@ObjectType({ description: 'Result of setTarget' })
export class SetTargetPayload extends Payload {
  @Field(() => Target, { nullable: true, description: 'The target after the change' })
  target?: Target | null;
}

@ObjectType({ description: 'Result of splitTarget' })
export class SplitTargetPayload extends Payload {
  @Field(() => Target, { nullable: true, description: 'The parent target that was split' })
  parent?: Target | null;
  @Field(() => [Target], { nullable: true, description: "The children's targets written, in the order given" })
  targets?: Target[] | null;
}
