import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, Float, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { entityFromJson } from '../../db/entity-json';
import { Page, PageArgs } from '../../graphql/connection';
import { nestedPreloader } from '../../graphql/nested-connection';
import { uuidOf } from '../../graphql/node';
import { revealOrMask } from '../../graphql/masking';
import type { Preloader } from '../../graphql/preload';
import { COORDINATORS, Role } from '../../graphql/principal';
import { mutation, stateMutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Expert } from '../experts/expert.entity';
import { Household } from '../beneficiaries/household.entity';
import { ServiceMatch } from '../matching/match.entity';
import { Need } from '../needs/need.entity';
import { Organization } from '../organizations/organization.entity';
import { Region } from '../regions/region.entity';
import { RegionConnection } from '../regions/region.types';
import { Agreement, AgreementLinkKind, AgreementProgressItem, AgreementProgressReport, AgreementStatus, AgreementTask, Signatory, type AgreementFilingStep, type AgreementVillage } from './agreement.entity';
import { FILING_STEPS, VILLAGES } from './agreement.loaders';
import { StateError } from './agreement.service';
import {
  AgreementConnection,
  AgreementFilingStepConnection,
  AgreementFilter,
  AgreementOrder,
  AgreementPayload,
  AgreementProgressReportConnection,
  AgreementReasonInput,
  AgreementTransitionInput,
  CreateAgreementInput,
  ReportAgreementProgressInput,
  ReportAgreementProgressPayload,
  SignAgreementInput,
  SubmitAgreementsInput,
  SubmitAgreementsPayload,
  UpdateAgreementInput,
} from './agreement.types';

/** Who drafts, signs, files and starts agreements: coordinators in scope and the provider parties. */
export const AGREEMENT_PARTIES = [...COORDINATORS, Role.ORGANIZATION_MANAGER, Role.EXPERT] as const;
/** Who reviews: the county, city and provincial associations (each only at its own level). */
export const AGREEMENT_REVIEWERS = [Role.COUNTY_COORDINATOR, Role.CITY_COORDINATOR, Role.PROVINCIAL_COORDINATOR] as const;

/**
 * Relations of Agreement read ahead for a page of agreements (src/graphql/preload.ts), each priming the loader its
 * field resolver reads with what that loader would load: the organization and the experts within the caller's scope
 * (OrganizationService.byIds, expertIdsOf + ExpertService.byIds), the first page of beneficiary villages with the
 * villages and their ancestors (regionByCode), and the first page of the filing history.
 */
export const agreementPreloaders: Record<string, Preloader<Context, Agreement>> = {
  organization: {
    // With the key it was read for: the agreement may have changed between the page and this statement.
    sql: ({ ctx }, _args, bind) => `json_build_array(p."organizationId", ${ctx.services.organizations.jsonSql(ctx.scope, 'p."organizationId"', bind)})`,
    prime: ({ ctx, ds }, a, value) => {
      const [key, json] = value as [string | null, unknown];
      if (a.organizationId && key === a.organizationId) ctx.loaders.organizationById.prime(key, entityFromJson(ds, Organization, json));
    },
  },
  experts: {
    sql: ({ ctx }, _args, bind) =>
      `(SELECT json_agg(json_build_array(ae."expertId", ${ctx.services.experts.jsonSql(ctx.scope, 'ae."expertId"', bind)}) ORDER BY ae."expertId")
          FROM agreement_expert ae WHERE ae."agreementId" = p.id)`,
    prime: ({ ctx, ds }, a, value) => {
      const pairs = (value as Array<[string, unknown]> | null) ?? [];
      ctx.loaders.agreementExpertIds.prime(a.id, pairs.map(([id]) => id));
      for (const [id, expert] of pairs) ctx.loaders.expertById.prime(id, entityFromJson(ds, Expert, expert));
    },
  },
  beneficiaryVillages: nestedPreloader<Context, Agreement, AgreementVillage>(VILLAGES, (ctx) => ctx.loaders.agreementVillages, (a) => a.id, {
    // The villages of the window and their ancestors, each once: what regionByCode reads and primes for them.
    also: {
      sql: (ctx) => ctx.services.regions.withAncestorsJsonSql('array_agg(t."villageCode")'),
      prime: ({ ctx, ds }, value) => {
        for (const json of (value as unknown[] | null) ?? []) {
          const region = entityFromJson(ds, Region, json) as Region;
          ctx.loaders.regionByCode.prime(region.code, region);
        }
      },
    },
  }),
  filingHistory: nestedPreloader<Context, Agreement, AgreementFilingStep>(FILING_STEPS, (ctx) => ctx.loaders.agreementFilingSteps, (a) => a.id),
};

