import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { MutationInput } from '../../graphql/idempotency';
import { ImportInput, MAX_IMPORT_ROWS } from '../../graphql/import';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { Payload } from '../../graphql/user-error';
import { OrderDirection } from '../regions/region.types';
import { Household, HouseholdStatus, MAX_HOUSEHOLD_LIST, PovertyCause } from './household.entity';
import { PoorVillage } from './poor-village.entity';

export const PoorVillageConnection = ConnectionType(PoorVillage, 'PoorVillage', 'registered poor villages (建档立卡贫困村)');
export const HouseholdConnection = ConnectionType(Household, 'Household', 'registered poor households (建档立卡贫困户)');

const IfSent = () => ValidateIf((_o, v) => v !== undefined);
const IfPresent = () => ValidateIf((_o, v) => v !== undefined && v !== null);

/** Filters of `poorVillages`. */
@InputType({ description: 'Filters for listing registered poor villages; all given conditions must hold' })
export class PoorVillageFilter {
  @Field(() => String, { nullable: true, description: 'Only villages inside this region (code prefix subtree), e.g. 341524 for 金寨县' })
  within?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: only villages that exited poverty (已出列); false: only those still poor' })
  exited?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Only villages with (true) or without (false) a rural technical association (农技协)' })
  hasRuralTechAssociation?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Only villages with (true) or without (false) a Science China rural e-station (科普中国乡村e站)' })
  hasEStation?: boolean | null;
}

/** Filters of `households`. */
@InputType({ description: 'Filters for listing registered poor households; all given conditions must hold' })
export class HouseholdFilter {
  @Field(() => String, { nullable: true, description: 'Only households inside this region (code prefix subtree): county, township or village code' })
  within?: string | null;
  @Field(() => [HouseholdStatus], { nullable: true, description: 'Only these statuses' })
  status?: HouseholdStatus[] | null;
  @Field(() => [PovertyCause], { nullable: true, description: 'Only households with at least one of these causes of poverty (致贫原因)' })
  povertyCauses?: PovertyCause[] | null;
  @Field(() => Boolean, { nullable: true, description: 'true: only households with labour (membersAbleToWork > 0) that master no practical technique yet' })
  withLabourWithoutTechnique?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Only the household with this registry number (户编号)' })
  registryNumber?: string | null;
}

export enum HouseholdOrderField {
  REGISTRY_NUMBER = 'REGISTRY_NUMBER',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(HouseholdOrderField, {
  name: 'HouseholdOrderField',
  description: 'Orderings of households',
  valuesConfig: { REGISTRY_NUMBER: { description: 'By registry number (户编号)' }, UPDATED_AT: { description: 'By time of the last change' } },
});

@InputType({ description: 'Ordering of households' })
export class HouseholdOrder {
  @Field(() => HouseholdOrderField, { description: 'Field to order by' })
  field: HouseholdOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Direction' })
  direction: OrderDirection;
}

/** One village registration row of `importPoorVillages` (checked row by row by the service). */
@InputType({ description: 'One registered poor village (建档立卡贫困村) to register or update' })
export class PoorVillageImportRow {
  @Field({ description: '12-digit division code of the village' })
  villageCode: string;
  @Field(() => Int, { description: 'Year registered as poor (建档立卡年份)' })
  registeredYear: number;
  @Field(() => Int, { nullable: true, description: 'Year it exited poverty (出列年份), if it has' })
  exitYear?: number | null;
  @Field(() => String, { nullable: true, description: '"One village, one product" specialty (一村一品)' })
  specialty?: string | null;
  @Field({ defaultValue: false, description: 'Has a rural technical association (农技协)' })
  hasRuralTechAssociation: boolean;
  @Field({ defaultValue: false, description: 'Has a new agricultural business entity (新型农业经营主体)' })
  hasNewBusinessEntity: boolean;
  @Field({ defaultValue: false, description: 'Has a brand (品牌)' })
  hasBrand: boolean;
  @Field({ defaultValue: false, description: 'Has a Science China rural e-station (科普中国乡村e站)' })
  hasEStation: boolean;
}

@InputType({ description: `A batch of village registrations (at most ${MAX_IMPORT_ROWS} rows); upserted by village code` })
export class ImportPoorVillagesInput extends ImportInput(PoorVillageImportRow, 'village registrations', 'village code') {}

/** One household row of `importHouseholds` (checked row by row by the service, so one bad row never aborts the batch). */
@InputType({ description: 'One registered poor household (建档立卡贫困户) to create or update, keyed by its registry number' })
export class HouseholdImportRow {
  @Field({ description: 'National registry number (户编号): 6–30 digits or capital letters' })
  registryNumber: string;
  @Field({ description: '12-digit division code of the village (所在村)' })
  villageCode: string;
  @Field({ description: 'Name of the head of household (户主姓名); personal data' })
  headName: string;
  @Field({ description: 'ID number of the head (户主身份证号), 18 characters with a valid GB 11643 check character; personal data' })
  headIdNumber: string;
  @Field(() => Int, { description: 'Household size (家庭人口), 1–30' })
  size: number;
  @Field(() => Int, { description: 'Members able to work (劳动力人数), 0–size' })
  membersAbleToWork: number;
  @Field(() => [PovertyCause], { description: 'Causes of poverty (致贫原因), at least one, main cause first' })
  povertyCauses: PovertyCause[];
  @Field(() => HouseholdStatus, { defaultValue: HouseholdStatus.POOR, description: 'Status (default POOR)' })
  status: HouseholdStatus;
  @Field(() => Int, { nullable: true, description: 'Exit year (脱贫年份): required when EXITED' })
  exitYear?: number | null;
  @Field(() => [String], { nullable: true, description: `Practical techniques mastered (实用技术), at most ${MAX_HOUSEHOLD_LIST}` })
  techniques?: string[] | null;
  @Field(() => [String], { nullable: true, description: `Income projects joined (增收项目), at most ${MAX_HOUSEHOLD_LIST}` })
  incomeProjects?: string[] | null;
}

@InputType({ description: `A batch of households (at most ${MAX_IMPORT_ROWS} rows); upserted by registry number` })
export class ImportHouseholdsInput extends ImportInput(HouseholdImportRow, 'households', 'registry number') {}

@InputType({ description: 'Changes to a registered poor village; omitted fields stay unchanged' })
export class UpdatePoorVillageInput extends MutationInput {
  @Field({ description: '12-digit village code' })
  @Matches(/^\d{12}$/, { message: 'villageCode must be a 12-digit village code' })
  villageCode: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => Int, { nullable: true, description: 'New registration year' })
  @IfSent()
  @IsInt()
  @Min(1986)
  @Max(2100)
  registeredYear?: number | null;
  @Field(() => Int, { nullable: true, description: 'New exit year (出列年份); null clears it' })
  @IfPresent()
  @IsInt()
  @Min(1986)
  @Max(2100)
  exitYear?: number | null;
  @Field(() => String, { nullable: true, description: 'New specialty (一村一品); null clears it' })
  @IfPresent()
  @IsString()
  @MaxLength(100)
  specialty?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Has a rural technical association (农技协)' })
  @IfSent()
  @IsBoolean()
  hasRuralTechAssociation?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Has a new agricultural business entity' })
  @IfSent()
  @IsBoolean()
  hasNewBusinessEntity?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Has a brand (品牌)' })
  @IfSent()
  @IsBoolean()
  hasBrand?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Has a Science China rural e-station (科普中国乡村e站)' })
  @IfSent()
  @IsBoolean()
  hasEStation?: boolean | null;
}

