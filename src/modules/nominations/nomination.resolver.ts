import { Arg, Args, Authorized, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Page, PageArgs } from '../../graphql/connection';
import { uuidOf } from '../../graphql/node';
import { COORDINATORS, Role } from '../../graphql/principal';
import { mutation, type UserError } from '../../graphql/user-error';
import type { Context } from '../context';
import { ProviderEvaluationRecord } from '../evaluations/evaluation.types';
import { Expert } from '../experts/expert.entity';
import { Organization } from '../organizations/organization.entity';
import { Commendation, NominationCandidate, NominationObjection, NominationReviewer, NominationRound, NominationRoundStatus, NominationScore, type NominationCandidateStep } from './nomination.entity';
import { RoundStateError } from './nomination.service';
import {
  AddNominationCandidateInput,
  AssignNominationReviewersInput,
  AssignNominationReviewersPayload,
  CommendationConnection,
  CommendationFilter,
  CommendationPayload,
  CreateNominationRoundInput,
  LodgeNominationObjectionInput,
  NominationCandidateConnection,
  NominationCandidateFilter,
  NominationCandidatePayload,
  NominationCandidateStepConnection,
  NominationObjectionConnection,
  NominationObjectionPayload,
  NominationOrder,
  NominationRoundConnection,
  NominationRoundFilter,
  NominationRoundPayload,
  NominationRoundTransitionInput,
  NOTICE_MS,
  RecordCommendationInput,
  ResolveNominationObjectionInput,
  RevokeNominationCandidateInput,
  ScoreNominationCandidateInput,
  ScoreNominationCandidatePayload,
  SelectNominationCandidatesInput,
  SelectNominationCandidatesPayload,
} from './nomination.types';

/** Who may score candidates: coordinators and experts — and only those assigned to the round's panel. */
export const NOMINATION_REVIEWERS = [...COORDINATORS, Role.EXPERT] as const;

/** Runs a round mutation; a refused transition also reports the round's state and the notice time left. */
async function roundMutation(input: object, run: () => Promise<NominationRound>): Promise<NominationRoundPayload> {
  let currentStatus: NominationRoundStatus | null = null;
  let noticeRemainingSeconds: number | null = null;
  const result = await mutation<NominationRoundPayload>(input, async () => {
    try {
      return { round: await run() };
    } catch (err) {
      if (err instanceof RoundStateError) {
        currentStatus = err.status;
        noticeRemainingSeconds = err.remainingSeconds;
      }
      throw err;
    }
  });
  return { ...result, currentStatus, noticeRemainingSeconds, userErrors: result.userErrors as UserError[] };
}

@Resolver(() => NominationRound)
export class NominationRoundResolver {
  @Authorized()
  @Query(() => NominationRound, { nullable: true, description: 'One nomination round (推荐评选) by global ID; null if unknown or outside your region scope' })
  nominationRound(@Arg('id', () => ID, { description: 'Global ID of the round' }) id: string, @Ctx() ctx: Context): Promise<NominationRound | null> | null {
    const key = uuidOf(id, 'NominationRound');
    return key ? ctx.loaders.nominationRoundById.load(key) : null;
  }

  @Authorized()
  @Query(() => NominationRoundConnection, { description: 'Nomination rounds (推荐评选) of associations in your region scope, filtered by year, level, region, state and title; newest first by default' })
  nominationRounds(
    @Args() page: PageArgs,
    @Arg('filter', () => NominationRoundFilter, { nullable: true, description: 'Filters' }) filter: NominationRoundFilter | null,
    @Arg('orderBy', () => NominationOrder, { nullable: true, description: 'Ordering (default: CREATED_AT DESC)' }) orderBy: NominationOrder | null,
    @Ctx() ctx: Context,
  ): Promise<Page<NominationRound>> {
    return ctx.services.nominations.listRounds(ctx.scope, filter, orderBy, page);
  }

  @FieldResolver(() => NominationRound, { nullable: true, description: 'The round of the level above that allotted the quota; null for a national round or outside your scope' })
  parentRound(@Root() r: NominationRound, @Ctx() ctx: Context): Promise<NominationRound | null> | null {
    return r.parentRoundId ? ctx.loaders.nominationRoundById.load(r.parentRoundId) : null;
  }

  @FieldResolver(() => NominationRoundConnection, { description: 'Rounds this round allotted quota to (下级推荐评选), by region code' })
  childRounds(@Root() r: NominationRound, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<NominationRound>> {
    return ctx.loaders.nominationChildRounds.load({ parent: r.id, ...page });
  }

  @FieldResolver(() => Int, { description: 'Quota allotted to child rounds so far (已分配指标); at most `quota`' })
  async allocatedQuota(@Root() r: NominationRound, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.nominationRoundFigures.load(r.id)).allocatedQuota;
  }

