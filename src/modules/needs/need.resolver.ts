import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, Role } from '../../graphql/principal';
import { mutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Household } from '../beneficiaries/household.entity';
import { PoorVillage } from '../beneficiaries/poor-village.entity';
import { Region } from '../regions/region.entity';
import { Need } from './need.entity';
import {
  CreateNeedInput,
  CreateNeedPayload,
  NeedConnection,
  NeedCount,
  NeedCountConnection,
  NeedCountFilter,
  NeedFilter,
  NeedOrder,
  TransitionNeedInput,
  TransitionNeedPayload,
} from './need.types';

@Resolver(() => Need)
export class NeedResolver {
  @Authorized()
  @Query(() => Need, { nullable: true, description: 'One need (需求) by global ID; null if unknown or outside your region scope' })
  need(@Arg('id', () => ID, { description: 'Global ID of the need' }) id: string, @Ctx() ctx: Context): Promise<Need | null> | null {
    const key = uuidOf(id, 'Need');
    return key ? ctx.loaders.needById.load(key) : null;
  }

  @Authorized()
  @Query(() => NeedConnection, { description: 'Needs (需求) in your region scope, filtered by region subtree, category, status, urgency and age; newest first by default' })
  needs(
    @Args() page: PageArgs,
    @Arg('filter', () => NeedFilter, { nullable: true, description: 'Filters' }) filter: NeedFilter | null,
    @Arg('orderBy', () => NeedOrder, { nullable: true, description: 'Ordering (default: newest first)' }) orderBy: NeedOrder | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Need>> {
    return ctx.services.needs.list(ctx.scope, filter, orderBy, page);
  }

  @Authorized(...COORDINATORS)
  @Query(() => NeedCountConnection, { description: 'Coverage (coordinators): needs per county and category in your scope, counted by status (aggregated in SQL by code prefix)' })
  needCounts(
    @Args() page: PageArgs,
    @Arg('filter', () => NeedCountFilter, { nullable: true, description: 'Filters' }) filter: NeedCountFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<NeedCount>> {
    return ctx.services.needs.counts(ctx.scope, filter, page);
  }

  @FieldResolver(() => Region, { description: 'The village (所在村) of the need' })
  async village(@Root() n: Need, @Ctx() ctx: Context): Promise<Region> {
    return n.village ?? ((await ctx.loaders.regionByCode.load(n.villageCode)) as Region);
  }

  @FieldResolver(() => Household, { nullable: true, description: 'The household, for household needs (null for village needs or outside your scope)' })
  household(@Root() n: Need, @Ctx() ctx: Context): Promise<Household | null> | null {
    return n.householdId ? ctx.loaders.householdById.load(n.householdId) : null;
  }

  @Authorized(...COORDINATORS, Role.EXPERT)
  @Mutation(() => CreateNeedPayload, { description: 'Record a surveyed need (调研需求) for a registered poor village or household in your scope (coordinators and experts)' })
  createNeed(@Arg('input', { description: 'The need' }) input: CreateNeedInput, @Ctx() ctx: Context): Promise<CreateNeedPayload> {
    return mutation(input, async () => ({ need: await ctx.services.needs.create(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => TransitionNeedPayload, { description: 'Move a need through its states (coordinators in scope): MATCHED → IN_SERVICE → FULFILLED, or CLOSED with a reason; refused moves are INVALID_STATE naming the current state' })
  transitionNeed(@Arg('input', { description: 'The need, the version you read, the target status and a reason' }) input: TransitionNeedInput, @Ctx() ctx: Context): Promise<TransitionNeedPayload> {
    return mutation(input, async () => ({ need: await ctx.services.needs.transition(ctx.actor, ctx.scope, input) }));
  }
}

@Resolver(() => NeedCount)
export class NeedCountResolver {
  @FieldResolver(() => Region, { description: 'The county (区县)' })
  async county(@Root() c: NeedCount, @Ctx() ctx: Context): Promise<Region> {
    return (await ctx.loaders.regionByCode.load(c.countyCode)) as Region;
  }
}

/** `Household.needs` and `PoorVillage.needs` live here so that needs depend on beneficiaries, never the reverse. */
@Resolver(() => Household)
export class HouseholdNeedsResolver {
  @FieldResolver(() => NeedConnection, { description: 'Needs (需求) raised for this household, newest first' })
  needs(@Root() h: Household, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<Need>> {
    return ctx.loaders.needsByHousehold.load({ parent: h.id, ...page });
  }
}

@Resolver(() => PoorVillage)
export class PoorVillageNeedsResolver {
  @FieldResolver(() => NeedConnection, { description: 'Needs (需求) of this village and its households, newest first' })
  needs(@Root() v: PoorVillage, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<Need>> {
    return ctx.loaders.needsByVillage.load({ parent: v.regionCode, ...page });
  }
}
