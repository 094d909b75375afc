import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { MutationInput } from '../../graphql/idempotency';
import { IsInt, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ConnectionType } from '../../graphql/connection';
import { Payload } from '../../graphql/user-error';
import { ServiceCategory } from '../organizations/service-category';
import { ServiceOffering } from '../offerings/offering.entity';
import { MatchReason, MatchStatus, ServiceMatch } from './match.entity';

export const ServiceMatchConnection = ConnectionType(ServiceMatch, 'ServiceMatch', 'matches (对接)');

/** How close the provider is to the need in the region tree. */
export enum RegionFit {
  SAME_COUNTY = 'SAME_COUNTY',
  PAIRED_COUNTY = 'PAIRED_COUNTY',
  SAME_CITY = 'SAME_CITY',
  SAME_PROVINCE = 'SAME_PROVINCE',
  ELSEWHERE = 'ELSEWHERE',
}
registerEnumType(RegionFit, {
  name: 'RegionFit',
  description: "Where the provider is relative to the need's county (by division code prefix)",
  valuesConfig: {
    SAME_COUNTY: { description: 'In the same county (同县), 40 points' },
    PAIRED_COUNTY: { description: "In a county paired with the need's county (县域结对帮扶, either side), 30 points" },
    SAME_CITY: { description: 'In the same city (同市), 20 points' },
    SAME_PROVINCE: { description: 'In the same province (同省), 10 points' },
    ELSEWHERE: { description: 'Elsewhere (外省), 0 points' },
  },
});

/** A ranked candidate offering for a need. */
@ObjectType({ description: 'A service offering ranked for a need, with its score and the reasons' })
export class MatchCandidate {
  offeringId: string;
  @Field(() => ServiceOffering, { description: 'The offering' })
  offering: ServiceOffering;
  @Field(() => Float, { description: 'Score 0–100: the sum of the reasons\' points' })
  score: number;
  @Field(() => RegionFit, { description: "Provider's distance to the need in the region tree" })
  regionFit: RegionFit;
  @Field(() => Int, { description: 'Capacity minus the accepted matches in progress' })
  spareCapacity: number;
  @Field(() => [MatchReason], { description: 'Why: one reason per score component' })
  reasons: MatchReason[];
}
export const MatchCandidateConnection = ConnectionType(MatchCandidate, 'MatchCandidate', 'ranked candidate offerings for a need');

@InputType({ description: 'Filters of serviceMatches' })
export class ServiceMatchFilter {
  @Field(() => ID, { nullable: true, description: 'Only matches of this need (global ID)' })
  needId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only matches of this offering (global ID)' })
  offeringId?: string | null;
  @Field(() => [MatchStatus], { nullable: true, description: 'Only these statuses' })
  status?: MatchStatus[] | null;
  @Field(() => Boolean, { nullable: true, description: 'true: only matches proposed to you as a provider (your organization or yourself as an expert)' })
  mine?: boolean | null;
}

@InputType({ description: 'Filters of openNeedsWithoutCandidates' })
export class CoverageFilter {
  @Field(() => String, { nullable: true, description: 'Only needs inside this region (code prefix subtree)' })
  within?: string | null;
  @Field(() => [ServiceCategory], { nullable: true, description: 'Only these categories' })
  categories?: ServiceCategory[] | null;
}

@InputType({ description: 'Propose an offering for a need (coordinators whose scope covers the need); the score and reasons are recorded' })
export class ProposeMatchInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the need (must be OPEN)' })
  @IsString()
  needId: string;
  @Field(() => ID, { description: 'Global ID of the offering (must be a candidate for the need)' })
  @IsString()
  offeringId: string;
}

@InputType({ description: 'Accept a proposed match (the provider, or a coordinator whose scope covers the need)' })
export class AcceptMatchInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the match' })
  @IsString()
  id: string;
  @Field(() => Int, { nullable: true, description: 'The version you read; checked when given' })
  @IsOptional()
  @IsInt()
  version?: number | null;
}

@InputType({ description: 'Decline a proposed match with a reason (the provider, or a coordinator whose scope covers the need)' })
export class DeclineMatchInput extends MutationInput {
  @Field(() => ID, { description: 'Global ID of the match' })
  @IsString()
  id: string;
  @Field(() => Int, { nullable: true, description: 'The version you read; checked when given' })
  @IsOptional()
  @IsInt()
  version?: number | null;
  @Field({ description: 'Why (拒绝原因)' })
  @IsString()
  @MinLength(2)
  @MaxLength(500)
  reason: string;
}

@ObjectType({ description: 'Result of proposeMatch, acceptMatch and declineMatch' })
export class MatchPayload extends Payload {
  @Field(() => ServiceMatch, { nullable: true, description: 'The match after the change' })
  match?: ServiceMatch | null;
}
