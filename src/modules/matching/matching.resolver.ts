import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, hasRole, Role } from '../../graphql/principal';
import { mutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Need } from '../needs/need.entity';
import { NeedConnection } from '../needs/need.types';
import { ServiceOffering } from '../offerings/offering.entity';
import { ServiceMatch } from './match.entity';
import {
  AcceptMatchInput,
  CoverageFilter,
  DeclineMatchInput,
  MatchCandidate,
  MatchCandidateConnection,
  MatchPayload,
  ProposeMatchInput,
  ServiceMatchConnection,
  ServiceMatchFilter,
} from './matching.types';

const PROVIDERS_AND_COORDINATORS = [...COORDINATORS, Role.ORGANIZATION_MANAGER, Role.EXPERT];

@Resolver(() => ServiceMatch)
export class MatchingResolver {
  @Authorized(...COORDINATORS)
  @Query(() => MatchCandidateConnection, { description: 'Service offerings ranked for a need (精准对接), best first, each with its score and reasons; empty if the need is unknown or outside your scope' })
  matchCandidates(
    @Arg('needId', () => ID, { description: 'Global ID of the need' }) needId: string,
    @Args() page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<Page<MatchCandidate>> {
    return ctx.services.matching.candidates(ctx.scope, uuidOf(needId, 'Need') ?? '', page);
  }

  @Authorized(...COORDINATORS)
  @Query(() => NeedConnection, { description: 'Coverage (coordinators): OPEN needs in your scope for which no active offering of the category serves the village; newest first' })
  openNeedsWithoutCandidates(
    @Args() page: PageArgs,
    @Arg('filter', () => CoverageFilter, { nullable: true, description: 'Filters' }) filter: CoverageFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Need>> {
    return ctx.services.matching.openNeedsWithoutCandidates(ctx.scope, filter, page);
  }

  @Authorized()
  @Query(() => ServiceMatchConnection, { description: 'Matches (对接) of needs in your scope, or proposed to you as a provider; newest first' })
  serviceMatches(
    @Args() page: PageArgs,
    @Arg('filter', () => ServiceMatchFilter, { nullable: true, description: 'Filters' }) filter: ServiceMatchFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<ServiceMatch>> {
    return ctx.services.matching.list(ctx.principal, ctx.scope, filter, page);
  }

  @FieldResolver(() => Need, { nullable: true, description: 'The need (null if outside your scope, unless the match was proposed to you as its provider)' })
  need(@Root() m: ServiceMatch, @Ctx() ctx: Context): Promise<Need | null> {
    const p = ctx.principal;
    const provider = (m.organizationId && p.organizationId === m.organizationId && hasRole(p, Role.ORGANIZATION_MANAGER)) || (m.expertId && p.expertId === m.expertId && hasRole(p, Role.EXPERT));
    return provider ? ctx.loaders.needByIdForProvider.load(m.needId) : ctx.loaders.needById.load(m.needId);
  }

  @FieldResolver(() => ServiceOffering, { nullable: true, description: 'The offering (null if outside your scope)' })
  offering(@Root() m: ServiceMatch, @Ctx() ctx: Context): Promise<ServiceOffering | null> {
    return ctx.loaders.offeringById.load(m.offeringId);
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => MatchPayload, { description: 'Propose an offering for an OPEN need (coordinators whose scope covers the need); score and reasons are recorded' })
  proposeMatch(@Arg('input', { description: 'The need and the offering' }) input: ProposeMatchInput, @Ctx() ctx: Context): Promise<MatchPayload> {
    return mutation(input, async () => ({ match: await ctx.services.matching.propose(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...PROVIDERS_AND_COORDINATORS)
  @Mutation(() => MatchPayload, { description: 'Accept a proposed match (the provider it was proposed to, or a coordinator covering the need): the need moves OPEN → MATCHED and its other proposals are withdrawn' })
  acceptMatch(@Arg('input', { description: 'The match' }) input: AcceptMatchInput, @Ctx() ctx: Context): Promise<MatchPayload> {
    return mutation(input, async () => ({ match: await ctx.services.matching.accept(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...PROVIDERS_AND_COORDINATORS)
  @Mutation(() => MatchPayload, { description: 'Decline a proposed match with a reason (the provider it was proposed to, or a coordinator covering the need); the need stays OPEN' })
  declineMatch(@Arg('input', { description: 'The match and the reason' }) input: DeclineMatchInput, @Ctx() ctx: Context): Promise<MatchPayload> {
    return mutation(input, async () => ({ match: await ctx.services.matching.decline(ctx.actor, ctx.scope, input) }));
  }
}

@Resolver(() => MatchCandidate)
export class MatchCandidateResolver {
  @FieldResolver(() => ServiceOffering, { description: 'The offering' })
  async offering(@Root() c: MatchCandidate, @Ctx() ctx: Context): Promise<ServiceOffering> {
    return c.offering ?? ((await ctx.loaders.offeringById.load(c.offeringId)) as ServiceOffering);
  }
}

/** `Need.matches` lives here so that matching depends on needs, never the reverse. */
@Resolver(() => Need)
export class NeedMatchesResolver {
  @FieldResolver(() => ServiceMatchConnection, { description: 'Matches (对接) proposed for this need, newest first' })
  matches(@Root() n: Need, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<ServiceMatch>> {
    return ctx.loaders.matchesByNeed.load({ parent: n.id, ...page });
  }
}
