import type { NonEmptyArray } from 'type-graphql';
import { registerNodeType } from '../graphql/node';
import { registerPreloader } from '../graphql/preload';
import type { Context } from './context';
import { hasRole } from '../graphql/principal';
import { ApiKey } from './access/api-key.entity';
import { AccessResolver } from './access/access.resolver';
import { KEY_ADMINS } from './access/access.service';
import { AuditEvent } from './audit/audit-event.entity';
import { AUDIT_READERS, AuditResolver } from './audit/audit.resolver';
import { Expert } from './experts/expert.entity';
import { ExpertResolver, OrganizationExpertsResolver } from './experts/expert.resolver';
import { Organization } from './organizations/organization.entity';
import { OrganizationResolver } from './organizations/organization.resolver';
import { CountyPairing } from './regions/county-pairing.entity';
import { Region } from './regions/region.entity';
import { CountyPairingResolver, RegionResolver } from './regions/region.resolver';
import { NodeResolver } from './node.resolver';
import { HeartbeatResolver } from '../graphql/heartbeat.resolver';
import { Agreement, AgreementExpert, AgreementFilingStep, AgreementLink, AgreementProgressItem, AgreementProgressReport, AgreementTask, AgreementVillage } from './agreements/agreement.entity';
import { agreementPreloaders, AgreementProgressReportResolver, AgreementResolver, AgreementTaskResolver } from './agreements/agreement.resolver';
import { Notification, NotificationAck } from './notifications/notification.entity';
import { AgreementFiledEventResolver, NOTIFICATION_READERS, NotificationResolver } from './notifications/notification.resolver';
import { Household } from './beneficiaries/household.entity';
import { PoorVillage } from './beneficiaries/poor-village.entity';
import { HouseholdResolver, PoorVillageResolver } from './beneficiaries/beneficiary.resolver';
import { Need } from './needs/need.entity';
import { HouseholdNeedsResolver, NeedCountResolver, NeedResolver, PoorVillageNeedsResolver } from './needs/need.resolver';
import { ServiceOffering } from './offerings/offering.entity';
import { ServiceOfferingResolver } from './offerings/offering.resolver';
import { ServiceMatch } from './matching/match.entity';
import { MatchCandidateResolver, MatchingResolver, NeedMatchesResolver } from './matching/matching.resolver';
import { Evaluation, EvaluationIndicator, EvaluationScore, IndicatorSet } from './evaluations/evaluation.entity';
import { AgreementEvaluationsResolver, EvaluationResolver, EvaluationScoreResolver, IndicatorSetResolver, latestEvaluationPreloader } from './evaluations/evaluation.resolver';
import { Commendation, NominationCandidate, NominationCandidateStep, NominationObjection, NominationReviewer, NominationRound, NominationScore } from './nominations/nomination.entity';
import { CommendationResolver, NominationCandidateResolver, NominationObjectionResolver, NominationRoundResolver } from './nominations/nomination.resolver';
import { Target } from './targets/target.entity';
import { TargetResolver } from './targets/target.resolver';
import { Activity, ActivityHousehold, Facility } from './activities/activity.entity';
import { ActivityResolver, FacilityResolver } from './activities/activity.resolver';
import { HouseholdVillageStats } from './statistics/household-village-stats.entity';
import { ProviderGrade } from './evaluations/provider-grade.entity';
import { StatisticsResolver } from './statistics/statistics.resolver';

/** Every TypeORM entity (the data source maps exactly these). */
export const entities = [Region, CountyPairing, Organization, Expert, AuditEvent, ApiKey, PoorVillage, Household, Need, ServiceOffering, ServiceMatch, Agreement, AgreementTask, AgreementExpert, AgreementVillage, AgreementFilingStep, AgreementProgressReport, AgreementProgressItem, AgreementLink, IndicatorSet, EvaluationIndicator, Evaluation, EvaluationScore, Notification, NotificationAck, Target, Facility, Activity, ActivityHousehold, HouseholdVillageStats, ProviderGrade, NominationRound, NominationCandidate, NominationCandidateStep, NominationReviewer, NominationScore, NominationObjection, Commendation];

