import { Arg, Args, Authorized, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { entityFromJson } from '../../db/entity-json';
import { Page, PageArgs } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import type { Preloader } from '../../graphql/preload';
import { COORDINATORS, Role } from '../../graphql/principal';
import { mutation, stateMutation } from '../../graphql/user-error';
import type { Context } from '../context';
import { Agreement } from '../agreements/agreement.entity';
import { Region } from '../regions/region.entity';
import { Evaluation, EvaluationScore, EvaluationStatus, EvaluationIndicator, IndicatorSet } from './evaluation.entity';
import { EvaluationStateError, round2 } from './evaluation.service';
import {
  CreateEvaluationInput,
  CreateIndicatorSetInput,
  EvaluationConnection,
  EvaluationFilter,
  EvaluationOrder,
  EvaluationPayload,
  EvaluationTransitionInput,
  IndicatorSetConnection,
  IndicatorSetFilter,
  IndicatorSetPayload,
  RecommendEvaluationInput,
  ReviewEvaluationInput,
  UpdateEvaluationInput,
  UpdateIndicatorSetInput,
} from './evaluation.types';

/** Who defines indicator sets: the national association (national sets) and provincial associations (their province's). */
export const INDICATOR_SET_ADMINS = [Role.NATIONAL_ADMIN, Role.PROVINCIAL_COORDINATOR] as const;
/** Who reviews evaluations: the level above the evaluating one (city, province, national). */
export const EVALUATION_REVIEWERS = [Role.CITY_COORDINATOR, Role.PROVINCIAL_COORDINATOR, Role.NATIONAL_ADMIN] as const;

/** Runs an evaluation mutation; a refused transition also reports the evaluation's current state. */
function evaluationMutation(input: object, run: () => Promise<Evaluation>): Promise<EvaluationPayload> {
  return stateMutation<EvaluationPayload, EvaluationStatus>(input, async () => ({ evaluation: await run() }), (err) => (err instanceof EvaluationStateError ? err.status : undefined));
}

/**
 * Agreement.latestEvaluation read ahead for a page of agreements (src/graphql/preload.ts): what
 * EvaluationService.latestOf loads — in the caller's scope, highest year, then level, then newest.
 */
export const latestEvaluationPreloader: Preloader<Context, Agreement> = {
  sql: ({ ctx }, _args, bind) => ctx.services.evaluations.latestJsonSql(ctx.scope, 'p.id', bind),
  prime: ({ ctx, ds }, a, value) => ctx.loaders.latestEvaluationByAgreement.prime(a.id, entityFromJson(ds, Evaluation, value)),
};

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @Authorized()
  @Query(() => Evaluation, { nullable: true, description: 'One evaluation (评估) by global ID; null if unknown or outside your region scope' })
  evaluation(@Arg('id', () => ID, { description: 'Global ID of the evaluation' }) id: string, @Ctx() ctx: Context): Promise<Evaluation | null> | null {
    const key = uuidOf(id, 'Evaluation');
    return key ? ctx.loaders.evaluationById.load(key) : null;
  }

  @Authorized()
  @Query(() => EvaluationConnection, { description: 'Evaluations (评估) of agreements in your region scope, filtered by agreement, region, year, level, grade, status, acceptance and recommendation; last changed first by default' })
  evaluations(
    @Args() page: PageArgs,
    @Arg('filter', () => EvaluationFilter, { nullable: true, description: 'Filters' }) filter: EvaluationFilter | null,
    @Arg('orderBy', () => EvaluationOrder, { nullable: true, description: 'Ordering (default: UPDATED_AT DESC)' }) orderBy: EvaluationOrder | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Evaluation>> {
    return ctx.services.evaluations.list(ctx.scope, filter, orderBy, page);
  }

  @Authorized()
  @Query(() => IndicatorSetConnection, { description: 'Indicator sets (考核指标体系) that apply to your region (national and your province\'s) or lie inside it, newest first' })
  indicatorSets(
    @Args() page: PageArgs,
    @Arg('filter', () => IndicatorSetFilter, { nullable: true, description: 'Filters: year, level, the region they apply to' }) filter: IndicatorSetFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<IndicatorSet>> {
    return ctx.services.evaluations.listSets(ctx.scope, filter, page);
  }

  @FieldResolver(() => Agreement, { nullable: true, description: 'The evaluated agreement (null outside your region scope)' })
  agreement(@Root() e: Evaluation, @Ctx() ctx: Context): Promise<Agreement | null> {
    return ctx.loaders.agreementById.load(e.agreementId);
  }

  @FieldResolver(() => IndicatorSet, { nullable: true, description: 'The indicator set scored against' })
  indicatorSet(@Root() e: Evaluation, @Ctx() ctx: Context): Promise<IndicatorSet | null> {
    return ctx.loaders.indicatorSetById.load(e.indicatorSetId);
  }

  @FieldResolver(() => [EvaluationScore], { description: 'Scores per indicator (指标得分), in indicator order (at most 30)' })
  scores(@Root() e: Evaluation, @Ctx() ctx: Context): Promise<EvaluationScore[]> {
    return ctx.loaders.evaluationScores.load(e.id);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'The evaluating association’s region (评估单位), e.g. 金寨县 for a COUNTY evaluation; null for NATIONAL' })
  evaluatorRegion(@Root() e: Evaluation, @Ctx() ctx: Context): Promise<Region | null> {
    return ctx.loaders.regionByCode.load(e.evaluatorRegionCode);
  }

  // ---------------------------------------------------------------- mutations

  @Authorized(...INDICATOR_SET_ADMINS)
  @Mutation(() => IndicatorSetPayload, { description: 'Define an indicator set (考核指标体系) for a year and level: national admins for 000000, provincial coordinators for their province; weights sum to 100' })
  createIndicatorSet(@Arg('input', { description: 'The set and its indicators' }) input: CreateIndicatorSetInput, @Ctx() ctx: Context): Promise<IndicatorSetPayload> {
    return mutation<IndicatorSetPayload>(input, async () => ({ indicatorSet: (await ctx.services.evaluations.createSet(ctx.actor, ctx.scope, input)).set }));
  }

  @Authorized(...INDICATOR_SET_ADMINS)
  @Mutation(() => IndicatorSetPayload, { description: 'Rename or re-describe an indicator set, or replace its indicators while no evaluation uses it (else INVALID_STATE)' })
  updateIndicatorSet(@Arg('input', { description: 'The set, the version you read, and the changes' }) input: UpdateIndicatorSetInput, @Ctx() ctx: Context): Promise<IndicatorSetPayload> {
    return mutation<IndicatorSetPayload>(input, async () => ({ indicatorSet: await ctx.services.evaluations.updateSet(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => EvaluationPayload, {
    description: 'Evaluate a REGISTERED, IN_PROGRESS or COMPLETED agreement for a year at your level (DRAFT): the coordinator of that level whose scope covers it; one per agreement, year and level',
  })
  createEvaluation(@Arg('input', { description: 'The evaluation' }) input: CreateEvaluationInput, @Ctx() ctx: Context): Promise<EvaluationPayload> {
    return evaluationMutation(input, () => ctx.services.evaluations.create(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => EvaluationPayload, { description: 'Amend a DRAFT or RETURNED evaluation (the evaluating level), with the version you read' })
  updateEvaluation(@Arg('input', { description: 'The evaluation, the version you read, and the changes' }) input: UpdateEvaluationInput, @Ctx() ctx: Context): Promise<EvaluationPayload> {
    return evaluationMutation(input, () => ctx.services.evaluations.update(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => EvaluationPayload, { description: 'Submit a DRAFT or RETURNED evaluation to the level above for review (→ SUBMITTED; a NATIONAL evaluation → REVIEWED)' })
  submitEvaluation(@Arg('input', { description: 'The evaluation and the version you read' }) input: EvaluationTransitionInput, @Ctx() ctx: Context): Promise<EvaluationPayload> {
    return evaluationMutation(input, () => ctx.services.evaluations.submit(ctx.actor, ctx.scope, input));
  }

  @Authorized(...EVALUATION_REVIEWERS)
  @Mutation(() => EvaluationPayload, {
    description: 'Review a SUBMITTED evaluation of the level below (分级考核): CONFIRMED or ADJUSTED (→ REVIEWED; adjusted scores are kept beside the originals) or RETURNED with a reason (→ RETURNED)',
  })
  reviewEvaluation(@Arg('input', { description: 'The evaluation, the version you read, and the decision' }) input: ReviewEvaluationInput, @Ctx() ctx: Context): Promise<EvaluationPayload> {
    return evaluationMutation(input, () => ctx.services.evaluations.review(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => EvaluationPayload, { description: 'Recommend a REVIEWED evaluation graded GOOD or better upward (择优推荐, input to nominations) with a reason, or withdraw it' })
  recommendEvaluation(@Arg('input', { description: 'The evaluation, the version you read, the flag and the reason' }) input: RecommendEvaluationInput, @Ctx() ctx: Context): Promise<EvaluationPayload> {
    return evaluationMutation(input, () => ctx.services.evaluations.recommend(ctx.actor, ctx.scope, input));
  }
}

@Resolver(() => IndicatorSet)
export class IndicatorSetResolver {
  @FieldResolver(() => [EvaluationIndicator], { description: 'The indicators (考核指标), in order (at most 30)' })
  indicators(@Root() s: IndicatorSet, @Ctx() ctx: Context): Promise<EvaluationIndicator[]> {
    return ctx.loaders.indicatorsOfSet.load(s.id);
  }

  @FieldResolver(() => Int, { description: 'How many evaluations use the set; once > 0 its indicators can no longer change' })
  evaluationCount(@Root() s: IndicatorSet, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.indicatorSetUsage.load(s.id);
  }
}

@Resolver(() => EvaluationScore)
export class EvaluationScoreResolver {
  @FieldResolver(() => EvaluationIndicator, { description: 'The indicator scored' })
  indicator(@Root() s: EvaluationScore): EvaluationIndicator {
    return s.indicator as EvaluationIndicator;
  }

  @FieldResolver(() => Float, { description: 'Points contributed to the total in force: (reviewedScore ?? score) / maxScore × weight, 2 decimals' })
  points(@Root() s: EvaluationScore): number {
    const i = s.indicator as EvaluationIndicator;
    return round2(((s.reviewedScore ?? s.score) / i.maxScore) * i.weight);
  }
}

/** `Agreement.evaluations` and `.latestEvaluation` live here so that evaluations depend on agreements, never the reverse. */
@Resolver(() => Agreement)
export class AgreementEvaluationsResolver {
  @FieldResolver(() => EvaluationConnection, { description: 'Evaluations (评估) of this agreement, newest first' })
  evaluations(@Root() a: Agreement, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<Evaluation>> {
    return ctx.loaders.evaluationsByAgreement.load({ parent: a.id, ...page });
  }

  @FieldResolver(() => Evaluation, { nullable: true, description: 'The latest evaluation: highest year, then highest level (null if none)' })
  latestEvaluation(@Root() a: Agreement, @Ctx() ctx: Context): Promise<Evaluation | null> {
    return ctx.loaders.latestEvaluationByAgreement.load(a.id);
  }
}
