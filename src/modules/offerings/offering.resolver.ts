import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, Role } from '../../graphql/principal';
import { mutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Expert } from '../experts/expert.entity';
import { Organization } from '../organizations/organization.entity';
import { Region } from '../regions/region.entity';
import { ServiceOffering } from './offering.entity';
import {
  CreateServiceOfferingInput,
  CreateServiceOfferingPayload,
  ServiceOfferingConnection,
  ServiceOfferingFilter,
  UpdateServiceOfferingInput,
  UpdateServiceOfferingPayload,
} from './offering.types';

@Resolver(() => ServiceOffering)
export class ServiceOfferingResolver {
  @Authorized()
  @Query(() => ServiceOffering, { nullable: true, description: 'One service offering (科技服务) by global ID; null if unknown or outside your region scope' })
  serviceOffering(@Arg('id', () => ID, { description: 'Global ID of the offering' }) id: string, @Ctx() ctx: Context): Promise<ServiceOffering | null> | null {
    const key = uuidOf(id, 'ServiceOffering');
    return key ? ctx.loaders.offeringById.load(key) : null;
  }

  @Authorized()
  @Query(() => ServiceOfferingConnection, { description: 'Service offerings (科技服务) whose provider or served regions overlap your region scope, newest first' })
  serviceOfferings(
    @Args() page: PageArgs,
    @Arg('filter', () => ServiceOfferingFilter, { nullable: true, description: 'Filters' }) filter: ServiceOfferingFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<ServiceOffering>> {
    return ctx.services.offerings.list(ctx.scope, filter, page);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The providing organization (null for expert offerings, or outside your scope)' })
  organization(@Root() o: ServiceOffering, @Ctx() ctx: Context): Promise<Organization | null> | null {
    return o.organizationId ? ctx.loaders.organizationById.load(o.organizationId) : null;
  }

  @FieldResolver(() => Expert, { nullable: true, description: 'The providing expert (null for organization offerings, or outside your scope)' })
  expert(@Root() o: ServiceOffering, @Ctx() ctx: Context): Promise<Expert | null> | null {
    return o.expertId ? ctx.loaders.expertById.load(o.expertId) : null;
  }

  @FieldResolver(() => [Region], { description: 'The regions served (服务地区), at most 50' })
  async servedRegions(@Root() o: ServiceOffering, @Ctx() ctx: Context): Promise<Region[]> {
    const rows = await ctx.loaders.regionByCode.loadMany(o.regionCodes);
    return rows.filter((r): r is Region => r instanceof Region);
  }

  @Authorized(...COORDINATORS, Role.ORGANIZATION_MANAGER, Role.EXPERT)
  @Mutation(() => CreateServiceOfferingPayload, { description: 'Publish a service offering: an organization manager or expert for themselves, coordinators for providers in their scope' })
  createServiceOffering(@Arg('input', { description: 'The offering' }) input: CreateServiceOfferingInput, @Ctx() ctx: Context): Promise<CreateServiceOfferingPayload> {
    return mutation(input, async () => ({ serviceOffering: await ctx.services.offerings.create(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS, Role.ORGANIZATION_MANAGER, Role.EXPERT)
  @Mutation(() => UpdateServiceOfferingPayload, { description: 'Change a service offering (its provider, or coordinators whose scope covers the provider), with the version you read' })
  updateServiceOffering(@Arg('input', { description: 'The offering, the version you read, and the changes' }) input: UpdateServiceOfferingInput, @Ctx() ctx: Context): Promise<UpdateServiceOfferingPayload> {
    return mutation(input, async () => ({ serviceOffering: await ctx.services.offerings.update(ctx.actor, ctx.scope, input) }));
  }
}
