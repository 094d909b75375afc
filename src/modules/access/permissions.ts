import { COORDINATORS, Role } from '../../graphql/principal';
import { AUDIT_READERS } from '../audit/audit.resolver';
import { KEY_ADMINS } from './access.service';
import { AGREEMENT_PARTIES, AGREEMENT_REVIEWERS } from '../agreements/agreement.resolver';
import { NOTIFICATION_READERS } from '../notifications/notification.resolver';
import { EVALUATION_REVIEWERS, INDICATOR_SET_ADMINS } from '../evaluations/evaluation.resolver';
import { TARGET_SETTERS } from '../targets/target.resolver';
import { ACTIVITY_RECORDERS } from '../activities/activity.resolver';
import { NOMINATION_REVIEWERS } from '../nominations/nomination.resolver';

/**
 * Who may call each root field of the schema. `public`: anyone, anonymous included. Otherwise `roles`
 * (the field's `@Authorized(...)` roles; `[]` = any authenticated principal). `scoped`: the principal's
 * region scope further limits what it reads or writes (filtered in SQL; out-of-scope writes are FORBIDDEN
 * userErrors). test/auth-matrix.spec.ts fails when a root field has no rule here, or when a rule disagrees
 * with the field's `@Authorized` metadata.
 */
export type Permission = { public: true; scoped: boolean; note?: string } | { public?: false; roles: readonly Role[]; scoped: boolean; note?: string };

