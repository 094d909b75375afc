import { MutationInput } from '../../graphql/idempotency';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { Payload } from '../../graphql/user-error';
import { CountyPairing } from './county-pairing.entity';
import { PovertyDesignation, Region, RegionLevel } from './region.entity';

export const RegionConnection = ConnectionType(Region, 'Region', 'administrative divisions');
export const CountyPairingConnection = ConnectionType(CountyPairing, 'CountyPairing', 'county pairings');

/** Filters of `regions`. */
@InputType({ description: 'Filters for listing regions; all given conditions must hold' })
export class RegionFilter {
  @Field(() => String, { nullable: true, description: 'Only direct children of this region code' })
  parentCode?: string | null;
  @Field(() => String, { nullable: true, description: 'Only regions inside this region (code prefix subtree), the region itself included' })
  within?: string | null;
  @Field(() => RegionLevel, { nullable: true, description: 'Only this level' })
  level?: RegionLevel | null;
  @Field(() => [PovertyDesignation], { nullable: true, description: 'Only these poverty designations' })
  povertyDesignation?: PovertyDesignation[] | null;
  @Field(() => String, { nullable: true, description: 'Name contains this text (e.g. "金寨")' })
  nameContains?: string | null;
}

export enum RegionOrderField {
  CODE = 'CODE',
  NAME = 'NAME',
}
registerEnumType(RegionOrderField, { name: 'RegionOrderField', description: 'Orderings of regions', valuesConfig: { CODE: { description: 'By division code' }, NAME: { description: 'By name' } } });

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, { name: 'OrderDirection', description: 'Sort direction', valuesConfig: { ASC: { description: 'Ascending' }, DESC: { description: 'Descending' } } });

@InputType({ description: 'Ordering of regions' })
export class RegionOrder {
  @Field(() => RegionOrderField, { description: 'Field to order by' })
  field: RegionOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Direction' })
  direction: OrderDirection;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Input of `createCountyPairing`. */
@InputType({ description: 'A new county pairing (县域结对帮扶)' })
export class CreateCountyPairingInput extends MutationInput {

  @Field({ description: 'Code of the helping (developed) county' })
  @Matches(/^\d{6}$/, { message: 'helperCode must be a 6-digit county code' })
  helperCode: string;
  @Field({ description: 'Code of the helped (poor) county' })
  @Matches(/^\d{6}$/, { message: 'helpedCode must be a 6-digit county code' })
  helpedCode: string;
  @Field({ description: 'Document establishing the pairing (依据文件)' })
  @MinLength(2)
  @MaxLength(500)
  basis: string;
  @Field({ description: 'First day (YYYY-MM-DD)' })
  @Matches(DATE, { message: 'startDate must be YYYY-MM-DD' })
  startDate: string;
  @Field(() => String, { nullable: true, description: 'Last day (YYYY-MM-DD), if known' })
  @IsOptional()
  @Matches(DATE, { message: 'endDate must be YYYY-MM-DD' })
  endDate?: string | null;
}

/** Input of `updateRegionPoverty`. */
@InputType({ description: 'Change the poverty designation of a county or village' })
export class UpdateRegionPovertyInput extends MutationInput {
  @Field({ description: 'Region code' })
  @Matches(/^\d{6}(\d{3}){0,2}$/, { message: 'code must be a 6, 9 or 12 digit division code' })
  code: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => PovertyDesignation, { description: 'New designation' })
  @IsIn(Object.values(PovertyDesignation))
  povertyDesignation: PovertyDesignation;
  @Field(() => Int, { nullable: true, description: 'Year designated' })
  @IsOptional()
  @IsInt()
  @Min(1986)
  @Max(2100)
  designatedYear?: number | null;
  @Field(() => Int, { nullable: true, description: 'Year it exited poverty (摘帽/出列); null if it has not' })
  @IsOptional()
  @IsInt()
  @Min(1986)
  @Max(2100)
  povertyExitYear?: number | null;
}

@ObjectType({ description: 'Result of createCountyPairing' })
export class CreateCountyPairingPayload extends Payload {
  @Field(() => CountyPairing, { nullable: true, description: 'The pairing, when created' })
  pairing?: CountyPairing | null;
}

@ObjectType({ description: 'Result of updateRegionPoverty' })
export class UpdateRegionPovertyPayload extends Payload {
  @Field(() => Region, { nullable: true, description: 'The region after the change' })
  region?: Region | null;
}
