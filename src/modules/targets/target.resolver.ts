import { Arg, Args, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Page } from '../../graphql/connection';
import { PageArgs } from '../../graphql/connection';
import { COORDINATORS } from '../../graphql/principal';
import { mutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Region } from '../regions/region.entity';
import { Target } from './target.entity';
import { SetTargetInput, SetTargetPayload, SplitTargetInput, SplitTargetPayload, TargetConnection, TargetFilter } from './target.types';

/** Who sets and splits targets: coordinators whose scope covers the region. */
export const TARGET_SETTERS = COORDINATORS;

@Resolver(() => Target)
export class TargetResolver {
  @Authorized()
  @Query(() => TargetConnection, { description: 'Targets (目标任务) in your region scope, by region code; each shows the sum of its children\'s targets beside its value' })
  targets(
    @Args() page: PageArgs,
    @Arg('filter', () => TargetFilter, { nullable: true, description: 'Filters' }) filter: TargetFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Target>> {
    return ctx.services.targets.list(ctx.scope, filter, page);
  }

  @FieldResolver(() => Region, { description: 'The region the target is for' })
  async region(@Root() t: Target, @Ctx() ctx: Context): Promise<Region> {
    return (await ctx.loaders.regionByCode.load(t.regionCode)) as Region;
  }

  @FieldResolver(() => Int, { description: "Sum of the direct children's targets for the same year and indicator (下级目标合计), computed in SQL; 0 when not split" })
  async childrenSum(@Root() t: Target, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.targetChildrenSum.load(t.id)).sum;
  }

  @FieldResolver(() => Int, { description: 'How many direct children have a target for the same year and indicator' })
  async childrenWithTargets(@Root() t: Target, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.targetChildrenSum.load(t.id)).count;
  }

  @FieldResolver(() => Int, { description: 'value − childrenSum: what is not yet split down (negative when the children were given more than the parent, see overAllocated)' })
  async difference(@Root() t: Target, @Ctx() ctx: Context): Promise<number> {
    return t.value - (await ctx.loaders.targetChildrenSum.load(t.id)).sum;
  }

  @FieldResolver(() => Boolean, { description: "True when the children's targets add up to more than this target (possible after setTarget on a child or lowering the parent; splitTarget refuses it)" })
  async overAllocated(@Root() t: Target, @Ctx() ctx: Context): Promise<boolean> {
    return (await ctx.loaders.targetChildrenSum.load(t.id)).sum > t.value;
  }

  @Authorized(...TARGET_SETTERS)
  @Mutation(() => SetTargetPayload, { description: 'Set the target of a province, city or county for a year and indicator (coordinators whose scope covers the region); audited' })
  setTarget(@Arg('input', { description: 'Region, year, indicator and value' }) input: SetTargetInput, @Ctx() ctx: Context): Promise<SetTargetPayload> {
    return mutation(input, async () => ({ target: await ctx.services.targets.set(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...TARGET_SETTERS)
  @Mutation(() => SplitTargetPayload, {
    description: "Split a province's or city's target down to its direct children (分解下达) in one call, all or none: refused with LIMIT_EXCEEDED when the children's targets would exceed the parent's",
  })
  splitTarget(@Arg('input', { description: 'Parent region, year, indicator and the parts' }) input: SplitTargetInput, @Ctx() ctx: Context): Promise<SplitTargetPayload> {
    return mutation(input, async () => ctx.services.targets.split(ctx.actor, ctx.scope, input));
  }
}
