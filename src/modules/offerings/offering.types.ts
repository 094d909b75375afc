import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { MutationInput } from '../../graphql/idempotency';
import { ArrayMaxSize, ArrayMinSize, IsEnum, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { Payload } from '../../graphql/user-error';
import { RegistryStatus } from '../organizations/organization.entity';
import { ServiceCategory } from '../organizations/service-category';
import { ServiceMode } from '../organizations/service-mode';
import { ServiceOffering } from './offering.entity';

export const ServiceOfferingConnection = ConnectionType(ServiceOffering, 'ServiceOffering', 'service offerings (科技服务)');

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const REGION = /^\d{6}(\d{3}){0,2}$/;
const IfSent = () => ValidateIf((_o, v) => v !== undefined);
const IfPresent = () => ValidateIf((_o, v) => v !== undefined && v !== null);

@InputType({ description: 'Filters for listing service offerings; all given conditions must hold' })
export class ServiceOfferingFilter {
  @Field(() => [ServiceCategory], { nullable: true, description: 'Only offerings with at least one of these categories' })
  categories?: ServiceCategory[] | null;
  @Field(() => [ServiceMode], { nullable: true, description: 'Only offerings with at least one of these modes' })
  modes?: ServiceMode[] | null;
  @Field(() => String, { nullable: true, description: 'Only offerings serving this region (one of their served regions contains it), e.g. a village code' })
  serving?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only offerings of this organization (global ID)' })
  organizationId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only offerings of this expert (global ID)' })
  expertId?: string | null;
  @Field(() => RegistryStatus, { nullable: true, description: 'Only this status (default: any)' })
  status?: RegistryStatus | null;
  @Field(() => Boolean, { nullable: true, description: 'true: only offerings active today (status ACTIVE and today within the active period)' })
  activeToday?: boolean | null;
}

@InputType({ description: 'A new service offering (科技服务) by exactly one provider: an organization or an expert' })
export class CreateServiceOfferingInput extends MutationInput {
  @Field(() => ID, { nullable: true, description: 'The providing organization (global ID)' })
  @IsOptional()
  @IsString()
  organizationId?: string | null;
  @Field(() => ID, { nullable: true, description: 'The providing expert (global ID)' })
  @IsOptional()
  @IsString()
  expertId?: string | null;
  @Field({ description: 'Short title (服务名称)' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  title: string;
  @Field(() => String, { nullable: true, description: 'Details (服务内容)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
  @Field(() => [ServiceCategory], { description: 'Categories (服务类别), at least one' })
  @IsEnum(ServiceCategory, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(11)
  categories: ServiceCategory[];
  @Field(() => [ServiceMode], { description: 'Modes (服务方式), at least one' })
  @IsEnum(ServiceMode, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(8)
  modes: ServiceMode[];
  @Field(() => [String], { description: 'Codes of the regions served (服务地区), 1–50; each serves its whole subtree' })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(REGION, { each: true, message: 'regionCodes must be 6, 9 or 12 digit division codes' })
  regionCodes: string[];
  @Field(() => Int, { description: 'Capacity: accepted engagements at the same time (1–10000)' })
  @IsInt()
  @Min(1)
  @Max(10000)
  capacity: number;
  @Field({ description: 'First day offered (YYYY-MM-DD)' })
  @Matches(DATE, { message: 'activeFrom must be YYYY-MM-DD' })
  activeFrom: string;
  @Field(() => String, { nullable: true, description: 'Last day offered (YYYY-MM-DD); null = open-ended' })
  @IsOptional()
  @Matches(DATE, { message: 'activeTo must be YYYY-MM-DD' })
  activeTo?: string | null;
}

@InputType({ description: 'Changes to a service offering; omitted fields stay unchanged' })
export class UpdateServiceOfferingInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the offering' })
  @IsString()
  id: string;
  @Field(() => Int, { description: 'The version you read (optimistic locking)' })
  @IsInt()
  version: number;
  @Field(() => String, { nullable: true, description: 'New title' })
  @IfSent()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  title?: string | null;
  @Field(() => String, { nullable: true, description: 'New details; null clears them' })
  @IfPresent()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
  @Field(() => [ServiceCategory], { nullable: true, description: 'New categories (replacing the old ones)' })
  @IfSent()
  @IsEnum(ServiceCategory, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(11)
  categories?: ServiceCategory[] | null;
  @Field(() => [ServiceMode], { nullable: true, description: 'New modes (replacing the old ones)' })
  @IfSent()
  @IsEnum(ServiceMode, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(8)
  modes?: ServiceMode[] | null;
  @Field(() => [String], { nullable: true, description: 'New regions served (replacing the old ones)' })
  @IfSent()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(REGION, { each: true, message: 'regionCodes must be 6, 9 or 12 digit division codes' })
  regionCodes?: string[] | null;
  @Field(() => Int, { nullable: true, description: 'New capacity' })
  @IfSent()
  @IsInt()
  @Min(1)
  @Max(10000)
  capacity?: number | null;
  @Field(() => String, { nullable: true, description: 'New first day (YYYY-MM-DD)' })
  @IfSent()
  @Matches(DATE, { message: 'activeFrom must be YYYY-MM-DD' })
  activeFrom?: string | null;
  @Field(() => String, { nullable: true, description: 'New last day (YYYY-MM-DD); null = open-ended' })
  @IfPresent()
  @Matches(DATE, { message: 'activeTo must be YYYY-MM-DD' })
  activeTo?: string | null;
  @Field(() => RegistryStatus, { nullable: true, description: 'ARCHIVED withdraws the offering from matching; ACTIVE restores it' })
  @IfSent()
  @IsEnum(RegistryStatus)
  status?: RegistryStatus | null;
}

@ObjectType({ description: 'Result of createServiceOffering' })
export class CreateServiceOfferingPayload extends Payload {
  @Field(() => ServiceOffering, { nullable: true, description: 'The offering, when created' })
  serviceOffering?: ServiceOffering | null;
}

@ObjectType({ description: 'Result of updateServiceOffering' })
export class UpdateServiceOfferingPayload extends Payload {
  @Field(() => ServiceOffering, { nullable: true, description: 'The offering after the change' })
  serviceOffering?: ServiceOffering | null;
}
