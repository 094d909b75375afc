import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { nestedPageLoader } from '../../graphql/nested-connection';
import type { Page } from '../../graphql/connection';
import type { Scope } from '../../graphql/scope';
import { NominationCandidateStep, NominationObjection, NominationRound, type CandidateStanding, type Commendation, type NominationCandidate, type NominationReviewer, type NominationScore } from './nomination.entity';
import type { CandidatePageKey, NominationService, RoundFigures } from './nomination.service';

/** Per-request loaders of the nominations module; rounds, candidates, objections and commendations are read within the caller's scope. */
export function createNominationLoaders(ds: DataSource, service: NominationService, scope: Scope) {
  return {
    nominationRoundById: new DataLoader<string, NominationRound | null>((ids) => service.roundsByIds(scope, ids)),
    nominationCandidateById: new DataLoader<string, NominationCandidate | null>((ids) => service.candidatesByIds(scope, ids)),
    nominationObjectionById: new DataLoader<string, NominationObjection | null>((ids) => service.objectionsByIds(scope, ids)),
    commendationById: new DataLoader<string, Commendation | null>((ids) => service.commendationsByIds(scope, ids)),
    /** Ranked candidates of each round (RANK over the average panel score, in SQL). */
    nominationCandidates: new DataLoader<CandidatePageKey, Page<NominationCandidate>, string>((keys) => service.candidatePages(keys), {
      cacheKeyFn: (k) => JSON.stringify([k.parent, k.first ?? null, k.after ?? null, k.filter?.status ?? null, k.filter?.kind ?? null]),
    }),
    /** Rank and average score of single candidates (those not read through the ranked list). */
    nominationStanding: new DataLoader<string, CandidateStanding>((ids) => service.standings(ids)),
    nominationReviewers: new DataLoader<string, NominationReviewer[]>((ids) => service.reviewersOf(ids)),
    nominationScores: new DataLoader<string, NominationScore[]>((ids) => service.scoresOf(ids)),
    nominationRoundFigures: new DataLoader<string, RoundFigures>((ids) => service.figuresOf(ids)),
    /** Rounds allotted by each round (child rounds), by region code, within scope. */
    nominationChildRounds: nestedPageLoader(ds, {
      entity: NominationRound,
      parentProperty: 'parentRoundId',
      sortProperty: 'regionCode',
      direction: 'ASC',
      filter: (qb) => {
        const s = scope.sql('t.regionCode', 'childScope');
        qb.andWhere(s.where, s.params);
      },
    }),
    /** Objections of each round, oldest first. */
    nominationObjections: nestedPageLoader(ds, { entity: NominationObjection, parentProperty: 'roundId', sortProperty: 'lodgedAt', direction: 'ASC' }),
    /** History of each candidate (申报记录), oldest first. */
    nominationCandidateSteps: nestedPageLoader(ds, { entity: NominationCandidateStep, parentProperty: 'candidateId', sortProperty: 'id', direction: 'ASC' }),
  };
}
export type NominationLoaders = ReturnType<typeof createNominationLoaders>;
