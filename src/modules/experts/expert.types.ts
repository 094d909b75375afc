import { MutationInput } from '../../graphql/idempotency';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ArrayMaxSize, ArrayMinSize, IsEmail, IsEnum, IsInt, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { ImportInput, MAX_IMPORT_ROWS } from '../../graphql/import';
import { Payload } from '../../graphql/user-error';
import { OrderDirection } from '../regions/region.types';
import { RegistryStatus } from '../organizations/organization.entity';
import { REGION_CODE, RegistryOrderField } from '../organizations/organization.types';
import { ServiceCategory } from '../organizations/service-category';
import { IsContactPhone } from '../organizations/validators';
import { Expert, ExpertRosterStatus } from './expert.entity';

export const ExpertConnection = ConnectionType(Expert, 'Expert', 'S&T experts (科技专家)');

/** How many service regions an expert may list (keeps `Expert.serviceRegions` a bounded list). */
export const MAX_SERVICE_REGIONS = 50;

const IfSent = () => ValidateIf((_o, v) => v !== undefined);
const IfPresent = () => ValidateIf((_o, v) => v !== undefined && v !== null);
const REGION_CODE_MESSAGE = 'must be a 6, 9 or 12 digit division code';

/** Filters of `experts`. */
@InputType({ description: 'Filters for listing S&T experts; all given conditions must hold' })
export class ExpertFilter {
  @Field(() => RegistryStatus, { nullable: true, description: 'Only this status (default: any)' })
  status?: RegistryStatus | null;
  @Field(() => String, { nullable: true, description: 'Only experts whose home region is inside this region (code prefix subtree)' })
  within?: string | null;
  @Field(() => [ServiceCategory], { nullable: true, description: 'Only experts with at least one of these specialties (专业领域)' })
  specialties?: ServiceCategory[] | null;
  @Field(() => [ExpertRosterStatus], { nullable: true, description: 'Only these roster statuses (名册状态)' })
  rosterStatus?: ExpertRosterStatus[] | null;
  @Field(() => ID, { nullable: true, description: 'Only experts employed by this organization (global ID)' })
  employerId?: string | null;
  @Field(() => String, { nullable: true, description: 'Name contains this text, case-insensitive' })
  nameContains?: string | null;
  @Field(() => String, { nullable: true, description: 'Only the expert with this external reference (外部编号, the key of importExperts)' })
  externalRef?: string | null;
}

@InputType({ description: 'Ordering of experts' })
export class ExpertOrder {
  @Field(() => RegistryOrderField, { description: 'Field to order by' })
  field: RegistryOrderField;
  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'Direction' })
  direction: OrderDirection;
}

/** Input of `createExpert`. */
@InputType({ description: 'A new S&T expert (科技专家), entered on the roster as DRAFT' })
export class CreateExpertInput extends MutationInput {
  @Field({ description: 'Full name (姓名)' })
  @IsString()
  @MinLength(2)
  @MaxLength(50)
  name: string;

