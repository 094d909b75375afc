import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root, registerEnumType } from 'type-graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { mutation } from '../../graphql/user-error';
import { COORDINATORS } from '../../graphql/principal';
import type { Context } from '../context';
import { CountyPairing } from './county-pairing.entity';
import { Region } from './region.entity';
import { ancestorCodes } from './region.service';
import {
  CountyPairingConnection,
  CreateCountyPairingInput,
  CreateCountyPairingPayload,
  RegionConnection,
  RegionFilter,
  RegionOrder,
  UpdateRegionPovertyInput,
  UpdateRegionPovertyPayload,
} from './region.types';

export enum PairingSide {
  HELPED = 'HELPED',
  HELPER = 'HELPER',
}
registerEnumType(PairingSide, {
  name: 'PairingSide',
  description: 'Which side of a county pairing',
  valuesConfig: { HELPED: { description: 'Pairings in which this county receives help' }, HELPER: { description: 'Pairings in which this county helps another' } },
});

@Resolver(() => Region)
export class RegionResolver {
  @Query(() => Region, { nullable: true, description: 'One administrative division by code (public)' })
  region(@Arg('code', { description: 'Division code, e.g. 341524 (金寨县)' }) code: string, @Ctx() ctx: Context): Promise<Region | null> {
    return ctx.loaders.regionByCode.load(code);
  }

  @Query(() => RegionConnection, { description: 'Administrative divisions (public), filtered and ordered' })
  regions(
    @Args() page: PageArgs,
    @Arg('filter', () => RegionFilter, { nullable: true, description: 'Filters' }) filter: RegionFilter | null,
    @Arg('orderBy', () => RegionOrder, { nullable: true, description: 'Ordering (default: by code)' }) orderBy: RegionOrder | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Region>> {
    return ctx.services.regions.list(filter, orderBy, page);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'The parent division' })
  parent(@Root() region: Region, @Ctx() ctx: Context): Promise<Region | null> | null {
    if (region.parent !== undefined) return Promise.resolve(region.parent ?? null);
    return region.parentCode ? ctx.loaders.regionByCode.load(region.parentCode) : null;
  }

  @FieldResolver(() => [Region], { description: 'All ancestors, province first (at most 4)' })
  async ancestors(@Root() region: Region, @Ctx() ctx: Context): Promise<Region[]> {
    const rows = await ctx.loaders.regionByCode.loadMany(ancestorCodes(region.code));
    return rows.filter((r): r is Region => r instanceof Region);
  }

  @FieldResolver(() => RegionConnection, { description: 'Direct subdivisions, by code' })
  children(@Root() region: Region, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<Region>> {
    return ctx.loaders.regionChildren.load({ parent: region.code, ...page });
  }

  @FieldResolver(() => CountyPairingConnection, { description: 'County pairings (县域结对帮扶) of this county, newest first' })
  pairings(
    @Root() region: Region,
    @Args() page: PageArgs,
    @Arg('side', () => PairingSide, { defaultValue: PairingSide.HELPED, description: 'Pairings where this county is helped (default) or helps' }) side: PairingSide,
    @Ctx() ctx: Context,
  ): Promise<Page<CountyPairing>> {
    const loader = side === PairingSide.HELPER ? ctx.loaders.pairingsAsHelper : ctx.loaders.pairingsAsHelped;
    return loader.load({ parent: region.code, ...page });
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => CreateCountyPairingPayload, { description: 'Record a county pairing (coordinators; the helped county must be in scope)' })
  createCountyPairing(@Arg('input', { description: 'The pairing to record' }) input: CreateCountyPairingInput, @Ctx() ctx: Context): Promise<CreateCountyPairingPayload> {
    return mutation(input, async () => ({ pairing: await ctx.services.regions.createPairing(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => UpdateRegionPovertyPayload, { description: 'Change the poverty designation of a county or village (the association above it)' })
  updateRegionPoverty(@Arg('input', { description: 'The region, the version you read, and the new designation' }) input: UpdateRegionPovertyInput, @Ctx() ctx: Context): Promise<UpdateRegionPovertyPayload> {
    return mutation(input, async () => ({ region: await ctx.services.regions.updatePoverty(ctx.actor, ctx.scope, input) }));
  }
}

@Resolver(() => CountyPairing)
export class CountyPairingResolver {
  @FieldResolver(() => Region, { description: 'The helping county' })
  async helper(@Root() p: CountyPairing, @Ctx() ctx: Context): Promise<Region> {
    return p.helper ?? ((await ctx.loaders.regionByCode.load(p.helperCode)) as Region);
  }

  @FieldResolver(() => Region, { description: 'The helped county' })
  async helped(@Root() p: CountyPairing, @Ctx() ctx: Context): Promise<Region> {
    return p.helped ?? ((await ctx.loaders.regionByCode.load(p.helpedCode)) as Region);
  }
}
