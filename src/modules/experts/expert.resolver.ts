import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, type Page } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, Role } from '../../graphql/principal';
import { importPayload, ImportPayload } from '../../graphql/import';
import { mutation } from '../../graphql/user-error';
import { revealOrMask } from '../../graphql/masking';
import type { Context } from '../context';
import { Organization } from '../organizations/organization.entity';
import { Region } from '../regions/region.entity';
import { Expert } from './expert.entity';
import {
  ArchiveExpertInput,
  ArchiveExpertPayload,
  CreateExpertInput,
  CreateExpertPayload,
  ExpertConnection,
  ExpertFilter,
  ExpertOrder,
  ExpertRosterInput,
  FileExpertRosterPayload,
  ImportExpertsInput,
  RegisterExpertRosterPayload,
  UpdateExpertInput,
  UpdateExpertPayload,
} from './expert.types';

@Resolver(() => Expert)
export class ExpertResolver {
  @Authorized()
  @Query(() => Expert, { nullable: true, description: 'One S&T expert (科技专家) by global ID; null if unknown or outside your region scope' })
  expert(@Arg('id', () => ID, { description: 'Global ID of the expert' }) id: string, @Ctx() ctx: Context): Promise<Expert | null> | null {
    const key = uuidOf(id, 'Expert');
    return key ? ctx.loaders.expertById.load(key) : null;
  }

  @Authorized()
  @Query(() => ExpertConnection, { description: 'S&T experts (科技专家) whose home region is in your scope, filtered and ordered (default: by name)' })
  experts(
    @Args() page: PageArgs,
    @Arg('filter', () => ExpertFilter, { nullable: true, description: 'Filters' }) filter: ExpertFilter | null,
    @Arg('orderBy', () => ExpertOrder, { nullable: true, description: 'Ordering (default: by name)' }) orderBy: ExpertOrder | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Expert>> {
    return ctx.services.experts.list(ctx.scope, filter, orderBy, page);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The employing organization (工作单位); null if none or outside your region scope' })
  employer(@Root() e: Expert, @Ctx() ctx: Context): Promise<Organization | null> | null {
    if (e.employer !== undefined) return Promise.resolve(e.employer ?? null);
    return e.employerId ? ctx.loaders.organizationById.load(e.employerId) : null;
  }

  @FieldResolver(() => Region, { description: 'The home region (所在地区)' })
  async region(@Root() e: Expert, @Ctx() ctx: Context): Promise<Region> {
    return e.region ?? ((await ctx.loaders.regionByCode.load(e.regionCode)) as Region);
  }

  @FieldResolver(() => [Region], { description: 'The regions the expert serves (服务地区), at most 50' })
  async serviceRegions(@Root() e: Expert, @Ctx() ctx: Context): Promise<Region[]> {
    const rows = await ctx.loaders.regionByCode.loadMany(e.serviceRegionCodes);
    return rows.filter((r): r is Region => r instanceof Region);
  }

  // Personal data (个人信息): unmasked only for coordinators in scope and the expert themself.
  @FieldResolver(() => String, { description: 'Contact phone (联系电话); personal data, may be masked for your role' })
  contactPhone(@Root() e: Expert, @Ctx() ctx: Context): string {
    return personalData(ctx, e, 'contactPhone', e.contactPhone) as string;
  }

  @FieldResolver(() => String, { nullable: true, description: 'E-mail address (电子邮箱); personal data, may be masked for your role' })
  email(@Root() e: Expert, @Ctx() ctx: Context): string | null {
    return personalData(ctx, e, 'email', e.email);
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => CreateExpertPayload, { description: 'Enter an S&T expert on the roster as DRAFT (coordinators, home region inside their scope)' })
  createExpert(@Arg('input', { description: 'The expert to enter' }) input: CreateExpertInput, @Ctx() ctx: Context): Promise<CreateExpertPayload> {
    return mutation(input, async () => ({ expert: await ctx.services.experts.create(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => ImportPayload, { description: 'Enter or update up to 1,000 S&T experts (coordinators, home regions inside their scope); idempotent upsert by external reference: bad rows reported with their index, good rows kept, identical rows unchanged; new experts are DRAFT on the roster' })
  importExperts(@Arg('input', { description: 'The rows and an optional idempotency key' }) input: ImportExpertsInput, @Ctx() ctx: Context): Promise<ImportPayload> {
    return importPayload(input, () => ctx.services.experts.importExperts(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS, Role.EXPERT)
  @Mutation(() => UpdateExpertPayload, { description: 'Change an expert (coordinators in scope, or the expert themself), with the version you read' })
  updateExpert(@Arg('input', { description: 'The expert, the version you read, and the changes' }) input: UpdateExpertInput, @Ctx() ctx: Context): Promise<UpdateExpertPayload> {
    return mutation(input, async () => ({ expert: await ctx.services.experts.update(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => ArchiveExpertPayload, { description: 'Archive an expert with a reason (coordinators in scope); never deleted' })
  archiveExpert(@Arg('input', { description: 'The expert and the reason' }) input: ArchiveExpertInput, @Ctx() ctx: Context): Promise<ArchiveExpertPayload> {
    return mutation(input, async () => ({ expert: await ctx.services.experts.archive(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => FileExpertRosterPayload, { description: "File an expert's roster entry with the next-higher association (报上一级科协备案): DRAFT → FILED" })
  fileExpertRoster(@Arg('input', { description: 'The expert (and optionally the version you read)' }) input: ExpertRosterInput, @Ctx() ctx: Context): Promise<FileExpertRosterPayload> {
    return mutation(input, async () => ({ expert: await ctx.services.experts.fileRoster(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => RegisterExpertRosterPayload, { description: 'Register a filed roster entry (the association it was filed with, or above): FILED → REGISTERED' })
  registerExpertRoster(@Arg('input', { description: 'The expert (and optionally the version you read)' }) input: ExpertRosterInput, @Ctx() ctx: Context): Promise<RegisterExpertRosterPayload> {
    return mutation(input, async () => ({ expert: await ctx.services.experts.registerRoster(ctx.actor, ctx.scope, input) }));
  }
}

/** What the caller may see of an expert's personal data: the value, or its masked form (src/graphql/masking.ts). */
export function personalData(ctx: Context, expert: Expert, field: 'contactPhone' | 'email', value: string | null): string | null {
  return revealOrMask(ctx.principal, { regionCode: expert.regionCode, expertId: expert.id }, value, field === 'email' ? 'email' : 'phone');
}

/** `Organization.experts` lives here so that experts depend on organizations, never the reverse. */
@Resolver(() => Organization)
export class OrganizationExpertsResolver {
  @FieldResolver(() => ExpertConnection, { description: 'Experts employed by this organization (本单位专家) in your region scope, by name' })
  experts(@Root() org: Organization, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<Expert>> {
    return ctx.loaders.expertsByEmployer.load({ parent: org.id, ...page });
  }
}
