import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { nestedPageLoader } from '../../graphql/nested-connection';
import type { Scope } from '../../graphql/scope';
import { Evaluation, type EvaluationScore, type EvaluationIndicator, type IndicatorSet } from './evaluation.entity';
import type { EvaluationService } from './evaluation.service';
import type { ProviderEvaluationRecord } from './evaluation.types';

/** Per-request loaders of the evaluations module; evaluations are read within the caller's region scope. */
export function createEvaluationLoaders(ds: DataSource, service: EvaluationService, scope: Scope) {
  const s = scope.sql('t.regionCode', 'evaluationScope');
  return {
    evaluationById: new DataLoader<string, Evaluation | null>((ids) => service.byIds(scope, ids)),
    /** Scores with their indicators joined, in indicator order. */
    evaluationScores: new DataLoader<string, EvaluationScore[]>((ids) => service.scoresOf(ids)),
    indicatorSetById: new DataLoader<string, IndicatorSet | null>((ids) => service.setsByIds(scope, ids)),
    indicatorsOfSet: new DataLoader<string, EvaluationIndicator[]>((ids) => service.indicatorsOf(ids)),
    indicatorSetUsage: new DataLoader<string, number>((ids) => service.usageOf(ids)),
    /** Agreement.latestEvaluation: highest year, then highest level. */
    latestEvaluationByAgreement: new DataLoader<string, Evaluation | null>((ids) => service.latestOf(scope, ids)),
    /** Evaluation records of providers, keyed `ORGANIZATION:<uuid>` / `EXPERT:<uuid>` (nomination candidates). */
    providerEvaluationRecord: new DataLoader<string, ProviderEvaluationRecord>((keys) => service.providerRecords(keys)),
    /** Agreement.evaluations, newest first. */
    evaluationsByAgreement: nestedPageLoader(ds, { entity: Evaluation, parentProperty: 'agreementId', sortProperty: 'createdAt', direction: 'DESC', filter: (qb) => qb.andWhere(s.where, s.params) }),
  };
}
export type EvaluationLoaders = ReturnType<typeof createEvaluationLoaders>;