  @Field(() => String, { nullable: true, description: 'Professional title (职称)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  title?: string | null;

  @Field(() => ID, { nullable: true, description: 'Global ID of the employing organization (工作单位), if any' })
  @IsOptional()
  @IsString()
  employerId?: string | null;

  @Field({ description: 'Home region code (所在地区); must be inside your scope' })
  @Matches(REGION_CODE, { message: `regionCode ${REGION_CODE_MESSAGE}` })
  regionCode: string;

  @Field(() => [ServiceCategory], { description: 'Specialties (专业领域), at least one' })
  @IsEnum(ServiceCategory, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(Object.keys(ServiceCategory).length)
  specialties: ServiceCategory[];

  @Field(() => String, { nullable: true, description: 'Free-text specialty note (专业特长)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  specialtyNote?: string | null;

  @Field(() => [String], { defaultValue: [], description: `Codes of the regions served (服务地区), at most ${MAX_SERVICE_REGIONS}` })
  @ArrayMaxSize(MAX_SERVICE_REGIONS)
  @Matches(REGION_CODE, { each: true, message: `each serviceRegionCode ${REGION_CODE_MESSAGE}` })
  serviceRegionCodes: string[];

  @Field({ description: 'Contact phone (联系电话): mobile 1xxxxxxxxxx or landline 0551-12345678 (personal data)' })
  @IsContactPhone()
  contactPhone: string;

  @Field(() => String, { nullable: true, description: 'E-mail address (电子邮箱, personal data)' })
  @IsOptional()
  @IsEmail()
  @MaxLength(200)
  email?: string | null;
}

/** Input of `updateExpert`: omitted fields stay as they are. */
@InputType({ description: 'Changes to an S&T expert; omitted fields stay unchanged' })
export class UpdateExpertInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the expert' })
  @IsString()
  id: string;

  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;

  @Field(() => String, { nullable: true, description: 'New name (姓名)' })
  @IfSent()
  @IsString()
  @MinLength(2)
  @MaxLength(50)
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New title (职称); null clears it' })
  @IfPresent()
  @IsString()
  @MaxLength(100)
  title?: string | null;

  @Field(() => ID, { nullable: true, description: 'New employer (工作单位, global ID; coordinators only); null clears it' })
  @IfPresent()
  @IsString()
  employerId?: string | null;

  @Field(() => String, { nullable: true, description: 'New home region (coordinators only, inside their scope)' })
  @IfSent()
  @Matches(REGION_CODE, { message: `regionCode ${REGION_CODE_MESSAGE}` })
  regionCode?: string | null;

  @Field(() => [ServiceCategory], { nullable: true, description: 'New specialties (专业领域), replacing the old ones' })
  @IfSent()
  @IsEnum(ServiceCategory, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(Object.keys(ServiceCategory).length)
  specialties?: ServiceCategory[] | null;

  @Field(() => String, { nullable: true, description: 'New specialty note (专业特长); null clears it' })
  @IfPresent()
  @IsString()
  @MaxLength(2000)
  specialtyNote?: string | null;

  @Field(() => [String], { nullable: true, description: `New service regions (服务地区), replacing the old ones, at most ${MAX_SERVICE_REGIONS}` })
  @IfSent()
  @ArrayMaxSize(MAX_SERVICE_REGIONS)
  @Matches(REGION_CODE, { each: true, message: `each serviceRegionCode ${REGION_CODE_MESSAGE}` })
  serviceRegionCodes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'New contact phone (联系电话)' })
  @IfSent()
  @IsContactPhone()
  contactPhone?: string | null;

  @Field(() => String, { nullable: true, description: 'New e-mail (电子邮箱); null clears it' })
  @IfPresent()
  @IsEmail()
  @MaxLength(200)
  email?: string | null;
}

/** Input of `archiveExpert`. */
@InputType({ description: 'Archive an expert (归档); the record stays readable, never deleted' })
export class ArchiveExpertInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the expert' })
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

/** Input of `fileExpertRoster` and `registerExpertRoster`. */
@InputType({ description: 'A roster (名册) step for one expert' })
export class ExpertRosterInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the expert' })
  @IsString()
  id: string;

  @Field(() => Int, { nullable: true, description: 'The version you read; checked when given' })
  @IfPresent()
  @IsInt()
  version?: number | null;
}

@ObjectType({ description: 'Result of createExpert' })
export class CreateExpertPayload extends Payload {
  @Field(() => Expert, { nullable: true, description: 'The expert, when created' })
  expert?: Expert | null;
}

@ObjectType({ description: 'Result of updateExpert' })
export class UpdateExpertPayload extends Payload {
  @Field(() => Expert, { nullable: true, description: 'The expert after the change' })
  expert?: Expert | null;
}

@ObjectType({ description: 'Result of archiveExpert' })
export class ArchiveExpertPayload extends Payload {
  @Field(() => Expert, { nullable: true, description: 'The archived expert' })
  expert?: Expert | null;
}

@ObjectType({ description: 'Result of fileExpertRoster' })
export class FileExpertRosterPayload extends Payload {
  @Field(() => Expert, { nullable: true, description: 'The expert, now FILED' })
  expert?: Expert | null;
}

@ObjectType({ description: 'Result of registerExpertRoster' })
export class RegisterExpertRosterPayload extends Payload {
  @Field(() => Expert, { nullable: true, description: 'The expert, now REGISTERED' })
  expert?: Expert | null;
}

/** One expert row of `importExperts` (checked row by row by the service, so one bad row never aborts the batch). */
@InputType({ description: 'One S&T expert (科技专家) to enter on the roster or update, keyed by an external reference from the importing system' })
export class ExpertImportRow {
  @Field({ description: 'External reference (外部编号): 1–64 letters, digits and . _ : / -; unique, the key of the row' })
  externalRef: string;
  @Field({ description: 'Full name (姓名), 2–50 characters' })
  name: string;
  @Field(() => String, { nullable: true, description: 'Professional title (职称)' })
  title?: string | null;
  @Field(() => String, { nullable: true, description: 'Unified social credit code of the employing organization (工作单位), which must be registered; omit for none' })
  employerCreditCode?: string | null;
  @Field({ description: 'Home region code (所在地区); must be inside your scope' })
  regionCode: string;
  @Field(() => [ServiceCategory], { description: 'Specialties (专业领域), at least one' })
  specialties: ServiceCategory[];
  @Field(() => String, { nullable: true, description: 'Free-text specialty note (专业特长), at most 2,000 characters' })
  specialtyNote?: string | null;
  @Field(() => [String], { nullable: true, description: `Codes of the regions served (服务地区), at most ${MAX_SERVICE_REGIONS}` })
  serviceRegionCodes?: string[] | null;
  @Field({ description: 'Contact phone (联系电话): mobile 1xxxxxxxxxx or landline 0551-12345678 (personal data)' })
  contactPhone: string;
  @Field(() => String, { nullable: true, description: 'E-mail address (电子邮箱, personal data)' })
  email?: string | null;
}

@InputType({ description: `A batch of S&T experts (at most ${MAX_IMPORT_ROWS} rows); upserted by external reference; new experts enter the roster as DRAFT` })
export class ImportExpertsInput extends ImportInput(ExpertImportRow, 'experts', 'external reference') {}
