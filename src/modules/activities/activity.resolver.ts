import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Page } from '../../graphql/connection';
import { PageArgs } from '../../graphql/connection';
import { COORDINATORS } from '../../graphql/principal';
import { mutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Household } from '../beneficiaries/household.entity';
import { Organization } from '../organizations/organization.entity';
import { Region } from '../regions/region.entity';
import { Activity, Facility } from './activity.entity';
import {
  ActivityConnection,
  ActivityFilter,
  FacilityConnection,
  FacilityFilter,
  RecordActivityInput,
  RecordActivityPayload,
  RecordFacilityInput,
  RecordFacilityPayload,
} from './activity.types';

/** Who records facilities and activities: coordinators whose scope covers the place. */
export const ACTIVITY_RECORDERS = COORDINATORS;

@Resolver(() => Facility)
export class FacilityResolver {
  @Authorized()
  @Query(() => FacilityConnection, { description: 'Facilities (expert service stations, science caravans, museum tour visits, school science museums, e-stations) in your region scope, newest first' })
  facilities(
    @Args() page: PageArgs,
    @Arg('filter', () => FacilityFilter, { nullable: true, description: 'Filters' }) filter: FacilityFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Facility>> {
    return ctx.services.activities.listFacilities(ctx.scope, filter, page);
  }

  @FieldResolver(() => Region, { description: 'Where it is' })
  async region(@Root() f: Facility, @Ctx() ctx: Context): Promise<Region> {
    return (await ctx.loaders.regionByCode.load(f.regionCode)) as Region;
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The operating organization; null if none or outside your region scope' })
  operatorOrganization(@Root() f: Facility, @Ctx() ctx: Context): Promise<Organization | null> | null {
    return f.operatorOrganizationId ? ctx.loaders.organizationById.load(f.operatorOrganizationId) : null;
  }

  @Authorized(...ACTIVITY_RECORDERS)
  @Mutation(() => RecordFacilityPayload, { description: 'Record a facility in a county, township or village of your scope (coordinators); audited' })
  recordFacility(@Arg('input', { description: 'The facility' }) input: RecordFacilityInput, @Ctx() ctx: Context): Promise<RecordFacilityPayload> {
    return mutation(input, async () => ({ facility: await ctx.services.activities.recordFacility(ctx.actor, ctx.scope, input) }));
  }
}

@Resolver(() => Activity)
export class ActivityResolver {
  @Authorized()
  @Query(() => ActivityConnection, { description: 'Trainings and science-popularization activities in your region scope, newest first' })
  activities(
    @Args() page: PageArgs,
    @Arg('filter', () => ActivityFilter, { nullable: true, description: 'Filters' }) filter: ActivityFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Activity>> {
    return ctx.services.activities.listActivities(ctx.scope, filter, page);
  }

  @FieldResolver(() => Region, { description: 'Where it was held' })
  async region(@Root() a: Activity, @Ctx() ctx: Context): Promise<Region> {
    return (await ctx.loaders.regionByCode.load(a.regionCode)) as Region;
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organizing organization, if registered; null if none or outside your region scope' })
  organizerOrganization(@Root() a: Activity, @Ctx() ctx: Context): Promise<Organization | null> | null {
    return a.organizerOrganizationId ? ctx.loaders.organizationById.load(a.organizerOrganizationId) : null;
  }

  @FieldResolver(() => [Household], { description: 'Registered poor households that attended (at most 100); those outside your region scope are left out (personal data masked as usual)' })
  async attendingHouseholds(@Root() a: Activity, @Ctx() ctx: Context): Promise<Household[]> {
    const ids = await ctx.loaders.activityHouseholdIds.load(a.id);
    return (await ctx.loaders.householdById.loadMany(ids)).filter((h): h is Household => h instanceof Household);
  }

  @Authorized(...ACTIVITY_RECORDERS)
  @Mutation(() => RecordActivityPayload, {
    description: "Record a training or science-popularization activity (coordinators in scope); the techniques taught are added to each attending household's techniques mastered (at most 10 per household); audited",
  })
  recordActivity(@Arg('input', { description: 'The activity' }) input: RecordActivityInput, @Ctx() ctx: Context): Promise<RecordActivityPayload> {
    return mutation(input, async () => ctx.services.activities.recordActivity(ctx.actor, ctx.scope, input));
  }
}