@ObjectType({ description: 'Result of updatePoorVillage' })
export class UpdatePoorVillagePayload extends Payload {
  @Field(() => PoorVillage, { nullable: true, description: 'The village after the change' })
  poorVillage?: PoorVillage | null;
}

@InputType({ description: 'Changes to a registered poor household; omitted fields stay unchanged' })
export class UpdateHouseholdInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the household' })
  @IsString()
  id: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => String, { nullable: true, description: 'New head-of-household name (户主姓名)' })
  @IfSent()
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  headName?: string | null;
  @Field(() => Int, { nullable: true, description: 'New household size' })
  @IfSent()
  @IsInt()
  @Min(1)
  @Max(30)
  size?: number | null;
  @Field(() => Int, { nullable: true, description: 'New number of members able to work' })
  @IfSent()
  @IsInt()
  @Min(0)
  @Max(30)
  membersAbleToWork?: number | null;
  @Field(() => [PovertyCause], { nullable: true, description: 'New causes of poverty (replacing the old ones)' })
  @IfSent()
  @IsEnum(PovertyCause, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  povertyCauses?: PovertyCause[] | null;
  @Field(() => HouseholdStatus, { nullable: true, description: 'New status; EXITED needs exitYear' })
  @IfSent()
  @IsEnum(HouseholdStatus)
  status?: HouseholdStatus | null;
  @Field(() => Int, { nullable: true, description: 'Exit year (脱贫年份)' })
  @IfPresent()
  @IsInt()
  @Min(2000)
  @Max(2100)
  exitYear?: number | null;
  @Field(() => [String], { nullable: true, description: `Practical techniques mastered (replacing the list), at most ${MAX_HOUSEHOLD_LIST}` })
  @IfSent()
  @ArrayMaxSize(MAX_HOUSEHOLD_LIST)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  techniques?: string[] | null;
  @Field(() => [String], { nullable: true, description: `Income projects joined (replacing the list), at most ${MAX_HOUSEHOLD_LIST}` })
  @IfSent()
  @ArrayMaxSize(MAX_HOUSEHOLD_LIST)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  incomeProjects?: string[] | null;
}

@ObjectType({ description: 'Result of updateHousehold' })
export class UpdateHouseholdPayload extends Payload {
  @Field(() => Household, { nullable: true, description: 'The household after the change' })
  household?: Household | null;
}
