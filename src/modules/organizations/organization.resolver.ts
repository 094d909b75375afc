import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, Role } from '../../graphql/principal';
import { importPayload, ImportPayload } from '../../graphql/import';
import { mutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Region } from '../regions/region.entity';
import { Organization } from './organization.entity';
import {
  ArchiveOrganizationInput,
  ArchiveOrganizationPayload,
  CreateOrganizationInput,
  CreateOrganizationPayload,
  ImportOrganizationsInput,
  OrganizationConnection,
  OrganizationFilter,
  OrganizationOrder,
  UpdateOrganizationInput,
  UpdateOrganizationPayload,
} from './organization.types';

@Resolver(() => Organization)
export class OrganizationResolver {
  @Authorized()
  @Query(() => Organization, { nullable: true, description: 'One S&T organization (科技组织) by global ID; null if unknown or outside your region scope' })
  organization(@Arg('id', () => ID, { description: 'Global ID of the organization' }) id: string, @Ctx() ctx: Context): Promise<Organization | null> | null {
    const key = uuidOf(id, 'Organization');
    return key ? ctx.loaders.organizationById.load(key) : null;
  }

  @Authorized()
  @Query(() => OrganizationConnection, { description: 'S&T organizations (科技组织) in your region scope, filtered and ordered (default: by name)' })
  organizations(
    @Args() page: PageArgs,
    @Arg('filter', () => OrganizationFilter, { nullable: true, description: 'Filters' }) filter: OrganizationFilter | null,
    @Arg('orderBy', () => OrganizationOrder, { nullable: true, description: 'Ordering (default: by name)' }) orderBy: OrganizationOrder | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Organization>> {
    return ctx.services.organizations.list(ctx.scope, filter, orderBy, page);
  }

  @FieldResolver(() => Region, { description: 'The region (行政区划) where it is registered' })
  async region(@Root() org: Organization, @Ctx() ctx: Context): Promise<Region> {
    return org.region ?? ((await ctx.loaders.regionByCode.load(org.regionCode)) as Region);
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => CreateOrganizationPayload, { description: 'Register an S&T organization (coordinators, inside their region scope)' })
  createOrganization(@Arg('input', { description: 'The organization to register' }) input: CreateOrganizationInput, @Ctx() ctx: Context): Promise<CreateOrganizationPayload> {
    return mutation(input, async () => ({ organization: await ctx.services.organizations.create(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => ImportPayload, { description: 'Register or update up to 1,000 S&T organizations (coordinators, regions inside their scope); idempotent upsert by unified social credit code: bad rows reported with their index, good rows kept, identical rows unchanged' })
  importOrganizations(@Arg('input', { description: 'The rows and an optional idempotency key' }) input: ImportOrganizationsInput, @Ctx() ctx: Context): Promise<ImportPayload> {
    return importPayload(input, () => ctx.services.organizations.importOrganizations(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS, Role.ORGANIZATION_MANAGER)
  @Mutation(() => UpdateOrganizationPayload, { description: 'Change an S&T organization (coordinators in scope, or its own manager), with the version you read' })
  updateOrganization(@Arg('input', { description: 'The organization, the version you read, and the changes' }) input: UpdateOrganizationInput, @Ctx() ctx: Context): Promise<UpdateOrganizationPayload> {
    return mutation(input, async () => ({ organization: await ctx.services.organizations.update(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => ArchiveOrganizationPayload, { description: 'Archive an S&T organization with a reason (coordinators in scope); never deleted' })
  archiveOrganization(@Arg('input', { description: 'The organization and the reason' }) input: ArchiveOrganizationInput, @Ctx() ctx: Context): Promise<ArchiveOrganizationPayload> {
    return mutation(input, async () => ({ organization: await ctx.services.organizations.archive(ctx.actor, ctx.scope, input) }));
  }
}