/** Runs an agreement mutation; a refused transition also reports the agreement's current state. */
function agreementMutation(input: object, run: () => Promise<Agreement>): Promise<AgreementPayload> {
  return stateMutation<AgreementPayload, AgreementStatus>(input, async () => ({ agreement: await run() }), (err) => (err instanceof StateError ? err.status : undefined));
}

@Resolver(() => Agreement)
export class AgreementResolver {
  @Authorized()
  @Query(() => Agreement, { nullable: true, description: 'One assistance agreement (帮扶协议书) by global ID; null if unknown or outside your region scope' })
  agreement(@Arg('id', () => ID, { description: 'Global ID of the agreement' }) id: string, @Ctx() ctx: Context): Promise<Agreement | null> | null {
    const key = uuidOf(id, 'Agreement');
    return key ? ctx.loaders.agreementById.load(key) : null;
  }

  @Authorized()
  @Query(() => AgreementConnection, { description: 'Assistance agreements (帮扶协议书) in your region scope, filtered and ordered (default: last changed first)' })
  async agreements(
    @Args() page: PageArgs,
    @Arg('filter', () => AgreementFilter, { nullable: true, description: 'Filters' }) filter: AgreementFilter | null,
    @Arg('orderBy', () => AgreementOrder, { nullable: true, description: 'Ordering (default: UPDATED_AT DESC)' }) orderBy: AgreementOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Page<Agreement>> {
    const found = await ctx.services.agreements.list(ctx.scope, filter, orderBy, page);
    // The relations the query selects on the agreements, in one more statement instead of one per relation.
    await ctx.services.preload.connection(ctx, 'Agreement', found.items, info);
    return found;
  }

  @FieldResolver(() => Region, { description: "The beneficiaries' region (county, township or village) that decides the filing chain" })
  async region(@Root() a: Agreement, @Ctx() ctx: Context): Promise<Region> {
    return (await ctx.loaders.regionByCode.load(a.regionCode)) as Region;
  }

  @FieldResolver(() => Region, { description: 'The county (区县) of the agreement, whose association it is filed with for a village/township agreement' })
  async county(@Root() a: Agreement, @Ctx() ctx: Context): Promise<Region> {
    return (await ctx.loaders.regionByCode.load(a.regionCode.slice(0, 6))) as Region;
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The providing organization (帮扶组织); null if none or outside your region scope' })
  organization(@Root() a: Agreement, @Ctx() ctx: Context): Promise<Organization | null> | null {
    return a.organizationId ? ctx.loaders.organizationById.load(a.organizationId) : null;
  }

  @FieldResolver(() => [Expert], { description: 'Participating experts (参与专家), at most 20; those outside your region scope are left out' })
  async experts(@Root() a: Agreement, @Ctx() ctx: Context): Promise<Expert[]> {
    const ids = await ctx.loaders.agreementExpertIds.load(a.id);
    const rows = await ctx.loaders.expertById.loadMany(ids);
    return rows.filter((e): e is Expert => e instanceof Expert);
  }

  @FieldResolver(() => RegionConnection, { description: 'Beneficiary registered poor villages (受援贫困村), by code' })
  async beneficiaryVillages(@Root() a: Agreement, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<Region>> {
    const p = await ctx.loaders.agreementVillages.load({ parent: a.id, ...page });
    const regions = (await ctx.loaders.regionByCode.loadMany(p.items.map((v) => v.villageCode))).map((r) => r as Region);
    return new Page(regions, p.edges.map((e) => e.cursor), p.hasNextPage, p.hasPreviousPage, () => p.totalCount);
  }

  @FieldResolver(() => [Household], { description: 'Beneficiary registered poor households (受援建档立卡贫困户), at most 100; those outside your region scope are left out (personal data masked as usual)' })
  async households(@Root() a: Agreement, @Ctx() ctx: Context): Promise<Household[]> {
    const ids = (await ctx.loaders.agreementLinks.load(a.id)).filter((l) => l.kind === AgreementLinkKind.HOUSEHOLD).map((l) => l.targetId);
    return (await ctx.loaders.householdById.loadMany(ids)).filter((h): h is Household => h instanceof Household);
  }

  @FieldResolver(() => [Need], { description: 'The needs (需求) this agreement answers, at most 20; those outside your region scope are left out' })
  async needs(@Root() a: Agreement, @Ctx() ctx: Context): Promise<Need[]> {
    const ids = (await ctx.loaders.agreementLinks.load(a.id)).filter((l) => l.kind === AgreementLinkKind.NEED).map((l) => l.targetId);
    return (await ctx.loaders.needById.loadMany(ids)).filter((n): n is Need => n instanceof Need);
  }

  @FieldResolver(() => [ServiceMatch], { description: 'The accepted matches (对接) the agreement starts from, at most 20; those you may not see are left out' })
  async acceptedMatches(@Root() a: Agreement, @Ctx() ctx: Context): Promise<ServiceMatch[]> {
    const ids = (await ctx.loaders.agreementLinks.load(a.id)).filter((l) => l.kind === AgreementLinkKind.MATCH).map((l) => l.targetId);
    return (await ctx.loaders.agreementMatchById.loadMany(ids)).filter((m): m is ServiceMatch => m instanceof ServiceMatch);
  }

  @FieldResolver(() => [AgreementTask], { description: 'Planned tasks (帮扶任务), at most 30, in order' })
  tasks(@Root() a: Agreement, @Ctx() ctx: Context): Promise<AgreementTask[]> {
    return ctx.loaders.agreementTasks.load(a.id);
  }

  @FieldResolver(() => [Signatory], { description: 'Signatories (签署人), at most 10; names are personal data, masked unless you may see them' })
  signatories(@Root() a: Agreement, @Ctx() ctx: Context): Signatory[] {
    const owner = { regionCode: a.regionCode, organizationId: a.organizationId };
    return (a.signatories ?? []).map((s) => ({ ...s, name: revealOrMask(ctx.principal, owner, s.name, 'name') as string }));
  }

  @FieldResolver(() => AgreementFilingStepConnection, { description: 'Filing history (备案记录): every step with who, level, decision, reason and time, oldest first' })
  filingHistory(@Root() a: Agreement, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<AgreementFilingStep>> {
    return ctx.loaders.agreementFilingSteps.load({ parent: a.id, ...page });
  }

  @FieldResolver(() => AgreementProgressReportConnection, { description: 'Progress reports (进展报告), newest first' })
  progressReports(@Root() a: Agreement, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<AgreementProgressReport>> {
    return ctx.loaders.agreementReports.load({ parent: a.id, ...page });
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Progress (完成进度) from 0 to 1: per task delivered/planned capped at 1, averaged over the tasks; null without tasks' })
  progress(@Root() a: Agreement, @Ctx() ctx: Context): Promise<number | null> {
    return ctx.loaders.agreementProgress.load(a.id);
  }

  // ---------------------------------------------------------------- mutations

  @Authorized(...AGREEMENT_PARTIES)
  @Mutation(() => AgreementPayload, { description: 'Draft an agreement (DRAFT): coordinators in scope, or an organization manager / expert who is a party' })
  createAgreement(@Arg('input', { description: 'The agreement to draft' }) input: CreateAgreementInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.create(ctx.actor, ctx.scope, input));
  }

  @Authorized(...AGREEMENT_PARTIES)
  @Mutation(() => AgreementPayload, { description: 'Amend a DRAFT or RETURNED agreement, with the version you read' })
  updateAgreement(@Arg('input', { description: 'The agreement, the version you read, and the changes' }) input: UpdateAgreementInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.update(ctx.actor, ctx.scope, input));
  }

  @Authorized(...AGREEMENT_PARTIES)
  @Mutation(() => AgreementPayload, { description: 'Record the signing (签订) of a complete DRAFT agreement: DRAFT → SIGNED' })
  signAgreement(@Arg('input', { description: 'Signing date and signatories' }) input: SignAgreementInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.sign(ctx.actor, ctx.scope, input));
  }

  @Authorized(...AGREEMENT_PARTIES)
  @Mutation(() => AgreementPayload, {
    description: 'File (报备案) a SIGNED or RETURNED agreement with the association above the filer: COUNTY_REVIEW for a village/township filer, CITY_REVIEW for a county-level one, PROVINCE_REVIEW above; notifies that level',
  })
  fileAgreement(@Arg('input', { description: 'The agreement and the version you read' }) input: AgreementTransitionInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.file(ctx.actor, ctx.scope, input));
  }

  @Authorized(...AGREEMENT_REVIEWERS)
  @Mutation(() => AgreementPayload, {
    description: "Approve at the reviewing level and forward (审核通过): COUNTY_REVIEW → CITY_REVIEW → PROVINCE_REVIEW → SUBMITTED; only that level's coordinator whose scope covers the agreement",
  })
  approveAgreementReview(@Arg('input', { description: 'The agreement, the version you read, and a note' }) input: AgreementTransitionInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.approve(ctx.actor, ctx.scope, input));
  }

  @Authorized(...AGREEMENT_REVIEWERS)
  @Mutation(() => AgreementPayload, { description: 'Return an agreement under review to the filer with a reason (退回): → RETURNED; the filer amends and files again' })
  returnAgreement(@Arg('input', { description: 'The agreement, the version you read, and the reason' }) input: AgreementReasonInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.returnToFiler(ctx.actor, ctx.scope, input));
  }

