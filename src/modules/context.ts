import type { DataSource } from 'typeorm';
import type { Logger } from '../server/logger';
import { ANONYMOUS, type Actor, type Principal } from '../graphql/principal';
import { Scope } from '../graphql/scope';
import type { IdempotencyStore } from '../graphql/idempotency';
import { createAgreementLoaders } from './agreements/agreement.loaders';
import { AgreementService } from './agreements/agreement.service';
import { createNotificationLoaders } from './notifications/notification.loaders';
import { NotificationHub } from './notifications/notification.hub';
import { NotificationService } from './notifications/notification.service';
import { createLogger } from '../server/logger';
import { AccessService } from './access/access.service';
import { AuditService } from './audit/audit.service';
import { createExpertLoaders } from './experts/expert.loaders';
import { ExpertService } from './experts/expert.service';
import { createOrganizationLoaders } from './organizations/organization.loaders';
import { OrganizationService } from './organizations/organization.service';
import { createRegionLoaders } from './regions/region.loaders';
import { RegionService } from './regions/region.service';
import { createBeneficiaryLoaders } from './beneficiaries/beneficiary.loaders';
import { BeneficiaryService } from './beneficiaries/beneficiary.service';
import { createNeedLoaders } from './needs/need.loaders';
import { NeedService } from './needs/need.service';
import { createOfferingLoaders } from './offerings/offering.loaders';
import { OfferingService } from './offerings/offering.service';
import { createMatchingLoaders } from './matching/matching.loaders';
import { MatchingService } from './matching/matching.service';
import { createEvaluationLoaders } from './evaluations/evaluation.loaders';
import { EvaluationService } from './evaluations/evaluation.service';
import { createTargetLoaders } from './targets/target.loaders';
import { TargetService } from './targets/target.service';
import { createActivityLoaders } from './activities/activity.loaders';
import { ActivityService } from './activities/activity.service';
import { StatisticsService } from './statistics/statistics.service';
import { createNominationLoaders } from './nominations/nomination.loaders';
import { NominationService } from './nominations/nomination.service';
import { systemClock, type Clock } from '../db/clock';
import { RelationPreloads } from '../graphql/preload';
import type { RequestStats } from '../db/request-stats';

/** Options of the services: `clock` is the server time rules read (the nomination notice); tests inject one they can move. */
export interface ServiceOptions {
  clock?: Clock;
}

/** What a request's services share with the process's: the one notification hub and the hooks objects. */
export interface ProcessServices {
  notificationHub: NotificationHub;
  notifications: Pick<NotificationService, 'hooks'>;
  agreements: Pick<AgreementService, 'hooks'>;
}

/**
 * Every module's service over a data source. The server makes one set for the process (authentication, the
 * notification hub, housekeeping) and one per request over the request's data source (`requestDataSource`, which
 * attributes its SQL to the request), given the process's set to share its hub and hooks. Services keep no state, so
 * a set costs a few allocations.
 */
export function createServices(ds: DataSource, options: ServiceOptions = {}, processServices?: ProcessServices) {
  const clock = options.clock ?? systemClock;
  const audit = new AuditService(ds);
  const regions = new RegionService(ds, audit);
  const organizations = new OrganizationService(ds, audit, regions);
  const experts = new ExpertService(ds, audit, regions, organizations);
  const access = new AccessService(ds, audit, regions);
  const beneficiaries = new BeneficiaryService(ds, audit);
  const needs = new NeedService(ds, audit, beneficiaries);
  const offerings = new OfferingService(ds, audit, regions, organizations, experts);
  const matching = new MatchingService(ds, audit, needs, offerings);
  const notifications = new NotificationService(ds, processServices?.notifications.hooks);
  const agreements = new AgreementService(ds, audit, notifications, regions, organizations, experts, beneficiaries, needs, matching, processServices?.agreements.hooks);
  const evaluations = new EvaluationService(ds, audit, regions, agreements);
  // Completing an agreement needs an accepted evaluation (验收): the agreements module asks through this interface.
  agreements.completionCheck = evaluations;
  const targets = new TargetService(ds, audit, regions);
  const activities = new ActivityService(ds, audit, regions, organizations, beneficiaries);
  const statistics = new StatisticsService(ds, regions, targets);
  const nominations = new NominationService(ds, audit, clock, regions, organizations, experts, agreements);
  // One hub per process: fans filing events out to this instance's subscribers (started by the server).
  const notificationHub = processServices?.notificationHub ?? hubOf(notifications, agreements);
  // Relations of a page of nodes read ahead in one statement (registered in registry.ts).
  const preload = new RelationPreloads(ds);
  return { audit, regions, access, organizations, experts, beneficiaries, needs, offerings, matching, agreements, evaluations, notifications, notificationHub, targets, activities, statistics, nominations, clock, preload };
}
export type Services = ReturnType<typeof createServices>;

function hubOf(notifications: NotificationService, agreements: AgreementService): NotificationHub {
  const hub = new NotificationHub(notifications, createLogger('warn'));
  hub.preload = async (rows) => {
    const found = await agreements.byIds(Scope.everything, rows.map((n) => n.agreementId));
    rows.forEach((n, i) => (n.preloadedAgreement = found[i] ?? undefined));
  };
  return hub;
}

/** Every module's DataLoaders, created per request (and only here) for the caller's scope. */
export function createLoaders(ds: DataSource, services: Services, scope: Scope, principal?: Principal) {
  return {
    ...createRegionLoaders(ds, services.regions),
    ...createOrganizationLoaders(services.organizations, scope),
    ...createExpertLoaders(ds, services.experts, scope),
    ...createBeneficiaryLoaders(ds, services.beneficiaries, scope),
    ...createNeedLoaders(ds, services.needs, scope),
    ...createOfferingLoaders(services.offerings, scope),
    ...createMatchingLoaders(ds, scope),
    ...createAgreementLoaders(ds, services.agreements, scope, services.matching, principal ?? ANONYMOUS),
    ...createEvaluationLoaders(ds, services.evaluations, scope),
    ...createNotificationLoaders(services.notifications, scope, principal ?? ANONYMOUS),
    ...createTargetLoaders(services.targets, scope),
    ...createActivityLoaders(services.activities, scope),
    ...createNominationLoaders(ds, services.nominations, scope),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

/** The per-request GraphQL context. */
export interface Context {
  requestId: string;
  principal: Principal;
  /** The region scope; passed explicitly into every service call. */
  scope: Scope;
  actor: Actor;
  services: Services;
  loaders: Loaders;
  logger: Logger;
  /** Results of mutations sent with an `idempotencyKey` (see `idempotent` in src/graphql/idempotency.ts). */
  idempotency?: IdempotencyStore;
  /** The SQL this request ran so far (reported in `extensions.sqlStatements`). */
  stats: RequestStats;
  /** New per-request loaders: a subscription replaces `loaders` for every event it delivers (no stale caches). */
  renewLoaders?: () => Loaders;
}
