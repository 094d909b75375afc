import { MutationInput } from '../../graphql/idempotency';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ArrayMaxSize, ArrayMinSize, IsEnum, IsInt, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { ImportInput, MAX_IMPORT_ROWS } from '../../graphql/import';
import { Payload } from '../../graphql/user-error';
import { RegionLevel } from '../regions/region.entity';
import { OrderDirection } from '../regions/region.types';
import { Organization, OrganizationType, RegistryStatus, SocietyDiscipline } from './organization.entity';
import { ServiceCategory } from './service-category';
import { IsContactPhone, IsCreditCode } from './validators';

export const OrganizationConnection = ConnectionType(Organization, 'Organization', 'S&T organizations (科技组织)');

/** A region code as clients send it: 6, 9 or 12 digits. */
export const REGION_CODE = /^\d{6}(\d{3}){0,2}$/;
const REGION_CODE_MESSAGE = 'regionCode must be a 6, 9 or 12 digit division code';

/** Validate only when the field was sent (undefined = leave unchanged); null then fails the other checks. */
const IfSent = () => ValidateIf((_o, v) => v !== undefined);
/** Validate only when a value is present (undefined or null = unchanged / cleared). */
const IfPresent = () => ValidateIf((_o, v) => v !== undefined && v !== null);

/** Filters of `organizations`. */
@InputType({ description: 'Filters for listing S&T organizations; all given conditions must hold' })
export class OrganizationFilter {
  @Field(() => [OrganizationType], { nullable: true, description: 'Only these kinds (类型)' })
  types?: OrganizationType[] | null;
  @Field(() => RegistryStatus, { nullable: true, description: 'Only this status (default: any)' })
  status?: RegistryStatus | null;
  @Field(() => String, { nullable: true, description: 'Only organizations inside this region (code prefix subtree), e.g. 341500 for all of 六安市' })
  within?: string | null;
  @Field(() => RegionLevel, { nullable: true, description: 'Only organizations registered at this level' })
  level?: RegionLevel | null;
  @Field(() => [ServiceCategory], { nullable: true, description: 'Only organizations offering at least one of these service categories (服务类别)' })
  serviceCategories?: ServiceCategory[] | null;
  @Field(() => SocietyDiscipline, { nullable: true, description: 'Only societies of this discipline (学会学科)' })
  societyDiscipline?: SocietyDiscipline | null;
  @Field(() => String, { nullable: true, description: 'Name contains this text, case-insensitive (e.g. "农技协")' })
  nameContains?: string | null;
}

/** Orderings of organizations and experts. */
export enum RegistryOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(RegistryOrderField, {
  name: 'RegistryOrderField',
  description: 'Orderings of organizations and experts',
  valuesConfig: {
    NAME: { description: 'By name (名称/姓名)' },
    CREATED_AT: { description: 'By creation time' },
    UPDATED_AT: { description: 'By time of the last change' },
  },
});

@InputType({ description: 'Ordering of organizations' })
export class OrganizationOrder {
  @Field(() => RegistryOrderField, { description: 'Field to order by' })
  field: RegistryOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Direction' })
  direction: OrderDirection;
}

/** Input of `createOrganization`. */
@InputType({ description: 'A new S&T organization (科技组织)' })
export class CreateOrganizationInput extends MutationInput {