/** Every GraphQL resolver class. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [NodeResolver, RegionResolver, CountyPairingResolver, OrganizationResolver, ExpertResolver, OrganizationExpertsResolver, AccessResolver, AuditResolver, PoorVillageResolver, HouseholdResolver, NeedResolver, NeedCountResolver, HouseholdNeedsResolver, PoorVillageNeedsResolver, ServiceOfferingResolver, MatchingResolver, MatchCandidateResolver, NeedMatchesResolver, HeartbeatResolver, AgreementResolver, AgreementTaskResolver, AgreementProgressReportResolver, EvaluationResolver, IndicatorSetResolver, EvaluationScoreResolver, AgreementEvaluationsResolver, NotificationResolver, AgreementFiledEventResolver, TargetResolver, FacilityResolver, ActivityResolver, StatisticsResolver, NominationRoundResolver, NominationCandidateResolver, NominationObjectionResolver, CommendationResolver];

/** Object types reachable only through the Node interface must be listed for the schema. */
export const orphanedTypes = [Region, CountyPairing, Organization, Expert, AuditEvent, ApiKey, PoorVillage, Household, Need, ServiceOffering, ServiceMatch, Agreement, IndicatorSet, Evaluation, Notification, Target, Facility, Activity, NominationRound, NominationCandidate, NominationObjection, Commendation];

registerNodeType<Context>('Region', (ctx, keys) => ctx.loaders.regionByCode.loadMany(keys));
registerNodeType<Context>('CountyPairing', (ctx, keys) => ctx.loaders.pairingById.loadMany(keys));
registerNodeType<Context>('Organization', (ctx, keys) => ctx.loaders.organizationById.loadMany(keys));
registerNodeType<Context>('Expert', (ctx, keys) => ctx.loaders.expertById.loadMany(keys));
// Audit events and API keys resolve only for the roles that may list them, within their scope.
registerNodeType<Context>('AuditEvent', (ctx, keys) => (hasRole(ctx.principal, ...AUDIT_READERS) ? ctx.services.audit.bySeqs(ctx.scope, keys) : Promise.resolve(keys.map(() => null))));
registerNodeType<Context>('ApiKey', (ctx, keys) => (hasRole(ctx.principal, ...KEY_ADMINS) ? ctx.services.access.byIds(ctx.scope, keys) : Promise.resolve(keys.map(() => null))));
registerNodeType<Context>('PoorVillage', (ctx, keys) => ctx.loaders.poorVillageByCode.loadMany(keys));
registerNodeType<Context>('Household', (ctx, keys) => ctx.loaders.householdById.loadMany(keys));
registerNodeType<Context>('Need', (ctx, keys) => ctx.loaders.needById.loadMany(keys));
registerNodeType<Context>('ServiceOffering', (ctx, keys) => ctx.loaders.offeringById.loadMany(keys));
// Matches: visible when the need is in scope, or to the provider they were proposed to.
registerNodeType<Context>('ServiceMatch', (ctx, keys) => ctx.services.matching.byIds(ctx.principal, ctx.scope, keys));
registerNodeType<Context>('Agreement', (ctx, keys) => ctx.loaders.agreementById.loadMany(keys));
registerNodeType<Context>('IndicatorSet', (ctx, keys) => ctx.loaders.indicatorSetById.loadMany(keys));
registerNodeType<Context>('Evaluation', (ctx, keys) => ctx.loaders.evaluationById.loadMany(keys));
// Notifications resolve only for coordinators (who may list them), within their scope.
registerNodeType<Context>('Notification', (ctx, keys) => (hasRole(ctx.principal, ...NOTIFICATION_READERS) ? ctx.loaders.notificationById.loadMany(keys) : Promise.resolve(keys.map(() => null))));
registerNodeType<Context>('Target', (ctx, keys) => ctx.loaders.targetById.loadMany(keys));
registerNodeType<Context>('Facility', (ctx, keys) => ctx.loaders.facilityById.loadMany(keys));
registerNodeType<Context>('Activity', (ctx, keys) => ctx.loaders.activityById.loadMany(keys));
registerNodeType<Context>('NominationRound', (ctx, keys) => ctx.loaders.nominationRoundById.loadMany(keys));
registerNodeType<Context>('NominationCandidate', (ctx, keys) => ctx.loaders.nominationCandidateById.loadMany(keys));
registerNodeType<Context>('NominationObjection', (ctx, keys) => ctx.loaders.nominationObjectionById.loadMany(keys));
registerNodeType<Context>('Commendation', (ctx, keys) => ctx.loaders.commendationById.loadMany(keys));

// Relations of a page of agreements read in one statement (src/graphql/preload.ts).
for (const [field, preloader] of Object.entries(agreementPreloaders)) registerPreloader('Agreement', Agreement, field, preloader);
registerPreloader('Agreement', Agreement, 'latestEvaluation', latestEvaluationPreloader);