  @Authorized(Role.PROVINCIAL_COORDINATOR)
  @Mutation(() => SubmitAgreementsPayload, { description: 'The province submits reviewed agreements (PROVINCE_REVIEW) to the national registry together (汇总报送): → SUBMITTED, all or none' })
  submitAgreementsToRegistry(@Arg('input', { description: 'The agreements (at most 100)' }) input: SubmitAgreementsInput, @Ctx() ctx: Context): Promise<SubmitAgreementsPayload> {
    return mutation(input, async () => ({ agreements: await ctx.services.agreements.submit(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(Role.NATIONAL_ADMIN)
  @Mutation(() => AgreementPayload, { description: 'Register a SUBMITTED agreement in the national registry (入库) with a unique registry number (入库编号): → REGISTERED' })
  registerAgreement(@Arg('input', { description: 'The agreement and the version you read' }) input: AgreementTransitionInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.register(ctx.actor, ctx.scope, input));
  }

  @Authorized(...AGREEMENT_PARTIES)
  @Mutation(() => AgreementPayload, { description: 'Start implementing a REGISTERED agreement (实施): → IN_PROGRESS (parties or coordinators in scope)' })
  startAgreement(@Arg('input', { description: 'The agreement and the version you read' }) input: AgreementTransitionInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.start(ctx.actor, ctx.scope, input));
  }

  @Authorized(...AGREEMENT_PARTIES)
  @Mutation(() => ReportAgreementProgressPayload, { description: 'Report delivered quantities against the planned tasks of an IN_PROGRESS agreement (项目化跟踪管理)' })
  reportAgreementProgress(@Arg('input', { description: 'The report' }) input: ReportAgreementProgressInput, @Ctx() ctx: Context): Promise<ReportAgreementProgressPayload> {
    return mutation(input, () => ctx.services.agreements.reportProgress(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => AgreementPayload, {
    description: 'Complete an IN_PROGRESS agreement with a note (完成): coordinators in scope, once accepted (验收) — its latest REVIEWED evaluation must be ACCEPTED or ACCEPTED_WITH_CONDITIONS, else NOT_ELIGIBLE',
  })
  completeAgreement(@Arg('input', { description: 'The agreement, the version you read, and the completion note' }) input: AgreementReasonInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.complete(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => AgreementPayload, { description: 'Terminate an agreement in any non-final state with a reason (终止): coordinators in scope' })
  terminateAgreement(@Arg('input', { description: 'The agreement, the version you read, and the reason' }) input: AgreementReasonInput, @Ctx() ctx: Context): Promise<AgreementPayload> {
    return agreementMutation(input, () => ctx.services.agreements.terminate(ctx.actor, ctx.scope, input));
  }
}

@Resolver(() => AgreementTask)
export class AgreementTaskResolver {
  @FieldResolver(() => Float, { description: 'Quantity delivered so far (已完成数量), summed over the progress reports' })
  deliveredQuantity(@Root() t: AgreementTask, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.taskDelivered.load(t.id);
  }
}

@Resolver(() => AgreementProgressReport)
export class AgreementProgressReportResolver {
  @FieldResolver(() => [AgreementProgressItem], { description: 'Delivered quantities per task (at most 30)' })
  items(@Root() r: AgreementProgressReport, @Ctx() ctx: Context): Promise<AgreementProgressItem[]> {
    return ctx.loaders.progressItems.load(r.id);
  }
}