  @Field({ description: 'Registered name (名称)' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  @Field(() => OrganizationType, { description: 'Kind of organization (类型)' })
  @IsEnum(OrganizationType)
  type: OrganizationType;

  @Field(() => SocietyDiscipline, { nullable: true, description: 'Discipline (学会学科): required for societies, not allowed for other kinds' })
  @IsOptional()
  @IsEnum(SocietyDiscipline)
  societyDiscipline?: SocietyDiscipline | null;

  @Field({ description: 'Region code where it is registered (must be inside your scope)' })
  @Matches(REGION_CODE, { message: REGION_CODE_MESSAGE })
  regionCode: string;

  @Field({ description: 'Unified social credit code (统一社会信用代码): 18 characters with a valid check character' })
  @IsCreditCode()
  creditCode: string;

  @Field({ description: 'Contact person (联系人)' })
  @IsString()
  @MinLength(2)
  @MaxLength(50)
  contactName: string;

  @Field({ description: 'Contact phone (联系电话): mobile 1xxxxxxxxxx or landline 0551-12345678' })
  @IsContactPhone()
  contactPhone: string;

  @Field(() => [ServiceCategory], { description: 'Service categories offered (服务类别), at least one' })
  @IsEnum(ServiceCategory, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(Object.keys(ServiceCategory).length)
  serviceCategories: ServiceCategory[];
}

/** Input of `updateOrganization`: omitted fields stay as they are. */
@InputType({ description: 'Changes to an S&T organization; omitted fields stay unchanged' })
export class UpdateOrganizationInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the organization' })
  @IsString()
  id: string;

  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;

  @Field(() => String, { nullable: true, description: 'New name (名称)' })
  @IfSent()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name?: string | null;

  @Field(() => OrganizationType, { nullable: true, description: 'New kind (类型)' })
  @IfSent()
  @IsEnum(OrganizationType)
  type?: OrganizationType | null;

  @Field(() => SocietyDiscipline, { nullable: true, description: 'New society discipline (学会学科); null clears it' })
  @IfPresent()
  @IsEnum(SocietyDiscipline)
  societyDiscipline?: SocietyDiscipline | null;

  @Field(() => String, { nullable: true, description: 'New region code (coordinators only, inside their scope)' })
  @IfSent()
  @Matches(REGION_CODE, { message: REGION_CODE_MESSAGE })
  regionCode?: string | null;

  @Field(() => String, { nullable: true, description: 'New unified social credit code (统一社会信用代码)' })
  @IfSent()
  @IsCreditCode()
  creditCode?: string | null;

  @Field(() => String, { nullable: true, description: 'New contact person (联系人)' })
  @IfSent()
  @IsString()
  @MinLength(2)
  @MaxLength(50)
  contactName?: string | null;

  @Field(() => String, { nullable: true, description: 'New contact phone (联系电话)' })
  @IfSent()
  @IsContactPhone()
  contactPhone?: string | null;

  @Field(() => [ServiceCategory], { nullable: true, description: 'New service categories (服务类别), replacing the old ones' })
  @IfSent()
  @IsEnum(ServiceCategory, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(Object.keys(ServiceCategory).length)
  serviceCategories?: ServiceCategory[] | null;
}

/** Input of `archiveOrganization`. */
@InputType({ description: 'Archive an S&T organization (归档); it stays readable, never deleted' })
export class ArchiveOrganizationInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the organization' })
  @IsString()
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; checked when given' })
  @IfPresent()
  @IsInt()
  version?: number | null;

  @Field({ description: 'Why it is archived (归档原因)' })
  @IsString()
  @MinLength(2)
  @MaxLength(500)
  reason: string;
}

@ObjectType({ description: 'Result of createOrganization' })
export class CreateOrganizationPayload extends Payload {
  @Field(() => Organization, { nullable: true, description: 'The organization, when created' })
  organization?: Organization | null;
}

@ObjectType({ description: 'Result of updateOrganization' })
export class UpdateOrganizationPayload extends Payload {
  @Field(() => Organization, { nullable: true, description: 'The organization after the change' })
  organization?: Organization | null;
}

@ObjectType({ description: 'Result of archiveOrganization' })
export class ArchiveOrganizationPayload extends Payload {
  @Field(() => Organization, { nullable: true, description: 'The archived organization' })
  organization?: Organization | null;
}


/** One organization row of `importOrganizations` (checked row by row by the service, so one bad row never aborts the batch). */
@InputType({ description: 'One S&T organization (科技组织) to register or update, keyed by its unified social credit code' })
export class OrganizationImportRow {
  @Field({ description: 'Unified social credit code (统一社会信用代码): 18 characters with a valid check character; the key of the row' })
  creditCode: string;
  @Field({ description: 'Registered name (名称), 2–200 characters' })
  name: string;
  @Field(() => OrganizationType, { description: 'Kind of organization (类型)' })
  type: OrganizationType;
  @Field(() => SocietyDiscipline, { nullable: true, description: 'Discipline (学会学科): required for societies, not allowed for other kinds' })
  societyDiscipline?: SocietyDiscipline | null;
  @Field({ description: 'Region code where it is registered (must be inside your scope)' })
  regionCode: string;
  @Field({ description: 'Contact person (联系人), 2–50 characters' })
  contactName: string;
  @Field({ description: 'Contact phone (联系电话): mobile 1xxxxxxxxxx or landline 0551-12345678' })
  contactPhone: string;
  @Field(() => [ServiceCategory], { description: 'Service categories offered (服务类别), at least one' })
  serviceCategories: ServiceCategory[];
}

@InputType({ description: `A batch of S&T organizations (at most ${MAX_IMPORT_ROWS} rows); upserted by unified social credit code` })
export class ImportOrganizationsInput extends ImportInput(OrganizationImportRow, 'organizations', 'unified social credit code') {}