export const PERMISSIONS: Record<string, Permission> = {
  // Public reference data and identity.
  'Query.region': { public: true, scoped: false, note: 'regions are public reference data' },
  'Query.regions': { public: true, scoped: false, note: 'regions are public reference data' },
  'Query.node': { public: true, scoped: true, note: 'regions and county pairings for anyone; every other type only for roles that may read it, in scope' },
  'Query.nodes': { public: true, scoped: true, note: 'as node' },
  'Query.me': { public: true, scoped: false, note: 'anonymous callers get kind ANONYMOUS' },
  // Access control and audit.
  'Query.apiKeys': { roles: KEY_ADMINS, scoped: true },
  'Query.auditEvents': { roles: AUDIT_READERS, scoped: true },
  'Mutation.createApiKey': { roles: KEY_ADMINS, scoped: true, note: 'cannot grant roles above your own or a wider scope' },
  'Mutation.revokeApiKey': { roles: KEY_ADMINS, scoped: true },
  // Organizations (科技组织) and experts (科技专家): readable by any authenticated principal within its scope.
  'Query.organization': { roles: [], scoped: true },
  'Query.organizations': { roles: [], scoped: true },
  'Query.expert': { roles: [], scoped: true },
  'Query.experts': { roles: [], scoped: true },
  'Mutation.createOrganization': { roles: COORDINATORS, scoped: true },
  'Mutation.updateOrganization': { roles: [...COORDINATORS, Role.ORGANIZATION_MANAGER], scoped: true, note: 'coordinators in scope, or the manager of that organization' },
  'Mutation.archiveOrganization': { roles: COORDINATORS, scoped: true },
  'Mutation.importOrganizations': { roles: COORDINATORS, scoped: true, note: 'rows outside the scope (new region or stored record) are FORBIDDEN row errors' },
  'Mutation.createExpert': { roles: COORDINATORS, scoped: true },
  'Mutation.updateExpert': { roles: [...COORDINATORS, Role.EXPERT], scoped: true, note: 'coordinators in scope, or the expert themself' },
  'Mutation.archiveExpert': { roles: COORDINATORS, scoped: true },
  'Mutation.importExperts': { roles: COORDINATORS, scoped: true, note: 'rows outside the scope (home region or stored record) are FORBIDDEN row errors' },
  'Mutation.fileExpertRoster': { roles: COORDINATORS, scoped: true },
  'Mutation.registerExpertRoster': { roles: COORDINATORS, scoped: true, note: 'the association the entry was filed with, or above' },
  // Regions.
  'Mutation.createCountyPairing': { roles: COORDINATORS, scoped: true, note: 'the helped county must be in scope' },
  'Mutation.updateRegionPoverty': { roles: COORDINATORS, scoped: true, note: 'by the association above the region' },
  // Beneficiaries (建档立卡贫困村/户): any authenticated principal reads within scope (personal data masked);
  // coordinators maintain them.
  'Query.poorVillage': { roles: [], scoped: true },
  'Query.poorVillages': { roles: [], scoped: true },
  'Query.household': { roles: [], scoped: true, note: 'head name and ID number masked unless a coordinator in scope' },
  'Query.households': { roles: [], scoped: true, note: 'head name and ID number masked unless a coordinator in scope' },
  'Mutation.importPoorVillages': { roles: COORDINATORS, scoped: true, note: 'rows outside the scope are FORBIDDEN row errors' },
  'Mutation.updatePoorVillage': { roles: COORDINATORS, scoped: true },
  'Mutation.importHouseholds': { roles: COORDINATORS, scoped: true, note: 'rows outside the scope are FORBIDDEN row errors' },
  'Mutation.updateHousehold': { roles: COORDINATORS, scoped: true },
  // Needs (需求).
  'Query.need': { roles: [], scoped: true },
  'Query.needs': { roles: [], scoped: true },
  'Query.needCounts': { roles: COORDINATORS, scoped: true, note: 'coverage: needs per county and category' },
  'Mutation.createNeed': { roles: [...COORDINATORS, Role.EXPERT], scoped: true, note: 'surveyed by coordinators or experts, for villages/households in scope' },
  'Mutation.transitionNeed': { roles: COORDINATORS, scoped: true },
  // Service offerings (科技服务) and matching (精准对接).
  'Query.serviceOffering': { roles: [], scoped: true, note: 'visible when the provider or a served region overlaps the scope' },
  'Query.serviceOfferings': { roles: [], scoped: true, note: 'visible when the provider or a served region overlaps the scope' },
  'Mutation.createServiceOffering': { roles: [...COORDINATORS, Role.ORGANIZATION_MANAGER, Role.EXPERT], scoped: true, note: 'the provider itself, or coordinators covering the provider' },
  'Mutation.updateServiceOffering': { roles: [...COORDINATORS, Role.ORGANIZATION_MANAGER, Role.EXPERT], scoped: true, note: 'the provider itself, or coordinators covering the provider' },
  'Query.matchCandidates': { roles: COORDINATORS, scoped: true, note: 'empty for needs outside the scope' },
  'Query.openNeedsWithoutCandidates': { roles: COORDINATORS, scoped: true, note: 'coverage' },
  'Query.serviceMatches': { roles: [], scoped: true, note: 'needs in scope, or proposed to the caller as provider' },
  'Mutation.proposeMatch': { roles: COORDINATORS, scoped: true },
  'Mutation.acceptMatch': { roles: [...COORDINATORS, Role.ORGANIZATION_MANAGER, Role.EXPERT], scoped: true, note: 'the provider it was proposed to, or a coordinator covering the need' },
  'Mutation.declineMatch': { roles: [...COORDINATORS, Role.ORGANIZATION_MANAGER, Role.EXPERT], scoped: true, note: 'the provider it was proposed to, or a coordinator covering the need' },
  // Assistance agreements (帮扶协议书) and level-by-level filing (备案).
  'Query.agreement': { roles: [], scoped: true },
  'Query.agreements': { roles: [], scoped: true },
  'Mutation.createAgreement': { roles: AGREEMENT_PARTIES, scoped: true, note: 'coordinators in scope, or an organization manager / expert who is a party' },
  'Mutation.updateAgreement': { roles: AGREEMENT_PARTIES, scoped: true, note: 'DRAFT or RETURNED only; coordinators in scope or a party' },
  'Mutation.signAgreement': { roles: AGREEMENT_PARTIES, scoped: true, note: 'coordinators in scope or a party' },
  'Mutation.fileAgreement': { roles: AGREEMENT_PARTIES, scoped: true, note: 'coordinators in scope or a party' },
  'Mutation.approveAgreementReview': { roles: AGREEMENT_REVIEWERS, scoped: true, note: "only the reviewing level's coordinator whose scope covers the agreement" },
  'Mutation.returnAgreement': { roles: AGREEMENT_REVIEWERS, scoped: true, note: "only the reviewing level's coordinator whose scope covers the agreement" },
  'Mutation.submitAgreementsToRegistry': { roles: [Role.PROVINCIAL_COORDINATOR], scoped: true, note: 'agreements in PROVINCE_REVIEW in the province; all or none' },
  'Mutation.registerAgreement': { roles: [Role.NATIONAL_ADMIN], scoped: true },
  'Mutation.startAgreement': { roles: AGREEMENT_PARTIES, scoped: true, note: 'coordinators in scope or a party' },
  'Mutation.reportAgreementProgress': { roles: AGREEMENT_PARTIES, scoped: true, note: 'coordinators in scope or a party' },
  'Mutation.completeAgreement': { roles: COORDINATORS, scoped: true, note: 'needs an accepted evaluation (验收), else NOT_ELIGIBLE' },
  'Mutation.terminateAgreement': { roles: COORDINATORS, scoped: true },
  // Evaluations (评估考核, 评估验收) and indicator sets (考核指标体系).
  'Query.evaluation': { roles: [], scoped: true },
  'Query.evaluations': { roles: [], scoped: true },
  'Query.indicatorSets': { roles: [], scoped: true, note: 'sets that apply to the scope (national, its province) or lie inside it' },
  'Mutation.createIndicatorSet': { roles: INDICATOR_SET_ADMINS, scoped: true, note: 'national admins for 000000, provincial coordinators for their province' },
  'Mutation.updateIndicatorSet': { roles: INDICATOR_SET_ADMINS, scoped: true, note: 'indicators only while no evaluation uses the set' },
  'Mutation.createEvaluation': { roles: COORDINATORS, scoped: true, note: "the coordinator of the evaluation's level whose scope covers the agreement" },
  'Mutation.updateEvaluation': { roles: COORDINATORS, scoped: true, note: 'the evaluating level, DRAFT or RETURNED' },
  'Mutation.submitEvaluation': { roles: COORDINATORS, scoped: true, note: 'the evaluating level' },
  'Mutation.reviewEvaluation': { roles: EVALUATION_REVIEWERS, scoped: true, note: 'only the level directly above the evaluating one, in scope' },
  'Mutation.recommendEvaluation': { roles: COORDINATORS, scoped: true, note: 'REVIEWED evaluations graded GOOD or better' },
  // Filing notifications (备案通知) and live filing events.
  'Query.notifications': { roles: NOTIFICATION_READERS, scoped: true },
  'Mutation.acknowledgeNotifications': { roles: NOTIFICATION_READERS, scoped: true, note: 'per-principal acknowledgement' },
  'Subscription.agreementFiled': { roles: NOTIFICATION_READERS, scoped: true, note: 'region checked against scope at subscribe time (FORBIDDEN) and for every event' },
  'Subscription.filingEvents': { roles: NOTIFICATION_READERS, scoped: true, note: 'region checked against scope at subscribe time (FORBIDDEN) and for every event' },
  // Targets (目标任务), facilities and activities, statistics for reporting front ends, county assessments (考核).
  'Query.targets': { roles: [], scoped: true, note: 'targets of regions in scope, each with the sum of its children\'s targets' },
  'Mutation.setTarget': { roles: TARGET_SETTERS, scoped: true, note: 'coordinators whose scope covers the region (its own association or one above)' },
  'Mutation.splitTarget': { roles: TARGET_SETTERS, scoped: true, note: 'coordinators whose scope covers the parent region; all or none; over-allocation refused' },
  'Query.facilities': { roles: [], scoped: true },
  'Query.activities': { roles: [], scoped: true },
  'Mutation.recordFacility': { roles: ACTIVITY_RECORDERS, scoped: true },
  'Mutation.recordActivity': { roles: ACTIVITY_RECORDERS, scoped: true, note: 'attending households must be in scope and in the activity region' },
  'Query.statistics': { roles: [], scoped: true, note: 'null for a region outside the scope; 000000 only for national scope' },
  'Query.countyAssessments': { roles: [], scoped: true, note: 'counties in scope only' },
  'Subscription.heartbeat': { public: true, scoped: false, note: 'data-free keep-alive ticks' },
  // Nominations (组织申报/推荐评选), public notice (公示) and commendations (表彰).
  'Query.nominationRound': { roles: [], scoped: true, note: 'rounds of associations inside the scope' },
  'Query.nominationRounds': { roles: [], scoped: true, note: 'rounds of associations inside the scope' },
  'Query.commendations': { roles: [], scoped: true, note: 'recipients inside the scope' },
  'Mutation.createNominationRound': { roles: COORDINATORS, scoped: true, note: 'national round: national association; other rounds: a coordinator covering the parent round (allots the quota)' },
  'Mutation.addNominationCandidate': { roles: COORDINATORS, scoped: true, note: 'coordinators covering the round; NOT_ELIGIBLE unless in the registry with a registered agreement' },
  'Mutation.assignNominationReviewers': { roles: COORDINATORS, scoped: true, note: 'coordinators covering the round' },
  'Mutation.scoreNominationCandidate': { roles: NOMINATION_REVIEWERS, scoped: true, note: "only members of the round's panel" },
  'Mutation.closeNominationPanel': { roles: COORDINATORS, scoped: true, note: 'coordinators covering the round' },
  'Mutation.selectNominationCandidates': { roles: COORDINATORS, scoped: true, note: 'coordinators covering the round; within the quota' },
  'Mutation.publishNominationNotice': { roles: COORDINATORS, scoped: true, note: 'coordinators covering the round' },
  'Mutation.submitNominationRound': { roles: COORDINATORS, scoped: true, note: 'coordinators covering the round; after 7 full days of notice, no open objection' },
  'Mutation.revokeNominationCandidate': { roles: COORDINATORS, scoped: true, note: 'coordinators covering the round' },
  'Mutation.lodgeNominationObjection': { roles: [], scoped: true, note: 'anyone authenticated whose scope covers the round, during the notice' },
  'Mutation.resolveNominationObjection': { roles: COORDINATORS, scoped: true, note: 'coordinators covering the round' },
  'Mutation.recordCommendation': { roles: COORDINATORS, scoped: true, note: 'the commending association or above; recipient inside its region' },
};