  @FieldResolver(() => Int, { description: 'Candidates currently SELECTED (拟推荐)' })
  async selectedCount(@Root() r: NominationRound, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.nominationRoundFigures.load(r.id)).selectedCount;
  }

  @FieldResolver(() => Int, { description: 'Objections still OPEN (未处理异议); submission waits until there are none' })
  async openObjectionCount(@Root() r: NominationRound, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.nominationRoundFigures.load(r.id)).openObjectionCount;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'Earliest submission time: notice start + 7 full days (7×24 h); null before publication' })
  submittableFrom(@Root() r: NominationRound): Date | null {
    return r.noticeStartedAt ? new Date(r.noticeStartedAt.getTime() + NOTICE_MS) : null;
  }

  @FieldResolver(() => [NominationReviewer], { description: 'The expert review panel (评审专家组), at most 30 members, by name' })
  reviewers(@Root() r: NominationRound, @Ctx() ctx: Context): Promise<NominationReviewer[]> {
    return ctx.loaders.nominationReviewers.load(r.id);
  }

  @FieldResolver(() => NominationCandidateConnection, { description: 'Candidates ranked by average panel score (RANK, computed in SQL); revoked and unscored candidates follow unranked' })
  candidates(
    @Root() r: NominationRound,
    @Args() page: PageArgs,
    @Arg('filter', () => NominationCandidateFilter, { nullable: true, description: 'Filters (the rank is over the whole round)' }) filter: NominationCandidateFilter | null,
    @Ctx() ctx: Context,
  ): Promise<Page<NominationCandidate>> {
    return ctx.loaders.nominationCandidates.load({ parent: r.id, first: page.first, after: page.after, filter });
  }

  @FieldResolver(() => NominationObjectionConnection, { description: 'Objections lodged during the notice (公示异议), oldest first' })
  objections(@Root() r: NominationRound, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<NominationObjection>> {
    return ctx.loaders.nominationObjections.load({ parent: r.id, ...page });
  }

  // ---------------------------------------------------------------- mutations

  @Authorized(...COORDINATORS)
  @Mutation(() => NominationRoundPayload, {
    description: 'Create a nomination round (OPEN): a national round with its own quota (national association), or allot a quota (推荐指标) to a round below a parent round, within what the parent has left (LIMIT_EXCEEDED otherwise)',
  })
  createNominationRound(@Arg('input', { description: 'The round' }) input: CreateNominationRoundInput, @Ctx() ctx: Context): Promise<NominationRoundPayload> {
    return roundMutation(input, () => ctx.services.nominations.createRound(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => NominationRoundPayload, { description: 'Close the expert panel (评审结束): OPEN → REVIEWED; every remaining candidate must have a score; scores are final afterwards' })
  closeNominationPanel(@Arg('input', { description: 'The round and the version you read' }) input: NominationRoundTransitionInput, @Ctx() ctx: Context): Promise<NominationRoundPayload> {
    return roundMutation(input, () => ctx.services.nominations.closePanel(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => SelectNominationCandidatesPayload, { description: 'Select candidates of a REVIEWED round within its quota (拟推荐); more than the quota is LIMIT_EXCEEDED. Replaces an earlier selection' })
  async selectNominationCandidates(@Arg('input', { description: 'The round, its version and the candidates' }) input: SelectNominationCandidatesInput, @Ctx() ctx: Context): Promise<SelectNominationCandidatesPayload> {
    return mutation<SelectNominationCandidatesPayload>(input, () => ctx.services.nominations.select(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => NominationRoundPayload, { description: 'Publish the selected list (公示): REVIEWED → PUBLICIZING; the notice starts now (server time)' })
  publishNominationNotice(@Arg('input', { description: 'The round and the version you read' }) input: NominationRoundTransitionInput, @Ctx() ctx: Context): Promise<NominationRoundPayload> {
    return roundMutation(input, () => ctx.services.nominations.publish(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => NominationRoundPayload, {
    description: 'Submit the round to the level above (报送): PUBLICIZING → SUBMITTED after at least 7 full days (7×24 h) of notice (NOT_ELIGIBLE with the time left otherwise) and with no open objection (INVALID_STATE); the selected candidates become candidates of the parent round',
  })
  submitNominationRound(@Arg('input', { description: 'The round and the version you read' }) input: NominationRoundTransitionInput, @Ctx() ctx: Context): Promise<NominationRoundPayload> {
    return roundMutation(input, () => ctx.services.nominations.submit(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => NominationCandidatePayload, { description: 'Nominate an organization or expert in an OPEN round (申报); NOT_ELIGIBLE, with every reason, unless it is in the registry and provides a registered agreement in the round’s region' })
  addNominationCandidate(@Arg('input', { description: 'The round and the organization or expert' }) input: AddNominationCandidateInput, @Ctx() ctx: Context): Promise<NominationCandidatePayload> {
    return mutation<NominationCandidatePayload>(input, async () => ({ candidate: await ctx.services.nominations.addCandidate(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => AssignNominationReviewersPayload, { description: 'Add members to the expert review panel (评审专家组) of an OPEN round' })
  assignNominationReviewers(@Arg('input', { description: 'The round and the members' }) input: AssignNominationReviewersInput, @Ctx() ctx: Context): Promise<AssignNominationReviewersPayload> {
    return mutation<AssignNominationReviewersPayload>(input, () => ctx.services.nominations.assignReviewers(ctx.actor, ctx.scope, input));
  }

  @Authorized(...NOMINATION_REVIEWERS)
  @Mutation(() => ScoreNominationCandidatePayload, { description: 'Score a candidate 0–100 as a member of the round’s panel (评分) while the panel is open; scoring again replaces your score' })
  scoreNominationCandidate(@Arg('input', { description: 'The candidate and your score' }) input: ScoreNominationCandidateInput, @Ctx() ctx: Context): Promise<ScoreNominationCandidatePayload> {
    return mutation<ScoreNominationCandidatePayload>(input, () => ctx.services.nominations.score(ctx.actor, ctx.scope, input));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => NominationCandidatePayload, { description: 'Disqualify a candidate (撤销评选资格), e.g. for fabricated material, with the reason; recorded in its history and the audit trail' })
  revokeNominationCandidate(@Arg('input', { description: 'The candidate, its version and the reason' }) input: RevokeNominationCandidateInput, @Ctx() ctx: Context): Promise<NominationCandidatePayload> {
    return mutation<NominationCandidatePayload>(input, async () => ({ candidate: await ctx.services.nominations.revoke(ctx.actor, ctx.scope, input) }));
  }

  @Authorized()
  @Mutation(() => NominationObjectionPayload, { description: 'Lodge an objection (异议) to a selected candidate during the public notice (公示); anyone authenticated whose region scope covers the round' })
  lodgeNominationObjection(@Arg('input', { description: 'The candidate and the objection' }) input: LodgeNominationObjectionInput, @Ctx() ctx: Context): Promise<NominationObjectionPayload> {
    return mutation<NominationObjectionPayload>(input, async () => ({ objection: await ctx.services.nominations.lodgeObjection(ctx.actor, ctx.scope, input) }));
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => NominationObjectionPayload, { description: 'Resolve an open objection (异议处理) as the round’s coordinator: UPHOLD revokes the candidate, DISMISS keeps it' })
  resolveNominationObjection(@Arg('input', { description: 'The objection, its version, the decision and the finding' }) input: ResolveNominationObjectionInput, @Ctx() ctx: Context): Promise<NominationObjectionPayload> {
    return mutation<NominationObjectionPayload>(input, async () => ({ objection: await ctx.services.nominations.resolveObjection(ctx.actor, ctx.scope, input) }));
  }

}

@Resolver(() => NominationCandidate)
export class NominationCandidateResolver {
  @FieldResolver(() => NominationRound, { nullable: true, description: 'The round' })
  round(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<NominationRound | null> {
    return ctx.loaders.nominationRoundById.load(c.roundId);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organization (ORGANIZATION candidates); null outside your scope' })
  organization(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<Organization | null> | null {
    return c.organizationId ? ctx.loaders.organizationById.load(c.organizationId) : null;
  }

  @FieldResolver(() => Expert, { nullable: true, description: 'The expert (EXPERT candidates); null outside your scope' })
  expert(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<Expert | null> | null {
    return c.expertId ? ctx.loaders.expertById.load(c.expertId) : null;
  }

  @FieldResolver(() => ProviderEvaluationRecord, {
    description: "The candidate's evaluation record (往期评估) for the panel: its agreements' latest submitted or reviewed grades and upward recommendations, counted now (not frozen at nomination)",
  })
  evaluationRecord(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<ProviderEvaluationRecord> {
    return ctx.loaders.providerEvaluationRecord.load(`${c.kind}:${c.organizationId ?? c.expertId}`);
  }

  @FieldResolver(() => NominationRound, { nullable: true, description: 'The lower round it was forwarded from (下级推荐); null when nominated directly' })
  sourceRound(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<NominationRound | null> | null {
    return c.sourceRoundId ? ctx.loaders.nominationRoundById.load(c.sourceRoundId) : null;
  }

  @FieldResolver(() => Int, { nullable: true, description: 'Rank in the round by average score (1 = best; ties share a rank); null when revoked or not yet scored' })
  async rank(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<number | null> {
    return (c.standing ?? (await ctx.loaders.nominationStanding.load(c.id))).rank;
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Average panel score (平均分), two decimals; null before any score' })
  async averageScore(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<number | null> {
    return (c.standing ?? (await ctx.loaders.nominationStanding.load(c.id))).averageScore;
  }

  @FieldResolver(() => Int, { description: 'Number of panel members who scored it' })
  async scoreCount(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<number> {
    return (c.standing ?? (await ctx.loaders.nominationStanding.load(c.id))).scoreCount;
  }

  @FieldResolver(() => [NominationScore], { description: 'The panel’s scores, one per member (at most 30)' })
  scores(@Root() c: NominationCandidate, @Ctx() ctx: Context): Promise<NominationScore[]> {
    return ctx.loaders.nominationScores.load(c.id);
  }

  @FieldResolver(() => NominationCandidateStepConnection, { description: 'History (申报记录): every status change with who, why and when, oldest first; never deleted' })
  history(@Root() c: NominationCandidate, @Args() page: PageArgs, @Ctx() ctx: Context): Promise<Page<NominationCandidateStep>> {
    return ctx.loaders.nominationCandidateSteps.load({ parent: c.id, ...page });
  }
}

@Resolver(() => NominationObjection)
export class NominationObjectionResolver {
  @FieldResolver(() => NominationCandidate, { nullable: true, description: 'The candidate objected to' })
  candidate(@Root() o: NominationObjection, @Ctx() ctx: Context): Promise<NominationCandidate | null> {
    return ctx.loaders.nominationCandidateById.load(o.candidateId);
  }

  @FieldResolver(() => NominationRound, { nullable: true, description: 'The round' })
  round(@Root() o: NominationObjection, @Ctx() ctx: Context): Promise<NominationRound | null> {
    return ctx.loaders.nominationRoundById.load(o.roundId);
  }
}

@Resolver(() => Commendation)
export class CommendationResolver {
  @Authorized()
  @Query(() => CommendationConnection, { description: 'Commendations (表彰) of recipients in your region scope, filtered by year, level, region, kind, recipient and title; newest first by default' })
  commendations(
    @Args() page: PageArgs,
    @Arg('filter', () => CommendationFilter, { nullable: true, description: 'Filters' }) filter: CommendationFilter | null,
    @Arg('orderBy', () => NominationOrder, { nullable: true, description: 'Ordering (default: CREATED_AT DESC)' }) orderBy: NominationOrder | null,
    @Ctx() ctx: Context,
  ): Promise<Page<Commendation>> {
    return ctx.services.nominations.listCommendations(ctx.scope, filter, orderBy, page);
  }

  @Authorized(...COORDINATORS)
  @Mutation(() => CommendationPayload, { description: 'Record a commendation (表彰) of an organization, team or expert by an association in your scope' })
  recordCommendation(@Arg('input', { description: 'The commendation' }) input: RecordCommendationInput, @Ctx() ctx: Context): Promise<CommendationPayload> {
    return mutation<CommendationPayload>(input, async () => ({ commendation: await ctx.services.nominations.recordCommendation(ctx.actor, ctx.scope, input) }));
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The commended organization (ORGANIZATION); null otherwise or outside your scope' })
  organization(@Root() c: Commendation, @Ctx() ctx: Context): Promise<Organization | null> | null {
    return c.organizationId ? ctx.loaders.organizationById.load(c.organizationId) : null;
  }

  @FieldResolver(() => Expert, { nullable: true, description: 'The commended expert (INDIVIDUAL); null otherwise or outside your scope' })
  expert(@Root() c: Commendation, @Ctx() ctx: Context): Promise<Expert | null> | null {
    return c.expertId ? ctx.loaders.expertById.load(c.expertId) : null;
  }

  @FieldResolver(() => NominationCandidate, { nullable: true, description: 'The nomination candidate it resulted from, if recorded' })
  candidate(@Root() c: Commendation, @Ctx() ctx: Context): Promise<NominationCandidate | null> | null {
    return c.candidateId ? ctx.loaders.nominationCandidateById.load(c.candidateId) : null;
  }
}
