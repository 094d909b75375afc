import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { nestedPageLoader, type NestedSpec } from '../../graphql/nested-connection';
import type { Scope } from '../../graphql/scope';
import type { Agreement, AgreementLink, AgreementProgressItem, AgreementTask } from './agreement.entity';
import type { Principal } from '../../graphql/principal';
import type { ServiceMatch } from '../matching/match.entity';
import type { MatchingService } from '../matching/matching.service';
import { AgreementFilingStep, AgreementProgressReport, AgreementVillage } from './agreement.entity';
import type { AgreementService } from './agreement.service';

/** Beneficiary villages of each agreement (join rows), by code. */
export const VILLAGES: NestedSpec<AgreementVillage> = { entity: AgreementVillage, parentProperty: 'agreementId', sortProperty: 'villageCode', direction: 'ASC', idProperty: 'villageCode' };
/** Filing history (备案记录) of each agreement, oldest first. */
export const FILING_STEPS: NestedSpec<AgreementFilingStep> = { entity: AgreementFilingStep, parentProperty: 'agreementId', sortProperty: 'id', direction: 'ASC' };

/** Per-request loaders of the agreements module; agreements are read within the caller's region scope. */
export function createAgreementLoaders(ds: DataSource, service: AgreementService, scope: Scope, matching: MatchingService, principal: Principal) {
  return {
    agreementById: new DataLoader<string, Agreement | null>((ids) => service.byIds(scope, ids)),
    agreementTasks: new DataLoader<string, AgreementTask[]>((ids) => service.tasksOf(ids)),
    agreementExpertIds: new DataLoader<string, string[]>((ids) => service.expertIdsOf(ids)),
    /** Linked households, needs and matches (ids by kind). */
    agreementLinks: new DataLoader<string, AgreementLink[]>((ids) => service.linksOf(ids)),
    /** Matches as the caller may see them (the matching module's rule), batched. */
    agreementMatchById: new DataLoader<string, ServiceMatch | null>((ids) => matching.byIds(principal, scope, ids)),
    agreementProgress: new DataLoader<string, number | null>((ids) => service.progressOf(ids)),
    taskDelivered: new DataLoader<string, number>((ids) => service.deliveredOf(ids)),
    progressItems: new DataLoader<string, AgreementProgressItem[]>((ids) => service.itemsOf(ids)),
    agreementVillages: nestedPageLoader(ds, VILLAGES),
    agreementFilingSteps: nestedPageLoader(ds, FILING_STEPS),
    /** Progress reports of each agreement, newest first. */
    agreementReports: nestedPageLoader(ds, { entity: AgreementProgressReport, parentProperty: 'agreementId', sortProperty: 'createdAt', direction: 'DESC' }),
  };
}
export type AgreementLoaders = ReturnType<typeof createAgreementLoaders>;
