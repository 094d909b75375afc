import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { revealOrMask } from '../../graphql/masking';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS } from '../../graphql/principal';
import { importPayload, ImportPayload } from '../../graphql/import';
import { mutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Region } from '../regions/region.entity';
import { Household } from './household.entity';
import { PoorVillage } from './poor-village.entity';
import {
  HouseholdConnection,
  HouseholdFilter,
  HouseholdOrder,
  ImportHouseholdsInput,
  ImportPoorVillagesInput,
  PoorVillageConnection,
  PoorVillageFilter,
  UpdateHouseholdInput,
  UpdateHouseholdPayload,
  UpdatePoorVillageInput,
  UpdatePoorVillagePayload,
} from './beneficiary.types';

@Resolver(() => PoorVillage)
export class PoorVillageResolver {
  @Authorized()
  @Query(() => PoorVillage, { nullable: true, description: 'One registered poor village (建档立卡贫困村) by village code; null if not registered or outside your region scope' })
  poorVillage(@Arg('villageCode', { description: '12-digit village code' }) villageCode: string, @Ctx() ctx: Context): Promise<PoorVillage | null> {
    return ctx.loaders.poorVillageByCode.load(villageCode);
  }

  @Authorized()
  @Query(() => PoorVillageConnection, { description: 'Registered poor villages (建档立卡贫困村) in your region scope, by village code' })
  poorVillages(
    @Args() page: PageArgs,
    @Arg('filter', () => PoorVillageFilter, { nullable: true, description: 'Filters' }) filter: PoorVillageFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<PoorVillage>> {
    return ctx.services.beneficiaries.listVillages(ctx.scope, filter, page);
  }

  @FieldResolver(() => Region, { description: 'The village as an administrative division (行政区划), with its parents' })
  async region(@Root() v: PoorVillage, @Ctx() ctx: Context): Promise<Region> {
    return v.region ?? ((await ctx.loaders.regionByCode.load(v.regionCode)) as Region);
  }

  @FieldResolver(() => HouseholdConnection, { description: 'Registered poor households (建档立卡贫困户) of this village, by registry number' })
  households(@Root() v: PoorVillage, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<Household>> {
    return ctx.loaders.householdsByVillage.load({ parent: v.regionCode, ...page });
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => ImportPayload, { description: 'Register or update up to 1,000 poor villages (coordinators, villages inside their scope); idempotent upsert by village code, bad rows reported, good rows kept' })
  importPoorVillages(@Arg('input', { description: 'The rows and an optional idempotency key' }) input: ImportPoorVillagesInput, @Ctx() ctx: Context): Promise<ImportPayload> {
    return importPayload(input, () => ctx.services.beneficiaries.importVillages(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => UpdatePoorVillagePayload, { description: 'Change the registration data of a poor village (coordinators in scope), with the version you read' })
  updatePoorVillage(@Arg('input', { description: 'The village, the version you read, and the changes' }) input: UpdatePoorVillageInput, @Ctx() ctx: Context): Promise<UpdatePoorVillagePayload> {
    return mutation(input, async () => ({ poorVillage: await ctx.services.beneficiaries.updateVillage(ctx.actor, ctx.scope, input) }));
  }
}

@Resolver(() => Household)
export class HouseholdResolver {
  @Authorized()
  @Query(() => Household, { nullable: true, description: 'One registered poor household (建档立卡贫困户) by global ID; null if unknown or outside your region scope' })
  household(@Arg('id', () => ID, { description: 'Global ID of the household' }) id: string, @Ctx() ctx: Context): Promise<Household | null> | null {
    const key = uuidOf(id, 'Household');
    return key ? ctx.loaders.householdById.load(key) : null;
  }

  @Authorized()
  @Query(() => HouseholdConnection, { description: 'Registered poor households (建档立卡贫困户) in your region scope, filtered and ordered (default: by registry number)' })
  households(
    @Args() page: PageArgs,
    @Arg('filter', () => HouseholdFilter, { nullable: true, description: 'Filters' }) filter: HouseholdFilter | null,
    @Arg('orderBy', () => HouseholdOrder, { nullable: true, description: 'Ordering (default: by registry number)' }) orderBy: HouseholdOrder | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Household>> {
    return ctx.services.beneficiaries.listHouseholds(ctx.scope, filter, orderBy, page);
  }

  @FieldResolver(() => Region, { description: 'The village (所在村) as an administrative division' })
  async village(@Root() h: Household, @Ctx() ctx: Context): Promise<Region> {
    return h.village ?? ((await ctx.loaders.regionByCode.load(h.villageCode)) as Region);
  }

  @FieldResolver(() => PoorVillage, { nullable: true, description: 'The registration of its village as a poor village, if it is one' })
  poorVillage(@Root() h: Household, @Ctx() ctx: Context): Promise<PoorVillage | null> {
    return ctx.loaders.poorVillageByCode.load(h.villageCode);
  }

  @FieldResolver(() => String, { description: 'Name of the head of household (户主姓名); personal data: masked unless you are a coordinator whose scope covers the village (never for analysts)' })
  headName(@Root() h: Household, @Ctx() ctx: Context): string | null {
    return revealOrMask(ctx.principal, { regionCode: h.villageCode }, h.headName, 'name');
  }

  @FieldResolver(() => String, { description: 'ID number of the head of household (户主身份证号); personal data: masked unless you are a coordinator whose scope covers the village (never for analysts)' })
  headIdNumber(@Root() h: Household, @Ctx() ctx: Context): string | null {
    return revealOrMask(ctx.principal, { regionCode: h.villageCode }, h.headIdNumber, 'idNumber');
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => ImportPayload, { description: 'Create or update up to 1,000 registered poor households (coordinators, villages inside their scope); idempotent upsert by registry number: bad rows reported with their index, good rows kept, identical rows unchanged' })
  importHouseholds(@Arg('input', { description: 'The rows and an optional idempotency key' }) input: ImportHouseholdsInput, @Ctx() ctx: Context): Promise<ImportPayload> {
    return importPayload(input, () => ctx.services.beneficiaries.importHouseholds(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => UpdateHouseholdPayload, { description: 'Change a registered poor household (coordinators in scope), with the version you read' })
  updateHousehold(@Arg('input', { description: 'The household, the version you read, and the changes' }) input: UpdateHouseholdInput, @Ctx() ctx: Context): Promise<UpdateHouseholdPayload> {
    return mutation(input, async () => ({ household: await ctx.services.beneficiaries.updateHousehold(ctx.actor, ctx.scope, input) }));
  }
}
